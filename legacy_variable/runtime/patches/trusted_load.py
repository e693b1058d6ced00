"""``torch.load`` refused by ``weights_only=True`` -- LV122: only the
``UnpicklingError`` path runs; the refusal is explained and re-raised, unless the user
opted in with :func:`trust_pickles` (``legacy-variable run --trust-pickles``)."""

from __future__ import annotations

import inspect
import os
import pickle
import re
import sys
import threading

import torch

from ...rules import Code
from ..emission import emit, pytest_traceback_hide

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

ORIGINAL_LOAD = torch.load


class _Trust:
    def __init__(self) -> None:
        self.enabled = False
        self.loads: list[str] = []
        self.lock = threading.Lock()


_trust = _Trust()


def trust_pickles(enabled: bool = True) -> bool:
    """Opt in (or out) to loading refused legacy checkpoints with ``weights_only=False``.

    Unpickling runs code chosen by whoever wrote the file: enable this only for files
    you trust. While enabled and legacy mode is on, a ``torch.load`` that stock torch
    refuses under its ``weights_only=True`` default is retried with
    ``weights_only=False`` and reported (LV122). Returns the previous setting.
    ``legacy-variable run --trust-pickles`` sets it for the program.
    """
    with _trust.lock:
        previous = _trust.enabled
        _trust.enabled = bool(enabled)
        return previous


def pickles_trusted() -> bool:
    return _trust.enabled


def trusted_loads() -> list[str]:
    """What was loaded with ``weights_only=False`` because pickles were trusted."""
    with _trust.lock:
        return list(_trust.loads)


_UNSUPPORTED_GLOBAL = re.compile(r"Unsupported global: GLOBAL ([\w.]+)")


def _file_name(f) -> str | None:
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    name = getattr(f, "name", None)
    return name if isinstance(name, str) else None


def _load(f, *args, **kwargs):
    is_path = isinstance(f, (str, os.PathLike))
    position = None
    if not is_path and hasattr(f, "seek"):
        try:
            position = f.tell()
        except (OSError, ValueError, AttributeError):
            position = None
    try:
        return ORIGINAL_LOAD(f, *args, **kwargs)
    except pickle.UnpicklingError as exc:
        if kwargs.get("weights_only") is not None or "Weights only load failed" not in str(exc):
            raise  # an explicit weights_only=, or another unpickling error: not ours
        found = _UNSUPPORTED_GLOBAL.search(str(exc))
        what = f"`{found.group(1)}`" if found else None
        name = _file_name(f)
        file = f" of '{name}'" if name else ""
        frame = sys._getframe(1)
        # A stream that cannot be rewound cannot be read a second time.
        if not _trust.enabled or not (is_path or position is not None):
            emit(Code.TORCH_LOAD_WEIGHTS_ONLY, frame=frame, file=file, detail=what)
            raise
        emit(
            Code.TORCH_LOAD_WEIGHTS_ONLY,
            f"`torch.load`{file} was refused by `weights_only=True` (it holds "
            f"{what or 'a legacy checkpoint'}) and retried with "
            "`weights_only=False` because pickles are trusted in this run "
            "(--trust-pickles / trust_pickles()): loading it may run code from the file; "
            "re-save it as a `state_dict` to drop the need",
            frame=frame,
            related=(("trusted_load", name or "<stream>"),),
        )
        with _trust.lock:
            _trust.loads.append(name or "<stream>")
        if position is not None:
            f.seek(position)
        # `weights_only=None` spelled out by the caller is still torch's default: replace it.
        return ORIGINAL_LOAD(f, *args, **{**kwargs, "weights_only": False})


_load.__doc__ = ORIGINAL_LOAD.__doc__
_load.__name__ = "load"
_load.__module__ = ORIGINAL_LOAD.__module__
try:
    _load.__signature__ = inspect.signature(ORIGINAL_LOAD)
except (TypeError, ValueError):
    pass


REPLACEMENTS = ((torch, "load", _load),)
