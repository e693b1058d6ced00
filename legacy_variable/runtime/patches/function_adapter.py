"""Legacy ``autograd.Function`` instances called as ``MyFn()(x)`` -- LV112.

``Function.__call__`` (stock: always raises) runs the instance's ``forward``/``backward``
through a modern ``Function`` made once per class, with ``self``'s autograd API mapped
onto ``ctx``.
"""

from __future__ import annotations

import sys
import threading
import types
import weakref

import torch

from ...rules import Code
from ..emission import emit, pytest_traceback_hide

__tracebackhide__ = pytest_traceback_hide  # pytest: the user's line ends tracebacks

_Function = torch.autograd.Function
_ORIG_FUNCTION_CALL = _Function.__call__


class _LegacySelf:
    """What ``self`` is inside a legacy ``forward``/``backward`` run by the adapter.

    The autograd API of a 0.3 Function instance (``save_for_backward``,
    ``saved_tensors``, ``needs_input_grad``, ``mark_dirty``...) goes to the modern
    ``ctx``; every other attribute -- state from ``__init__``, values stored in
    ``forward`` for ``backward`` -- lives on the user's instance, as it did in 0.3. The
    class's own methods are bound to this view, so helpers see the same mapping.
    """

    __slots__ = ("_instance", "_ctx")

    def __init__(self, instance, ctx) -> None:
        object.__setattr__(self, "_instance", instance)
        object.__setattr__(self, "_ctx", ctx)

    # ctx's API (the adapter's first input is the instance itself: hide it)
    def save_for_backward(self, *tensors):
        self._ctx.save_for_backward(*tensors)

    @property
    def saved_tensors(self):
        return self._ctx.saved_tensors

    saved_variables = saved_tensors  # the 0.1-0.3 spelling

    @property
    def needs_input_grad(self):
        return self._ctx.needs_input_grad[1:]

    def mark_dirty(self, *tensors):
        self._ctx.mark_dirty(*tensors)

    def mark_non_differentiable(self, *tensors):
        self._ctx.mark_non_differentiable(*tensors)

    def mark_shared_storage(self, *pairs):
        pass  # 0.3 bookkeeping for outputs sharing inputs' storage; modern autograd tracks views

    def __getattr__(self, name):
        instance = object.__getattribute__(self, "_instance")
        for klass in type(instance).__mro__:
            if name in vars(klass):
                value = vars(klass)[name]
                if isinstance(value, types.FunctionType):
                    return types.MethodType(value, self)
                break
        return getattr(instance, name)

    def __setattr__(self, name, value) -> None:
        setattr(self._instance, name, value)

    def __delattr__(self, name) -> None:
        delattr(self._instance, name)


_INSTANCE_SLOT = "_legacy_variable_instance"
_adapters: "weakref.WeakKeyDictionary[type, type]" = weakref.WeakKeyDictionary()
_adapters_lock = threading.Lock()


def _instance_method(cls, name):
    """The plain function ``cls.name`` resolves to, or None when it is static/classmethod."""
    for klass in cls.__mro__:
        if name in vars(klass):
            value = vars(klass)[name]
            return value if isinstance(value, types.FunctionType) else None
    return None


def _adapter_for(cls):
    """A modern Function (static ``forward(ctx, instance, *args)``) running ``cls``'s
    instance-method ``forward``/``backward``. Made once per legacy class."""
    adapter = _adapters.get(cls)
    if adapter is not None:
        return adapter
    legacy_forward = _instance_method(cls, "forward")
    legacy_backward = _instance_method(cls, "backward")

    def forward(ctx, instance, *args):
        setattr(ctx, _INSTANCE_SLOT, instance)
        return legacy_forward(_LegacySelf(instance, ctx), *args)

    def backward(ctx, *grad_outputs):
        instance = getattr(ctx, _INSTANCE_SLOT)
        view = _LegacySelf(instance, ctx)
        if legacy_backward is not None:
            grads = legacy_backward(view, *grad_outputs)
        else:  # a static backward(ctx, ...) next to a legacy forward
            grads = cls.backward(view, *grad_outputs)
        if not isinstance(grads, tuple):
            grads = (grads,)
        return (None, *grads)  # no gradient for the instance argument

    namespace = {
        "forward": staticmethod(forward),
        "backward": staticmethod(backward),
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
    }
    # Same name, so the graph shows `<MyReLUBackward>` as it would for the modern class.
    adapter = type(cls.__name__, (_Function,), namespace)
    with _adapters_lock:
        return _adapters.setdefault(cls, adapter)


def _function_call(self, *args, **kwargs):
    cls = type(self)
    if not kwargs:
        frame = sys._getframe(1)
        if _instance_method(cls, "forward") is not None:
            emit(Code.LEGACY_AUTOGRAD_FUNCTION, frame=frame, method="forward", cls=cls.__name__)
            return _adapter_for(cls).apply(self, *args)
        # A modern (static) Function called through an instance: `.apply` is the call.
        emit(Code.LEGACY_AUTOGRAD_FUNCTION, frame=frame, method="__call__", cls=cls.__name__)
        return cls.apply(*args)
    return _ORIG_FUNCTION_CALL(self, *args, **kwargs)


_function_call.__name__ = "__call__"
_function_call.__qualname__ = "Function.__call__"


REPLACEMENTS = ((_Function, "__call__", _function_call),)
