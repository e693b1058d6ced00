"""Autograd misconceptions, followed through one scope in source order: LV201 (re-wrapping a
computed tensor), LV202 (a wrap that detaches), LV203 (a ``.grad`` that is always None),
LV204 (non-scalar ``backward()``), LV205 (``.data`` mutation of a tensor with history),
LV207 (``.numpy()`` on a tensor that requires grad), and LV104 for plain-name receivers.

Each scope is read once, top to bottom; a name's facts are replaced at every binding.
Loops are read in source order too: the rules only speak where that reading is enough.
"""

from __future__ import annotations

import ast

from ...diagnostics import SAFE
from .context import Context
from .dataflow import (ABSENT, COMPUTED, FRESH, LEAF_RG, UNKNOWN_FACT, Classifier, Fact, keyword,
                       literal, requires_grad_arg)
from .fixes import make_fix
from . import shapes
from .legacy_api import scalar_index
from .names import Scope
from .variable import detach_fix

_NESTED_SCOPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                            ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp})
_FOLLOWED = frozenset({"wrap", "grad", "method", "datamut", "index0", "dot", "print",
                       "percent"})
# Attribute reads of a tensor that do not build a graph from it.
_INERT_ATTRS = frozenset({"grad", "data", "requires_grad", "shape", "is_leaf", "grad_fn",
                          "dtype", "device", "size", "dim", "numel", "volatile"})


def check_scopes(ctx: Context) -> None:
    for call, scope in ctx.variable_calls:
        scope.events.append(((call.lineno, call.col_offset), "wrap", None, call, None))
        scope.events.sort(key=lambda e: e[0])
    for scope in ctx.index.scopes:
        events = scope.events
        if events and any(event[1] in _FOLLOWED for event in events):
            _ScopeFlow(ctx, scope).run()


class _ScopeFlow:
    def __init__(self, ctx: Context, scope: Scope) -> None:
        self.ctx = ctx
        self.scope = scope
        self.facts: dict[str, Fact] = {}
        self.classifier = Classifier(scope, self.facts)
        # name -> (line of the wrap, wrap call, the assignment that computed the wrapped value)
        self.wrapped: dict[str, tuple[int, ast.Call, ast.AST | None]] = {}
        self.grad_reads: dict[str, list[tuple]] = {}
        self.grad_enablers: set[str] = set()  # names later given requires_grad / retain_grad
        self.defining_value: dict[str, ast.AST] = {}
        for key, kind, name, node, extra in scope.events:
            if kind == "grad":
                self.grad_reads.setdefault(name, []).append(key)
            elif kind == "rgset" or kind == "method" and extra in ("requires_grad_", "retain_grad"):
                self.grad_enablers.add(name)
        self._uses: dict[str, list[tuple]] | None = None

    def run(self) -> None:
        facts = self.facts
        for key, kind, name, node, extra in self.scope.events:
            if kind == "assign":
                facts[name] = _at_line(self.classifier.classify(extra), node.lineno)
                self.defining_value[name] = extra
                self.wrapped.pop(name, None)
            elif kind == "augassign":
                facts[name] = _at_line(self.classifier.accumulate(name, extra), node.lineno)
                self.defining_value.pop(name, None)
                self.wrapped.pop(name, None)
            elif kind == "bind":
                facts[name] = UNKNOWN_FACT
                self.defining_value.pop(name, None)
                self.wrapped.pop(name, None)
            elif kind == "wrap":
                self._wrap(key, node)
            elif kind == "grad":
                self._grad_read(name, node)
            elif kind == "rgset":
                self._enable_grad(name)
            elif kind == "method":
                self._method(name, node, extra)
            elif kind == "datamut":
                fact = facts.get(name)
                if fact is not None and fact.kind == COMPUTED and fact.rg is True:
                    self.ctx.add(self.ctx.sm.diagnostic("LV205", node))
            elif kind == "dot":
                shapes.check_dot(self.ctx, node, self.scope, self.classifier)
            elif kind == "print":
                shapes.check_print(self.ctx, node, self.scope, self.classifier)
            elif kind == "percent":
                shapes.check_percent_format(self.ctx, node, self.scope, self.classifier)
            elif kind == "index0":
                if name is None:
                    value = node.value
                    if value.__class__ is ast.Attribute and value.attr == "data":
                        value = value.value
                    fact = self.classifier.classify(value)
                else:
                    fact = facts.get(name)
                if extra == "indexed again" and (fact is None or not fact.zero_dim):
                    continue
                scalar_index(self.ctx, node, self.scope, fact, name)

    # ------------------------------------------------------------------ events
    def _enable_grad(self, name: str) -> None:
        fact = self.facts.get(name)
        if fact is None or fact.kind in (FRESH, LEAF_RG):
            numel = fact.numel_gt1 if fact is not None else None
            self.facts[name] = Fact(LEAF_RG, rg=True, numel_gt1=numel)

    def _method(self, name: str, call: ast.Call, method: str) -> None:
        ctx = self.ctx
        fact = self.facts.get(name)
        if method == "requires_grad_":
            self._enable_grad(name)
        elif method == "backward":
            if fact is None or call.args or keyword(call, "gradient") is not None:
                return
            if any(kw.arg is None for kw in call.keywords):
                return
            if fact.numel_gt1 is True and not fact.zero_dim and fact.rg is True:
                ctx.add(ctx.sm.diagnostic("LV204", call))
        elif method == "numpy":
            if fact is not None and fact.rg is True and not call.args:
                sm = ctx.sm
                fix = make_fix([sm.insert(sm.end(call.func.value), ".detach()")], SAFE,
                               "Use `.detach().numpy()`")
                ctx.add(sm.diagnostic("LV207", call, fix))

    def _wrap(self, key: tuple, call: ast.Call) -> None:
        if not call.args or call.args[0].__class__ is ast.Starred:
            return
        data = call.args[0]
        rg = requires_grad_arg(call, 1)
        volatile = keyword(call, "volatile")
        if volatile is not None and literal(volatile.value) is not False:
            return
        ctx = self.ctx
        sm = ctx.sm
        if data.__class__ is ast.Name:
            fact = self.facts.get(data.id)
            target = data.id
            value = self.defining_value.get(data.id)
        else:
            fact = self.classifier.classify(data)
            target = sm.text(data)
            value = data
        if fact is None:
            return
        if rg is True:
            if fact.kind != COMPUTED or not fact.inputs:
                return
            inputs = fact.inputs
            evidence = any(
                self.classifier.name_fact(name).rg is True
                or any(read > key for read in self.grad_reads.get(name, ()))
                for name in inputs
            )
            if not evidence:
                return
            listed = ", ".join(f"`{name}`" for name in inputs)
            ctx.add(sm.diagnostic("LV201", call, None, target=target, inputs=listed))
            for name in inputs:
                self.wrapped[name] = (call.lineno, call, value)
        elif rg is False or rg is ABSENT:
            if fact.rg is True and fact.kind in (LEAF_RG, COMPUTED):
                fix = detach_fix(ctx, call, data, False)
                ctx.add(sm.diagnostic("LV202", call, fix, target=target))

    def _grad_read(self, name: str, node: ast.Attribute) -> None:
        ctx = self.ctx
        sm = ctx.sm
        if name in self.grad_enablers:
            return
        wrapped = self.wrapped.get(name)
        if wrapped is not None:
            line, call, value = wrapped
            if self._only_flowed_into(name, value, call):
                ctx.add(sm.diagnostic("LV203", node, None, target=name, variant="flowed_into",
                                      wrap_line=line,
                                      related=(("wrap_site", f"{sm.path}:{line}"),)))
            return
        fact = self.facts.get(name)
        if fact is None or len(self.scope.binding_events(name)) != 1:
            return
        if fact.kind == FRESH and fact.rg is False and not self._escapes(name):
            ctx.add(sm.diagnostic("LV203", node, None, target=name,
                                  variant="no_requires_grad"))
        elif fact.kind == COMPUTED and fact.rg is True and not self._escapes(name):
            ctx.add(sm.diagnostic("LV203", node, None, target=name, variant="not_leaf",
                                  computed_line=fact.line))

    # ------------------------------------------------------------------ uses of a name
    def _name_uses(self) -> dict[str, list[tuple]]:
        """Every load of a name in this scope (not nested ones), with how it is used."""
        if self._uses is None:
            uses: dict[str, list[tuple]] = {}
            root = self.scope.node
            body = getattr(root, "body", None)  # comprehensions have none: not followed
            if body is None:
                body = []
            elif not isinstance(body, list):
                body = [body]  # a lambda's expression
            stack = [(stmt, None) for stmt in body]
            nested = _NESTED_SCOPES
            while stack:
                node, parent = stack.pop()
                cls = node.__class__
                if cls in nested:
                    continue
                if cls is ast.Name:
                    if node.ctx.__class__ is ast.Load:
                        uses.setdefault(node.id, []).append((node, parent))
                    continue
                for field in cls._fields:
                    value = getattr(node, field, None)
                    if value.__class__ is list:
                        for item in value:
                            if isinstance(item, ast.AST):
                                stack.append((item, node))
                    elif isinstance(value, ast.AST):
                        stack.append((value, node))
            self._uses = uses
        return self._uses

    @staticmethod
    def _inert(node: ast.Name, parent: ast.AST | None) -> bool:
        if parent is None:
            return False
        if parent.__class__ is ast.Attribute and parent.attr in _INERT_ATTRS:
            return True
        if parent.__class__ is ast.Call and parent.func.__class__ is ast.Name \
                and parent.func.id == "print":
            return True
        return False

    def _only_flowed_into(self, name: str, value: ast.AST | None, call: ast.Call) -> bool:
        """``name`` reaches nothing but the re-wrapped value (and inert reads)."""
        inside = [r for r in (value, call) if r is not None]
        for node, parent in self._name_uses().get(name, ()):
            if self._inert(node, parent):
                continue
            if any(_contains(region, node) for region in inside):
                continue
            return False
        return True

    def _escapes(self, name: str) -> bool:
        """Whether ``name`` is handed to code that might make it require grad."""
        for node, parent in self._name_uses().get(name, ()):
            if self._inert(node, parent):
                continue
            if parent.__class__ in (ast.BinOp, ast.UnaryOp, ast.Compare, ast.Subscript):
                continue
            if parent.__class__ is ast.Attribute:
                continue  # a method call on the tensor itself
            return True
        return False


def _contains(region: ast.AST, node: ast.AST) -> bool:
    start = (region.lineno, region.col_offset)
    end = (region.end_lineno, region.end_col_offset)
    return start <= (node.lineno, node.col_offset) and (node.end_lineno, node.end_col_offset) <= end


def _at_line(fact: Fact, line: int) -> Fact:
    """The fact, remembering where an op result was computed (for LV203's message)."""
    if fact.kind != COMPUTED:
        return fact  # shared facts such as NUMBER_FACT are compared by identity
    return Fact(fact.kind, fact.rg, fact.inputs, fact.zero_dim, fact.numel_gt1, fact.int_dtype,
                line, fact.ndim)
