"""Provenance: which tensors flowed into a tensor re-wrapped with ``requires_grad=True``.

The arithmetic operators and a few common methods record, only when their result does
*not* require grad (when it does, autograd's graph already holds the provenance), a
bounded tuple of weak references to the result's origins. At ``Variable(c,
requires_grad=True)`` the origins of ``c`` (and the leaves of its autograd graph) are
remembered, weakly, so that a later ``.grad`` read (``mode.grad``) can name the wrap
that cut the graph (LV201).
"""

from __future__ import annotations

import sys
import weakref

import torch

from ...rules import Code
from ..emission import emit, pytest_traceback_hide
from ..frames import SiteFrame, called_by_user, name_in, user_caller
from ..weakids import WeakIdMap

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

_Tensor = torch.Tensor

#: tensor -> tuple of weakrefs to the tensors it was computed from (bounded).
origins = WeakIdMap()
#: tensor -> WrapRecord: it flowed into a tensor re-wrapped with requires_grad=True.
wrapped_into = WeakIdMap()
_MAX_ORIGINS = 8
_MAX_GRAPH_NODES = 256


class WrapRecord:
    """One ``Variable(c, requires_grad=True)`` call: where, and what flowed into it."""

    __slots__ = ("site", "target", "inputs", "reported", "__weakref__")

    def __init__(self, site: SiteFrame, target: str, inputs: list[str], reported: bool):
        self.site = site
        self.target = target
        self.inputs = inputs
        # LV201 already emitted at the wrap (by the shim: the input had a grad_fn).
        self.reported = reported


def record_origins(out, inputs) -> None:
    """Remember (weakly, bounded) that ``out`` was computed from ``inputs``."""
    refs: list = []
    seen: set[int] = set()
    for x in inputs:
        if not isinstance(x, _Tensor):
            continue
        for ref in origins.get(x, ()):
            t = ref()
            if t is not None and id(t) not in seen:
                seen.add(id(t))
                refs.append(ref)
        if id(x) not in seen:
            seen.add(id(x))
            refs.append(weakref.ref(x))
    if refs:
        origins[out] = tuple(refs[-_MAX_ORIGINS:])


def _tracking(method):
    """Wrap a Tensor method/operator so results that do not require grad keep provenance.

    Only user code's ops are recorded: torch's own (an optimizer's momentum buffers, say)
    pay one frame check.
    """

    def tracked(self, *args, **kwargs):
        out = method(self, *args, **kwargs)
        if type(out) is _Tensor and not out.requires_grad and called_by_user(sys._getframe(1)):
            record_origins(out, (self, *args))
        return out

    tracked.__name__ = getattr(method, "__name__", "tracked")
    tracked.__doc__ = getattr(method, "__doc__", None)
    return tracked


def _inplace_tracking(method):
    def tracked(self, *args, **kwargs):
        out = method(self, *args, **kwargs)
        if out is self and not self.requires_grad and called_by_user(sys._getframe(1)):
            record_origins(self, (self, *args))
        return out

    tracked.__name__ = getattr(method, "__name__", "tracked")
    tracked.__doc__ = getattr(method, "__doc__", None)
    return tracked


TRACKED_METHODS = (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
    "__truediv__", "__rtruediv__", "__matmul__", "__rmatmul__", "__pow__", "__neg__",
    "add", "sub", "mul", "div", "mm", "matmul", "sum", "mean", "pow", "exp", "clone",
)
TRACKED_INPLACE = ("__iadd__", "__isub__", "__imul__", "__itruediv__")


def tensors_in(args, kwargs):
    for value in (*args, *kwargs.values()):
        if isinstance(value, _Tensor):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, _Tensor):
                    yield item


def _graph_leaves(tensor) -> list:
    """Leaf tensors reachable through ``tensor.grad_fn`` (bounded walk)."""
    leaves = []
    stack = [tensor.grad_fn]
    seen = set()
    while stack and len(seen) < _MAX_GRAPH_NODES:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if isinstance(variable, _Tensor):
            leaves.append(variable)
        stack.extend(fn for fn, _ in node.next_functions)
    return leaves


def on_wrap(data, frame) -> None:
    """``Variable(data, requires_grad=True)`` ran at ``frame``: remember what flowed in."""
    sources = [data]
    sources.extend(ref() for ref in origins.get(data, ()))
    if data.grad_fn is not None:
        sources.extend(_graph_leaves(data))
    sources = [s for s in sources if s is not None]
    if len(sources) == 1:
        # A fresh tensor, `.data`, `.detach()`: nothing flowed in that could expect a
        # gradient (ARCHITECTURE.md: such new leaves are intended). Keep the wrap free.
        return
    user = user_caller(frame)
    names = []
    for s in sources[1:]:
        name = name_in(user, s)
        if name and name not in names:
            names.append(name)
    wrap = WrapRecord(
        SiteFrame(frame),
        name_in(user, data) or "...",
        names,
        reported=data.grad_fn is not None,
    )
    for s in sources:
        wrapped_into[s] = wrap


def report_wrap(record: WrapRecord) -> None:
    if record.reported:
        return
    record.reported = True
    inputs = ", ".join(f"`{n}`" for n in record.inputs) or None
    emit(
        Code.REWRAP_COMPUTED_TENSOR,
        frame=record.site,
        target=record.target,
        inputs=inputs,
        related=(("wrap_site", record.site.location),),
    )


def apply(patches) -> None:
    for name in TRACKED_METHODS:
        patches.set(_Tensor, name, _tracking(getattr(_Tensor, name)))
    for name in TRACKED_INPLACE:
        patches.set(_Tensor, name, _inplace_tracking(getattr(_Tensor, name)))


def clear() -> None:
    origins.clear()
    wrapped_into.clear()
