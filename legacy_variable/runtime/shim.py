"""The runtime shim: ``Variable`` returns real tensors, plus diagnostics.

``Variable(t)`` does exactly what stock ``torch.autograd.Variable`` does on modern
PyTorch (a detached alias sharing storage and version counter), but is written in
Python so that ``torch.compile(fullgraph=True)`` and ``torch.fx`` can trace through it,
and it tells the user *which* legacy trap a call falls into (rule codes from
``rules.py``) at the user's line.

``install_shim()`` puts it behind ``torch.autograd.Variable`` for unmodified old code
(``installation.install`` adds legacy mode on request). Legacy mode changes what a call
returns through the one hook it registers with :func:`set_mode_hook`; this module never
imports the mode.
"""

from __future__ import annotations

import operator
import os
import sys
import threading

import torch

from ..rules import Code
from .emission import (
    pytest_traceback_hide,
    add_skipped_prefix,
    emit,
    show_outside_main,
    state as _state,
    stop_showing_outside_main,
)

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

# torch's own frames (e.g. torch.nn.Module.__call__) are never the user's line.
add_skipped_prefix(os.path.dirname(torch.__file__))

#: torch's own ``Variable`` (what the shim replaces), for differential tests and benches.
STOCK_VARIABLE = torch.autograd.variable.Variable if hasattr(
    torch.autograd.variable, "Variable"
) else torch.autograd.Variable


class _CompilerFlag:
    """Fallback when torch.compiler has no ``_is_compiling_flag`` (older releases)."""

    @property
    def _is_compiling_flag(self) -> bool:
        return torch.compiler.is_compiling()


_compiler_state = (
    torch.compiler if hasattr(torch.compiler, "_is_compiling_flag") else _CompilerFlag()
)
_Tensor = torch.Tensor


_INTEGER_REQUIRES_GRAD = "Only Tensors of floating point and complex dtype can require gradients"


def _make(data=None, requires_grad=False, volatile=False, _grad_fn=None, name=None):
    """Stock semantics of the legacy constructor, in Python."""
    # operator.index reproduces the C parser: True/False/1/0 pass, 'yes' and None raise
    # "TypeError: 'str' object cannot be interpreted as an integer".
    requires_grad = bool(operator.index(requires_grad))
    volatile = bool(operator.index(volatile))
    if _grad_fn is not None:
        raise TypeError(
            "_grad_fn has to be a Function object or None, but got "
            f"{type(_grad_fn).__name__}"
        )
    if volatile and requires_grad:
        raise ValueError("Variable can't be volatile and require_grad at the same time!")
    if data is None:
        result = torch.empty(0)
    elif isinstance(data, _Tensor):
        if requires_grad and not (data.is_floating_point() or data.is_complex()):
            raise RuntimeError(_INTEGER_REQUIRES_GRAD)
        result = data.detach()
    elif hasattr(data, "detach") and hasattr(data, "requires_grad_"):
        # torch.fx.Proxy and similar tracing stand-ins: trace the same two ops.
        result = data.detach()
    else:
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    if requires_grad:
        result.requires_grad_(True)
    return result


def _codes_for(data, requires_grad, volatile) -> tuple[str, ...]:
    """The rule codes one successful call falls under (a constant tuple per case)."""
    if volatile:
        return _WRAP_VOLATILE
    if not isinstance(data, _Tensor):
        return _WRAP
    if data.requires_grad:
        if not requires_grad:
            return _WRAP_DETACHING
        if data.grad_fn is not None:
            return _WRAP_REWRAP
    return _WRAP


_VOLATILE = Code.VOLATILE_FLAG
_WRAP = (Code.VARIABLE_WRAPPER,)
_WRAP_VOLATILE = (Code.VARIABLE_WRAPPER, _VOLATILE)
_WRAP_DETACHING = (Code.VARIABLE_WRAPPER, Code.DETACHING_WRAP)
_WRAP_REWRAP = (Code.VARIABLE_WRAPPER, Code.REWRAP_COMPUTED_TENSOR)
#: Registered by legacy mode while it is on (``set_mode_hook``):
#: hook(data, result, requires_grad, volatile, frame) -> result. None outside the mode.
#: A module global because the hot path reads it on every call.
_mode_hook = None


def set_mode_hook(hook) -> None:
    """Register ``hook(data, result, requires_grad, volatile, frame) -> result``, called
    after each successful ``Variable(...)`` call; ``None`` unregisters it."""
    global _mode_hook
    _mode_hook = hook


def mode_hook():
    """The registered hook, or None (legacy mode is off)."""
    return _mode_hook


_getframe = sys._getframe
_NO_SITE = (None, -1, None)
_VOLATILE_IN_MODE = (
    "`volatile=` has no effect on stock PyTorch since 0.4 (the graph is still built); legacy "
    "mode restores 0.3's meaning here (no graph); migrate to `with torch.no_grad():`"
)


class VariableMeta(type):
    """``isinstance(t, Variable)`` is true for every tensor, as in stock torch.

    No ``__subclasscheck__``: Dynamo cannot trace it (torch.compile(fullgraph=True)
    breaks), and stock torch has none either.
    """

    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, _Tensor)

    def __call__(cls, data=None, requires_grad=False, volatile=False, *rest, **extra):
        # Overriding the metaclass call skips type.__call__'s __new__/__init__ dance:
        # the result is a plain tensor, never an instance of cls (as in stock torch).
        if _compiler_state._is_compiling_flag:
            # Under Dynamo (which holds this flag while tracing) the frame walk and the
            # warnings would break the graph: trace the plain semantics only.
            return _make(data, requires_grad, volatile, *rest, **extra)
        frame = _getframe(1)
        if requires_grad is False and volatile is False and not rest and not extra and (
            isinstance(data, _Tensor)
        ):
            # The hot path: `Variable(t)`, inlined (the per-call budget is half of
            # stock's ~0.3 us on top of it).
            result = data.detach()
            codes = _WRAP_DETACHING if data.requires_grad else _WRAP
        elif (
            volatile is False
            and requires_grad is True
            and not rest
            and not extra
            and isinstance(data, _Tensor)
        ):
            result = data.detach()
            try:
                result.requires_grad_(True)
            except RuntimeError:
                # An integer tensor: stock raises this, with its own wording.
                emit(Code.INTEGER_REQUIRES_GRAD, frame=frame)
                raise RuntimeError(_INTEGER_REQUIRES_GRAD) from None
            codes = _WRAP_REWRAP if data.requires_grad and data.grad_fn is not None else _WRAP
        else:
            try:
                result = _make(data, requires_grad, volatile, *rest, **extra)
            except ValueError:
                emit(Code.VOLATILE_AND_REQUIRES_GRAD, frame=frame)
                raise
            except RuntimeError:
                emit(Code.INTEGER_REQUIRES_GRAD, frame=frame)
                raise
            codes = _codes_for(data, bool(requires_grad), bool(volatile))
        if _mode_hook is not None:
            # Legacy mode is on: volatile / provenance handling.
            result = _mode_hook(data, result, bool(requires_grad), bool(volatile), frame)
        # Steady state of the default policy: this site already reported these codes and
        # nobody counts occurrences, so skip the frame walk and warning machinery. A loop
        # calls from one site again and again: identity checks against the last site
        # cost less than building and hashing a key. ``last_site`` is set only under the
        # "once" policy with no collector listening, and emission resets it whenever
        # either changes (``configure``, ``Collector.__enter__``), so a hit needs no
        # policy reads. One tuple, swapped atomically: threads never see a mixed entry.
        code_object = frame.f_code
        lasti = frame.f_lasti
        last = _state.last_site
        if last[0] is code_object and last[1] == lasti and last[2] is codes:
            return result
        state = _state
        if state.action == "once" and not state.collectors:
            # id() because hashing a code object is slow (~0.6 us); the dict keeps the
            # code object alive, so its id cannot be reused by another one.
            key = (id(code_object), lasti, codes)
            site_seen = state.site_seen
            hit = key in site_seen
            if not hit:
                site_seen[key] = code_object
            state.last_site = (code_object, lasti, codes)
            if state.collectors:
                # A collector started between the check above and the memo: it resets
                # the memo after registering, or this read sees it -- either way no
                # occurrence it should count is skipped.
                state.last_site = _NO_SITE
            elif hit:
                return result
        for code in codes:
            if code is _VOLATILE and _mode_hook is not None:
                # Under legacy mode the flag does take effect: say so, or the catalog's
                # "has no effect" would be wrong at this very line.
                emit(code, _VOLATILE_IN_MODE, frame=frame)
            else:
                emit(code, frame=frame)
        return result


class Variable(metaclass=VariableMeta):
    """Legacy ``torch.autograd.Variable``: returns ``data.detach()`` (a real tensor).

    ``Variable(data=None, requires_grad=False, volatile=False)``
    """

    # torch's checkpointing and module trackers read Variable._execution_engine.
    _execution_engine = getattr(STOCK_VARIABLE, "_execution_engine", None)

    def __new__(cls, *args, **kwargs):
        # Reached only by pickle's __newobj__ path (legacy 0.1 pickles): cls.__new__(cls).
        return _make(*args, **kwargs)


# The documented import path (pickles name the class by it; `legacy_variable` loads it
# lazily through its module __getattr__).
Variable.__module__ = "legacy_variable"


# --------------------------------------------------------------------------- install


class _Installation:
    """What the shim replaced, so that removing it restores the exact originals, and who
    holds it: ``install_shim()`` (until ``uninstall_shim()``) and each open scope
    (``acquire_shim``/``release_shim``, from any thread). The shim stays in place while
    either holds it, so one thread's scope ending never removes it under another's."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.saved: list[tuple[object, str, object]] | None = None
        self.globally = False
        self.scopes = 0


_installation = _Installation()


def _targets() -> list[object]:
    """The three places torch exposes Variable.

    ``torch.autograd.variable`` as an *attribute* is the deprecated function that shadows
    the submodule; the submodule is reachable only through ``sys.modules``.
    """
    targets: list[object] = [torch.autograd]
    module = sys.modules.get("torch.autograd.variable")
    if module is not None:
        targets.append(module)
    shadow = getattr(torch.autograd, "variable", None)
    if shadow is not None and shadow is not module and hasattr(shadow, "Variable"):
        targets.append(shadow)
    return targets


def is_installed() -> bool:
    return torch.autograd.Variable is Variable


def _put() -> None:
    if _installation.saved is None:
        show_outside_main()
        saved = []
        for target in _targets():
            saved.append((target, "Variable", target.__dict__.get("Variable")))
            setattr(target, "Variable", Variable)
        _installation.saved = saved


def _take() -> None:
    saved = _installation.saved
    if saved is not None:
        for target, attr, original in saved:
            if original is None:
                try:
                    delattr(target, attr)
                except AttributeError:
                    pass
            else:
                setattr(target, attr, original)
        _installation.saved = None
        stop_showing_outside_main()


def install_shim() -> None:
    """Put the shim behind ``torch.autograd.Variable`` until ``uninstall_shim()``.
    Idempotent and thread-safe."""
    with _installation.lock:
        _installation.globally = True
        _put()


def uninstall_shim() -> None:
    """Undo ``install_shim()``: the original objects come back exactly, unless a scope
    (``acquire_shim``) is still open -- then when the last one closes. Idempotent."""
    with _installation.lock:
        _installation.globally = False
        if _installation.scopes == 0:
            _take()


def acquire_shim() -> None:
    """Open a scope that needs the shim (reference-counted, any thread)."""
    with _installation.lock:
        _installation.scopes += 1
        _put()


def release_shim() -> None:
    """Close a scope opened by ``acquire_shim``; the last one out removes the shim unless
    ``install_shim()`` holds it."""
    with _installation.lock:
        if _installation.scopes == 0:
            return
        _installation.scopes -= 1
        if _installation.scopes == 0 and not _installation.globally:
            _take()
