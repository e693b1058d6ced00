"""The linter in a child process, so that a big file never holds up the server.

Parsing is C code that keeps the interpreter lock for the whole file: in the server's own
process, a 30,000-line file would stall every answer (hover, shutdown) for as long as
its parse takes. In a child, the server stays responsive, and a run that went stale is
cancelled for real: the child is killed and a fresh one takes the next run.

The channel is the child's stdin/stdout, one pickle per message each way (both ends are
this package, the same version). ``LintProcess`` is the server's end.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time


class Cancelled(Exception):
    """The run was cancelled (its child killed) before it answered."""


def signature(path: str) -> tuple | None:
    """What says a file changed on disk (None: it is not there)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _settings(path: str, cwd: str, info: dict):
    """The settings of ``path`` (its nearest pyproject.toml), or of no configuration when
    that is broken (said in ``info["config_error"]``). ``info["inputs"]``: the files they
    came from, with their signature *before* reading, so that the server re-lints when
    one changes later (a change during the read only costs one more run)."""
    from ..lint.config import ConfigError, Layer, find_pyproject, resolve

    configured, _ = find_pyproject(cwd)
    if configured is not None:
        info["inputs"][configured] = signature(configured)
    try:
        settings = resolve(Layer(), [cwd], None, cwd)
    except ConfigError as exc:
        info["config_error"] = str(exc)
        settings = resolve(Layer(), [cwd], None, cwd, isolated=True)
    for evidence in settings.evidence:
        info["inputs"][evidence] = signature(evidence)
    info["docs_url"] = settings.docs_url
    return settings


def _lint(kind: str, text: str, path: str):
    from dataclasses import replace

    from ..lint import check, fix_source
    from ..lint.config import ConfigError

    cwd = os.path.dirname(path)
    info: dict = {"error": None, "config_error": None, "evidence_error": None, "inputs": {}, "docs_url": None}
    settings = _settings(path, cwd, info)
    for attempt in ("configured", "without evidence"):
        try:
            if kind == "fix":
                return ("fixed", fix_source(text, path, settings=settings)[0], info)
            result = check(source=text, filename=path, cwd=cwd, settings=settings)
            break
        except ConfigError as exc:  # an evidence file that cannot be read: the rest holds
            if attempt != "configured" or not settings.evidence:
                raise
            info["evidence_error"] = str(exc)
            settings = replace(settings, evidence=())
    report = result.files[0]
    info["error"] = report.error
    return ("checked", report.diagnostics, info)


def serve(channel_in, channel_out) -> None:
    """The child's loop: (kind, text, path) in, (status, value, info) out."""
    import warnings

    warnings.simplefilter("ignore")  # parser warnings about 2017 code are noise here
    while True:
        try:
            kind, text, path = pickle.load(channel_in)
        except (EOFError, OSError):
            return
        try:
            answer = _lint(kind, text, path)
        except Exception as exc:  # reported to the server, which logs it; the child goes on
            answer = ("error", f"{type(exc).__name__}: {exc}", None)
        pickle.dump(answer, channel_out, protocol=pickle.HIGHEST_PROTOCOL)
        channel_out.flush()


class LintProcess:
    """The server's end: one child, one run at a time, killed to cancel a stale run."""

    def __init__(self):
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        #: The document the child is working on, and since when (monotonic).
        self.current: tuple[str, float] | None = None

    def _start(self) -> subprocess.Popen:
        # The child imports this very package: where it would find it anyway (an install,
        # PYTHONPATH), or else from here. Appended, not prepended, so that nothing beside
        # the package (a site-packages directory) can shadow the standard library.
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        bootstrap = (
            f"import sys; sys.path.append({package_root!r}); "
            "from legacy_variable.server.worker import main; sys.exit(main())"
        )
        return subprocess.Popen([sys.executable, "-c", bootstrap], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def warm_up(self) -> None:
        with self._lock:
            if self._process is None:
                self._process = self._start()

    def run(self, tag: str, kind: str, text: str, path: str):
        """Runs on the server's lint thread; Cancelled if the run is cancelled."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()
            process = self._process
            self.current = (tag, time.monotonic())
        try:
            pickle.dump((kind, text, path), process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.flush()
            answer = pickle.load(process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            process.kill()
            process.wait()
            raise Cancelled() from None
        finally:
            self.current = None
        status, value, info = answer
        if status == "error":
            raise RuntimeError(value)
        return value, info

    def cancel(self, tag: str, older_than: float) -> bool:
        """Kill the child if it has been working on ``tag`` for ``older_than`` seconds."""
        with self._lock:
            current = self.current
            if current is None or current[0] != tag or time.monotonic() - current[1] < older_than:
                return False
            if self._process is not None:
                self._process.kill()
                self._process = None
            return True

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                self._process.kill()
                self._process = None


def main() -> int:
    # The channel is the real stdout; anything else printed goes to stderr, not into it.
    channel_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, channel_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
