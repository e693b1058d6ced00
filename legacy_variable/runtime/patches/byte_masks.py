"""``masked_fill``/``masked_select``/``masked_scatter`` and indexing with a ``uint8``
(``.byte()``) mask -- LV126.

In 0.3 comparisons returned ByteTensors and those were the masks. torch 2.13 raises for
them (``masked_fill_ only supports boolean masks``, ``masked_select: expected BoolTensor
for mask``; ``masked_scatter`` warns first). The wrappers test the mask's dtype -- one
attribute read -- and only a ``uint8`` mask is reported and converted with ``.bool()``
(a uint8 mask selected where it was non-zero, as ``.bool()`` does).

Indexing: ``x[mask.byte()]`` and ``x[mask.byte()] = t`` still work on torch 2.13 with a
``UserWarning`` (``mode.torch_warnings`` re-reports it as LV126 at the user's line), but
``x[mask.byte()] = 0.0`` -- a number or 0-dim value, which torch routes to
``masked_fill_`` -- raises. :func:`setitem` (installed by ``mode.scalar_index``, which
owns ``Tensor``'s item slots) runs the stock assignment first and converts the index's
``uint8`` tensors only on that error, before anything was written.
"""

from __future__ import annotations

import sys

import torch

from ...rules import Code
from ..emission import emit, pytest_traceback_hide

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

_Tensor = torch.Tensor
_UINT8 = torch.uint8


def _bool_mask(mask, callee: str):
    if isinstance(mask, _Tensor) and mask.dtype == _UINT8:
        emit(Code.BYTE_MASK, frame=sys._getframe(2), callee=callee)
        return mask.bool()
    return mask


def _method(name: str):
    original = getattr(_Tensor, name)

    def masked(self, mask, *args, **kwargs):
        return original(self, _bool_mask(mask, name), *args, **kwargs)

    masked.__name__ = name
    masked.__qualname__ = f"Tensor.{name}"
    masked.__doc__ = original.__doc__
    return masked


def _function(name: str):
    original = getattr(torch, name)

    def masked(input, mask, *args, **kwargs):
        return original(input, _bool_mask(mask, name), *args, **kwargs)

    masked.__name__ = name
    masked.__doc__ = original.__doc__
    return masked


_METHODS = ("masked_fill", "masked_fill_", "masked_select", "masked_scatter", "masked_scatter_")
_FUNCTIONS = ("masked_fill", "masked_select", "masked_scatter")

REPLACEMENTS = tuple((_Tensor, name, _method(name)) for name in _METHODS) + tuple(
    (torch, name, _function(name)) for name in _FUNCTIONS
)


# ---------------------------------------------------------------- x[byte_mask] = value
ORIGINAL_SETITEM = _Tensor.__setitem__
_MASK_ERROR = "only supports boolean masks"


def _bool_index(index):
    """``index`` with its ``uint8`` tensors as bool masks; None when it has none."""
    if isinstance(index, _Tensor):
        return index.bool() if index.dtype == _UINT8 else None
    if type(index) is tuple:
        parts = [p.bool() if isinstance(p, _Tensor) and p.dtype == _UINT8 else p for p in index]
        if any(new is not old for new, old in zip(parts, index)):
            return tuple(parts)
    return None


def setitem(self, index, value):
    """``Tensor.__setitem__`` that accepts 0.3's byte masks (see the module docstring)."""
    try:
        return ORIGINAL_SETITEM(self, index, value)
    except RuntimeError as error:
        # masked_fill_ checks the mask's dtype before writing: nothing was changed yet.
        converted = _bool_index(index) if _MASK_ERROR in str(error) else None
        if converted is None:
            raise
    # Outside the except block: under an error policy the warning must not carry the
    # RuntimeError (and this frame) as its context.
    emit(Code.BYTE_MASK, frame=sys._getframe(1), callee="indexing")
    return ORIGINAL_SETITEM(self, converted, value)
