"""CPython's sequence slots (``sq_item``, ``sq_ass_item``) of a class and its subclasses,
read and restored.

Why: assigning a Python ``__getitem__`` on a class fills *both* C slots CPython derives
from that name -- ``mp_subscript`` (what ``t[i]`` uses) and ``sq_item``. A filled
``sq_item`` makes every instance pass ``PySequence_Check``, so torch's list-to-tensor
conversion treats 0-dim tensors as sequences and calls ``len()`` on them
(``torch.tensor([torch.tensor(1)])`` -> "len() of a 0-d tensor"). Deleting the attribute
later does not empty the slot again. A Python ``__setitem__`` likewise fills
``sq_ass_item`` next to ``mp_ass_subscript``. Legacy mode therefore puts both back to what
they were right after its patches, and again after removing them.

No public API reaches the slot, so this writes the type object through ``ctypes``. The
offsets are those of the default (GIL) CPython build on a 64-bit platform, 3.8 to 3.13;
:func:`supported` checks them against the live type (size fields and flags read
in place, then the name) before anything is written, and callers must not patch the
class at all when it says no.

Alternatives measured and rejected: a ``__torch_function__`` override or a
``TorchFunctionMode`` never touch the slot, but every torch op then pays a Python call
(x1.12 on an MLP step, ``runtime.mode`` docstring); a C extension is not an option for a
pure-Python package.
"""

from __future__ import annotations

import ctypes
import sys
import sysconfig
import weakref

_PTR = ctypes.sizeof(ctypes.c_void_p)
# Field offsets in PyTypeObject, in pointer-sized words (PyObject_VAR_HEAD is 3 words).
_TP_NAME = 3 * _PTR
_TP_BASICSIZE = 4 * _PTR
_TP_ITEMSIZE = 5 * _PTR
_TP_AS_SEQUENCE = 13 * _PTR
_TP_FLAGS = 21 * _PTR
# sq_item is the fourth field of PySequenceMethods (after sq_length, sq_concat, sq_repeat);
# sq_ass_item the sixth (after the unused was_sq_slice).
_SQ_ITEM = 3 * _PTR
_SQ_ASS_ITEM = 5 * _PTR
#: slot offset -> the Python method name that fills it
_SLOT_METHODS = {_SQ_ITEM: "__getitem__", _SQ_ASS_ITEM: "__setitem__"}

_verified: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()


def _layout_matches(tp: type, base: int | None = None) -> bool:
    """Whether the memory at ``base`` (default: ``tp`` itself) is ``tp``'s type object as
    these offsets describe it."""
    if sys.implementation.name != "cpython" or _PTR != 8:
        return False
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        return False  # the free-threaded build has a larger object header
    base = id(tp) if base is None else base
    # Plain integers inside the type object first (reading them cannot fault); only when
    # they agree is the tp_name pointer followed.
    if ctypes.c_ssize_t.from_address(base + _TP_BASICSIZE).value != tp.__basicsize__:
        return False
    if ctypes.c_ssize_t.from_address(base + _TP_ITEMSIZE).value != tp.__itemsize__:
        return False
    if ctypes.c_ulong.from_address(base + _TP_FLAGS).value != tp.__flags__:
        return False
    if not ctypes.c_void_p.from_address(base + _TP_AS_SEQUENCE).value:
        return False
    name = ctypes.c_char_p.from_address(base + _TP_NAME).value
    return name is not None and name.decode("utf-8", "replace").rsplit(".", 1)[-1] == tp.__name__


def supported(tp: type) -> bool:
    """Whether the slot of ``tp`` (and of its subclasses) can be read and written safely."""
    ok = _verified.get(tp)
    if ok is None:
        try:
            ok = _layout_matches(tp)
        except (ValueError, OverflowError, TypeError):
            ok = False
        _verified[tp] = ok
    return ok


def _slot(tp: type, offset: int = _SQ_ITEM) -> ctypes.c_void_p:
    table = ctypes.c_void_p.from_address(id(tp) + _TP_AS_SEQUENCE).value
    return ctypes.c_void_p.from_address(table + offset)


def sq_item(tp: type) -> int | None:
    """The address in ``tp``'s ``sq_item`` slot (None when empty)."""
    return _slot(tp).value


def set_sq_item(tp: type, value: int | None) -> None:
    _slot(tp).value = value


def sq_ass_item(tp: type) -> int | None:
    """The address in ``tp``'s ``sq_ass_item`` slot (None when empty)."""
    return _slot(tp, _SQ_ASS_ITEM).value


def subclass_tree(root: type) -> list[type]:
    """``root`` and all its subclasses, recursively, each once."""
    seen: dict[type, None] = {root: None}
    stack = [root]
    while stack:
        for sub in type.__subclasses__(stack.pop()):
            if sub not in seen:
                seen[sub] = None
                stack.append(sub)
    return list(seen)


def _owner(cls: type, method: str) -> type | None:
    for klass in cls.__mro__:
        if method in vars(klass):
            return klass
    return None


class SequenceSlots:
    """The ``sq_item``/``sq_ass_item`` slots of a class tree, saved before the
    ``__getitem__``/``__setitem__`` patches.

    ``restore()`` writes the saved values back; a subclass created after the snapshot
    whose method comes from ``root`` or above gets what ``root`` had for that slot (what
    it would have inherited without the patch); one that defines its own keeps its slot.
    """

    def __init__(self, root: type) -> None:
        self.root = root
        self.saved = {
            tp: {offset: _slot(tp, offset).value for offset in _SLOT_METHODS}
            for tp in subclass_tree(root)
        }

    def fix_new(self, cls: type) -> None:
        known = self.saved.get(cls)
        for offset, method in _SLOT_METHODS.items():
            if known is not None:
                self.set(cls, offset, known[offset])
                continue
            owner = _owner(cls, method)
            if owner is not None and (owner is self.root or owner in self.root.__mro__):
                self.set(cls, offset, self.saved[self.root][offset])

    def set(self, cls: type, offset: int, value: int | None) -> None:
        if supported(cls):
            slot = _slot(cls, offset)
            if slot.value != value:
                slot.value = value

    def restore(self) -> None:
        for tp in subclass_tree(self.root):
            self.fix_new(tp)
