"""``a.dot(b)`` / ``torch.dot(a, b)`` on tensors of more than one dimension -- LV120:
the stock call runs first; only its ``RuntimeError`` path computes 0.3's
``(a * b).sum()``."""

from __future__ import annotations

import sys

import torch

from ...rules import Code
from ..emission import emit, pytest_traceback_hide

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

_Tensor = torch.Tensor
_ORIG_TENSOR_DOT = _Tensor.dot
_ORIG_TORCH_DOT = torch.dot


def _legacy_dot(a, b):
    """0.3's ``dot`` of two same-sized tensors of any shape, or None when 0.3 raised too."""
    if not (isinstance(a, _Tensor) and isinstance(b, _Tensor)):
        return None
    if (a.dim() == 1 and b.dim() == 1) or a.numel() != b.numel() or a.dtype != b.dtype:
        return None  # a genuine modern error (sizes, dtypes): keep it
    if a.shape == b.shape:
        return (a * b).sum()
    return (a.reshape(-1) * b.reshape(-1)).sum()


def _dot_diagnostic(callee, a, b):
    emit(Code.DOT_OF_MATRICES, frame=sys._getframe(2), callee=callee, shapes=f"{a.dim()}-D and {b.dim()}-D")


def _tensor_dot(self, other, *args, **kwargs):
    try:
        return _ORIG_TENSOR_DOT(self, other, *args, **kwargs)
    except RuntimeError:
        value = None if (args or kwargs) else _legacy_dot(self, other)
        if value is None:
            raise
        _dot_diagnostic("Tensor.dot", self, other)
        return value


def _torch_dot(input, other, *args, **kwargs):
    try:
        return _ORIG_TORCH_DOT(input, other, *args, **kwargs)
    except RuntimeError:
        value = None if (args or kwargs) else _legacy_dot(input, other)
        if value is None:
            raise
        _dot_diagnostic("torch.dot", input, other)
        return value


_tensor_dot.__doc__ = _ORIG_TENSOR_DOT.__doc__
_tensor_dot.__name__ = "dot"
_torch_dot.__doc__ = _ORIG_TORCH_DOT.__doc__
_torch_dot.__name__ = "dot"


class _Once:
    done = False


_torchscript = _Once()


def register_for_torchscript() -> None:
    """TorchScript maps builtins by function identity: let it see ``aten::dot`` in the
    ``torch.dot`` wrapper, so scripting code that calls ``torch.dot`` keeps working."""
    if _torchscript.done:
        return
    _torchscript.done = True
    try:
        from torch.jit import _builtins

        op = _builtins._find_builtin(_ORIG_TORCH_DOT)
        if op is not None:
            _builtins._register_builtin(_torch_dot, op)
    except Exception:  # noqa: BLE001 -- a private API; scripting is a side concern here
        pass


REPLACEMENTS = ((_Tensor, "dot", _tensor_dot), (torch, "dot", _torch_dot))
