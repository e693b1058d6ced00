"""One scope read top to bottom: what each name is known to be at every event.

The flow keeps the facts (dataflow.py) current at every binding and hands each event a
selected rule asked for (registry.py) to that rule, with the facts as they stand there:
LV201-LV205 and LV207 (misconceptions.py), LV104's plain-name receivers, LV108, LV120 and
LV123. Loops are read in source order too: the rules only speak where that reading is
enough. Rules read the flow's state; only the flow changes it.
"""

from __future__ import annotations

import ast
from operator import attrgetter
from typing import Callable, Iterable, Mapping, NamedTuple

from ..astwalk import child_fields
from . import torch_api as api
from .context import Context
from .dataflow import (COMPUTED, FRESH, LEAF_RG, UNKNOWN_FACT, Classifier, Fact, keyword,
                       literal, requires_grad_arg)
from .events import Event, EventKind, position
from .names import Scope

#: A rule's handler of one event: ``handler(flow, event)``.
Handler = Callable[["ScopeFlow", Event], None]

#: Calls the flow turns into WRAP events.
WRAP_CALLEES = frozenset({api.VARIABLE})
#: Methods whose calls change what the flow knows (a leaf that now requires grad).
STATE_METHODS = frozenset({"requires_grad_", "retain_grad"})

_KIND = attrgetter("kind")
# Module constants: the flow compares every event's kind with them.
_ASSIGN, _AUGASSIGN, _BIND, _WRAP = (EventKind.ASSIGN, EventKind.AUGASSIGN, EventKind.BIND,
                                     EventKind.WRAP)
_GRAD, _METHOD, _REQUIRES_GRAD_SET = EventKind.GRAD, EventKind.METHOD, EventKind.REQUIRES_GRAD_SET
_NESTED_SCOPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                            ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp})
# Attribute reads of a tensor that do not build a graph from it.
_INERT_ATTRS = frozenset({"grad", "data", "requires_grad", "shape", "is_leaf", "grad_fn",
                          "dtype", "device", "size", "dim", "numel", "volatile"})


class WrapSite(NamedTuple):
    """A ``Variable(data, ...)`` call at its place in the flow."""

    call: ast.Call
    #: The literal ``requires_grad``: True / False / ABSENT / DYNAMIC.
    rg: object
    #: What ``data`` is known to be there (None: a name with no fact yet).
    fact: Fact | None
    #: How ``data`` is spelled.
    target: str
    #: The value that computed ``data`` (a name's current assignment, else ``data``).
    value: ast.AST | None
    #: The names the wrap cuts off from the graph although something shows they needed
    #: gradients (LV201's evidence), else None.
    rewrapped: tuple[str, ...] | None


class Wrapped:
    """A name re-wrapped as a new leaf (LV201's evidence, LV203's ``flowed_into``)."""

    __slots__ = ("line", "call", "value")

    def __init__(self, line: int, call: ast.Call, value: ast.AST | None) -> None:
        self.line = line
        self.call = call
        #: The assignment value that computed what was wrapped.
        self.value = value


def run_flows(ctx: Context, handlers: Mapping[EventKind, tuple[Handler, ...]],
              wraps: Mapping[int, list[Event]]) -> None:
    """Reads every scope that holds an event some handler wants. ``wraps``: the WRAP
    events per scope id, each list in source order."""
    wanted = frozenset(handlers)
    for scope in ctx.index.scopes:
        scope_wraps = wraps.get(id(scope))
        events = scope.events
        if scope_wraps:
            # Two sorted runs: one merge pass of the sort. A wrap goes after an index event
            # at the same position, as it always has (the sort is stable).
            events = sorted(events + scope_wraps, key=position)
        if events and not wanted.isdisjoint(map(_KIND, events)):
            ScopeFlow(ctx, scope, events).run(handlers)


class ScopeFlow:
    def __init__(self, ctx: Context, scope: Scope, events: list[Event]) -> None:
        self.ctx = ctx
        self.scope = scope
        self.events = events
        self.facts: dict[str, Fact] = {}
        self.classifier = Classifier(scope, self.facts)
        self.wrapped: dict[str, Wrapped] = {}
        #: name -> positions of its ``.grad`` reads in this scope.
        self.grad_reads: dict[str, list[tuple[int, int]]] = {}
        #: names given requires_grad / retain_grad anywhere in the scope.
        self.grad_enablers: set[str] = set()
        #: name -> the value of its current assignment.
        self.defining_value: dict[str, ast.AST] = {}
        for event in events:
            kind = event.kind
            if kind is _ASSIGN or kind is _BIND:
                continue
            if kind is _GRAD:
                self.grad_reads.setdefault(event.name, []).append(event.position)
            elif kind is _REQUIRES_GRAD_SET \
                    or kind is _METHOD and event.method in STATE_METHODS:
                self.grad_enablers.add(event.name)
        self._uses: dict[str, list[tuple]] | None = None
        #: At a WRAP event: what it wraps (None: nothing a rule follows).
        self.wrap: WrapSite | None = None

    def run(self, handlers: Mapping[EventKind, tuple[Handler, ...]]) -> None:
        facts = self.facts
        get_handlers = handlers.get
        for event in self.events:
            kind = event.kind
            name = event.name
            if kind is _ASSIGN:
                facts[name] = _at_line(self.classifier.classify(event.value), event.node.lineno)
                self.defining_value[name] = event.value
                self.wrapped.pop(name, None)
                continue
            if kind is _AUGASSIGN:
                facts[name] = _at_line(self.classifier.accumulate(name, event.value),
                                       event.node.lineno)
                self.defining_value.pop(name, None)
                self.wrapped.pop(name, None)
                continue
            if kind is _BIND:
                facts[name] = UNKNOWN_FACT
                self.defining_value.pop(name, None)
                self.wrapped.pop(name, None)
                continue
            if kind is _WRAP:
                self.wrap = self._wrap_site(event)
            # The rules see the facts as they stand before the event changes them.
            for handler in get_handlers(kind, ()):
                handler(self, event)
            if kind is _WRAP:
                site = self.wrap
                if site is not None and site.rewrapped:
                    for input_name in site.rewrapped:
                        self.wrapped[input_name] = Wrapped(site.call.lineno, site.call,
                                                           site.value)
            elif kind is _REQUIRES_GRAD_SET \
                    or kind is _METHOD and event.method == "requires_grad_":
                self._enable_grad(name)

    # ------------------------------------------------------------------ state
    def _enable_grad(self, name: str) -> None:
        fact = self.facts.get(name)
        if fact is None or fact.kind in (FRESH, LEAF_RG):
            numel = fact.numel_gt1 if fact is not None else None
            self.facts[name] = Fact(LEAF_RG, rg=True, numel_gt1=numel)

    # ------------------------------------------------------------------ wraps
    def _wrap_site(self, event: Event) -> "WrapSite | None":
        call = event.node
        if not call.args or call.args[0].__class__ is ast.Starred:
            return None
        volatile = keyword(call, "volatile")
        if volatile is not None and literal(volatile.value) is not False:
            return None  # ``volatile=True`` detaches on purpose
        data = call.args[0]
        if data.__class__ is ast.Name:
            fact, target, value = (self.facts.get(data.id), data.id,
                                   self.defining_value.get(data.id))
        else:
            fact, target, value = self.classifier.classify(data), self.ctx.sm.text(data), data
        rg = requires_grad_arg(call, 1)
        rewrapped = None
        if rg is True and fact is not None and fact.kind == COMPUTED and fact.inputs:
            key = event.position
            if any(self.classifier.name_fact(name).rg is True
                   or any(read > key for read in self.grad_reads.get(name, ()))
                   for name in fact.inputs):
                rewrapped = fact.inputs
        return WrapSite(call, rg, fact, target, value, rewrapped)

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
                for field in child_fields(cls):
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

    def only_flowed_into(self, name: str, wrapped: Wrapped) -> bool:
        """``name`` reaches nothing but the re-wrapped value (and inert reads)."""
        inside = [r for r in (wrapped.value, wrapped.call) if r is not None]
        for node, parent in self._name_uses().get(name, ()):
            if self._inert(node, parent):
                continue
            if any(_contains(region, node) for region in inside):
                continue
            return False
        return True

    def escapes(self, name: str) -> bool:
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


def wrap_events(calls: Iterable[tuple[ast.Call, Scope]]) -> dict[int, list[Event]]:
    """WRAP events per scope id, each list sorted once."""
    table: dict[int, list[Event]] = {}
    for call, scope in calls:
        table.setdefault(id(scope), []).append(
            Event((call.lineno, call.col_offset), EventKind.WRAP, None, call))
    for events in table.values():
        events.sort(key=position)
    return table


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
