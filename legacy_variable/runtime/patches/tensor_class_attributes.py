"""``torch.Tensor.is_cuda`` / ``type(x).is_cuda`` read on the tensor *class* -- LV125.

In 0.3 every tensor type had ``is_cuda``/``is_sparse`` class attributes (False for
``torch.FloatTensor``, True for ``torch.cuda.FloatTensor``), and ``type(x)`` was one of
those types, so ``type(x).is_cuda`` and ``torch.Tensor.is_cuda`` were booleans. Today
``type(x)`` is always ``torch.Tensor`` and the class attribute is the getset descriptor:
always truthy. The metaclass is immutable, so the attribute on ``torch.Tensor`` becomes a
descriptor that answers a class read from user code with 0.3's default-type value
(``False``: the default type was a CPU type) and hands every instance read, and class
reads by torch or other libraries, to the original descriptor.

Cost: instance reads of these two attributes go through one Python ``__get__``.
"""

from __future__ import annotations

import sys
import sysconfig

import torch

from ...rules import Code
from ..emission import emit
from ..frames import called_by_user

_Tensor = torch.Tensor
#: The standard library introspects classes (inspect, pydoc, copy, unittest.mock): it
#: gets the descriptor, as torch and this package do.
_STDLIB = tuple({sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]})
_user_files: dict[str, bool] = {}


def _user_reads(frame) -> bool:
    filename = frame.f_code.co_filename
    user = _user_files.get(filename)
    if user is None:
        user = _user_files[filename] = called_by_user(frame) and not (
            filename.startswith(_STDLIB) and "site-packages" not in filename)
    return user


class _ClassReadAttribute:
    """A data descriptor: instances get the original attribute, user class reads 0.3's."""

    __slots__ = ("original", "name", "legacy")

    def __init__(self, name: str, legacy: bool) -> None:
        self.original = getattr(torch._C.TensorBase, name)
        self.name = name
        self.legacy = legacy

    def __get__(self, obj, objtype=None):
        if obj is not None:
            return self.original.__get__(obj, objtype)
        frame = sys._getframe(1)
        if not _user_reads(frame):
            return self.original
        emit(Code.TENSOR_CLASS_ATTRIBUTE, frame=frame, attribute=self.name)
        return self.legacy

    def __set__(self, obj, value):
        self.original.__set__(obj, value)


_ATTRIBUTES = ("is_cuda", "is_sparse")

REPLACEMENTS = tuple((_Tensor, name, _ClassReadAttribute(name, False)) for name in _ATTRIBUTES)
