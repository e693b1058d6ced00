"""``loss.data[0]`` / ``loss[0]`` on a 0-dim tensor -- LV104.

``Tensor.__getitem__`` tries the stock indexing first; only its ``IndexError`` path looks
for the 0-dim ``[0]`` idiom (no cost on the success path beyond one Python call). The
success path also tells ``patches.loss_targets`` about elements of marked 1-D tensors.
"""

from __future__ import annotations

import sys

import torch

from ...rules import Code
from ..emission import emit
from ..patches import loss_targets

_Tensor = torch.Tensor
_ORIG_GETITEM = _Tensor.__getitem__
_vectors_alive = loss_targets.vectors_alive
_note_vector_index = loss_targets.note_vector_index


def _getitem(self, index):
    try:
        result = _ORIG_GETITEM(self, index)
    except IndexError:
        if type(index) is int and index in (0, -1) and self.dim() == 0:
            emit(Code.SCALAR_DATA_INDEX, frame=sys._getframe(1))
            # 0.3: a Variable's [0] was a 1-element Variable (keep autograd working: the
            # tensor itself); a tensor's [0] -- `loss.data[0]`, anything that does not
            # require grad -- was a Python number.
            return self if self.requires_grad else self.item()
        raise
    if _vectors_alive and type(index) is int:
        # LV121: an element of a 1-D Variable; remember the line for a failing loss call.
        _note_vector_index(self, result, sys._getframe(1))
    return result


def apply(patches) -> None:
    patches.set(_Tensor, "__getitem__", _getitem)
