"""``masked_fill``/``masked_select``/``masked_scatter`` with a ``uint8`` (``.byte()``)
mask -- LV126.

In 0.3 comparisons returned ByteTensors and those were the masks. torch 2.13 raises for
them (``masked_fill_ only supports boolean masks``, ``masked_select: expected BoolTensor
for mask``; ``masked_scatter`` warns first). The wrappers test the mask's dtype -- one
attribute read -- and only a ``uint8`` mask is reported and converted with ``.bool()``
(a uint8 mask selected where it was non-zero, as ``.bool()`` does).
"""

from __future__ import annotations

import sys

import torch

from ...rules import Code
from ..emission import emit

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
