"""``torch.set_default_tensor_type(...)`` -- LV128, without torch's deprecation warning.

0.3 scripts and test modules call it at import (``torch.set_default_tensor_type(
'torch.DoubleTensor')``). torch 2.13 still honours it but warns (``UserWarning:
torch.set_default_tensor_type() is deprecated as of PyTorch 2.1``), and a suite that turns
warnings into errors fails to import. In legacy mode the call does what it does, the
warning is replaced by LV128 at the user's line.
"""

from __future__ import annotations

import sys
import warnings

import torch

from ...rules import Code
from ..emission import emit

_ORIG = torch.set_default_tensor_type


def _set_default_tensor_type(t):
    emit(Code.DEFAULT_TENSOR_TYPE, frame=sys._getframe(1))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"torch\.set_default_tensor_type\(\) is deprecated")
        return _ORIG(t)


_set_default_tensor_type.__doc__ = _ORIG.__doc__
_set_default_tensor_type.__name__ = "set_default_tensor_type"

REPLACEMENTS = ((torch, "set_default_tensor_type", _set_default_tensor_type),)
