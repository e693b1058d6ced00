"""Every static rule's checker, and what it needs from the walk: one line per rule.

A line binds a catalog code (rules.py) to the function that finds it and to its trigger:

* ``on_call(code, fn, calls=..., attrs=..., keywords=..., local_calls=...)``:
  ``fn(ctx, call, scope, q)`` for each call whose callee resolves to one of ``calls``
  (canonical qualified names; ``q`` is that name), whose method is one of ``attrs``,
  that carries one of ``keywords`` (None: ``**kwargs``), or, with ``local_calls``, whose
  callee is a plain name bound in the module. With ``calls`` and ``keywords`` both, the
  walk keeps only the calls with such a keyword, and ``fn`` runs on those that resolve.
* ``on_compare(code, fn)``: ``fn(ctx, node, scope)`` for ``==``/``!=``/``is``/``is not``.
* ``on_event(code, fn, *kinds, methods=..., attrs=...)``: ``fn(flow, event)`` inside the
  scope's flow (flow.py), with the facts known at that point; ``methods`` are the
  ``name.method()`` calls the rule follows (EventKind.METHOD), ``reads`` the kinds the
  flow must record for the rule's evidence without handing them to it.
* ``on_module(code, fn)``: ``fn(ctx)`` once per module.

``text``: substrings one of which the source must contain for the rule to fire at all
(the cheap pre-filter); every rule needs some torch name bound.

Everything the walk keeps (names.Filters), the pre-filter and the dispatch is derived from
these lines for the selected codes: a rule that is not selected is not run. A rule may have
more than one line (LV110: isinstance calls and comparisons); every line is one function.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable, NamedTuple

from ...rules import Code
from . import data_io, functional, legacy_api, misconceptions, shapes, tensor_ctors, variable
from . import legacy_idioms, training_steps
from . import torch_api as api
from .events import EventKind
from .flow import STATE_METHODS, WRAP_CALLEES
from .names import Filters

_TORCH = ("torch",)


class Check(NamedTuple):
    code: Code
    run: Callable
    calls: frozenset[str] = frozenset()
    attrs: frozenset[str] = frozenset()
    keywords: frozenset[str | None] = frozenset()
    local_calls: bool = False
    compares: bool = False
    events: frozenset[EventKind] = frozenset()
    methods: frozenset[str] = frozenset()
    #: Event kinds the rule's flow state needs recorded without handling them.
    reads: frozenset[EventKind] = frozenset()
    module: bool = False
    text: tuple[str, ...] = _TORCH


def on_call(code: Code, run: Callable, *, calls: Iterable[str] = (), attrs: Iterable[str] = (),
            keywords: Iterable[str | None] = (), local_calls: bool = False,
            text: tuple[str, ...] = _TORCH) -> Check:
    return Check(code, run, calls=frozenset(calls), attrs=frozenset(attrs),
                 keywords=frozenset(keywords), local_calls=local_calls, text=text)


def on_compare(code: Code, run: Callable, *, text: tuple[str, ...] = _TORCH) -> Check:
    return Check(code, run, compares=True, text=text)


def on_event(code: Code, run: Callable, *kinds: EventKind, methods: Iterable[str] = (),
             attrs: Iterable[str] = (), reads: Iterable[EventKind] = (),
             text: tuple[str, ...] = _TORCH) -> Check:
    return Check(code, run, events=frozenset(kinds), methods=frozenset(methods),
                 attrs=frozenset(attrs), reads=frozenset(reads), text=text)


def on_module(code: Code, run: Callable, *, text: tuple[str, ...] = _TORCH) -> Check:
    return Check(code, run, module=True, text=text)


_VARIABLE = ("torch", "Variable")
_VOLATILE = ("torch", "volatile")

CHECKS: tuple[Check, ...] = (
    on_call(Code.VARIABLE_WRAPPER, variable.check_variable_call, calls={api.VARIABLE},
            text=_VARIABLE),
    on_module(Code.VARIABLE_IMPORT, variable.check_imports, text=_VARIABLE),
    on_call(Code.VOLATILE_FLAG, variable.check_volatile_keyword, calls={api.VARIABLE},
            keywords={"volatile"}, text=_VOLATILE),
    on_event(Code.SCALAR_DATA_INDEX, legacy_api.check_scalar_index, EventKind.INDEX0),
    on_call(Code.ASYNC_KEYWORD, legacy_api.check_async_unpacking, keywords={None}),
    on_call(Code.RETAIN_VARIABLES, legacy_api.check_retain_variables,
            keywords={"retain_variables"}),
    on_call(Code.LEGACY_TENSOR_CONSTRUCTOR, tensor_ctors.check_legacy_constructor,
            calls=api.LEGACY_TENSOR_TYPES),
    on_event(Code.LEGACY_TYPE_CAST, tensor_ctors.check_type_cast, EventKind.TYPE_CAST,
             attrs={"type"}),
    on_call(Code.GRAD_DATA_ZERO, legacy_api.check_grad_data_zero, attrs={"zero_"}),
    on_call(Code.VARIABLE_TYPE_CHECK, variable.check_isinstance, calls={"builtins.isinstance"},
            text=_VARIABLE),
    on_compare(Code.VARIABLE_TYPE_CHECK, variable.check_type_compare, text=_VARIABLE),
    on_module(Code.VOLATILE_ATTRIBUTE, legacy_api.check_volatile_attributes, text=_VOLATILE),
    on_module(Code.LEGACY_AUTOGRAD_FUNCTION, legacy_api.check_legacy_functions),
    on_call(Code.LOSS_REDUCTION_KWARGS, functional.check_reduction_kwargs,
            keywords={"size_average", "reduce"}),
    on_call(Code.IMPLICIT_SOFTMAX_DIM, functional.check_softmax,
            calls=api.SOFTMAX_FUNCTIONS | api.SOFTMAX_MODULES),
    on_call(Code.DEPRECATED_FUNCTIONAL, functional.check_deprecated_functional,
            calls=functional.DEPRECATED_FUNCTIONAL),
    on_call(Code.NON_INPLACE_INIT, functional.check_non_inplace_init, calls=api.INIT_FUNCTIONS),
    on_call(Code.CLIP_GRAD_NORM, functional.check_clip_grad_norm, calls={api.CLIP_GRAD_NORM}),
    on_call(Code.TORCH_RANGE, tensor_ctors.check_torch_range, calls={api.TORCH_RANGE}),
    on_call(Code.TENSOR_DATASET_KEYWORDS, data_io.check_tensor_dataset,
            calls={data_io.TENSOR_DATASET}),
    on_event(Code.DOT_OF_MATRICES, shapes.check_dot, EventKind.DOT),
    on_call(Code.VECTOR_INDEX_IS_ZERO_DIM, shapes.check_vector_element_target,
            calls=shapes.CLASS_TARGET_LOSSES, local_calls=True),
    on_call(Code.TORCH_LOAD_WEIGHTS_ONLY, data_io.check_torch_load, calls={data_io.TORCH_LOAD}),
    on_event(Code.PRINT_REDUCTION_TENSOR, shapes.check_print, EventKind.PRINT),
    on_event(Code.PRINT_REDUCTION_TENSOR, shapes.check_percent_format, EventKind.PERCENT),
    on_event(Code.REWRAP_COMPUTED_TENSOR, misconceptions.check_rewrap, EventKind.WRAP,
             reads={EventKind.GRAD}),
    on_event(Code.DETACHING_WRAP, misconceptions.check_detaching_wrap, EventKind.WRAP),
    on_event(Code.GRAD_ALWAYS_NONE, misconceptions.check_grad_read, EventKind.GRAD,
             reads={EventKind.WRAP}),
    on_event(Code.NONSCALAR_BACKWARD, misconceptions.check_nonscalar_backward,
             EventKind.METHOD, methods={"backward"}),
    on_event(Code.DATA_MUTATION, misconceptions.check_data_mutation, EventKind.DATA_MUTATION),
    on_module(Code.REQUIRE_GRAD_TYPO, legacy_api.check_require_grad_typo,
              text=("torch", "require_grad")),
    on_event(Code.NUMPY_REQUIRES_GRAD, misconceptions.check_numpy, EventKind.METHOD,
             methods={"numpy"}),
    on_call(Code.INTEGER_REQUIRES_GRAD, variable.check_variable_integer_requires_grad,
            calls={api.VARIABLE}, text=_VARIABLE),
    on_call(Code.INTEGER_REQUIRES_GRAD, tensor_ctors.check_factory_requires_grad,
            calls=api.ACCEPT_REQUIRES_GRAD, keywords={"requires_grad"}),
    on_call(Code.VOLATILE_AND_REQUIRES_GRAD, variable.check_volatile_and_requires_grad,
            calls={api.VARIABLE}, keywords={"volatile"}, text=_VOLATILE),
    on_module(Code.STEP_BETWEEN_BACKWARDS, training_steps.check_step_between_backwards),
    on_event(Code.NUMPY_SCALAR_INDEX, legacy_idioms.check_numpy_scalar_index, EventKind.INDEX0),
    on_module(Code.TENSOR_CLASS_ATTRIBUTE, legacy_idioms.check_tensor_class_attribute),
    on_module(Code.BYTE_MASK, legacy_idioms.check_byte_mask),
    on_module(Code.DATA_IS_NOT_VARIABLE, legacy_idioms.check_data_is_not_variable,
              text=_VARIABLE),
)

#: The codes with a line here: the linter's rules (LV001/LV002 are the engine's).
CODES: frozenset[Code] = frozenset(check.code for check in CHECKS)


class Plan(NamedTuple):
    """What one selection of codes runs, derived once per selection."""

    filters: Filters
    #: Substrings of which the source must contain one.
    text: tuple[str, ...]
    by_call: dict[str, tuple[Callable, ...]]
    by_attr: dict[str, tuple[Callable, ...]]
    by_keyword: dict[str | None, tuple[Callable, ...]]
    local_calls: tuple[Callable, ...]
    compares: tuple[Callable, ...]
    modules: tuple[Callable, ...]
    handlers: dict[EventKind, tuple[Callable, ...]]
    #: Variable(...) calls become WRAP events.
    wraps: bool


def plan(codes: Iterable[str] | None = None) -> Plan:
    return _plan(None if codes is None else frozenset(codes))


def _attrs(qualnames: Iterable[str]) -> set[str]:
    """The attribute names under which a call of these can be spelled (a builtin is only
    ever called by its plain name, which the walk always keeps)."""
    return {q.rpartition(".")[2] for q in qualnames if not q.startswith("builtins.")}


@lru_cache(maxsize=64)
def _plan(codes: frozenset[str] | None) -> Plan:
    checks = [c for c in CHECKS if codes is None or c.code in codes]
    text: dict[str, None] = {}
    by_call: dict[str, list[Callable]] = {}
    by_attr: dict[str, list[Callable]] = {}
    by_keyword: dict[str | None, list[Callable]] = {}
    local_calls, compares, modules = [], [], []
    handlers: dict[EventKind, list[Callable]] = {}
    recorded: set[EventKind] = set()
    call_attrs: set[str] = set()
    call_kwargs: set[str | None] = set()
    name_methods: set[str] = set()
    for check in checks:
        text.update(dict.fromkeys(check.text))
        run = check.run
        if check.calls:
            for q in check.calls:
                by_call.setdefault(q, []).append(run)
            if check.keywords:
                call_kwargs.update(check.keywords)
            else:
                call_attrs.update(_attrs(check.calls))
        elif check.keywords:
            call_kwargs.update(check.keywords)
            for keyword in check.keywords:
                by_keyword.setdefault(keyword, []).append(run)
        if check.attrs and not check.events:
            call_attrs.update(check.attrs)
            for attr in check.attrs:
                by_attr.setdefault(attr, []).append(run)
        if check.local_calls:
            local_calls.append(run)
        if check.compares:
            compares.append(run)
        if check.module:
            modules.append(run)
        for kind in check.events:
            handlers.setdefault(kind, []).append(run)
        recorded.update(check.events, check.reads)
        if check.events:
            call_attrs.update(check.attrs)
            call_attrs.update(check.methods)
            name_methods.update(check.methods)
    wraps = EventKind.WRAP in recorded
    if wraps:
        call_attrs.update(_attrs(WRAP_CALLEES))
    if handlers:
        # What the flow itself follows to keep its facts true.
        call_attrs.update(STATE_METHODS)
        name_methods.update(STATE_METHODS)
    filters = Filters(frozenset(call_attrs), frozenset(call_kwargs), frozenset(name_methods),
                      frozenset(recorded))
    return Plan(
        filters, tuple(text),
        {q: tuple(runs) for q, runs in by_call.items()},
        {a: tuple(runs) for a, runs in by_attr.items()},
        {k: tuple(runs) for k, runs in by_keyword.items()},
        tuple(local_calls), tuple(compares), tuple(modules),
        {kind: tuple(runs) for kind, runs in handlers.items()},
        wraps,
    )
