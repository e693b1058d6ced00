"""``isinstance(x.data, Variable)`` -- LV127: unwrapping loops terminate again.

In 0.3 ``v.data`` of a Variable was a plain tensor, *not* a Variable, so helpers like
``while isinstance(x, Variable): x = x.data`` (or their recursive form) stopped after
one step. Today every tensor is a Variable for ``isinstance`` and such a loop never
ends. In legacy mode the ``.data`` getter remembers (weakly, by identity) which tensor
each result came from, and ``isinstance(t, Variable)`` is False -- the 0.3 answer,
reported once per site -- where the unwrapping shows: ``t`` is the ``.data`` of the
tensor the *same* ``isinstance`` (same code, same instruction) answered True for last,
in the same frame (a loop) or an enclosing one (recursion:
``if isinstance(x, Variable): return f(x.data)``).

Only there: answering False for every ``.data`` result made two-argument checks
disagree (pyro 0.1.2's ``isinstance(x, Variable) and isinstance(y, Variable)`` with
``x = v.data`` and ``y = torch.Tensor(...)``: both plain tensors in 0.3, one "Variable"
in the mode), failing tests that pass on stock torch.

Cost: one weak-identity record per ``.data`` read (a legacy idiom itself); each user
``isinstance(..., Variable)`` records its site and frame (one per site, dropped at the
end of the mode).
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

#: tensors handed out by ``.data`` while the mode is on -> id of the tensor they came
#: from (held weakly)
data_results = WeakIdMap()
_entries = data_results.entries
#: (code, instruction) of a user ``isinstance(x, Variable)`` -> (id(x), frame) of the
#: last True answer there (one per site; the frame is held until the next check there
#: or the end of the mode)
true_answers: dict[tuple[object, int], tuple[int, object]] = {}


def _data_getter(self):
    data = _data_get(self)
    data_results[data] = id(self)
    return data


def _unwrapping(site, frame, instance) -> bool:
    """Whether ``instance`` is the ``.data`` of what this site answered True for last,
    in this frame or one that encloses it."""
    last = true_answers.get(site)
    if last is None or data_results.get(instance) != last[0]:
        return False
    checked = last[1]
    f = frame
    while f is not None:
        if f is checked:
            return True
        f = f.f_back
    return False


def _instancecheck(cls, instance) -> bool:
    if not isinstance(instance, _Tensor):
        return False
    frame = sys._getframe(1)
    if not called_by_user(frame):
        return True
    site = (frame.f_code, frame.f_lasti)
    if _entries and _unwrapping(site, frame, instance):
        del true_answers[site]
        emit(Code.DATA_IS_NOT_VARIABLE, frame=frame)
        return False
    true_answers[site] = (id(instance), frame)
    return True


_data_property = property(_data_getter, _data_set, None, _ORIG_DATA.__doc__)


def apply(patches) -> None:
    patches.set(_Tensor, "data", _data_property)
    patches.set(VariableMeta, "__instancecheck__", _instancecheck)


def clear() -> None:
    data_results.clear()
    true_answers.clear()
