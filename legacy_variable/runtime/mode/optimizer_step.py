"""An optimizer step between two backward passes over one graph -- LV210.

Up to PyTorch 1.4 optimizers updated ``p.data`` in place, which left the parameters'
version counters alone: a graph recorded before the step still passed autograd's
saved-tensor check, and a second backward through it silently used the *updated*
weights. Since 1.5 the step bumps the counters and that backward raises "one of the
variables needed for gradient computation has been modified by an inplace operation".

Legacy mode reproduces the old numbers exactly the way old PyTorch got them: a global
optimizer post-step hook puts the version counters of the parameters the step changed
back where they were before the step (``torch._C._autograd._unsafe_set_version_counter``).
The saved tensors alias the parameters, so the later backward reads the new values --
what ≤ 1.4 computed, not what is "right".

Reporting costs only where the idiom can be: a backward with ``retain_graph`` arms the
watch; the next step records the autograd sequence number reached so far and which
parameters it changed; the next backward then walks its graph for nodes recorded before
the step (sequence numbers only grow along a thread, and a node's inputs are older than
the node) that lead to a parameter the step changed. Found: LV210 at the step and at
the backward. A loop without ``retain_graph`` pays two small hooks per step and nothing
per backward.
"""

from __future__ import annotations

import sys

import torch
from torch.optim import optimizer as _optimizer

from ...rules import Code
from ..emission import emit, user_frame
from ..frames import SiteFrame
from ..weakids import WeakIdMap

_Tensor = torch.Tensor
_set_versions = torch._C._autograd._unsafe_set_version_counter
_ORIG_AUTOGRAD_BACKWARD = torch.autograd.backward


class _Watch:
    """Process-wide state of one legacy-mode activation (reset by ``stop``)."""

    def __init__(self) -> None:
        self.handles: list = []
        #: A backward kept its graph since the last step: the next step is worth recording.
        self.retained = False
        #: Per optimizer in its step: the parameters and their versions before it.
        self.before: dict[int, tuple[tuple[_Tensor, ...], tuple[int, ...]]] = {}
        #: The last recorded step: (sequence number before it, the parameters it changed
        #: held weakly, its site) -- or None.
        self.step: tuple[int, WeakIdMap, SiteFrame | None] | None = None
        self.backward = _ORIG_AUTOGRAD_BACKWARD


_watch = _Watch()


def _params(opt) -> tuple[_Tensor, ...]:
    return tuple(p for group in opt.param_groups for p in group["params"])


def _pre_step(opt, args, kwargs) -> None:
    # `args` is the step's own argument tuple, the optimizer first.
    if len(args) > 1 or kwargs.get("closure") is not None:
        # A closure (LBFGS) runs forward and backward inside the step: its graphs are
        # recorded at the new versions, so putting the old ones back would break them.
        return
    params = _params(opt)
    _watch.before[id(opt)] = (params, tuple(p._version for p in params))


def _current_sequence_nr() -> int:
    """The next autograd node's sequence number (one tiny node, recorded on demand)."""
    with torch.enable_grad():
        probe = torch.zeros((), requires_grad=True)
        return (probe * 1).grad_fn._sequence_nr()


def _post_step(opt, args, kwargs) -> None:
    saved = _watch.before.pop(id(opt), None)
    if saved is None:
        return
    params, versions = saved
    changed = [i for i, p in enumerate(params) if p._version != versions[i]]
    if not changed:
        return
    # ≤ 1.4: the step's writes went through `.data`, invisible to the version counters.
    _set_versions(tuple(params[i] for i in changed), tuple(versions[i] for i in changed))
    if _watch.retained:
        _watch.retained = False
        frame = user_frame(sys._getframe(1))
        # By identity: a tensor's `==` is elementwise, so no WeakSet.
        stepped = WeakIdMap()
        for i in changed:
            stepped[params[i]] = True
        _watch.step = (_current_sequence_nr(), stepped,
                       SiteFrame(frame) if frame is not None else None)


_ACCUMULATE = "AccumulateGrad"


def _uses_stepped_weights(roots, step_nr: int, stepped) -> bool:
    """Whether a node recorded before the step leads to a parameter the step changed."""
    todo = [(fn, False) for fn in roots if fn is not None]
    seen: set[int] = set()
    while todo:
        fn, old_parent = todo.pop()
        key = id(fn)
        if key in seen:
            continue
        seen.add(key)
        if type(fn).__name__ == _ACCUMULATE:
            if old_parent and stepped.get(fn.variable):
                return True
            continue
        old = old_parent or fn._sequence_nr() < step_nr
        for child, _ in fn.next_functions:
            if child is not None:
                todo.append((child, old))
    return False


def _roots(tensors) -> list:
    if isinstance(tensors, _Tensor):
        return [tensors.grad_fn]
    return [t.grad_fn for t in tensors if isinstance(t, _Tensor)]


def _autograd_backward(*args, **kwargs):
    # Arguments pass through untouched (0.3's `variables=` / `retain_variables=` are the
    # next wrapper's business); only what this watch needs is read from them.
    step = _watch.step
    if step is not None:
        _watch.step = None
        tensors = args[0] if args else kwargs.get("tensors", kwargs.get("variables"))
        step_nr, stepped, site = step
        if tensors is not None and len(stepped) \
                and _uses_stepped_weights(_roots(tensors), step_nr, stepped):
            _report(site, sys._getframe(1))
    retain = args[2] if len(args) > 2 else kwargs.get("retain_graph")
    create = args[3] if len(args) > 3 else kwargs.get("create_graph")
    if retain or create or kwargs.get("retain_variables"):
        _watch.retained = True
    return _watch.backward(*args, **kwargs)


_autograd_backward.__doc__ = _ORIG_AUTOGRAD_BACKWARD.__doc__
_autograd_backward.__name__ = "backward"


def _report(site, frame) -> None:
    backward = user_frame(frame)
    backward_line = backward.f_lineno if backward is not None else 0
    step_line = site.f_lineno if site is not None else 0
    if site is not None:
        emit(Code.STEP_BETWEEN_BACKWARDS, frame=site, variant="step",
             backward_line=backward_line, step_line=step_line)
    emit(Code.STEP_BETWEEN_BACKWARDS, frame=frame, variant="backward",
         backward_line=backward_line, step_line=step_line,
         related=(("step", site.location),) if site is not None else ())


def apply(patches) -> None:
    # Wrap whatever `torch.autograd.backward` is now (legacy_calls' retain_variables
    # wrapper, if applied first): Tensor.backward looks it up at call time.
    _watch.backward = torch.autograd.backward
    patches.set(torch.autograd, "backward", _autograd_backward)
    _watch.handles = [
        _optimizer.register_optimizer_step_pre_hook(_pre_step),
        _optimizer.register_optimizer_step_post_hook(_post_step),
    ]


def stop() -> None:
    """Remove the hooks and forget the watch (``Patches`` restores ``backward``)."""
    for handle in _watch.handles:
        handle.remove()
    _watch.handles = []
    _watch.retained = False
    _watch.before.clear()
    _watch.step = None
    _watch.backward = _ORIG_AUTOGRAD_BACKWARD
