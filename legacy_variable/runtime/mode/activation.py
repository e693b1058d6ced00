"""Turning legacy mode on and off: scopes (``legacy_mode()``, ``enable_globally()``),
the patches of every concern applied and restored together, and the shim's hook.

Scope and threads: the patches are process-wide while the mode is on (entered in any
thread, they act in all threads); diagnostics are attributed to the caller's frame in
whichever thread runs. Nothing but the opt-in ``trace_ops`` (:class:`OpProvenanceMode`)
relies on torch's thread-local mode stack. DataLoader worker *processes* inherit the
patches when forked (Linux default); their diagnostics are emitted in the worker, and
``legacy-variable run`` collects them through a per-process spool file (see
``runtime.run``); with ``spawn`` workers start without the mode.

Outside the mode every patched attribute is the identical original object again.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import torch

from .. import patches as _compat
from .. import shim
from ..patches import loss_targets
from ..patching import Patches
from . import grad, legacy_calls, legacy_idioms, provenance, scalar_index, torch_warnings
from .op_provenance import OpProvenanceMode
from .volatile import LegacyVolatileTensor, make_volatile

_Tensor = torch.Tensor
_patches = Patches()


def _variable_hook(data, result, requires_grad, volatile, frame):
    """Called by the Variable shim after each successful call while the mode is on."""
    if volatile and not requires_grad and isinstance(result, _Tensor):
        return make_volatile(result)
    if type(result) is LegacyVolatileTensor:
        # 0.3's `Variable(v.data, requires_grad=True)`: a fresh leaf, not volatile (a
        # volatile leaf that requires grad would build no graph at all).
        with torch._C.DisableTorchFunctionSubclass():
            result = result.detach().requires_grad_(requires_grad)
    if requires_grad and isinstance(data, _Tensor):
        provenance.on_wrap(data, frame)
    loss_targets.note_variable_result(result)
    return result


class _Activation:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.depth = 0
        self.globally = False


_activation = _Activation()


def active() -> bool:
    """Whether legacy mode is on (process-wide)."""
    return _activation.depth > 0


def _apply() -> None:
    # The warnings hook last: it must see every patch in place (and goes first on stop).
    scalar_index.apply(_patches)
    legacy_calls.apply(_patches)
    legacy_idioms.apply(_patches)  # after legacy_calls: wraps its backward and numpy
    grad.apply(_patches)
    provenance.apply(_patches)
    _compat.apply(_patches)  # TensorDataset, legacy Function, dot, loss targets, torch.load
    torch_warnings.start(_patches)
    shim.set_mode_hook(_variable_hook)


def _remove() -> None:
    shim.set_mode_hook(None)
    torch_warnings.stop()
    legacy_idioms.stop()
    _patches.restore()
    provenance.clear()
    _compat.clear()


def _activate() -> None:
    with _activation.lock:
        _activation.depth += 1
        if _activation.depth == 1:
            try:
                _apply()
            except BaseException:
                _activation.depth -= 1
                _remove()
                raise


def _deactivate() -> None:
    with _activation.lock:
        if _activation.depth == 0:
            return
        _activation.depth -= 1
        if _activation.depth == 0:
            _remove()


@contextmanager
def legacy_mode(install: bool = True, trace_ops: bool = False) -> Iterator[None]:
    """Legacy mode for the block (re-entrant, nestable, thread-safe; usable as a decorator).

    Scopes are reference-counted across threads: the mode (and the shim) stay on until
    the last open scope -- in any thread -- and ``enable_globally()`` have ended.

    With ``install=True`` (default) the ``Variable`` shim is also put behind
    ``torch.autograd.Variable`` for the block if it was not already, so code that looks
    ``Variable`` up at call time gets the mode's ``volatile`` and provenance handling.

    Threads: the patches act process-wide (all threads) while any legacy mode is active,
    and volatile tensors carry their volatility into any thread. Only ``trace_ops=True``
    uses torch's thread-local mode stack: :class:`OpProvenanceMode` is entered in the
    calling thread only.
    """
    if install:
        shim.acquire_shim()
    try:
        _activate()
    except BaseException:
        if install:  # _activate undid its own patches; release the shim too
            shim.release_shim()
        raise
    ops = OpProvenanceMode() if trace_ops else None
    try:
        if ops is None:
            yield
        else:
            with ops:
                yield
    finally:
        _deactivate()
        if install:
            shim.release_shim()


def enable_globally() -> None:
    """Turn legacy mode on until ``disable_globally()`` (what ``install(mode=True)`` calls)."""
    with _activation.lock:
        if _activation.globally:
            return
        _activation.globally = True
        _activate()


def disable_globally() -> None:
    """Undo ``enable_globally()``; a ``legacy_mode()`` block still open keeps the mode on."""
    with _activation.lock:
        if not _activation.globally:
            return
        _activation.globally = False
        _deactivate()
