"""Reading ``x.volatile`` on a plain tensor -- LV111 without torch's warning.

torch 2.13's getter warns on every read (``UserWarning: volatile was removed``); a 2017
suite that turns warnings into errors fails there, though 0.3 read a plain attribute.
In legacy mode the read returns 0.3's value for a tensor not made volatile (False),
reported as LV111 at the user's line; ``LegacyVolatileTensor`` keeps its own ``True``.
Writes keep torch's setter (its warning is re-reported by ``mode.torch_warnings``).
"""

from __future__ import annotations

import sys

import torch

from ...rules import Code
from ..emission import emit

_Tensor = torch.Tensor
_ORIG_VOLATILE = torch._C.TensorBase.volatile


def _volatile_get(self) -> bool:
    emit(Code.VOLATILE_ATTRIBUTE, frame=sys._getframe(1))
    return False


_volatile_property = property(_volatile_get, _ORIG_VOLATILE.__set__, None, _ORIG_VOLATILE.__doc__)


def apply(patches) -> None:
    patches.set(_Tensor, "volatile", _volatile_property)
