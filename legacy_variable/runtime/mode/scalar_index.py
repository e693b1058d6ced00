"""``loss.data[0]`` / ``loss[0]`` on a 0-dim tensor -- LV104; and the owner of
``Tensor``'s item patches (``x[byte_mask] = 0`` too, ``patches.byte_masks.setitem``).

``Tensor.__getitem__`` tries the stock indexing first; only its ``IndexError`` path looks
for the 0-dim ``[0]`` idiom (no cost on the success path beyond one Python call). The
success path also tells ``patches.loss_targets`` about elements of marked 1-D tensors.

Assigning ``Tensor.__getitem__`` also fills CPython's ``sq_item`` slot of ``Tensor`` and
every subclass (``__setitem__``: ``sq_ass_item``), which would make each tensor look like a sequence to torch's list
conversion (``torch.tensor([torch.tensor(1)])`` fails); ``runtime.slots`` puts the slots
back right after the patches, for subclasses created during the mode (an
``__init_subclass__`` hook) and after the patch is removed. Where the interpreter's type
layout cannot be verified neither patch is installed: ``.data[0]`` and byte-mask
assignment are then not restored, and a RuntimeWarning says so once.
"""

from __future__ import annotations

import sys
import warnings

import torch

from ...rules import Code
from ..emission import emit, pytest_traceback_hide
from ..patches import byte_masks, loss_targets
from ..slots import SequenceSlots, supported

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

_Tensor = torch.Tensor
ORIGINAL_GETITEM = _Tensor.__getitem__
_vectors_alive = loss_targets.vectors_alive
_note_vector_index = loss_targets.note_vector_index


def _getitem(self, index):
    try:
        result = ORIGINAL_GETITEM(self, index)
    except IndexError:
        if not (type(index) is int and index in (0, -1) and self.dim() == 0):
            raise
    else:
        if _vectors_alive and type(index) is int:
            # LV121: an element of a 1-D Variable; remember the line for a failing loss call.
            _note_vector_index(self, result, sys._getframe(1))
        return result
    # Outside the except block: under an error policy the warning raised here must not
    # carry the IndexError (and this frame) as its context.
    emit(Code.SCALAR_DATA_INDEX, frame=sys._getframe(1))
    # 0.3: a Variable's [0] was a 1-element Variable (keep autograd working: the tensor
    # itself); a tensor's [0] -- `loss.data[0]`, anything that does not require grad --
    # was a Python number.
    return self if self.requires_grad else self.item()


UNSUPPORTED = (
    "legacy_variable: this Python's type layout is not the one legacy mode knows, so "
    "`.data[0]` on a 0-dim tensor and `x[byte_mask] = 0` are not restored "
    f"({Code.SCALAR_DATA_INDEX} and {Code.BYTE_MASK} are still reported by "
    "`legacy-variable check`)"
)
_said_unsupported = False


def _hook_init_subclass(slots: SequenceSlots):
    """An ``__init_subclass__`` for Tensor that gives new subclasses their stock slot."""
    own = vars(_Tensor).get("__init_subclass__")

    def __init_subclass__(cls, **kwargs):
        if own is not None:
            own.__get__(None, cls)(**kwargs)
        else:
            super(_Tensor, cls).__init_subclass__(**kwargs)
        slots.fix_new(cls)

    return classmethod(__init_subclass__)


def apply(patches) -> None:
    global _said_unsupported
    if not supported(_Tensor):
        if not _said_unsupported:
            _said_unsupported = True
            warnings.warn(UNSUPPORTED, RuntimeWarning, stacklevel=2)
        return
    slots = SequenceSlots(_Tensor)
    patches.on_restore(slots.restore)  # runs after both methods are deleted again
    patches.set(_Tensor, "__getitem__", _getitem)
    patches.set(_Tensor, "__setitem__", byte_masks.setitem)
    slots.restore()
    patches.set(_Tensor, "__init_subclass__", _hook_init_subclass(slots))
