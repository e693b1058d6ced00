"""``loss.data.numpy()[0]`` / ``loss.cpu().numpy()[0]`` / ``loss.tolist()[0]`` on a
0-dim value -- LV124.

0.3 had no 0-dim tensors: a loss converted to a 1-element array or list. In legacy mode
the conversions of a *0-dim* tensor whose result the calling line indexes right away
with ``[0]`` (or ``[-1]``) return values that also accept that index: a 0-d ndarray
subclass (a view: memory stays shared, as ``.numpy()`` shares it) and a
``float``/``int`` subclass. ``[0]`` reports LV124 at the user's line and returns the
element 0.3 returned.

Only there: a value that is kept is the stock ``ndarray``/``float``, because suites
compare exact types (pyro 0.1.2's ``type(x) == np.ndarray`` failed a passing test when
every 0-dim conversion returned the subclass). Whether the call is indexed at once is
read from the caller's bytecode, once per call site.

Cost: one Python call and a ``dim()`` test per ``numpy()``/``tolist()``, one dict lookup
more for 0-dim tensors; nothing else changes for tensors with dimensions.
"""

from __future__ import annotations

import bisect
import dis
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


#: (code, f_lasti) of a conversion call -> whether the line subscripts its result with a
#: literal 0 or -1 right away (bounded by the number of call sites).
_indexed_sites: dict[tuple[object, int], bool] = {}
#: code -> (offsets, instructions) of its real instructions (no inline caches)
_instructions: dict[object, tuple[list[int], list[dis.Instruction]]] = {}
_INDEX_LOADS = frozenset({"LOAD_CONST", "LOAD_SMALL_INT"})


def _read_indexed(code, lasti: int) -> bool:
    known = _instructions.get(code)
    if known is None:
        listing = list(dis.get_instructions(code))
        known = _instructions[code] = ([i.offset for i in listing], listing)
    offsets, listing = known
    at = bisect.bisect_right(offsets, lasti)  # the first instruction after the call
    if at + 1 >= len(listing):
        return False
    load, subscript = listing[at], listing[at + 1]
    return (
        load.opname in _INDEX_LOADS and type(load.argval) is int and load.argval in _LEGACY_INDEX
        and (subscript.opname == "BINARY_SUBSCR"
             or (subscript.opname == "BINARY_OP" and subscript.argrepr == "[]"))
    )


def _indexed_at_once(frame) -> bool:
    """Whether the caller subscripts the conversion's result with ``[0]``/``[-1]``."""
    site = (frame.f_code, frame.f_lasti)
    indexed = _indexed_sites.get(site)
    if indexed is None:
        try:
            indexed = _read_indexed(*site)
        except Exception:  # an interpreter whose bytecode this does not know: stock value
            indexed = False
        _indexed_sites[site] = indexed
    return indexed


class _Inner:
    numpy = _Tensor.numpy  # replaced at apply time by whatever wraps it then


_inner = _Inner()


def _numpy(self, *args, **kwargs):
    array = _inner.numpy(self, *args, **kwargs)
    if array.ndim == 0 and _indexed_at_once(sys._getframe(1)):
        return array.view(LegacyScalarArray)
    return array


def _tolist(self):
    value = _ORIG_TOLIST(self)
    cls = value.__class__
    if cls is float or cls is int:
        if _indexed_at_once(sys._getframe(1)):
            return LegacyFloat(value) if cls is float else LegacyInt(value)
    return value  # lists, bools (not subclassable), complex, kept numbers


_numpy.__doc__ = _Tensor.numpy.__doc__
_numpy.__name__ = "numpy"
_tolist.__doc__ = _ORIG_TOLIST.__doc__
_tolist.__name__ = "tolist"


def apply(patches) -> None:
    # Wrap the `numpy` in place now (legacy_calls' LV207 wrapper, when applied first).
    _inner.numpy = _Tensor.numpy
    patches.set(_Tensor, "numpy", _numpy)
    patches.set(_Tensor, "tolist", _tolist)
