"""State shared by the rule modules while one module is checked."""

from __future__ import annotations

import ast

from ...diagnostics import Diagnostic
from ..project import FileFacts
from .events import EventKind
from .fixes import SourceMap
from .torch_api import LEGACY_TENSOR_TYPES
from .names import ModuleIndex, Scope, imports_torch, module_name_for, qualname


class Context:
    def __init__(self, index: ModuleIndex, sm: SourceMap, project: FileFacts | None = None) -> None:
        self.index = index
        self.sm = sm
        #: What the rest of the project says about this file (lint/project.py).
        self.project: FileFacts = project if project is not None else FileFacts.UNKNOWN
        self.diagnostics: list[Diagnostic] = []
        self._torch_names: dict[int, str | None] = {}
        self._imports_torch: bool | None = None
        self._aliases: dict[str, frozenset[str]] | None = None

    @property
    def tensor_type_aliases(self) -> dict[str, frozenset[str]]:
        """Module-level names bound once to legacy tensor types, the 2018 idiom
        ``Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor``."""
        if self._aliases is None:
            self._aliases = {}
            module = self.index.module
            for event in module.events:
                if event.kind is not EventKind.ASSIGN \
                        or len(module.binding_events(event.name)) != 1:
                    continue
                types = _legacy_types(event.value, module)
                if types:
                    self._aliases[event.name] = types
        return self._aliases

    def legacy_tensor_type(self, node: ast.AST, scope: Scope) -> frozenset[str] | None:
        """The legacy tensor types an expression can stand for (None: not one)."""
        q = qualname(node, scope)
        if q in LEGACY_TENSOR_TYPES:
            return frozenset({q})
        if node.__class__ is ast.Name and q is None:
            types = self.tensor_type_aliases.get(node.id)
            if types is not None and scope.owner(node.id) is self.index.module:
                return types
        return None

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def torch_name(self, scope: Scope) -> str | None:
        """How to spell ``torch`` in ``scope`` for a fix (None: no fix can name it)."""
        key = id(scope)
        if key not in self._torch_names:
            self._torch_names[key] = module_name_for(self.index, scope, "torch")
        return self._torch_names[key]

    @property
    def imports_torch(self) -> bool:
        if self._imports_torch is None:
            self._imports_torch = imports_torch(self.index)
        return self._imports_torch


def _legacy_types(node: ast.AST, scope: Scope) -> frozenset[str] | None:
    if node.__class__ is ast.IfExp:
        body = _legacy_types(node.body, scope)
        orelse = _legacy_types(node.orelse, scope)
        return body | orelse if body and orelse else None
    q = qualname(node, scope)
    return frozenset({q}) if q in LEGACY_TENSOR_TYPES else None
