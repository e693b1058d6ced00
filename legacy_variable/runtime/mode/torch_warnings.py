"""torch's own warnings for legacy idioms, re-reported under catalog codes (LV111-LV118,
LV126).

While the mode is on: an ``always`` filter for the known legacy messages and a hook on
``warnings._showwarnmsg``, the function the interpreter's C warning machinery calls to
show any warning (torch's C++ ``TORCH_WARN`` and ``warnings.warn`` both end there).

Why the private name: the public hook, ``warnings.showwarning``, is bypassed inside
``catch_warnings(record=True)`` -- which pytest wraps around every test -- so it would
miss exactly the suites legacy mode is for. The private one is guarded: where an
interpreter lacks it, torch's warnings are simply not re-reported ("not captured";
:func:`capturing` says so) and pass through unchanged.

User filters placed in front of ours (pytest's per-test ``filterwarnings``/``-W``, or a
``warnings.simplefilter("error")`` after the mode started) would turn torch's legacy
warning into an exception before the hook sees it; :func:`keep_first` moves our filters
back in front (the pytest plugin calls it per test), and the re-reported
``LegacyVariableWarning`` then obeys the user's filters for its own category.
"""

from __future__ import annotations

import os
import re
import sys
import warnings

import torch.autograd.graph

from ...rules import Code
from ..emission import LegacyVariableWarning, emit, pytest_traceback_hide
from ..frames import is_internal, user_caller
from .grad import GETTER_CODE

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

#: (regex on torch's message, code, values from the match)
_TORCH_WARNINGS = [
    (re.compile(r"size_average and reduce args will be deprecated, please use "
                r"reduction='(\w+)'"), Code.LOSS_REDUCTION_KWARGS,
     lambda m: {"reduction": f"'{m.group(1)}'"}),
    (re.compile(r"Implicit dimension choice for (\w+) has been deprecated"), Code.IMPLICIT_SOFTMAX_DIM,
     lambda m: {"callee": f"F.{m.group(1)}"}),
    (re.compile(r"`?nn\.init\.(\w+)`? is now deprecated in favor of"), Code.NON_INPLACE_INIT,
     lambda m: {"callee": f"nn.init.{m.group(1)}"}),
    (re.compile(r"`?torch\.nn\.utils\.clip_grad_norm`? is now deprecated"), Code.CLIP_GRAD_NORM,
     lambda m: {}),
    (re.compile(r"torch\.range is deprecated"), Code.TORCH_RANGE, lambda m: {}),
    (re.compile(r"volatile was removed"), Code.VOLATILE_ATTRIBUTE, lambda m: {}),
    (re.compile(r"<class '([\w.<>]+)'> should not be instantiated\. Methods on autograd "
                r"functions are all static"), Code.LEGACY_AUTOGRAD_FUNCTION,
     lambda m: {"cls": m.group(1).rsplit(".", 1)[-1]}),
    # 0.3's byte masks as an index (x[mask], x[mask] = t) or a where() condition: torch
    # still selects as with .bool(), so the value is 0.3's; only the report is ours.
    (re.compile(r"indexing with dtype torch\.uint8 is now deprecated"), Code.BYTE_MASK,
     lambda m: {"callee": "indexing"}),
    (re.compile(r"where received a uint8 condition tensor"), Code.BYTE_MASK,
     lambda m: {"callee": "torch.where"}),
]
_NONLEAF_GRAD = re.compile(r"The \.grad attribute of a Tensor that is not a leaf Tensor")
_FILTER_PATTERNS = [p.pattern for p, _, _ in _TORCH_WARNINGS] + [_NONLEAF_GRAD.pattern]


#: This package's directory: a torch warning raised inside one of the mode's wrappers
#: (``Tensor.__getitem__``...) names the wrapper's file, not the user's line.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep
#: Where torch's Python side runs the autograd engine: a backward through a byte-mask
#: index replays the index and warns again -- the forward's read was reported already.
_BACKWARD_FILE = torch.autograd.graph.__file__


def _match_torch_warning(text: str):
    for pattern, code, values in _TORCH_WARNINGS:
        m = pattern.search(text)
        if m:
            return code, values(m)
    return None


def _warning_site(frame, filename, lineno):
    """The frame a warning points at (torch sets ``stacklevel`` to the user's line), else
    the first frame outside torch, this package and the warning helpers."""
    f = frame
    while f is not None:
        if f.f_code.co_filename == filename and f.f_lineno == lineno:
            if not is_internal(filename):
                return f
            break
        f = f.f_back
    f = frame
    while f is not None and (
        is_internal(f.f_code.co_filename) or f.f_code.co_filename.endswith("typing_extensions.py")
    ):
        f = f.f_back
    return f


#: The filter entries the mode keeps in front, as ``filterwarnings`` builds them.
_OUR_FILTERS = [("always", re.compile(".*" + p, re.I), Warning, None, 0) for p in _FILTER_PATTERNS]


def _our_filters() -> list[tuple]:
    return list(_OUR_FILTERS)


def _hook_point():
    """``warnings._showwarnmsg`` when this interpreter has it (a callable), else None."""
    hook = getattr(warnings, "_showwarnmsg", None)
    return hook if callable(hook) else None


class _WarningCapture:
    def __init__(self) -> None:
        self.original_showwarnmsg = None
        self.active = False

    def start(self, patches) -> None:
        original = _hook_point()
        if original is None:
            return  # not captured: torch's warnings pass through as they are
        self.original_showwarnmsg = original
        patches.set(warnings, "_showwarnmsg", self.show)
        self.active = True
        self.keep_first()

    def keep_first(self) -> None:
        if not self.active:
            return
        filters = warnings.filters
        ours = _our_filters()
        n = len(ours)
        if filters[:n] == ours:
            return  # the common case (nothing added since): no cost
        # Shown every time (the registry would hide repeats from the hook), and before
        # any filter added since the mode started.
        ours_set = set(ours)
        filters[:] = ours + [f for f in filters if f not in ours_set]
        mutated = getattr(warnings, "_filters_mutated", None)  # private, so guarded
        if callable(mutated):
            mutated()

    def stop(self) -> None:
        if not self.active:
            return
        self.active = False
        current = warnings.filters
        for entry in _our_filters():
            try:
                current.remove(entry)
            except ValueError:
                pass  # a catch_warnings block restored a list without it
        # Removing an "always" entry cannot make a registry's "already shown" memo wrong,
        # so telling the C side is only a courtesy (private; absent on some versions).
        mutated = getattr(warnings, "_filters_mutated", None)
        if callable(mutated):
            mutated()

    def show(self, msg) -> None:
        message = msg.message
        if not isinstance(message, LegacyVariableWarning):
            text = str(message)
            caller = sys._getframe(1)
            if _NONLEAF_GRAD.search(text):
                if caller.f_code is GETTER_CODE and user_caller(caller.f_back):
                    return  # the .grad getter reports this read as LV203, with the reason
            matched = _match_torch_warning(text)
            if matched is not None:
                if matched[0] is Code.BYTE_MASK and msg.filename == _BACKWARD_FILE:
                    return  # 0.3 said nothing here either
                frame = _warning_site(caller, msg.filename, msg.lineno)
                if frame is not None:
                    code, values = matched
                    emit(code, frame=frame, **values)
                    return
            elif msg.filename.startswith(_PACKAGE_DIR):
                msg = _at_user_line(msg, caller)
        self.original_showwarnmsg(msg)


def _at_user_line(msg, caller):
    """``msg`` pointing at the user's line instead of the mode wrapper it was raised in
    (what stock torch, whose methods are C code, would have named): the first frame
    outside this package and torch beyond the wrapper's frame."""
    f = caller
    while f is not None and not (f.f_code.co_filename == msg.filename and f.f_lineno == msg.lineno):
        f = f.f_back
    while f is not None and is_internal(f.f_code.co_filename):
        f = f.f_back
    if f is None:
        return msg
    return warnings.WarningMessage(msg.message, msg.category, f.f_code.co_filename,
                                   f.f_lineno, msg.file, None, msg.source)


_capture = _WarningCapture()


def start(patches) -> None:
    _capture.start(patches)


def capturing() -> bool:
    """Whether torch's warnings are being re-reported (False outside the mode, or where
    the interpreter offers no hook)."""
    return _capture.active


def keep_first() -> None:
    """Put the mode's filters in front of any added since it started (no-op when off)."""
    _capture.keep_first()


def stop() -> None:
    _capture.stop()
