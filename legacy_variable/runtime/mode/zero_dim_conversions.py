"""``loss.data.numpy()[0]`` / ``loss.cpu().numpy()[0]`` / ``loss.tolist()[0]`` on a
0-dim value -- LV124.

0.3 had no 0-dim tensors: a loss converted to a 1-element array or list. In legacy mode
the conversions of a *0-dim* tensor whose result the calling line indexes right away
with ``[0]`` (or ``[-1]``) -- or returns to a caller that does, as helpers like
``unwrap(x): return x.data.cpu().numpy()`` do -- return values that also accept that
index: a 0-d ndarray subclass (a view: memory stays shared, as ``.numpy()`` shares it)
and a ``float``/``int`` subclass. ``[0]`` reports LV124 at the user's line and returns the
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


#: (code, f_lasti) of a call -> what the line does with its result right away: subscript
#: it with a literal 0 or -1 (_INDEXED), return it (_RETURNED), anything else (_OTHER).
#: Bounded by the number of call sites.
_site_uses: dict[tuple[object, int], int] = {}
#: code -> (offsets, instructions) of its real instructions (no inline caches)
_instructions: dict[object, tuple[list[int], list[dis.Instruction]]] = {}
_INDEX_LOADS = frozenset({"LOAD_CONST", "LOAD_SMALL_INT"})
_OTHER, _INDEXED, _RETURNED = 0, 1, 2
#: How many helper levels a returned conversion is followed up (``def unwrap(x): return
#: x.data.cpu().numpy()`` ... ``unwrap(loss)[0]``).
_MAX_RETURNS = 3


def _read_use(code, lasti: int) -> int:
    known = _instructions.get(code)
    if known is None:
        listing = list(dis.get_instructions(code))
        known = _instructions[code] = ([i.offset for i in listing], listing)
    offsets, listing = known
    at = bisect.bisect_right(offsets, lasti)  # the first instruction after the call
    if at >= len(listing):
        return _OTHER
    first = listing[at]
    if first.opname == "RETURN_VALUE":
        return _RETURNED
    if at + 1 >= len(listing):
        return _OTHER
    subscript = listing[at + 1]
    if (first.opname in _INDEX_LOADS and type(first.argval) is int
            and first.argval in _LEGACY_INDEX
            and (subscript.opname == "BINARY_SUBSCR"
                 or (subscript.opname == "BINARY_OP" and subscript.argrepr == "[]"))):
        return _INDEXED
    return _OTHER


def _use(frame) -> int:
    site = (frame.f_code, frame.f_lasti)
    use = _site_uses.get(site)
    if use is None:
        try:
            use = _read_use(*site)
        except Exception:  # an interpreter whose bytecode this does not know: stock value
            use = _OTHER
        _site_uses[site] = use
    return use


def _indexed_at_once(frame) -> bool:
    """Whether the caller subscripts the conversion's result with ``[0]``/``[-1]`` --
    directly, or after returning it from (up to three) helpers."""
    for _ in range(_MAX_RETURNS + 1):
        if frame is None:
            return False
        use = _use(frame)
        if use != _RETURNED:
            return use == _INDEXED
        frame = frame.f_back
    return False


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
