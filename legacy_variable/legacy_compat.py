"""Legacy mode, continued: the 0.3 idioms real scripts hit beyond ``Variable`` (issue 8).

Wired into :mod:`legacy_variable.mode` (its ``_apply``/``_remove`` call :func:`apply` and
:func:`clear`), so these patches live exactly as long as legacy mode and are restored to
the identical original objects with it. Each one costs only where the legacy idiom is:

* ``TensorDataset(data_tensor=x, target_tensor=y)`` -- LV119: ``TensorDataset.__init__``
  binds the 0.3 keywords when they are given (a dataset is built a handful of times).
* Legacy ``autograd.Function`` instances called as ``MyFn()(x)`` -- LV112:
  ``Function.__call__`` (stock: always raises) runs the instance's ``forward``/``backward``
  through a modern ``Function`` made once per class, with ``self``'s autograd API mapped
  onto ``ctx``.
* ``a.dot(b)`` / ``torch.dot(a, b)`` on tensors of more than one dimension -- LV120: the
  stock call runs first; only its ``RuntimeError`` path computes 0.3's ``(a * b).sum()``.
* An element of a 1-D ``Variable(...)`` used as a loss target -- LV121: the shim marks
  1-D results of ``Variable(...)``; integer indexing of a marked tensor remembers the
  line; ``F.nll_loss``/``F.cross_entropy`` retry, only on their ``ValueError`` path and
  only for such an element, with it as a batch of one (what 0.3 computed), naming the
  indexing line. A call that succeeds on stock torch is never changed.
* ``torch.load`` refused by ``weights_only=True`` -- LV122: only the
  ``UnpicklingError`` path runs; the refusal is explained and re-raised, unless the
  user opted in with :func:`trust_pickles` (``legacy-variable run --trust-pickles``).

Printing (LV123) is left alone: it is reported by the linter only.
"""

from __future__ import annotations

import inspect
import os
import pickle
import re
import sys
import threading
import types
import weakref

import torch
import torch.nn.functional as F
import torch.utils.data

from .diagnostics import emit, user_frame

__all__ = ["PATCHED", "trust_pickles", "pickles_trusted", "trusted_loads"]

_Tensor = torch.Tensor
_Function = torch.autograd.Function
_TensorDataset = torch.utils.data.TensorDataset

# Originals, looked up once.
_ORIG_FUNCTION_CALL = _Function.__call__
_ORIG_DATASET_INIT = _TensorDataset.__init__
_ORIG_TENSOR_DOT = _Tensor.dot
_ORIG_TORCH_DOT = torch.dot
_ORIG_NLL_LOSS = F.nll_loss
_ORIG_CROSS_ENTROPY = F.cross_entropy
_ORIG_LOAD = torch.load

def _mode():
    # mode imports this module; the reverse import is deferred to call time.
    from . import mode

    return mode


# --------------------------------------------------------------------------- LV119


def _legacy_dataset_signature(data_tensor, target_tensor):
    return data_tensor, target_tensor


def _tensor_dataset_init(self, *tensors, **kwargs):
    if "data_tensor" in kwargs or "target_tensor" in kwargs:
        try:
            legacy = _legacy_dataset_signature(*tensors, **kwargs)
        except TypeError:
            legacy = None  # not the 0.3 shape either: let the stock error speak
        if legacy is not None:
            frame = sys._getframe(1)
            user = _mode()._user_caller(frame)
            names = [_mode()._name_in(user, t) for t in legacy]
            args = ", ".join(names) if all(names) else None
            emit("LV119", frame=frame, args=args)
            return _ORIG_DATASET_INIT(self, *legacy)
    return _ORIG_DATASET_INIT(self, *tensors, **kwargs)


_tensor_dataset_init.__doc__ = _ORIG_DATASET_INIT.__doc__
_tensor_dataset_init.__name__ = "__init__"
_tensor_dataset_init.__qualname__ = "TensorDataset.__init__"


# --------------------------------------------------------------------------- LV112


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
            emit("LV112", frame=frame, method="forward", cls=cls.__name__)
            return _adapter_for(cls).apply(self, *args)
        # A modern (static) Function called through an instance: `.apply` is the call.
        emit("LV112", frame=frame, method="__call__", cls=cls.__name__)
        return cls.apply(*args)
    return _ORIG_FUNCTION_CALL(self, *args, **kwargs)


_function_call.__name__ = "__call__"
_function_call.__qualname__ = "Function.__call__"


# --------------------------------------------------------------------------- LV120


def _legacy_dot(a, b):
    """0.3's ``dot`` of two same-sized tensors of any shape, or None when 0.3 raised too."""
    if not (isinstance(a, _Tensor) and isinstance(b, _Tensor)):
        return None
    if (a.dim() == 1 and b.dim() == 1) or a.numel() != b.numel() or a.dtype != b.dtype:
        return None  # a genuine modern error (sizes, dtypes): keep it
    if a.shape == b.shape:
        return (a * b).sum()
    return (a.reshape(-1) * b.reshape(-1)).sum()


def _dot_diagnostic(callee, a, b):
    emit("LV120", frame=sys._getframe(2), callee=callee, shapes=f"{a.dim()}-D and {b.dim()}-D")


def _tensor_dot(self, other, *args, **kwargs):
    try:
        return _ORIG_TENSOR_DOT(self, other, *args, **kwargs)
    except RuntimeError:
        value = None if (args or kwargs) else _legacy_dot(self, other)
        if value is None:
            raise
        _dot_diagnostic("Tensor.dot", self, other)
        return value


def _torch_dot(input, other, *args, **kwargs):
    try:
        return _ORIG_TORCH_DOT(input, other, *args, **kwargs)
    except RuntimeError:
        value = None if (args or kwargs) else _legacy_dot(input, other)
        if value is None:
            raise
        _dot_diagnostic("torch.dot", input, other)
        return value


_tensor_dot.__doc__ = _ORIG_TENSOR_DOT.__doc__
_tensor_dot.__name__ = "dot"
_torch_dot.__doc__ = _ORIG_TORCH_DOT.__doc__
_torch_dot.__name__ = "dot"


# --------------------------------------------------------------------------- LV121


def _new_weak_map():
    return _mode()._WeakIdMap()


class _VectorState:
    """1-D tensors made by ``Variable(...)`` and the elements taken out of them."""

    def __init__(self) -> None:
        self.vectors = None
        self.elements = None

    def ensure(self) -> None:
        if self.vectors is None:
            self.vectors = _new_weak_map()
            self.elements = _new_weak_map()

    def clear(self) -> None:
        if self.vectors is not None:
            self.vectors.clear()
            self.elements.clear()


_vectors = _VectorState()


def note_variable_result(result) -> None:
    """``Variable(...)`` returned ``result`` under legacy mode (called by mode's hook)."""
    if isinstance(result, _Tensor) and result.dim() == 1:
        _vectors.vectors[result] = True


def vector_registry() -> dict:
    """The dict whose truthiness tells mode's ``__getitem__`` whether any marked 1-D
    ``Variable`` is alive (one dict check on the indexing hot path)."""
    _vectors.ensure()
    return _vectors.vectors._entries


def note_vector_index(vector, element, frame) -> None:
    """``vector[i]`` with an int ``i`` ran at ``frame`` (called by mode's ``__getitem__``)."""
    if _vectors.vectors.get(vector) is None or not isinstance(element, _Tensor):
        return
    mode = _mode()
    user = mode._user_caller(frame)
    if user is not None:
        _vectors.elements[element] = mode._SiteFrame(user)


def _retrying_batch_of_one(original):
    def loss(input, target, *args, **kwargs):
        try:
            return original(input, target, *args, **kwargs)
        except ValueError:
            site = _vectors.elements.get(target) if isinstance(target, _Tensor) else None
            if (
                site is None
                or target.dim() != 0
                or not isinstance(input, _Tensor)
                or input.dim() < 1
                or input.shape[0] != 1
            ):
                raise
            frame = sys._getframe(1)
            name = _mode()._name_in(user_frame(frame), target) or "target"
            emit(
                "LV121",
                frame=frame,
                target=name,
                variant="indexed_at",
                index_line=site.f_lineno,
                related=(("index_site", site.location),),
            )
            return original(input, target.view(1), *args, **kwargs)

    loss.__name__ = original.__name__
    loss.__qualname__ = original.__qualname__
    loss.__doc__ = original.__doc__
    loss.__module__ = original.__module__
    # torch.jit.script compiles this instead (a wrapper with *args cannot be scripted).
    loss.__prepare_scriptable__ = lambda: original
    return loss


_nll_loss = _retrying_batch_of_one(_ORIG_NLL_LOSS)
_cross_entropy = _retrying_batch_of_one(_ORIG_CROSS_ENTROPY)


# --------------------------------------------------------------------------- LV122


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
        return _ORIG_LOAD(f, *args, **kwargs)
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
            emit("LV122", frame=frame, file=file, detail=what)
            raise
        emit(
            "LV122",
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
        return _ORIG_LOAD(f, *args, **{**kwargs, "weights_only": False})


_load.__doc__ = _ORIG_LOAD.__doc__
_load.__name__ = "load"
_load.__module__ = _ORIG_LOAD.__module__
try:
    _load.__signature__ = inspect.signature(_ORIG_LOAD)
except (TypeError, ValueError):
    pass


# --------------------------------------------------------------------------- on / off


class _Once:
    done = False


_torchscript = _Once()


def _register_for_torchscript() -> None:
    """TorchScript maps builtins by function identity: let it see ``aten::dot`` in the
    ``torch.dot`` wrapper, so scripting code that calls ``torch.dot`` keeps working."""
    if _torchscript.done:
        return
    _torchscript.done = True
    try:
        from torch.jit import _builtins

        op = _builtins._find_builtin(_ORIG_TORCH_DOT)
        if op is not None:
            _builtins._register_builtin(_torch_dot, op)
    except Exception:  # noqa: BLE001 -- a private API; scripting is a side concern here
        pass


_REPLACEMENTS = (
    (_Function, "__call__", _function_call),
    (_TensorDataset, "__init__", _tensor_dataset_init),
    (_Tensor, "dot", _tensor_dot),
    (torch, "dot", _torch_dot),
    (F, "nll_loss", _nll_loss),
    (F, "cross_entropy", _cross_entropy),
    (torch, "load", _load),
)
#: Every attribute this module replaces while legacy mode is on: (owner, name).
PATCHED = [(owner, name) for owner, name, _ in _REPLACEMENTS]


def apply(patches) -> None:
    """Install this module's patches through mode's reversible ``_Patches``."""
    _vectors.ensure()
    _register_for_torchscript()
    for owner, name, replacement in _REPLACEMENTS:
        patches.set(owner, name, replacement)


def clear() -> None:
    """Forget per-run state when legacy mode ends (the patches are restored by mode)."""
    _vectors.clear()
