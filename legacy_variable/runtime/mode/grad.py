""".grad that can only be ``None`` -- LV203 (and the wrap that caused it, LV201).

The ``Tensor.grad`` getter returns at once when there is a gradient; only the ``None``
path inspects the tensor and the caller's frame (torch-internal readers are never
reported).
"""

from __future__ import annotations

import linecache
import re
import sys

import torch

from ...rules import Code
from ..emission import emit, pytest_traceback_hide
from ..frames import name_in, user_caller
from .provenance import report_wrap, wrapped_into

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

_Tensor = torch.Tensor
_ORIG_GRAD = _Tensor.grad  # getset descriptor
_grad_get = _ORIG_GRAD.__get__
_grad_set = _ORIG_GRAD.__set__
_grad_delete = _ORIG_GRAD.__delete__

_GRAD_READ = re.compile(r"([A-Za-z_][\w.\[\]]*)\.grad\b")


def _name_of_grad_read(frame, tensor) -> str:
    name = name_in(frame, tensor)
    if name:
        return name
    # `self.w.grad` and the like: take the expression from the source line when unique.
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    found = set(_GRAD_READ.findall(line))
    return found.pop() if len(found) == 1 else "tensor"


def _grad_property_get(self):
    grad = _grad_get(self)
    if grad is not None:
        return grad
    frame = user_caller(sys._getframe(1))
    if frame is None:  # torch itself (optimizers, hooks) or this package
        return None
    return _grad_none(self, frame)


def _grad_none(self, frame):
    """``self.grad`` read by user code at ``frame`` returned None: say why, if it must be."""
    record = wrapped_into.get(self) if len(wrapped_into) else None
    if record is not None:
        name = _name_of_grad_read(frame, self)
        report_wrap(record)
        emit(
            Code.GRAD_ALWAYS_NONE,
            frame=frame,
            target=name,
            variant="rewrapped" if name == record.target else "flowed_into",
            wrap_line=record.site.f_lineno,
            related=(("wrap_site", record.site.location),),
        )
        return None
    if not self.requires_grad:
        if isinstance(self, torch.nn.Parameter):
            return None  # a frozen parameter: deliberate, not a misconception
        name = _name_of_grad_read(frame, self)
        emit(Code.GRAD_ALWAYS_NONE, frame=frame, target=name, variant="no_requires_grad")
        return None
    elif not self.is_leaf and not self.retains_grad:
        name = _name_of_grad_read(frame, self)
        fn = type(self.grad_fn).__name__ if self.grad_fn is not None else "an op"
        emit(Code.GRAD_ALWAYS_NONE, frame=frame, target=name, variant="not_leaf_op", grad_fn=fn)
        return None
    return None  # a leaf that requires grad, before its first backward


_grad_property = property(_grad_property_get, _grad_set, _grad_delete, _ORIG_GRAD.__doc__)

#: The getter's code object: torch's non-leaf ``.grad`` warning raised from inside it is
#: reported by the getter itself (``mode.torch_warnings`` recognises it by this).
GETTER_CODE = _grad_property_get.__code__


def apply(patches) -> None:
    patches.set(_Tensor, "grad", _grad_property)
