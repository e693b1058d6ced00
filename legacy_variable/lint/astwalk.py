"""A fast walk over an ``ast`` tree, shared by the checkers, the facts pass and the
``async=`` pass.

``ast.walk`` and ``ast.iter_child_nodes`` make two generators per node and look at every
field, expression contexts and operators included; on a large tree that costs about as
much as the parse itself. Here each node class's fields worth walking are computed once
(``child_fields``) and the walk is one list.
"""

from __future__ import annotations

import ast

__all__ = ["FIELDS", "child_fields", "children", "walk"]

# Expression contexts, operators and type comments hold no node worth visiting.
_SKIPPED_FIELDS = frozenset({"ctx", "type_comment", "kind", "op", "ops"})
#: Node class -> ``child_fields``; read directly (``FIELDS.get(cls) or child_fields(cls)``)
#: in loops that run once per node, where a call per node shows.
FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that can hold nodes worth walking (no expression
    contexts, operators or strings)."""
    fields = FIELDS.get(cls)
    if fields is None:
        fields = FIELDS[cls] = tuple(f for f in cls._fields if f not in _SKIPPED_FIELDS)
    return fields


def children(node: ast.AST) -> list[ast.AST]:
    """The direct child nodes of ``node`` (as ``ast.iter_child_nodes``, less contexts and
    operators)."""
    found: list[ast.AST] = []
    for field in FIELDS.get(node.__class__) or child_fields(node.__class__):
        value = getattr(node, field, None)
        if value.__class__ is list:
            found.extend(item for item in value if isinstance(item, ast.AST))
        elif value is not None and isinstance(value, ast.AST):
            found.append(value)
    return found


def walk(node: ast.AST) -> list[ast.AST]:
    """Every node under ``node`` and itself, as ``ast.walk`` yields them (less the
    context and operator nodes, which hold nothing), several times faster: a field table
    per class instead of two generators per node."""
    found = [node]
    i = 0
    while i < len(found):
        current = found[i]
        i += 1
        for field in FIELDS.get(current.__class__) or child_fields(current.__class__):
            value = getattr(current, field, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        found.append(item)
            elif value is not None and isinstance(value, ast.AST):
                found.append(value)
    return found
