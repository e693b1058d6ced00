"""Legacy call forms that stock torch refuses, made to work as in 0.3, each reported:
``backward(retain_variables=...)`` -- LV106, ``.numpy()`` on a tensor that requires grad
-- LV207, and the ``x.require_grad = True`` typo -- LV206.

Thin wrappers whose legacy branch runs only for legacy calls.
"""

from __future__ import annotations

import sys

import torch

from ...rules import Code
from ..emission import emit, pytest_traceback_hide
from ..frames import name_in, user_caller

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

_Tensor = torch.Tensor
_ORIG_SETATTR = _Tensor.__setattr__
_ORIG_NUMPY = _Tensor.numpy
_ORIG_BACKWARD = _Tensor.backward
_ORIG_AUTOGRAD_BACKWARD = torch.autograd.backward


# ---- LV106: retain_variables=


def _tensor_backward(self, *args, **kwargs):
    if "retain_variables" in kwargs:
        legacy = kwargs.pop("retain_variables")
        emit(Code.RETAIN_VARIABLES, frame=sys._getframe(1))
        if kwargs.get("retain_graph") is None and len(args) < 2:
            kwargs["retain_graph"] = legacy
    return _ORIG_BACKWARD(self, *args, **kwargs)


_tensor_backward.__doc__ = _ORIG_BACKWARD.__doc__
_tensor_backward.__name__ = "backward"
_tensor_backward.__qualname__ = "Tensor.backward"


def _autograd_backward(*args, **kwargs):
    if "retain_variables" in kwargs:
        legacy = kwargs.pop("retain_variables")
        emit(Code.RETAIN_VARIABLES, frame=sys._getframe(1))
        if kwargs.get("retain_graph") is None and len(args) < 3:
            kwargs["retain_graph"] = legacy
    if "variables" in kwargs and "tensors" not in kwargs and not args:
        # 0.3 keyword name of the first argument
        kwargs["tensors"] = kwargs.pop("variables")
    return _ORIG_AUTOGRAD_BACKWARD(*args, **kwargs)


_autograd_backward.__doc__ = _ORIG_AUTOGRAD_BACKWARD.__doc__
_autograd_backward.__name__ = "backward"


# ---- LV207: .numpy() on a tensor that requires grad


def _numpy(self, *args, **kwargs):
    try:
        return _ORIG_NUMPY(self, *args, **kwargs)
    except RuntimeError:
        if not self.requires_grad:
            raise
    # Outside the except block, so a strict policy's warning does not chain torch's error.
    emit(Code.NUMPY_REQUIRES_GRAD, frame=sys._getframe(1))
    # 0.3 code called .numpy() on `.data`, which never required grad.
    return _ORIG_NUMPY(self.detach(), *args, **kwargs)


# ---- LV206: require_grad typo


def _setattr(self, name, value):
    if name == "require_grad":
        frame = sys._getframe(1)
        emit(Code.REQUIRE_GRAD_TYPO, frame=frame, target=name_in(user_caller(frame), self) or "x")
    _ORIG_SETATTR(self, name, value)


def apply(patches) -> None:
    patches.set(_Tensor, "__setattr__", _setattr)
    patches.set(_Tensor, "numpy", _numpy)
    patches.set(_Tensor, "backward", _tensor_backward)
    patches.set(torch.autograd, "backward", _autograd_backward)
