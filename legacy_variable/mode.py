"""Legacy mode: PyTorch 0.3 semantics where they can be restored, and traps caught as they happen.

``with legacy_mode():`` (or ``install(mode=True)`` / ``enable_globally()``) makes, with a
diagnostic at the user's line each time:

* ``loss.data[0]`` / ``loss[0]`` on a 0-dim tensor return what 0.3 returned -- LV104;
* ``Variable(x, volatile=True)`` infectious again: no graph is built from it -- LV103;
* ``backward(retain_variables=...)`` work as ``retain_graph=`` -- LV106;
* ``.numpy()`` on a tensor that requires grad return the detached array -- LV207;
* ``x.require_grad = True`` reported -- LV206;
* reads of a ``.grad`` that can only be ``None`` explained, with the wrap that cut the
  graph (the ``c_var`` misconception) -- LV203 / LV201;
* torch's own warnings for legacy idioms re-reported under catalog codes (LV111-LV118);
* what real 2017-18 scripts hit beyond Variable (``legacy_compat``): ``TensorDataset``'s
  0.3 keywords (LV119), legacy ``autograd.Function`` instances (LV112), ``dot`` of
  matrices (LV120), an element of a 1-D Variable as a loss target (LV121), and a
  ``torch.load`` refused by ``weights_only`` explained (LV122; loaded only after an
  explicit ``trust_pickles()`` / ``run --trust-pickles``).

How, and what it costs ("pay only where the legacy idiom is", DESIGN.md): a pass-through
``TorchFunctionMode`` costs x1.12 on an MLP step because every op pays, so the mode is
built from narrow patches that cost only when the legacy thing is touched:

* ``Tensor.__getitem__`` tries the stock indexing first; only its ``IndexError`` path
  looks for the 0-dim ``[0]`` idiom (no cost on the success path beyond one Python call).
* ``Tensor.grad``: the getter returns at once when there is a gradient; the ``None`` path
  inspects the tensor and the caller's frame (torch-internal readers are never reported).
* ``Tensor.backward`` / ``torch.autograd.backward`` / ``Tensor.numpy`` /
  ``Tensor.__setattr__``: thin wrappers whose legacy branch runs only for legacy calls.
* Provenance (which tensors flowed into a re-wrapped tensor): the arithmetic operators and
  a few common methods record, only when their result does *not* require grad (when it
  does, autograd's graph already holds the provenance), a bounded tuple of weak
  references to the result's origins. At ``Variable(c, requires_grad=True)`` the origins
  of ``c`` (and the leaves of its autograd graph) are remembered, weakly.
* Volatile: ``Variable(x, volatile=True)`` returns ``x``'s data as a
  :class:`LegacyVolatileTensor` (a ``torch.Tensor`` subclass made with ``as_subclass``,
  zero-copy). Its ``__torch_function__`` runs each op under ``no_grad`` and makes the
  results volatile too, so volatility spreads exactly as in 0.3. This is op-level sight
  only where a volatile tensor is among the inputs, in every thread, for exactly as long
  as volatile tensors are alive -- the cost a ``TorchFunctionMode`` would put on every op
  of the program is paid only by volatile ops.
* torch's warnings: while the mode is on, an ``always`` filter for the known legacy
  messages and a hook on ``warnings._showwarnmsg`` (the function the interpreter calls to
  show a warning; ``catch_warnings(record=True)`` leaves it in place) re-report them.

Scope and threads: the patches are process-wide while the mode is on (entered in any
thread, they act in all threads); diagnostics are attributed to the caller's frame in
whichever thread runs. Nothing but the opt-in ``trace_ops`` (:class:`OpProvenanceMode`)
relies on torch's thread-local mode stack. DataLoader
worker *processes* inherit the patches when forked (Linux default); their diagnostics are
emitted in the worker, and ``legacy-variable run`` collects them through a per-process
spool file (see ``runner.py``); with ``spawn`` workers start without the mode.

Outside the mode every patched attribute is the identical original object again.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
import threading
import warnings
import weakref
from contextlib import contextmanager
from typing import Iterator

import torch

from . import legacy_compat as _compat
from . import variable as _variable
from .diagnostics import LegacyVariableWarning, _is_library_frame, display_path, emit

__all__ = [
    "LegacyVolatileTensor",
    "OpProvenanceMode",
    "active",
    "disable_globally",
    "enable_globally",
    "legacy_mode",
]

_Tensor = torch.Tensor
_MISSING = object()

# --------------------------------------------------------------------------- frames

_WARNINGS_FILES = {warnings.__file__}


def _is_internal(filename: str) -> bool:
    # diagnostics' library dirs (this package, and torch: registered by variable.py),
    # plus warnings.py, which sits between torch's warn() and the showwarnmsg hook.
    return _is_library_frame(filename) or filename in _WARNINGS_FILES


def _user_caller(frame):
    """``frame`` if it is user code; None when torch or this package is the caller."""
    if frame is None or _is_internal(frame.f_code.co_filename):
        return None
    return frame


class _SiteFrame:
    """A frame-shaped record of a past call site, so ``emit`` can report there later.

    Keeping the real frame would keep its locals (tensors) alive.
    """

    __slots__ = ("f_code", "f_lineno", "f_lasti", "f_globals", "f_back")

    def __init__(self, frame) -> None:
        self.f_code = frame.f_code
        self.f_lineno = frame.f_lineno
        self.f_lasti = frame.f_lasti
        self.f_globals = frame.f_globals
        self.f_back = None

    @property
    def location(self) -> str:
        return f"{display_path(self.f_code.co_filename)}:{self.f_lineno}"

    @property
    def source(self) -> str:
        return linecache.getline(self.f_code.co_filename, self.f_lineno).strip()


def _name_in(frame, tensor) -> str | None:
    """A variable name bound to ``tensor`` in ``frame`` (locals, then globals), by identity."""
    if frame is None:
        return None
    for namespace in (frame.f_locals, frame.f_globals):
        for name, value in list(namespace.items()):
            if value is tensor and not name.startswith("_"):
                return name
    return None


_GRAD_READ = re.compile(r"([A-Za-z_][\w.\[\]]*)\.grad\b")


def _name_of_grad_read(frame, tensor) -> str:
    name = _name_in(frame, tensor)
    if name:
        return name
    # `self.w.grad` and the like: take the expression from the source line when unique.
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    found = set(_GRAD_READ.findall(line))
    return found.pop() if len(found) == 1 else "tensor"


# --------------------------------------------------------------------------- patches


class _Patches:
    """Attribute replacements; ``restore`` puts back the identical original objects."""

    def __init__(self) -> None:
        # (owner, name, value in owner.__dict__ or _MISSING)
        self.saved: list[tuple[object, str, object]] = []

    def set(self, owner, name: str, value) -> None:
        self.saved.append((owner, name, vars(owner).get(name, _MISSING)))
        setattr(owner, name, value)

    def restore(self) -> None:
        while self.saved:
            owner, name, original = self.saved.pop()
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


_patches = _Patches()

# Originals, looked up once (through the MRO: TensorBase's C slots and descriptors).
_ORIG_GETITEM = _Tensor.__getitem__
_ORIG_SETATTR = _Tensor.__setattr__
_ORIG_NUMPY = _Tensor.numpy
_ORIG_BACKWARD = _Tensor.backward
_ORIG_GRAD = _Tensor.grad  # getset descriptor
_grad_get = _ORIG_GRAD.__get__
_grad_set = _ORIG_GRAD.__set__
_grad_delete = _ORIG_GRAD.__delete__
_ORIG_AUTOGRAD_BACKWARD = torch.autograd.backward


# ---- LV104: 0-dim [0]


def _getitem(self, index):
    try:
        result = _ORIG_GETITEM(self, index)
    except IndexError:
        if type(index) is int and index in (0, -1) and self.dim() == 0:
            emit("LV104", frame=sys._getframe(1))
            # 0.3: a Variable's [0] was a 1-element Variable (keep autograd working: the
            # tensor itself); a tensor's [0] -- `loss.data[0]`, anything that does not
            # require grad -- was a Python number.
            return self if self.requires_grad else self.item()
        raise
    if _variable_vectors and type(index) is int:
        # LV121: an element of a 1-D Variable; remember the line for a failing loss call.
        _compat.note_vector_index(self, result, sys._getframe(1))
    return result


# ---- LV106: retain_variables=


def _tensor_backward(self, *args, **kwargs):
    if "retain_variables" in kwargs:
        legacy = kwargs.pop("retain_variables")
        emit("LV106", frame=sys._getframe(1))
        if kwargs.get("retain_graph") is None and len(args) < 2:
            kwargs["retain_graph"] = legacy
    return _ORIG_BACKWARD(self, *args, **kwargs)


_tensor_backward.__doc__ = _ORIG_BACKWARD.__doc__
_tensor_backward.__name__ = "backward"
_tensor_backward.__qualname__ = "Tensor.backward"


def _autograd_backward(*args, **kwargs):
    if "retain_variables" in kwargs:
        legacy = kwargs.pop("retain_variables")
        emit("LV106", frame=sys._getframe(1))
        if kwargs.get("retain_graph") is None and len(args) < 3:
            kwargs["retain_graph"] = legacy
    if "variables" in kwargs and "tensors" not in kwargs and not args:
        # 0.3 keyword name of the first argument
        kwargs["tensors"] = kwargs.pop("variables")
    return _ORIG_AUTOGRAD_BACKWARD(*args, **kwargs)


_autograd_backward.__doc__ = _ORIG_AUTOGRAD_BACKWARD.__doc__
_autograd_backward.__name__ = "backward"


# ---- LV207: .numpy() on a tensor that requires grad


def _numpy(self, *args, **kwargs):
    try:
        return _ORIG_NUMPY(self, *args, **kwargs)
    except RuntimeError:
        if not self.requires_grad:
            raise
        emit("LV207", frame=sys._getframe(1))
        # 0.3 code called .numpy() on `.data`, which never required grad.
        return _ORIG_NUMPY(self.detach(), *args, **kwargs)


# ---- LV206: require_grad typo


def _setattr(self, name, value):
    if name == "require_grad":
        frame = sys._getframe(1)
        emit("LV206", frame=frame, target=_name_in(_user_caller(frame), self) or "x")
    _ORIG_SETATTR(self, name, value)


# --------------------------------------------------------------------------- provenance

class _WeakIdMap:
    """tensor -> value, by identity, holding the tensor weakly.

    Leaner than torch.utils.weak.WeakIdKeyDictionary on the recording path (one weakref
    with a callback and a dict store), and never compares tensors with ``==``.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple] = {}

    def __setitem__(self, key, value) -> None:
        entries = self._entries
        k = id(key)

        def forget(ref, k=k, entries=entries):
            entry = entries.get(k)
            if entry is not None and entry[0] is ref:
                del entries[k]

        entries[k] = (weakref.ref(key, forget), value)

    def get(self, key, default=None):
        entry = self._entries.get(id(key))
        if entry is not None and entry[0]() is key:
            return entry[1]
        return default

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()


#: tensor -> tuple of weakrefs to the tensors it was computed from (bounded).
_origins = _WeakIdMap()
#: tensor -> _Wrap record: it flowed into a tensor re-wrapped with requires_grad=True.
_wrapped_into = _WeakIdMap()
_MAX_ORIGINS = 8
_MAX_GRAPH_NODES = 256


class _Wrap:
    """One ``Variable(c, requires_grad=True)`` call: where, and what flowed into it."""

    __slots__ = ("site", "target", "inputs", "reported", "__weakref__")

    def __init__(self, site: _SiteFrame, target: str, inputs: list[str], reported: bool):
        self.site = site
        self.target = target
        self.inputs = inputs
        # LV201 already emitted at the wrap (by the shim: the input had a grad_fn).
        self.reported = reported


def _record(out, inputs) -> None:
    refs: list = []
    seen: set[int] = set()
    for x in inputs:
        if not isinstance(x, _Tensor):
            continue
        for ref in _origins.get(x, ()):
            t = ref()
            if t is not None and id(t) not in seen:
                seen.add(id(t))
                refs.append(ref)
        if id(x) not in seen:
            seen.add(id(x))
            refs.append(weakref.ref(x))
    if refs:
        _origins[out] = tuple(refs[-_MAX_ORIGINS:])


#: filename -> whether frames there are torch's or this package's (memo for the hot path).
_internal_files: dict[str, bool] = {}


def _called_by_user(frame) -> bool:
    filename = frame.f_code.co_filename
    internal = _internal_files.get(filename)
    if internal is None:
        internal = _internal_files[filename] = _is_internal(filename)
    return not internal


def _tracking(method):
    """Wrap a Tensor method/operator so results that do not require grad keep provenance.

    Only user code's ops are recorded: torch's own (an optimizer's momentum buffers, say)
    pay one frame check.
    """

    def tracked(self, *args, **kwargs):
        out = method(self, *args, **kwargs)
        if type(out) is _Tensor and not out.requires_grad and _called_by_user(sys._getframe(1)):
            _record(out, (self, *args))
        return out

    tracked.__name__ = getattr(method, "__name__", "tracked")
    tracked.__doc__ = getattr(method, "__doc__", None)
    return tracked


def _inplace_tracking(method):
    def tracked(self, *args, **kwargs):
        out = method(self, *args, **kwargs)
        if out is self and not self.requires_grad and _called_by_user(sys._getframe(1)):
            _record(self, (self, *args))
        return out

    tracked.__name__ = getattr(method, "__name__", "tracked")
    tracked.__doc__ = getattr(method, "__doc__", None)
    return tracked


_TRACKED_METHODS = (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
    "__truediv__", "__rtruediv__", "__matmul__", "__rmatmul__", "__pow__", "__neg__",
    "add", "sub", "mul", "div", "mm", "matmul", "sum", "mean", "pow", "exp", "clone",
)
_TRACKED_INPLACE = ("__iadd__", "__isub__", "__imul__", "__itruediv__")


def _tensors_in(args, kwargs):
    for value in (*args, *kwargs.values()):
        if isinstance(value, _Tensor):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, _Tensor):
                    yield item


#: Frames of torch's public wrappers between a user's call and the mode (F.relu and
#: friends): looked through when deciding whether the caller is user code.
_WRAPPER_FILES = {
    os.path.abspath(module.__file__)
    for module in (torch.overrides, torch.nn.functional, torch.functional, torch._tensor)
}


class OpProvenanceMode(torch.overrides.TorchFunctionMode):
    """Op-level provenance (opt-in: ``legacy_mode(trace_ops=True)``, ``run --trace-ops``).

    The default provenance sees arithmetic operators and a few common methods. This mode
    sees every torch function and method user code calls (``torch.cat([a, b])``,
    ``F.relu(a)``, ``a.exp()``...), at the price of a ``TorchFunctionMode``: every op of
    the thread pays (about x1.1 on an MLP training step, x2 on tiny ops; see
    bench/mode_bench.py). torch keeps modes per thread: it is entered in the thread that
    enters ``legacy_mode(trace_ops=True)``; ``legacy-variable run --trace-ops`` also enters
    it in every thread the program starts.
    """

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        out = func(*args, **kwargs)
        if type(out) is _Tensor and not out.requires_grad:
            frame = sys._getframe(1)
            while frame is not None and frame.f_code.co_filename in _WRAPPER_FILES:
                frame = frame.f_back
            if frame is not None and _called_by_user(frame):
                _record(out, tuple(_tensors_in(args, kwargs)))
        return out


def _graph_leaves(tensor) -> list:
    """Leaf tensors reachable through ``tensor.grad_fn`` (bounded walk)."""
    leaves = []
    stack = [tensor.grad_fn]
    seen = set()
    while stack and len(seen) < _MAX_GRAPH_NODES:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if isinstance(variable, _Tensor):
            leaves.append(variable)
        stack.extend(fn for fn, _ in node.next_functions)
    return leaves


def _on_wrap(data, frame) -> None:
    """``Variable(data, requires_grad=True)`` ran at ``frame``: remember what flowed in."""
    sources = [data]
    sources.extend(ref() for ref in _origins.get(data, ()))
    if data.grad_fn is not None:
        sources.extend(_graph_leaves(data))
    sources = [s for s in sources if s is not None]
    if len(sources) == 1:
        # A fresh tensor, `.data`, `.detach()`: nothing flowed in that could expect a
        # gradient (DESIGN.md: such new leaves are intended). Keep the wrap free.
        return
    user = _user_caller(frame)
    names = []
    for s in sources[1:]:
        name = _name_in(user, s)
        if name and name not in names:
            names.append(name)
    record = _Wrap(
        _SiteFrame(frame),
        _name_in(user, data) or "...",
        names,
        reported=data.grad_fn is not None,
    )
    for s in sources:
        _wrapped_into[s] = record


def _report_wrap(record: _Wrap) -> None:
    if record.reported:
        return
    record.reported = True
    inputs = ", ".join(f"`{n}`" for n in record.inputs) or None
    emit(
        "LV201",
        frame=record.site,
        target=record.target,
        inputs=inputs,
        related=(("wrap_site", record.site.location),),
    )


# ---- LV203: .grad that can only be None


def _grad_property_get(self):
    grad = _grad_get(self)
    if grad is not None:
        return grad
    frame = _user_caller(sys._getframe(1))
    if frame is None:  # torch itself (optimizers, hooks) or this package
        return None
    return _grad_none(self, frame)


def _grad_none(self, frame):
    """``self.grad`` read by user code at ``frame`` returned None: say why, if it must be."""
    record = _wrapped_into.get(self) if len(_wrapped_into) else None
    if record is not None:
        name = _name_of_grad_read(frame, self)
        _report_wrap(record)
        emit(
            "LV203",
            frame=frame,
            target=name,
            variant="rewrapped" if name == record.target else "flowed_into",
            wrap_line=record.site.f_lineno,
            related=(("wrap_site", record.site.location),),
        )
        return None
    if not self.requires_grad:
        if isinstance(self, torch.nn.Parameter):
            return None  # a frozen parameter: deliberate, not a misconception
        name = _name_of_grad_read(frame, self)
        emit("LV203", frame=frame, target=name, variant="no_requires_grad")
        return None
    elif not self.is_leaf and not self.retains_grad:
        name = _name_of_grad_read(frame, self)
        fn = type(self.grad_fn).__name__ if self.grad_fn is not None else "an op"
        emit("LV203", frame=frame, target=name, variant="not_leaf_op", grad_fn=fn)
        return None
    return None  # a leaf that requires grad, before its first backward


_grad_property = property(_grad_property_get, _grad_set, _grad_delete, _ORIG_GRAD.__doc__)


# --------------------------------------------------------------------------- volatile


class LegacyVolatileTensor(_Tensor):
    """A tensor made by ``Variable(x, volatile=True)`` under legacy mode, and every result
    computed from it: ops run under ``no_grad`` and their results stay volatile (0.3)."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        target = args[0] if args else None
        if (
            isinstance(target, _Tensor)
            and not isinstance(target, cls)
            and target.requires_grad
            and _is_inplace(func)
        ):
            # A volatile operand of an in-place op into a tensor that requires grad (a
            # parameter, a graph node): stock semantics. Under no_grad the op would
            # silently change a leaf (0.3 and stock raise) or be missing from the graph
            # (wrong gradients).
            with torch._C.DisableTorchFunctionSubclass():
                return func(*args, **kwargs)
        previous = torch.is_grad_enabled()
        torch._C._set_grad_enabled(False)
        try:
            return super().__torch_function__(func, types, args, kwargs)
        finally:
            torch._C._set_grad_enabled(previous)

    @property
    def volatile(self) -> bool:  # 0.3: a real flag, True here
        return True

    def __repr__(self, *, tensor_contents=None):
        # Print as `tensor(...)`, as the same script prints without legacy mode.
        with torch._C.DisableTorchFunctionSubclass():
            plain = self.as_subclass(_Tensor)
        return plain.__repr__(tensor_contents=tensor_contents)

    def __reduce_ex__(self, proto):
        # Pickle as a plain tensor: loading must not require legacy_variable.
        return _Tensor.__reduce_ex__(self.as_subclass(_Tensor), proto)


def _make_volatile(result):
    return result.as_subclass(LegacyVolatileTensor)


_INPLACE_DUNDERS = frozenset(
    f"__i{op}__" for op in (
        "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
        "and", "or", "xor", "lshift", "rshift",
    )
) | {"__setitem__"}


def _is_inplace(func) -> bool:
    name = getattr(func, "__name__", "")
    return (name.endswith("_") and not name.startswith("__")) or name in _INPLACE_DUNDERS


# --------------------------------------------------------------------------- Variable hook


def _variable_hook(data, result, requires_grad, volatile, frame):
    """Called by the Variable shim after each successful call while the mode is on."""
    if volatile and not requires_grad and isinstance(result, _Tensor):
        return _make_volatile(result)
    if type(result) is LegacyVolatileTensor:
        # 0.3's `Variable(v.data, requires_grad=True)`: a fresh leaf, not volatile (a
        # volatile leaf that requires grad would build no graph at all).
        with torch._C.DisableTorchFunctionSubclass():
            result = result.detach().requires_grad_(requires_grad)
    if requires_grad and isinstance(data, _Tensor):
        _on_wrap(data, frame)
    _compat.note_variable_result(result)
    return result


# --------------------------------------------------------------------------- torch warnings

#: (regex on torch's message, code, values from the match)
_TORCH_WARNINGS = [
    (re.compile(r"size_average and reduce args will be deprecated, please use "
                r"reduction='(\w+)'"), "LV113", lambda m: {"reduction": f"'{m.group(1)}'"}),
    (re.compile(r"Implicit dimension choice for (\w+) has been deprecated"), "LV114",
     lambda m: {"callee": f"F.{m.group(1)}"}),
    (re.compile(r"`?nn\.init\.(\w+)`? is now deprecated in favor of"), "LV116",
     lambda m: {"callee": f"nn.init.{m.group(1)}"}),
    (re.compile(r"`?torch\.nn\.utils\.clip_grad_norm`? is now deprecated"), "LV117",
     lambda m: {}),
    (re.compile(r"torch\.range is deprecated"), "LV118", lambda m: {}),
    (re.compile(r"volatile was removed"), "LV111", lambda m: {}),
    (re.compile(r"<class '([\w.<>]+)'> should not be instantiated\. Methods on autograd "
                r"functions are all static"), "LV112",
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
            if not _is_internal(filename):
                return f
            break
        f = f.f_back
    f = frame
    while f is not None and (
        _is_internal(f.f_code.co_filename) or f.f_code.co_filename.endswith("typing_extensions.py")
    ):
        f = f.f_back
    return f


class _WarningCapture:
    def __init__(self) -> None:
        self.original_showwarnmsg = None
        self.filters: list[tuple] = []

    def start(self) -> None:
        self.original_showwarnmsg = warnings._showwarnmsg
        _patches.set(warnings, "_showwarnmsg", self.show)
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
                if caller.f_code is _grad_property_get.__code__ and _user_caller(caller.f_back):
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


# --------------------------------------------------------------------------- on / off


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
    T = _Tensor
    _patches.set(T, "__getitem__", _getitem)
    _patches.set(T, "__setattr__", _setattr)
    _patches.set(T, "numpy", _numpy)
    _patches.set(T, "backward", _tensor_backward)
    _patches.set(T, "grad", _grad_property)
    _patches.set(torch.autograd, "backward", _autograd_backward)
    for name in _TRACKED_METHODS:
        _patches.set(T, name, _tracking(getattr(T, name)))
    for name in _TRACKED_INPLACE:
        _patches.set(T, name, _inplace_tracking(getattr(T, name)))
    _compat.apply(_patches)  # TensorDataset, legacy Function, dot, 1-D index, torch.load
    _capture.start()
    _variable._mode_hook = _variable_hook


def _remove() -> None:
    _variable._mode_hook = None
    _capture.stop()
    _patches.restore()
    _origins.clear()
    _wrapped_into.clear()
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
    """Legacy mode for the block (re-entrant; usable as a decorator).

    With ``install=True`` (default) the ``Variable`` shim is also put behind
    ``torch.autograd.Variable`` for the block if it was not already, so code that looks
    ``Variable`` up at call time gets the mode's ``volatile`` and provenance handling.

    Threads: the patches act process-wide (all threads) while any legacy mode is active,
    and volatile tensors carry their volatility into any thread. Only ``trace_ops=True``
    uses torch's thread-local mode stack: :class:`OpProvenanceMode` is entered in the
    calling thread only.
    """
    installed_here = install and not _variable.is_installed()
    if installed_here:
        _install_shim_only()
    try:
        _activate()
    except BaseException:
        if installed_here:  # _activate undid its own patches; undo the shim too
            _uninstall_shim_only()
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
        if installed_here:
            _uninstall_shim_only()


def _install_shim_only() -> None:
    _variable.install(mode=False)


def _uninstall_shim_only() -> None:
    # Not variable.uninstall(): that also ends a global enablement, which must outlive
    # this block.
    _variable._uninstall_shim()


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


#: Non-empty while a 1-D tensor made by Variable(...) under the mode is alive
#: (legacy_compat's registry, made here because it uses _WeakIdMap).
_variable_vectors = _compat.vector_registry()
