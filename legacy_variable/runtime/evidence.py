"""Runtime evidence for the static fixer: what happened at each source site of a run.

The linter guesses where the code does not show a fact (is this ``x.data[0]`` receiver
0-dim? does this ``torch.load`` file hold a whole model?). A run knows. A ``Recorder``
patches a few torch entry points while it is started and counts, per source site, what it
saw; ``save`` writes (merging into an existing file) JSON that
``legacy-variable check --evidence FILE`` reads (lint/checkers/evidence.py).

A site is the repo-relative path, the line, the 1-based character column of the
expression (as the linter reports it) and a hash of the line's text: evidence for a line
that has changed since is ignored. Observations, by kind:

    index0  ``x[0]`` / ``x.data[0]``: the receiver's dimensions ("ndim=0", "ndim=1", ...)
    cast    ``x.type(T)`` / ``x.cuda()``: the receiver is a "tensor" or a "module"
    load    ``torch.load``: "tensor", "state_dict", "module", "other", or "refused" when
            ``weights_only=True`` refused the file ("refused:module" when the refusal
            names a ``torch.nn`` module class: a whole pickled model)
    ctor    ``torch.Tensor(...)``: the dtype it made and what it was given,
            "float32 data" (a list/tuple of numbers), "float64 ndarray", "float32 sizes"
            (integers or a ``torch.Size``), "... tensor", "... empty" (no argument),
            "... other". The typed constructors (``torch.FloatTensor``) are immutable C
            types that cannot be observed without replacing them (which would break
            ``isinstance`` and ``.type(torch.FloatTensor)``); their dtype is in their name.
    wrap    ``Variable(x, ...)`` (under legacy mode, through the shim's mode hook): what
            ``x`` was, "non-leaf" (it had a ``grad_fn``), "leaf" (it required grad, no
            ``grad_fn``), "no-grad" (a tensor outside autograd) or "other" (not a tensor)

Only code under the recorder's root is recorded (not torch, not this package). A
``multiprocessing`` child forked while recording (a DataLoader worker under Linux's default
``fork``) records its own observations and merges them into the file as it exits (when the
recorder was given its path); ``save`` merges under a lock, so processes never clobber each
other. Usage::

    recorder = evidence.Recorder(root=".")
    recorder.start()
    ...                     # run the script or the tests
    recorder.stop()
    recorder.save("lv-evidence.json")
"""

from __future__ import annotations

import contextlib
import json
import linecache
import os
import sys
import threading

from ..evidence_file import VERSION, line_hash, load, merge

__all__ = ["VERSION", "Recorder", "line_hash", "load", "merge", "project_root", "refusal"]


class Recorder:
    def __init__(self, root: str | None = None, path: str | None = None) -> None:
        """``path``: the evidence file. Given, a process forked while recording (a
        DataLoader worker under Linux's default ``fork``) starts with no observations of
        its own and merges what it saw into ``path`` when it exits through
        ``multiprocessing`` (the parent still calls ``save``)."""
        self.root = os.path.abspath(root or os.getcwd())
        self.path = path
        self._prefix = self.root.rstrip(os.sep) + os.sep
        #: (path, line, column, hash, kind) -> {value: count}
        self.sites: dict[tuple, dict[str, int]] = {}
        self._restore: list[tuple[object, str, object]] = []
        self._lock = threading.Lock()
        self._relative: dict[str, str | None] = {}
        #: (code object, instruction offset) -> site or None (not user code)
        self._sites: dict[tuple, tuple | None] = {}
        #: (hook installed, the hook it wraps) while the shim's mode hook is wrapped
        self._hook: tuple | None = None

    # ------------------------------------------------------------------ recording
    def _site(self, frame) -> tuple | None:
        # A loop observes one site again and again: positions, the line's text and its
        # hash are worked out once per (code, instruction).
        key = (frame.f_code, frame.f_lasti)
        site = self._sites.get(key, _ABSENT)
        if site is _ABSENT:
            site = self._sites[key] = self._locate(frame)
        return site

    def _locate(self, frame) -> tuple | None:
        filename = frame.f_code.co_filename
        rel = self._relative.get(filename, False)
        if rel is False:
            absolute = os.path.abspath(filename)
            rel = None
            if absolute.startswith(self._prefix) and "site-packages" not in absolute \
                    and not absolute.startswith(_PACKAGE_DIR):
                rel = os.path.relpath(absolute, self.root).replace(os.sep, "/")
            self._relative[filename] = rel
        if rel is None:
            return None
        try:
            positions = list(frame.f_code.co_positions())[frame.f_lasti // 2]
        except (AttributeError, IndexError):
            return None
        line, _, column, _ = positions
        if line is None or column is None:
            return None
        text = linecache.getline(filename, line)
        # The code object counts UTF-8 bytes; the linter counts characters, 1-based.
        char_column = len(text.encode("utf-8")[:column].decode("utf-8", "ignore")) + 1
        return rel, line, char_column, line_hash(text)

    def observe(self, frame, kind: str, value: str) -> None:
        # Past library frames (legacy mode's own wrappers, torch) to the user's code.
        for _ in range(8):
            if frame is None or not _is_library(frame.f_code.co_filename):
                break
            frame = frame.f_back
        site = self._site(frame) if frame is not None else None
        if site is None:
            return
        key = (*site, kind)
        with self._lock:
            counts = self.sites.setdefault(key, {})
            counts[value] = counts.get(value, 0) + 1

    # ------------------------------------------------------------------ patching
    def start(self) -> "Recorder":
        """Patches torch. Legacy mode's own patches call the originals they captured
        (``scalar_index.ORIGINAL_GETITEM``, ``trusted_load.ORIGINAL_LOAD``): those are
        pointed at the recorder too, so that the mode's wrappers stay the outermost
        (they judge their caller's frame) and the recorder sits under them."""
        import torch

        from .mode import scalar_index
        from .patches import trusted_load

        _recording.add(self)
        if not _fork_hook and hasattr(os, "register_at_fork"):
            _install_fork_hook()
        if self.path is not None:
            import multiprocessing.util

            # A multiprocessing child clears the finalizers it inherited, then runs these.
            multiprocessing.util.register_after_fork(self, Recorder._multiprocessing_child)

        recorder = self
        tensor = torch.Tensor
        real_getitem = torch._C.TensorBase.__getitem__

        def __getitem__(self, index):
            if index.__class__ is int and index == 0:
                recorder.observe(sys._getframe(1), "index0", f"ndim={self.dim()}")
            return real_getitem(self, index)

        if "__getitem__" not in tensor.__dict__:
            self._patch(tensor, "__getitem__", __getitem__)
        self._patch(scalar_index, "ORIGINAL_GETITEM", __getitem__)
        for owner, kind in ((tensor, "tensor"), (torch.nn.Module, "module")):
            for method in ("type", "cuda"):
                self._patch(owner, method, _observing(owner, method, recorder, kind))
        real_load = _real_load(torch)

        def load(*args, **kwargs):
            frame = sys._getframe(1)
            try:
                result = real_load(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - observed, then raised as it was
                if error.__class__.__name__ == "UnpicklingError":
                    # The refusal names the first global it met: a module class says the
                    # file holds a whole pickled model (nothing is unpickled to find out).
                    whole = "GLOBAL torch.nn.modules." in str(error)
                    recorder.observe(frame, "load", "refused:module" if whole else "refused")
                raise
            recorder.observe(frame, "load", _loaded_kind(result, torch))
            return result

        if torch.load is real_load:
            self._patch(torch, "load", load)
        self._patch(trusted_load, "ORIGINAL_LOAD", load)
        self._observe_constructor(torch)
        self._observe_wraps(torch)
        return self

    def _observe_constructor(self, torch) -> None:
        """``torch.Tensor(...)`` through a Python ``__new__`` (the class has none of its
        own: ``TensorBase``'s is inherited); subclasses and torch's own calls pass."""
        tensor = torch.Tensor
        if "__new__" in tensor.__dict__:
            return
        recorder = self
        base_new = torch._C.TensorBase.__new__

        # ``(*args, **kwargs)`` exactly: Dynamo, imported later (the first optimizer
        # does), registers a polyfill for ``torch.Tensor.__new__`` and refuses a
        # signature other than the original's or this wildcard.
        def __new__(*args, **kwargs):
            result = base_new(*args, **kwargs)
            cls, args = args[0], args[1:]
            if cls is tensor:
                recorder.observe(sys._getframe(1), "ctor",
                                 f"{_dtype_name(result.dtype)} {_given(args, kwargs, torch)}")
            return result

        self._patch(tensor, "__new__", staticmethod(__new__))

    def _observe_wraps(self, torch) -> None:
        """``Variable(x, ...)``: what ``x`` was. Through the shim's mode hook, which legacy
        mode registers: outside the mode there is no hook to wrap and nothing is seen."""
        from . import shim

        previous = shim.mode_hook()
        if previous is None:
            return
        recorder = self
        tensor = torch.Tensor

        def hook(data, result, requires_grad, volatile, frame):
            if not isinstance(data, tensor):
                state = "other"
            elif data.grad_fn is not None:
                state = "non-leaf"
            else:
                state = "leaf" if data.requires_grad else "no-grad"
            recorder.observe(frame, "wrap", state)
            return previous(data, result, requires_grad, volatile, frame)

        shim.set_mode_hook(hook)
        self._hook = (hook, previous)

    def _patch(self, owner, name: str, replacement) -> None:
        self._restore.append((owner, name, owner.__dict__.get(name, _ABSENT), replacement))
        setattr(owner, name, replacement)

    def _forked(self) -> None:
        """In any forked child: its own observations only (the parent counts its own)."""
        self._lock = threading.Lock()  # another thread may have held it at fork time
        self.sites = {}

    def _multiprocessing_child(self) -> None:
        """In a ``multiprocessing`` child: merge into ``path`` at exit, which runs through
        ``Process._bootstrap``'s finalizers before ``os._exit``."""
        if self in _recording:
            import multiprocessing.util

            multiprocessing.util.Finalize(self, self._save_in_child, exitpriority=100)

    def _save_in_child(self) -> None:
        if self.sites:
            try:
                self.save(self.path)
            except (OSError, ValueError):
                pass  # the parent's save reports a file that cannot be written

    def stop(self) -> None:
        _recording.discard(self)
        if self._hook is not None:
            from . import shim

            hook, previous = self._hook
            self._hook = None
            if shim.mode_hook() is hook:  # else the mode went (or came) since: its hook
                shim.set_mode_hook(previous)
        while self._restore:
            owner, name, previous, replacement = self._restore.pop()
            if owner.__dict__.get(name, _ABSENT) is not replacement:
                continue  # patched again since (legacy mode installed): theirs to undo
            if previous is _ABSENT:
                delattr(owner, name)
            else:
                setattr(owner, name, previous)

    def __enter__(self) -> "Recorder":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ the file
    def to_json(self) -> dict:
        sites = [
            {"path": p, "line": line, "column": column, "line_hash": h, "kind": kind,
             "observed": dict(sorted(counts.items()))}
            for (p, line, column, h, kind), counts in sorted(self.sites.items())
        ]
        return {"version": VERSION, "sites": sites}

    def save(self, path: str) -> None:
        """Writes the observations, merged with those already in ``path``.

        Read, merge and replace happen under an exclusive lock on the file's folder, so
        that processes saving into one file at once (pytest-xdist workers, parallel
        ``run --record`` jobs) each add their counts and none is lost. ValueError when
        ``path`` holds something that is not an evidence file (it is left alone)."""
        data = self.to_json()
        with _folder_lock(os.path.dirname(os.path.abspath(path))):
            if os.path.exists(path):
                data = merge(load(path), data)
            temp = f"{path}.{os.getpid()}.tmp"
            try:
                with open(temp, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, indent=1)
                    handle.write("\n")
                os.replace(temp, path)
            finally:
                if os.path.exists(temp):
                    os.unlink(temp)


def unwritable(path: str, flag: str) -> str | None:
    """Why a file a run will write at its end (``--record``, ``run --report``) cannot be
    written, checked before the program runs (a run may take hours: failing afterwards
    would lose what it saw); None when it can."""
    absolute = os.path.abspath(path)
    folder = os.path.dirname(absolute)
    if os.path.isdir(absolute):
        return f"{flag} {path}: is a directory"
    if not os.path.isdir(folder):
        return f"{flag} {path}: directory {folder} does not exist"
    if not os.access(folder, os.W_OK) or (os.path.exists(absolute) and not os.access(absolute, os.W_OK)):
        return f"{flag} {path}: not writable"
    return None


def refusal(path: str, flag: str = "--record") -> str | None:
    """Why ``path`` cannot take a recording (see ``unwritable``); None when it can."""
    problem = unwritable(path, flag)
    if problem:
        return problem
    absolute = os.path.abspath(path)
    if os.path.exists(absolute):
        try:
            load(absolute)  # recordings merge into it: it must be one
        except (OSError, ValueError) as error:
            return f"{flag} {path}: exists and {_reason(error)}; recordings merge into an " \
                   "evidence file, so remove it or choose another name"
    return None


def _reason(error: Exception) -> str:
    text = str(error)
    return text.split(": ", 1)[1] if ": " in text else text


def project_root(start: str) -> str:
    """The folder sites are keyed from: the nearest one at or above ``start`` holding a
    ``pyproject.toml`` or ``.git`` (where ``legacy-variable check`` is usually run);
    ``start`` itself when there is none. The linter also matches a path recorded from
    another root by its trailing components (``lint/checkers/evidence.match_paths``)."""
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    here = directory
    while True:
        if os.path.exists(os.path.join(here, "pyproject.toml")) or os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return directory
        here = parent


@contextlib.contextmanager
def _folder_lock(folder: str):
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; one writer at a time is assumed
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


_ABSENT = object()
#: Recorders started and not stopped (a fork hook cannot be unregistered: it looks here).
_recording: set[Recorder] = set()
_fork_hook = False


def _after_fork_in_child() -> None:
    for recorder in list(_recording):
        recorder._forked()


def _install_fork_hook() -> None:
    global _fork_hook
    os.register_at_fork(after_in_child=_after_fork_in_child)
    _fork_hook = True


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_library: dict[str, bool] = {}


def _is_library(filename: str) -> bool:
    known = _library.get(filename)
    if known is None:
        absolute = os.path.abspath(filename)
        known = _library[filename] = absolute.startswith(_PACKAGE_DIR) \
            or f"{os.sep}torch{os.sep}" in absolute or "site-packages" in absolute
    return known


def _real_load(torch):
    """torch.load as stock torch has it, under legacy mode's trusted-load patch if that is in."""
    from .patches import trusted_load

    if torch.load is not trusted_load.ORIGINAL_LOAD:
        return trusted_load.ORIGINAL_LOAD
    return torch.load


def _dtype_name(dtype) -> str:
    return str(dtype).rpartition(".")[2]


#: Past this many numbers a list is not walked through (``torch.Tensor(big_list)``).
_WALK_LIMIT = 100_000


def _given(args: tuple, kwargs: dict, torch) -> str:
    """What ``torch.Tensor(...)`` was called with, as the linter's fix needs to know it."""
    if kwargs:
        return "other"
    if not args:
        return "empty"
    if all(type(a) is int for a in args) or (len(args) == 1 and isinstance(args[0], torch.Size)):
        return "sizes"
    if len(args) != 1:
        return "other"
    value = args[0]
    if isinstance(value, torch.Tensor):
        return "tensor"
    if type(value).__name__ == "ndarray" and type(value).__module__ == "numpy":
        return "ndarray"
    if type(value) in (list, tuple) and _numbers(value, [0]):
        return "data"
    return "other"


def _numbers(value, seen: list) -> bool:
    """A (nested) list/tuple of Python numbers only: what ``torch.tensor`` reads the same."""
    for item in value:
        seen[0] += 1
        if seen[0] > _WALK_LIMIT:
            return False
        kind = type(item)
        if kind in (list, tuple):
            if not _numbers(item, seen):
                return False
        elif kind not in (int, float, bool):
            return False
    return True


def _observing(owner, method: str, recorder: Recorder, kind: str):
    real = getattr(owner, method)

    def observed(self, *args, **kwargs):
        recorder.observe(sys._getframe(1), "cast", kind)
        return real(self, *args, **kwargs)

    observed.__name__ = method
    return observed


def _loaded_kind(result, torch) -> str:
    """What a load returned. A run that trusts pickles (``--trust-pickles``) gets even what
    ``weights_only=True`` refuses, so the content decides: anything but tensors, numbers,
    strings and containers of them would have been refused ("refused:module" when a model
    is among it)."""
    if isinstance(result, torch.nn.Module):
        return "module"
    if isinstance(result, torch.Tensor):
        return "tensor"
    if isinstance(result, dict) and result and all(
            isinstance(v, torch.Tensor) for v in result.values()):
        return "state_dict"
    verdict = _plain(result, torch, 0)
    return "other" if verdict is True else verdict


def _plain(value, torch, depth: int):
    """True when ``weights_only=True`` rebuilds ``value``; else what refuses it."""
    # Exact types: ``numpy.float64`` is a float, but pickles as a numpy global.
    if value is None or type(value) in (bool, int, float, str, bytes) \
            or isinstance(value, (torch.Tensor, torch.dtype, torch.device, torch.Size)):
        return True
    if isinstance(value, torch.nn.Module):
        return "refused:module"
    if depth < 8 and isinstance(value, (dict, list, tuple)) and type(value).__module__ in (
            "builtins", "collections"):
        items = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
        verdicts = [_plain(v, torch, depth + 1) for k, v in items]
        if "refused:module" in verdicts:
            return "refused:module"
        return True if all(v is True for v in verdicts) else "refused"
    return "refused"
