"""The runtime shim: ``Variable`` returns real tensors, plus diagnostics.

``Variable(t)`` does exactly what stock ``torch.autograd.Variable`` does on modern
PyTorch (a detached alias sharing storage and version counter), but is written in
Python so that ``torch.compile(fullgraph=True)`` and ``torch.fx`` can trace through it,
and it tells the user *which* legacy trap a call falls into (rule codes from
``rules.py``) at the user's line.

``install()`` puts the shim behind ``torch.autograd.Variable`` for unmodified old code.
"""

from __future__ import annotations

import operator
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

import torch

from .diagnostics import add_skipped_prefix, emit

# torch's own frames (e.g. torch.nn.Module.__call__) are never the user's line.
add_skipped_prefix(__import__("os").path.dirname(torch.__file__))

_STOCK_VARIABLE = torch.autograd.variable.Variable if hasattr(
    torch.autograd.variable, "Variable"
) else torch.autograd.Variable
_is_compiling = torch.compiler.is_compiling
_Tensor = torch.Tensor


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
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        result = data.detach()
    elif hasattr(data, "detach") and hasattr(data, "requires_grad_"):
        # torch.fx.Proxy and similar tracing stand-ins: trace the same two ops.
        result = data.detach()
    else:
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    if requires_grad:
        result.requires_grad_(True)
    return result


def _diagnose(data, requires_grad, volatile, frame) -> None:
    """Emit the rule codes this call falls under (cheap after the first per site)."""
    emit("LV101", frame=frame, callee="Variable")
    if volatile:
        emit("LV209" if requires_grad else "LV103", frame=frame)
    if isinstance(data, _Tensor) and data.requires_grad:
        if requires_grad and data.grad_fn is not None:
            emit("LV201", frame=frame)
        elif not requires_grad:
            emit("LV202", frame=frame)


class VariableMeta(type):
    """``isinstance(t, Variable)`` is true for every tensor, as in stock torch.

    No ``__subclasscheck__``: Dynamo cannot trace it (torch.compile(fullgraph=True)
    breaks), and stock torch has none either.
    """

    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, _Tensor)

    def __call__(cls, *args, **kwargs):
        # Overriding the metaclass call skips type.__call__'s __new__/__init__ dance:
        # the result is a plain tensor, never an instance of cls (as in stock torch).
        if _is_compiling():
            # Under Dynamo the frame walk and warnings would break the graph.
            return _make(*args, **kwargs)
        return _checked(args, kwargs, sys._getframe(1))


def _checked(args, kwargs, frame):
    try:
        result = _make(*args, **kwargs)
    except ValueError:
        emit("LV209", frame=frame)
        raise
    except RuntimeError:
        emit("LV208", frame=frame)
        raise
    data = args[0] if args else kwargs.get("data")
    requires_grad = args[1] if len(args) > 1 else kwargs.get("requires_grad", False)
    volatile = args[2] if len(args) > 2 else kwargs.get("volatile", False)
    _diagnose(data, bool(requires_grad), bool(volatile), frame)
    return result


class Variable(metaclass=VariableMeta):
    """Legacy ``torch.autograd.Variable``: returns ``data.detach()`` (a real tensor).

    ``Variable(data=None, requires_grad=False, volatile=False)``
    """

    # torch's checkpointing and module trackers read Variable._execution_engine.
    _execution_engine = getattr(_STOCK_VARIABLE, "_execution_engine", None)

    def __new__(cls, *args, **kwargs):
        # Reached only by pickle's __newobj__ path (legacy 0.1 pickles): cls.__new__(cls).
        return _make(*args, **kwargs)


Variable.__module__ = "legacy_variable.variable"


# --------------------------------------------------------------------------- install


class _Installation:
    """What install() replaced, so uninstall() restores the exact original objects."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.saved: list[tuple[object, str, object]] | None = None


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


def install(mode: bool = False) -> None:
    """Put the shim behind ``torch.autograd.Variable``. Idempotent and thread-safe.

    With ``mode=True`` legacy mode is entered too (see ``legacy_variable.mode``).
    """
    with _installation.lock:
        if _installation.saved is None:
            saved = []
            for target in _targets():
                saved.append((target, "Variable", target.__dict__.get("Variable")))
                setattr(target, "Variable", Variable)
            _installation.saved = saved
    if mode:
        from . import mode as _mode

        _mode.enable_globally()


def uninstall() -> None:
    """Restore the original objects exactly. Idempotent."""
    with _installation.lock:
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
    mode_module = sys.modules.get("legacy_variable.mode")
    if mode_module is not None and hasattr(mode_module, "disable_globally"):
        mode_module.disable_globally()


@contextmanager
def installed(mode: bool = False) -> Iterator[None]:
    """``with installed():`` -- the shim for the block; restores what was there before."""
    was_installed = is_installed()
    install(mode=mode)
    try:
        yield
    finally:
        if not was_installed:
            uninstall()
