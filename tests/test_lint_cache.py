"""The result cache: the content digest decides a hit; a file's stat (size, mtime, ctime,
inode), as git's index keeps it, only spares reading and hashing an unchanged file."""

from __future__ import annotations

import glob
import marshal
import os
import time

import lint_fake_checker
import pytest

from legacy_variable.cli import main
from legacy_variable.lint import cache as cache_module
from legacy_variable.lint import checkers, engine, source

#: An mtime well before the run, so that the stat is not "racy" (too fresh to trust).
PAST = time.time_ns() - 3600 * 10**9


@pytest.fixture
def reads(monkeypatch):
    """The files the check reads to hash them (workers read for themselves)."""
    seen: list[str] = []
    real_read = source.read_bytes

    def counting_read(path):
        seen.append(os.path.basename(os.fspath(path)))
        return real_read(path)

    # The cache lookup imports the reader when it runs; the engine (imported above) bound
    # its own at import, so the checker's reads are not counted.
    assert engine.read_bytes is real_read
    monkeypatch.setattr(source, "read_bytes", counting_read)
    return seen


def write_old(path, text: str, mtime_ns: int = PAST) -> None:
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def run(capsys) -> str:
    main(["check", "--output-format", "concise"])
    return capsys.readouterr().out


def entries(project) -> dict:
    [path] = glob.glob(str(project / ".legacy_variable_cache" / "v3" / "*.marshal"))
    with open(path, "rb") as handle:
        return marshal.loads(handle.read())


def test_an_unchanged_file_is_served_by_its_stat_without_a_read(project, capsys, fake, reads):
    write_old(project / "a.py", "x = Variable(t)\n")
    first = run(capsys)
    assert fake == ["a.py"]
    assert reads == []  # unknown to the cache: only the checker's own read
    fake.clear()
    assert run(capsys) == first
    assert fake == [] and reads == []


def test_a_touched_but_unchanged_file_hits_by_content(project, capsys, fake, reads):
    write_old(project / "a.py", "x = Variable(t)\n")
    first = run(capsys)
    fake.clear()
    os.utime(project / "a.py", ns=(PAST + 10**9, PAST + 10**9))  # touch: new mtime, same bytes
    assert run(capsys) == first
    assert fake == []  # not re-checked
    assert reads == ["a.py"]  # but read and hashed, since its stat changed
    # The new stat is remembered: the next run need not read it again.
    reads.clear()
    assert run(capsys) == first
    assert fake == [] and reads == []


def test_an_edit_that_keeps_size_and_mtime_still_misses(project, capsys, fake):
    path = project / "a.py"
    write_old(path, "x = Variable(t)\n")
    run(capsys)
    fake.clear()
    # Same length, and the mtime put back (as `cp -p` or an archive would): the change
    # of ctime (and maybe inode) still shows, and the content decides.
    write_old(path, "y = Variable(u)\n")
    out = run(capsys)
    assert fake == ["a.py"]
    assert "a.py:1:5: LV101" in out


def test_an_edited_file_misses(project, capsys, fake):
    write_old(project / "a.py", "x = 1\n")
    run(capsys)
    fake.clear()
    write_old(project / "a.py", "x = Variable(t)\n", PAST + 10**9)
    out = run(capsys)
    assert fake == ["a.py"] and "LV101" in out


def test_a_freshly_modified_file_keeps_no_stat(project, capsys, fake, reads):
    # Modified just now: a further change within the same clock tick would not show in the
    # stat, so only its digest is kept, and the next run reads it.
    (project / "a.py").write_text("x = Variable(t)\n")
    first = run(capsys)
    [(digest, _, stat)] = entries(project).values()
    assert stat is None and len(digest) == 16
    fake.clear()
    assert run(capsys) == first
    assert fake == [] and reads == ["a.py"]


def test_a_stat_as_recent_as_the_cache_write_is_not_trusted(project, fake):
    (project / "a.py").write_text("x = 1\n")
    cache = cache_module.Cache(str(project / "c"), "fingerprint")
    cache.unchanged("a.py", str(project / "a.py"), "a.py")
    cache.put("a.py", cache_module.digest(b"x = 1\n"), [])
    cache.save()
    key = cache_module.stat_key(str(project / "a.py"))
    loaded = cache_module.Cache(str(project / "c"), "fingerprint")
    # Pretend the stat had been kept: its mtime is within RACY_NS of the cache file's write.
    loaded.entries["a.py"] = (loaded.entries["a.py"][0], (), key)
    loaded._fresh_from = key[1] + 1
    assert loaded.unchanged("a.py", str(project / "a.py"), "a.py") is None


def test_a_fix_run_leaves_no_stale_stat(project, capsys, reads):
    path = project / "a.py"
    write_old(path, "x.cuda(async=True)\n")
    main(["check", "--fix", "-q"])
    capsys.readouterr()
    assert path.read_text() == "x.cuda(non_blocking=True)\n"
    [(_, packed, stat)] = entries(project).values()
    assert packed == () and stat is None  # the stat taken before the fix described the old file
    assert main(["check"]) == 0
    capsys.readouterr()


def test_a_damaged_cache_file_is_ignored_and_replaced(project, capsys, fake):
    write_old(project / "a.py", "x = Variable(t)\n")
    first = run(capsys)
    [path] = glob.glob(str(project / ".legacy_variable_cache" / "v3" / "*.marshal"))
    with open(path, "wb") as handle:
        handle.write(b"\x00garbage")
    fake.clear()
    assert run(capsys) == first
    assert fake == ["a.py"]
    assert set(entries(project)) == {"a.py"}


def test_a_related_site_names_the_file_as_the_current_run_does(project, capsys, monkeypatch):
    from legacy_variable.diagnostics import Diagnostic

    def check_module(tree, source, path, codes=None, project=None):
        return [Diagnostic("LV203", "m", path, 2, 1, related=(("wrap_site", f"{path}:1"),))]

    monkeypatch.setattr(checkers, "check_module", check_module)
    lint_fake_checker.without_prefilter(monkeypatch)
    (project / "pkg").mkdir()
    write_old(project / "pkg" / "a.py", "x = 1\ny = 2\n")

    def notes() -> list[str]:
        main(["check", "."])
        return [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]

    assert notes() == ["note: wrap site: pkg/a.py:1"]
    monkeypatch.chdir(project / "pkg")
    monkeypatch.setattr(checkers, "check_module", None)  # served by the cache, not checked
    assert notes() == ["note: wrap site: a.py:1"]


def test_cached_diagnostics_round_trip_exactly():
    from legacy_variable.diagnostics import Diagnostic, Edit, Fix

    original = Diagnostic(
        "LV101", "message", "a.py", 3, 5, 3, 9,
        Fix((Edit("t", 3, 5, 3, 16), Edit("", 1, 1, 2, 1)), "unsafe", "Remove the wrapper"),
        cell=2, noqa_row=4, related=(("wrap_site", "a.py:9"),),
    )
    packed = cache_module.pack(original)
    rebuilt = cache_module.unpack(marshal.loads(marshal.dumps(packed)), "a.py")
    assert rebuilt == original
    assert vars(rebuilt) == vars(original) and vars(rebuilt.fix) == vars(original.fix)
    assert list(vars(rebuilt)) == list(vars(original))  # same field order
    plain = Diagnostic("LV105", "m", "a.py", 1, 1)
    assert cache_module.unpack(cache_module.pack(plain), "b.py") == Diagnostic("LV105", "m", "b.py", 1, 1)


def test_a_report_from_a_worker_arrives_whole_with_its_diagnostics_packed():
    import pickle

    from legacy_variable.diagnostics import Diagnostic, Edit, Fix
    from legacy_variable.lint.engine import FileReport

    diagnostics = [
        Diagnostic("LV105", "m", "a.py", 1, 8, 1, 13, Fix((Edit("non_blocking", 1, 8, 1, 13),), "safe", "Rename")),
        Diagnostic("LV201", "n", "a.py", 2, 1, related=(("wrap_site", "a.py:2"),)),
    ]
    report = FileReport("a.py", "pkg/a.py", diagnostics, {"LV101": 1}, None, None, False, b"d" * 16)
    arrived = pickle.loads(pickle.dumps(report))
    assert arrived == report
    assert arrived.packed == tuple(cache_module.pack(d) for d in diagnostics)
    # A diagnostic about another path (none today) travels as itself.
    other = FileReport("a.py", "a.py", [Diagnostic("LV002", "m", "b.py", 1, 1)])
    arrived = pickle.loads(pickle.dumps(other))
    assert arrived == other and not hasattr(arrived, "packed")


def test_entries_of_deleted_files_are_pruned_and_a_partial_run_keeps_the_rest(project, capsys, fake):
    for name in ("a.py", "b.py", "c.py"):
        write_old(project / name, "x = Variable(t)\n")
    (project / "pkg").mkdir()
    write_old(project / "pkg" / "d.py", "x = Variable(t)\n")
    run(capsys)
    assert sorted(entries(project)) == ["a.py", "b.py", "c.py", "pkg/d.py"]
    # A run over one file keeps the entries of the others, which still exist.
    assert main(["check", "-q", "a.py"]) == 1
    capsys.readouterr()
    assert sorted(entries(project)) == ["a.py", "b.py", "c.py", "pkg/d.py"]
    # Deleted, turned into a directory, or removed with its directory: gone from the cache,
    # even from a run that named only another file.
    os.unlink(project / "b.py")
    os.unlink(project / "c.py")
    (project / "c.py").mkdir()
    os.unlink(project / "pkg" / "d.py")
    os.rmdir(project / "pkg")
    assert main(["check", "-q", "a.py"]) == 1
    capsys.readouterr()
    assert sorted(entries(project)) == ["a.py"]
