"""``loss.data.numpy()[0]`` / ``loss.cpu().numpy()[0]`` / ``loss.tolist()[0]`` on a
0-dim value -- LV124.

0.3 had no 0-dim tensors: a loss converted to a 1-element array or list. In legacy mode
the conversions of a *0-dim* tensor return values that also accept 0.3's ``[0]`` (and
``[-1]``): a 0-d ndarray subclass (a view: memory stays shared, as ``.numpy()`` shares
it) and a ``float``/``int`` subclass. Everything else they do is the stock value's;
``[0]`` reports LV124 at the user's line and returns the element 0.3 returned.

Cost: one Python call and a ``dim()`` test per ``numpy()``/``tolist()``; nothing else
changes for tensors with dimensions.
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from ...rules import Code
from ..emission import emit

_Tensor = torch.Tensor
_ORIG_TOLIST = _Tensor.tolist
_LEGACY_INDEX = (0, -1)


class LegacyScalarArray(np.ndarray):
    """A 0-d array that also answers 0.3's ``[0]`` with its element."""

    def __getitem__(self, index):
        if self.ndim == 0 and type(index) is int and index in _LEGACY_INDEX:
            emit(Code.NUMPY_SCALAR_INDEX, frame=sys._getframe(1), conversion="numpy")
            return np.ndarray.__getitem__(self, ())
        return np.ndarray.__getitem__(self, index)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        # Results of ufuncs are plain values, not legacy arrays.
        if return_scalar:
            return array[()]
        return array.view(np.ndarray) if type(array) is not np.ndarray else array

    def __reduce__(self):
        # Pickled (by a DataLoader worker, a checkpoint) as the plain array it is.
        return np.asarray(self).view(np.ndarray).__reduce__()


class _LegacyNumber:
    """``[0]`` of a number that was a 1-element list in 0.3."""

    __slots__ = ()

    def __getitem__(self, index):
        if type(index) is int and index in _LEGACY_INDEX:
            emit(Code.NUMPY_SCALAR_INDEX, frame=sys._getframe(1), conversion="tolist")
            return self._plain()
        raise TypeError(f"'{self._plain_type.__name__}' object is not subscriptable")

    def __reduce__(self):
        return (self._plain_type, (self._plain(),))


class LegacyFloat(_LegacyNumber, float):
    __slots__ = ()
    _plain_type = float

    def _plain(self):
        return float(self)


class LegacyInt(_LegacyNumber, int):
    __slots__ = ()
    _plain_type = int

    def _plain(self):
        return int(self)


class _Inner:
    numpy = _Tensor.numpy  # replaced at apply time by whatever wraps it then


_inner = _Inner()


def _numpy(self, *args, **kwargs):
    array = _inner.numpy(self, *args, **kwargs)
    if array.ndim == 0:
        return array.view(LegacyScalarArray)
    return array


def _tolist(self):
    value = _ORIG_TOLIST(self)
    cls = value.__class__
    if cls is float:
        return LegacyFloat(value)
    if cls is int:
        return LegacyInt(value)
    return value  # lists, bools (not subclassable), complex


_numpy.__doc__ = _Tensor.numpy.__doc__
_numpy.__name__ = "numpy"
_tolist.__doc__ = _ORIG_TOLIST.__doc__
_tolist.__name__ = "tolist"


def apply(patches) -> None:
    # Wrap the `numpy` in place now (legacy_calls' LV207 wrapper, when applied first).
    _inner.numpy = _Tensor.numpy
    patches.set(_Tensor, "numpy", _numpy)
    patches.set(_Tensor, "tolist", _tolist)
