"""lint/parallel.py: a function over items in this process and forked children, and the
engine's two passes over it (the facts pass and the check)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from legacy_variable.lint import engine, parallel
from legacy_variable.lint.api import check

pytestmark = pytest.mark.skipif(not parallel.FORK, reason="fork_map is used only where os.fork is (Linux)")


def test_results_come_back_in_order_from_every_process(tmp_path):
    parent = os.getpid()

    def square(i: int) -> tuple[int, int]:
        # Each side marks that it has started and waits for the other, so that both work
        # however the machine schedules them (a child could take every chunk otherwise).
        mine, theirs = ("parent", "child") if os.getpid() == parent else ("child", "parent")
        (tmp_path / mine).touch()
        deadline = time.monotonic() + 10
        while not (tmp_path / theirs).exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        return i * i, os.getpid()

    items = list(range(1000))
    results = parallel.fork_map(square, items, 3)
    assert [square for square, _ in results] == [i * i for i in items]
    # The parent took items too, and so did at least one child.
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) >= 2


def test_a_closure_is_fine_children_are_forks_not_pickles():
    offset = {"value": 7}  # a lambda over local state could not be sent to a pool
    assert parallel.fork_map(lambda i: i + offset["value"], list(range(50)), 2) == list(range(7, 57))


def test_empty_and_single_items():
    assert parallel.fork_map(lambda i: i, [], 2) == []
    assert parallel.fork_map(lambda i: i * 2, [21], 2) == [42]


def test_more_chunks_than_a_pipe_holds_are_grouped():
    """Every chunk is an 8-byte token written before anyone reads: a pipe may hold only
    one page, so a very long list gets larger chunks rather than a parent blocked on its
    write."""
    items = list(range(200_000))
    assert parallel.fork_map(lambda i: i + 1, items, 2) == [i + 1 for i in items]


def test_a_child_that_dies_loses_nothing():
    parent = os.getpid()

    def deadly(i: int) -> int:
        if os.getpid() != parent and i % 10 == 3:
            os.kill(os.getpid(), signal.SIGKILL)  # a worker killed mid-run (OOM killer)
        return i * 3

    items = list(range(300))
    assert parallel.fork_map(deadly, items, 2) == [i * 3 for i in items]


def _noted(log) -> list[tuple[int, int]]:
    """(pid, item) of each line a process wrote whole."""
    return [tuple(map(int, line.split())) for line in log.read_text().splitlines(True) if line.endswith("\n")]


def test_a_child_sends_each_chunk_as_it_finishes_it_and_never_waits_on_the_pipe(tmp_path):
    # While this process is busy (``first``), the child takes every chunk. Its results (20 KB
    # each, far more than a pipe holds) must not stop it: ``first`` waits until the child
    # has done 250 of the 300 items, which it never would if it blocked on a full pipe.
    log = tmp_path / "log"
    log.touch()

    def big(i: int) -> str:
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()} {i}\n")
        return str(i) * 20_000

    def busy() -> None:
        deadline = time.monotonic() + 20
        while len(_noted(log)) < 250:
            assert time.monotonic() < deadline, "the child stopped: it waited on the pipe"
            time.sleep(0.005)

    assert parallel.fork_map(big, list(range(300)), 2, first=busy) == [str(i) * 20_000 for i in range(300)]


def test_a_child_that_dies_late_keeps_the_chunks_it_sent(tmp_path):
    parent = os.getpid()
    log = tmp_path / "log"
    log.touch()

    def late(i: int) -> int:
        if os.getpid() != parent and i >= 200:
            os._exit(3)  # killed once most of its chunks were sent
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()} {i}\n")
        return i * 7

    def wait_for_the_child() -> None:  # so that it takes the first 200 items
        deadline = time.monotonic() + 20
        while len(_noted(log)) < 200 and time.monotonic() < deadline:
            time.sleep(0.005)

    assert parallel.fork_map(late, list(range(300)), 2, first=wait_for_the_child) == [i * 7 for i in range(300)]
    by_child = {i for pid, i in _noted(log) if pid != parent}
    again = {i for pid, i in _noted(log) if pid == parent}
    # Only the chunk it was in when it died is done again here; the ones it sent are used.
    assert len(by_child) == 200 and len(by_child - again) >= 150


def test_a_child_whose_function_raises_loses_nothing():
    parent = os.getpid()

    def flaky(i: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("only in a child")
        return -i

    assert parallel.fork_map(flaky, list(range(100)), 2) == [-i for i in range(100)]


def test_an_error_in_the_parent_propagates_and_leaves_no_child(tmp_path):
    parent = os.getpid()
    pids = tmp_path / "pids"

    def boom(i: int) -> int:
        if os.getpid() == parent and i > 40:
            raise ValueError("parent fails")
        with open(pids, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return i

    with pytest.raises(ValueError, match="parent fails"):
        parallel.fork_map(boom, list(range(2000)), 2)
    children = {int(p) for p in pids.read_text().split()} - {parent}
    for pid in children:  # reaped: no zombie, no process left working
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_the_parents_own_work_runs_once_the_children_work_and_its_error_ends_them(tmp_path):
    parent = os.getpid()
    pids = tmp_path / "pids"

    def note(i: int) -> int:
        with open(pids, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return i

    mine: list[int] = []
    assert parallel.fork_map(note, list(range(300)), 2, first=lambda: mine.append(os.getpid())) \
        == list(range(300))
    assert mine == [parent]  # once, here
    assert parallel.fork_map(note, [], 2, first=lambda: mine.append(-1)) == [] and mine[-1] == -1

    pids.unlink(missing_ok=True)

    def fail() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (pids.exists() and pids.read_text().endswith("\n")):
            time.sleep(0.001)  # until a child has noted an item (not just opened the file)
        raise ValueError("first fails")

    with pytest.raises(ValueError, match="first fails"):
        parallel.fork_map(note, list(range(2000)), 2, first=fail)
    children = {int(p) for p in pids.read_text().split()} - {parent}
    assert children
    for pid in children:  # reaped: no zombie, no process left working
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_progress_rises_to_the_total():
    seen: list[int] = []
    parallel.fork_map(lambda i: i, list(range(500)), 2, seen.append)
    assert seen == sorted(seen) and seen[-1] == 500


def _tree(root, files: int) -> None:
    (root / "pyproject.toml").write_text("[tool.legacy-variable]\n")
    (root / "common.py").write_text("import torch\ntorch.set_default_tensor_type('torch.DoubleTensor')\n")
    (root / "model.py").write_text("import torch\nfrom torch.autograd import Variable\n")
    for i in range(files):
        (root / f"m{i:03d}.py").write_text(
            "from model import *\n"
            f"x{i} = Variable(torch.Tensor([1, 2]), volatile=True)\n"
            f"print(x{i}.data[0])\n"
        )


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_a_tree_checked_by_forked_processes_equals_one_process(tmp_path, jobs):
    """The facts pass (star imports, a default tensor type set in another module) and the
    check give the same diagnostics however many processes share them out."""
    _tree(tmp_path, 60)
    result = check([str(tmp_path)], cwd=str(tmp_path), jobs=jobs)
    alone = check([str(tmp_path)], cwd=str(tmp_path), jobs=1)
    assert [(d.path, d.line, d.column, d.code, d.message, d.fix) for d in result.diagnostics] == \
        [(d.path, d.line, d.column, d.code, d.message, d.fix) for d in alone.diagnostics]
    found = {d.code: d for d in result.diagnostics if d.path == "m007.py"}
    # Variable resolved through the star import; the constructor's fix knows the default
    # type was changed elsewhere (common.py), so it names no float32.
    assert {"LV101", "LV103", "LV107"} <= set(found)
    assert found["LV107"].fix.message == "Use `torch.tensor(..., dtype=torch.get_default_dtype())`"


def test_workers_fall_back_to_a_process_pool_off_linux(tmp_path, monkeypatch):
    """Where fork_map is not used, one pool serves the facts pass and the check, and each
    job carries its file's facts: same diagnostics."""
    _tree(tmp_path, 40)
    alone = check([str(tmp_path)], cwd=str(tmp_path), jobs=1)
    monkeypatch.setattr(engine, "FORK", False)
    pooled = check([str(tmp_path)], cwd=str(tmp_path), jobs=2)
    assert [(d.sort_key(), d.message, d.fix) for d in pooled.diagnostics] == \
        [(d.sort_key(), d.message, d.fix) for d in alone.diagnostics]
    assert any(d.code == "LV107" and "get_default_dtype" in d.fix.message for d in pooled.diagnostics)


def test_no_fork_while_another_thread_runs(tmp_path, monkeypatch):
    """A host with threads (an editor server, a training program's loader threads) gets
    the check in its own process: a forked child could block forever on a lock that
    another thread held at the fork."""
    import threading

    _tree(tmp_path, 40)
    forks = []
    monkeypatch.setattr(engine, "fork_map", lambda *a, **k: forks.append(1) or parallel.fork_map(*a, **k))
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        threaded = check([str(tmp_path)], cwd=str(tmp_path), jobs=2)
    finally:
        stop.set()
        thread.join()
    assert forks == []
    check([str(tmp_path)], cwd=str(tmp_path), jobs=2)
    assert forks  # and without the thread, the same run forks
    alone = check([str(tmp_path)], cwd=str(tmp_path), jobs=1)
    assert [(d.sort_key(), d.fix) for d in threaded.diagnostics] == [(d.sort_key(), d.fix) for d in alone.diagnostics]


@pytest.mark.parametrize("count, processes", [(1, 2), (7, 2), (867, 2), (905, 3), (200_000, 2), (10**6, 64)])
def test_chunks_cover_every_item_once_largest_first_within_what_a_pipe_holds(count, processes):
    chunks = parallel._chunks(count, processes)
    assert [i for start, end in chunks for i in range(start, end)] == list(range(count))
    sizes = [end - start for start, end in chunks]
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True) and min(sizes) >= 1
    assert len(chunks) * parallel._TOKEN <= 4096  # one page: what any pipe holds


def test_no_process_to_be_had_the_parent_does_it_all(monkeypatch):
    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")  # fork's EAGAIN

    monkeypatch.setattr(parallel.os, "fork", refuse)
    assert parallel.fork_map(lambda i: i * 5, list(range(100)), 4) == [i * 5 for i in range(100)]


def test_progress_of_a_forked_check_rises_to_every_file(tmp_path):
    _tree(tmp_path, 40)
    calls: list[tuple[int, int]] = []
    check([str(tmp_path)], cwd=str(tmp_path), jobs=2, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 42) and calls[-1] == (42, 42)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
