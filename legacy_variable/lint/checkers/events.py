"""What the index records, in source order, for the flow rules of one scope.

An ``Event`` is read by field, never by position, and nobody rewrites one after the index
made it: a rule that needs more (the flow's ``Variable(...)`` wraps) merges its own events
into the sequence it reads.
"""

from __future__ import annotations

import ast
from enum import Enum
from operator import itemgetter
from typing import NamedTuple


class EventKind(str, Enum):
    # ``str``: kinds are hashed for every event (dispatch, filters), and a plain Enum's
    # hash is a Python-level call.
    #: ``name = value`` (``value`` is the assigned expression).
    ASSIGN = "assign"
    #: ``name op= value`` (``value`` is the AugAssign statement).
    AUGASSIGN = "augassign"
    #: Any other binding: arguments, loop and ``with`` targets, tuple unpacking.
    BIND = "bind"
    #: A read of ``name.grad``.
    GRAD = "grad"
    #: ``name.requires_grad = ...``.
    REQUIRES_GRAD_SET = "rgset"
    #: ``name.method(...)`` for the methods the flow follows (``method`` names it).
    METHOD = "method"
    #: An in-place change through ``name.data`` (``method`` is the call, or "setitem").
    DATA_MUTATION = "datamut"
    #: ``x[0]`` / ``x.data[0]`` as a value (``name`` is ``x`` when it is a plain name).
    INDEX0 = "index0"
    #: ``a.dot(b)`` / ``torch.dot(a, b)``.
    DOT = "dot"
    #: ``print(...)``.
    PRINT = "print"
    #: ``"..." % values``.
    PERCENT = "percent"
    #: ``x.type(T)``: a cast whose receiver's facts decide how safe its fix is.
    TYPE_CAST = "type_cast"
    #: ``Variable(...)``: made by the flow from the calls, not by the index.
    WRAP = "wrap"


#: Kinds that (re)bind ``name``.
BINDING_KINDS = frozenset({EventKind.ASSIGN, EventKind.AUGASSIGN, EventKind.BIND})


class Event(NamedTuple):
    #: (line, byte column) where the event takes effect; an assignment binds after its value.
    position: tuple[int, int]
    kind: EventKind
    name: str | None
    node: ast.AST
    #: ASSIGN: the value; AUGASSIGN: the statement.
    value: ast.AST | None = None
    #: METHOD / DATA_MUTATION: the method called.
    method: str | None = None
    #: INDEX0: the element is indexed again (``x.data[0][j]``): ``x`` has two or more
    #: dimensions, so ``[0]`` takes a row, not a scalar.
    indexed_again: bool = False


#: Sort key of events: their position.
position = itemgetter(0)
