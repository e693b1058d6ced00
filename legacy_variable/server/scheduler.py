"""When to lint: debounced, one run at a time, stale results dropped.

All methods run on the event loop's thread; only ``lint`` runs on the worker. A document
has at most one run in flight and one more due: changes that arrive during a run are
folded into a single follow-up, and a run whose document changed (or closed) meanwhile
is not published, so the client never sees diagnostics for text it no longer has.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from typing import Any, Callable

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        executor: Executor,
        snapshot: Callable[[str], Any],
        lint: Callable[[Any], Any],
        publish: Callable[[str, Any], None],
        cancel: Callable[[str], Any] | None = None,
    ):
        self.loop = loop
        self.executor = executor
        self.snapshot = snapshot
        self.lint = lint
        self.publish = publish
        #: Asked to stop the run in flight for a document that changed again.
        self.cancel = cancel
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.running: set[str] = set()
        self.again: set[str] = set()
        self.closed = False

    def schedule(self, uri: str, delay: float) -> None:
        """Lint ``uri`` after ``delay`` seconds of quiet (a newer call restarts the wait)."""
        if self.closed:
            return
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        if delay <= 0:
            self._start(uri)
        else:
            self.timers[uri] = self.loop.call_later(delay, self._start, uri)

    def forget(self, uri: str) -> None:
        """The document closed: nothing due for it is run, nothing running is published."""
        timer = self.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self.again.discard(uri)

    def close(self) -> None:
        self.closed = True
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        self.again.clear()

    def _start(self, uri: str) -> None:
        self.timers.pop(uri, None)
        if self.closed:
            return
        if uri in self.running:
            self.again.add(uri)  # one follow-up, however many changes come meanwhile
            if self.cancel is not None:
                self.cancel(uri)
            return
        snapshot = self.snapshot(uri)
        if snapshot is None:
            return
        self.running.add(uri)
        future = self.loop.run_in_executor(self.executor, self.lint, snapshot)
        future.add_done_callback(lambda done: self._finished(uri, snapshot, done))

    def _finished(self, uri: str, snapshot: Any, done: asyncio.Future) -> None:
        self.running.discard(uri)
        if done.cancelled():
            return
        error = done.exception()
        if error is not None:
            if type(error).__name__ != "Cancelled":  # a stale run stopped on purpose
                logger.error("linting %s failed: %r", uri, error)
        elif not self.closed and self.snapshot(uri) == snapshot:  # (equal texts: the same object)
            self.publish(uri, done.result())
        if uri in self.again:
            self.again.discard(uri)
            self._start(uri)


class DaemonExecutor(Executor):
    """One worker thread that never holds up the process's exit: after ``exit`` the
    server ends at once, not when a run on a big file would have finished (its result
    is of no use any more). ``concurrent.futures``' own pools join their threads at exit."""

    def __init__(self, name: str):
        import queue
        import threading

        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def submit(self, fn, /, *args, **kwargs):
        from concurrent.futures import Future

        if self._closed:
            raise RuntimeError("the lint worker is shut down")
        future: Future = Future()
        self._jobs.put((future, fn, args, kwargs))
        return future

    def _work(self) -> None:
        while True:
            future, fn, args, kwargs = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._closed = True
        if cancel_futures:
            import queue

            while True:
                try:
                    future, *_ = self._jobs.get_nowait()
                except queue.Empty:
                    break
                future.cancel()
