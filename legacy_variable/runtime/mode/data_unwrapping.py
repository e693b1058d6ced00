"""``isinstance(x.data, Variable)`` -- LV127: unwrapping loops terminate again.

In 0.3 ``v.data`` of a Variable was a plain tensor, *not* a Variable, so helpers like
``while isinstance(x, Variable): x = x.data`` (or their recursive form) stopped after
one step. Today every tensor is a Variable for ``isinstance`` and such a loop never
ends. In legacy mode the ``.data`` getter remembers (weakly, by identity) the tensors it
handed out, and ``isinstance(t, Variable)`` is False for those -- the 0.3 answer --
reported once per site.

Cost: one weak-identity record per ``.data`` read (a legacy idiom itself); the
``isinstance`` check pays one dict lookup while any such tensor is alive.
"""

from __future__ import annotations

import sys

import torch

from ...rules import Code
from ..emission import emit
from ..frames import called_by_user
from ..shim import VariableMeta
from ..weakids import WeakIdMap

_Tensor = torch.Tensor
_ORIG_DATA = torch._C.TensorBase.data  # getset descriptor
_data_get = _ORIG_DATA.__get__
_data_set = _ORIG_DATA.__set__
_ORIG_INSTANCECHECK = VariableMeta.__instancecheck__

#: tensors handed out by ``.data`` while the mode is on (id -> True, held weakly)
data_results = WeakIdMap()
_entries = data_results.entries


def _data_getter(self):
    data = _data_get(self)
    data_results[data] = True
    return data


def _instancecheck(cls, instance) -> bool:
    if not isinstance(instance, _Tensor):
        return False
    if _entries and data_results.get(instance):
        frame = sys._getframe(1)
        if called_by_user(frame):
            emit(Code.DATA_IS_NOT_VARIABLE, frame=frame)
            return False
    return True


_data_property = property(_data_getter, _data_set, None, _ORIG_DATA.__doc__)


def apply(patches) -> None:
    patches.set(_Tensor, "data", _data_property)
    patches.set(VariableMeta, "__instancecheck__", _instancecheck)


def clear() -> None:
    data_results.clear()
