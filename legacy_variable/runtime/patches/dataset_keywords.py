"""``TensorDataset(data_tensor=x, target_tensor=y)`` -- LV119: ``TensorDataset.__init__``
binds the 0.3 keywords when they are given (a dataset is built a handful of times)."""

from __future__ import annotations

import sys

import torch.utils.data

from ...rules import Code
from ..emission import emit, pytest_traceback_hide
from ..frames import name_in, user_caller

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

_TensorDataset = torch.utils.data.TensorDataset
_ORIG_DATASET_INIT = _TensorDataset.__init__


def _legacy_dataset_signature(data_tensor, target_tensor):
    return data_tensor, target_tensor


def _tensor_dataset_init(self, *tensors, **kwargs):
    if "data_tensor" in kwargs or "target_tensor" in kwargs:
        try:
            legacy = _legacy_dataset_signature(*tensors, **kwargs)
        except TypeError:
            legacy = None  # not the 0.3 shape either: let the stock error speak
        if legacy is not None:
            frame = sys._getframe(1)
            user = user_caller(frame)
            names = [name_in(user, t) for t in legacy]
            args = ", ".join(names) if all(names) else None
            emit(Code.TENSOR_DATASET_KEYWORDS, frame=frame, args=args)
            return _ORIG_DATASET_INIT(self, *legacy)
    return _ORIG_DATASET_INIT(self, *tensors, **kwargs)


_tensor_dataset_init.__doc__ = _ORIG_DATASET_INIT.__doc__
_tensor_dataset_init.__name__ = "__init__"
_tensor_dataset_init.__qualname__ = "TensorDataset.__init__"


REPLACEMENTS = ((_TensorDataset, "__init__", _tensor_dataset_init),)
