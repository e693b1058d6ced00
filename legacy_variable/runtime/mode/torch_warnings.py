"""torch's own warnings for legacy idioms, re-reported under catalog codes (LV111-LV118).

While the mode is on: an ``always`` filter for the known legacy messages and a hook on
``warnings._showwarnmsg`` (the function the interpreter calls to show a warning;
``catch_warnings(record=True)`` leaves it in place).
"""

from __future__ import annotations

import re
import sys
import warnings

from ...rules import Code
from ..emission import LegacyVariableWarning, emit
from ..frames import is_internal, user_caller
from .grad import GETTER_CODE

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
]
_NONLEAF_GRAD = re.compile(r"The \.grad attribute of a Tensor that is not a leaf Tensor")
_FILTER_PATTERNS = [p.pattern for p, _, _ in _TORCH_WARNINGS] + [_NONLEAF_GRAD.pattern]


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


class _WarningCapture:
    def __init__(self) -> None:
        self.original_showwarnmsg = None
        self.filters: list[tuple] = []

    def start(self, patches) -> None:
        self.original_showwarnmsg = warnings._showwarnmsg
        patches.set(warnings, "_showwarnmsg", self.show)
        before = list(warnings.filters)
        for pattern in _FILTER_PATTERNS:
            # Shown every time (the registry would hide repeats from the hook).
            warnings.filterwarnings("always", message=".*" + pattern)
        self.filters = [f for f in warnings.filters if f not in before]

    def stop(self) -> None:
        current = warnings.filters
        for entry in self.filters:
            for i, f in enumerate(current):
                if f is entry:
                    del current[i]
                    break
        self.filters = []
        warnings._filters_mutated()

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
                frame = _warning_site(caller, msg.filename, msg.lineno)
                if frame is not None:
                    code, values = matched
                    emit(code, frame=frame, **values)
                    return
        self.original_showwarnmsg(msg)


_capture = _WarningCapture()


def start(patches) -> None:
    _capture.start(patches)


def stop() -> None:
    _capture.stop()
