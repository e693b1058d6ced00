"""Infectious ``volatile`` -- LV103 under legacy mode.

``Variable(x, volatile=True)`` returns ``x``'s data as a :class:`LegacyVolatileTensor`
(a ``torch.Tensor`` subclass made with ``as_subclass``, zero-copy). Its
``__torch_function__`` runs each op under ``no_grad`` and makes the results volatile too,
so volatility spreads exactly as in 0.3. This is op-level sight only where a volatile
tensor is among the inputs, in every thread, for exactly as long as volatile tensors are
alive -- the cost a ``TorchFunctionMode`` would put on every op of the program is paid
only by volatile ops.
"""

from __future__ import annotations

import torch
from ..emission import pytest_traceback_hide

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

_Tensor = torch.Tensor


class LegacyVolatileTensor(_Tensor):
    """A tensor made by ``Variable(x, volatile=True)`` under legacy mode, and every result
    computed from it: ops run under ``no_grad`` and their results stay volatile (0.3)."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        target = args[0] if args else None
        if (
            isinstance(target, _Tensor)
            and not isinstance(target, cls)
            and target.requires_grad
            and _is_inplace(func)
        ):
            # A volatile operand of an in-place op into a tensor that requires grad (a
            # parameter, a graph node): stock semantics. Under no_grad the op would
            # silently change a leaf (0.3 and stock raise) or be missing from the graph
            # (wrong gradients).
            with torch._C.DisableTorchFunctionSubclass():
                return func(*args, **kwargs)
        previous = torch.is_grad_enabled()
        torch._C._set_grad_enabled(False)
        try:
            return super().__torch_function__(func, types, args, kwargs)
        finally:
            torch._C._set_grad_enabled(previous)

    @property
    def volatile(self) -> bool:  # 0.3: a real flag, True here
        return True

    def __repr__(self, *, tensor_contents=None):
        # Print as `tensor(...)`, as the same script prints without legacy mode.
        with torch._C.DisableTorchFunctionSubclass():
            plain = self.as_subclass(_Tensor)
        return plain.__repr__(tensor_contents=tensor_contents)

    def __reduce_ex__(self, proto):
        # Pickle as a plain tensor: loading must not require legacy_variable.
        return _Tensor.__reduce_ex__(self.as_subclass(_Tensor), proto)


def make_volatile(result):
    return result.as_subclass(LegacyVolatileTensor)


_INPLACE_DUNDERS = frozenset(
    f"__i{op}__" for op in (
        "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
        "and", "or", "xor", "lshift", "rshift",
    )
) | {"__setitem__"}


def _is_inplace(func) -> bool:
    name = getattr(func, "__name__", "")
    return (name.endswith("_") and not name.startswith("__")) or name in _INPLACE_DUNDERS
