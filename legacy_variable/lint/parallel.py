"""A function over many items in several processes: this one and forked children.

Why not ``concurrent.futures.ProcessPoolExecutor``: on a cold run of a large tree its
costs were a visible share of the whole (measured with ``bench/lint_bench.py``): the
import of ``concurrent.futures.process`` and ``multiprocessing`` (~14 ms before any
work), a result-handling thread, every result pickled through a queue, and a parent that
sits idle while its children work. Here the parent takes items too, and a child sends its
results back once, in one pickle, when it is done.

How items are shared out: before forking, the parent writes one 8-byte token per chunk
of items (its start and end) into a pipe and closes its write end. Every process
(children and parent) reads one token at a time and runs that chunk; a read of 8 bytes
from a pipe is atomic, so no chunk is taken twice, and a process that runs out of tokens
(EOF) is done. A fast process takes more chunks than a slow one, as with a pool; chunks
shrink towards the end, so that no process is left with a long one while the others
idle.

How results come back: a child sends each chunk's results as it finishes it (a
length-prefixed pickle), without ever waiting on the pipe: what the pipe cannot take now
waits in the child for its next chunk. The parent reads and unpickles what has come in
between its own chunks. So at the end only the last chunks are still to be pickled, sent
and read. One pickle of all of a child's results, made when it was done, kept one core
idle for the last 7-8 ms of a 0.37 s check (bench/lint_bench.py).

A child that dies or fails loses nothing: the parent runs whatever item no process sent a
result for. Only where ``os.fork`` is safe and cheap (Linux) is this used; elsewhere the
caller uses a process pool (engine.Workers).
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from typing import Callable

__all__ = ["FORK", "fork_map"]

#: Whether ``fork_map`` may be used on this platform.
FORK = sys.platform.startswith("linux") and hasattr(os, "fork")

#: The parent writes every token before any process reads: they must fit in the pipe.
#: Its capacity is 64 KiB by default, but Linux gives a user over its pipe-pages limit
#: one page; 512 tokens of 8 bytes are one page (and PIPE_BUF, one atomic write).
_MAX_TOKENS = 512
#: A token: the chunk's start and end index, 4 bytes each.
_HALF = 4
_TOKEN = 2 * _HALF
#: A result frame's length prefix.
_LENGTH = 8

_MISSING = object()


def fork_map(function: Callable, items: list, processes: int,
             done: Callable[[int], None] | None = None, first: Callable[[], None] | None = None) -> list:
    """``[function(item) for item in items]``, computed by this process and
    ``processes - 1`` forked children. ``function`` need not be picklable (children are
    forks); its results must be. ``done(n)``: called in this process as items are taken,
    about how many are done (a progress counter, not an exact one). ``first()``: work of
    this process's own, done once the children are forked and before it takes any item
    (the children never see what it makes); an exception it raises ends the call, and the
    children with it."""
    count = len(items)
    if count == 0:
        if first is not None:
            first()
        return []
    import pickle  # noqa: F401  (loaded before the forks, which inherit it; a warm run never forks)

    tokens_read, tokens_write = os.pipe()
    try:
        _write_all(tokens_write, b"".join(start.to_bytes(_HALF, "little") + end.to_bytes(_HALF, "little")
                                          for start, end in _chunks(count, processes)))
    finally:
        os.close(tokens_write)
    results: list = [_MISSING] * count
    children: list[tuple[int, int]] = []
    try:
        for _ in range(processes - 1):
            result_read, result_write = os.pipe()
            try:
                pid = os.fork()
            except OSError:  # no more processes to be had: the ones there are share the work
                os.close(result_read)
                os.close(result_write)
                break
            if pid == 0:  # the child: never returns
                os.close(result_read)
                _child(function, items, tokens_read, result_write)
            os.close(result_write)
            children.append((pid, result_read))
        inbox = {result_read: bytearray() for _, result_read in children}
        for _, result_read in children:
            os.set_blocking(result_read, False)
        if first is not None:
            first()
        for start, end in _taken(tokens_read):
            for index in range(start, end):
                results[index] = function(items[index])
            if done is not None:
                done(end)  # chunks are taken in order: about how far all have got
            for result_read, received in inbox.items():
                _receive(result_read, received, results)
        while children:
            pid, result_read = children.pop()
            try:
                os.set_blocking(result_read, True)
                _receive(result_read, inbox[result_read], results)
            finally:
                os.close(result_read)
                os.waitpid(pid, 0)
            # Whatever is left is a frame cut short (a child that died writing it): its
            # items are run below.
    finally:
        for pid, result_read in children:  # interrupted: leave no child behind
            os.close(result_read)
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
        os.close(tokens_read)
    for index, result in enumerate(results):
        if result is _MISSING:
            results[index] = function(items[index])
    if done is not None:
        done(count)
    return results


def _taken(tokens_read: int):
    """(start, end) of each chunk this process takes, until none is left."""
    while True:
        token = os.read(tokens_read, _TOKEN)
        if len(token) < _TOKEN:
            return
        yield int.from_bytes(token[:_HALF], "little"), int.from_bytes(token[_HALF:], "little")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _chunks(count: int, processes: int) -> list[tuple[int, int]]:
    """(start, end) of each chunk, largest first ("guided" scheduling): few round trips
    while much is left, and single items at the end, so that the processes finish
    together. At most ``_MAX_TOKENS`` chunks."""
    chunks = []
    start = 0
    smallest = -(-count // _MAX_TOKENS)
    while start < count:
        size = max(smallest, (count - start) // (processes * 8), 1)
        chunks.append((start, min(count, start + size)))
        start += size
    return chunks


def _child(function: Callable, items: list, tokens_read: int, result_write: int) -> None:
    import pickle

    status = 1
    try:
        # What the child inherited is never collected here: no collection need traverse it.
        gc.freeze()
        os.set_blocking(result_write, False)
        unsent = bytearray()
        for start, end in _taken(tokens_read):
            frame = pickle.dumps([(index, function(items[index])) for index in range(start, end)],
                                 pickle.HIGHEST_PROTOCOL)
            unsent += len(frame).to_bytes(_LENGTH, "little")
            unsent += frame
            try:
                del unsent[:os.write(result_write, unsent)]
            except BlockingIOError:
                pass  # the pipe is full: the parent is busy; sent after the next chunk
        os.set_blocking(result_write, True)
        _write_all(result_write, bytes(unsent))
        status = 0
    except BaseException:
        pass  # the parent runs what this child did not send
    finally:
        # No atexit handlers, no flush of buffers inherited from the parent.
        os._exit(status)


def _receive(fd: int, received: bytearray, results: list) -> None:
    """Reads what a child has sent so far (all it will send, when ``fd`` blocks) into
    ``received``, and puts the results of each whole frame in it into ``results``."""
    import pickle

    while True:
        try:
            part = os.read(fd, 1 << 20)
        except BlockingIOError:
            break  # nothing more for now
        if not part:
            break  # the child is done
        received += part
    start = 0
    while len(received) - start >= _LENGTH:
        end = start + _LENGTH + int.from_bytes(received[start:start + _LENGTH], "little")
        if end > len(received):
            break  # the rest of this frame is still to come
        try:
            for index, result in pickle.loads(received[start + _LENGTH:end]):
                results[index] = result
        except Exception:
            pass  # not a whole frame after all: its items are run by the parent
        start = end
    del received[:start]
