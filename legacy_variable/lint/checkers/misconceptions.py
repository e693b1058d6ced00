"""Autograd misconceptions, as handlers of the scope flow (flow.py): LV201 (re-wrapping a
computed tensor), LV202 (a wrap that detaches), LV203 (a ``.grad`` that is always None),
LV204 (non-scalar ``backward()``), LV205 (``.data`` mutation of a tensor with history),
LV207 (``.numpy()`` on a tensor that requires grad).

Each handler sees the facts as they stand at its event; none of them changes them.
"""

from __future__ import annotations

from ...diagnostics import SAFE
from ...rules import Code
from .dataflow import ABSENT, COMPUTED, FRESH, LEAF_RG, keyword
from .events import Event
from .fixes import make_fix
from .flow import ScopeFlow
from .variable import detach_fix


def check_rewrap(flow: ScopeFlow, event: Event) -> None:
    """LV201: ``Variable(op_result, requires_grad=True)`` where the op's inputs need grad."""
    site = flow.wrap
    if site is None or not site.rewrapped:
        return
    listed = ", ".join(f"`{name}`" for name in site.rewrapped)
    flow.ctx.add(flow.ctx.sm.diagnostic(Code.REWRAP_COMPUTED_TENSOR, site.call, None,
                                        target=site.target, inputs=listed))


def check_detaching_wrap(flow: ScopeFlow, event: Event) -> None:
    """LV202: ``Variable(t)`` of a tensor with history makes a new leaf."""
    site = flow.wrap
    if site is None or site.rg is not False and site.rg is not ABSENT:
        return
    fact = site.fact
    if fact is not None and fact.rg is True and fact.kind in (LEAF_RG, COMPUTED):
        ctx = flow.ctx
        fix = detach_fix(ctx, site.call, site.call.args[0], False)
        ctx.add(ctx.sm.diagnostic(Code.DETACHING_WRAP, site.call, fix, target=site.target))


def check_grad_read(flow: ScopeFlow, event: Event) -> None:
    """LV203: a ``.grad`` read that the code shows is always None."""
    name = event.name
    if name in flow.grad_enablers:
        return
    sm = flow.ctx.sm
    node = event.node
    wrapped = flow.wrapped.get(name)
    if wrapped is not None:
        if flow.only_flowed_into(name, wrapped):
            flow.ctx.add(sm.diagnostic(Code.GRAD_ALWAYS_NONE, node, None, target=name,
                                       variant="flowed_into", wrap_line=wrapped.line,
                                       related=(("wrap_site", f"{sm.path}:{wrapped.line}"),)))
        return
    fact = flow.facts.get(name)
    if fact is None or len(flow.scope.binding_events(name)) != 1:
        return
    if fact.kind == FRESH and fact.rg is False and not flow.escapes(name):
        flow.ctx.add(sm.diagnostic(Code.GRAD_ALWAYS_NONE, node, None, target=name,
                                   variant="no_requires_grad"))
    elif fact.kind == COMPUTED and fact.rg is True and not flow.escapes(name):
        flow.ctx.add(sm.diagnostic(Code.GRAD_ALWAYS_NONE, node, None, target=name,
                                   variant="not_leaf", computed_line=fact.line))


def check_nonscalar_backward(flow: ScopeFlow, event: Event) -> None:
    """LV204: ``y.backward()`` without a gradient on a tensor known to hold many values."""
    if event.method != "backward":
        return
    call = event.node
    fact = flow.facts.get(event.name)
    if fact is None or call.args or keyword(call, "gradient") is not None:
        return
    if any(kw.arg is None for kw in call.keywords):
        return
    if fact.numel_gt1 is True and not fact.zero_dim and fact.rg is True:
        flow.ctx.add(flow.ctx.sm.diagnostic(Code.NONSCALAR_BACKWARD, call))


def check_data_mutation(flow: ScopeFlow, event: Event) -> None:
    """LV205: an in-place change through ``.data`` of an op result that requires grad."""
    fact = flow.facts.get(event.name)
    if fact is not None and fact.kind == COMPUTED and fact.rg is True:
        flow.ctx.add(flow.ctx.sm.diagnostic(Code.DATA_MUTATION, event.node))


def check_numpy(flow: ScopeFlow, event: Event) -> None:
    """LV207: ``x.numpy()`` on a tensor known to require grad."""
    if event.method != "numpy":
        return
    call = event.node
    fact = flow.facts.get(event.name)
    if fact is not None and fact.rg is True and not call.args:
        sm = flow.ctx.sm
        fix = make_fix([sm.insert(sm.end(call.func.value), ".detach()")], SAFE,
                       "Use `.detach().numpy()`")
        flow.ctx.add(sm.diagnostic(Code.NUMPY_REQUIRES_GRAD, call, fix))
