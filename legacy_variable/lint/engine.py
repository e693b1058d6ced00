"""The one lint pipeline: a file's bytes -> read -> analyse -> fix -> write, for every
source format; and many files in parallel.

A source format is an adapter (``adapters.Document``): it gives the Python text to
analyse, maps positions back to the file's coordinates and writes a fixed text back into
the file's format. ``process_file`` drives any of them the same way; the analysis itself
(parse, checkers, selection, noqa) is ``analysis.analyze``.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Callable

from typing import TYPE_CHECKING

from ..diagnostics import SAFE, UNSAFE, Diagnostic
from ..rules import Code
from .config import Settings
from .parallel import FORK, fork_map
from .result import FileReport
from .source import UnreadableSource, read_bytes

if TYPE_CHECKING:
    from .adapters import Document

# The analysis (with noqa and the fixer) and the source adapters are imported by the
# first file that is checked, not with this module: a run served wholly from the cache
# never needs them, and it is start-up time that such a run mostly spends.

__all__ = [
    "FileReport",
    "Options",
    "analyze",
    "collector_paused",
    "load_document",
    "process_file",
    "raw_diagnostics",
    "run_jobs",
    "Workers",
    "worker_count",
]

#: Files per process below which another process costs more to start than it saves: a
#: process pool's start (~30 ms), or a fork (parallel.fork_map: under 1 ms, and a file
#: takes about as long to check).
PARALLEL_THRESHOLD = 4 if FORK else 32


@dataclass(frozen=True)
class Options:
    settings: Settings
    #: Compute fixes (--fix or --diff).
    fix: bool = False
    #: Print a diff instead of writing (--diff).
    diff: bool = False
    unsafe_fixes: bool = False
    #: Write fixes to the files; when False (and with ``diff``) the fixed content is kept
    #: in ``FileReport.fixed_data`` instead.
    write: bool = True
    #: Project-wide facts (project.ProjectFacts) of a run over paths; None: one text alone.
    project: object = None

    def applicable(self, diagnostic: Diagnostic) -> bool:
        fix = diagnostic.fix
        if fix is None or not fix.edits:
            return False
        return fix.applicability == SAFE or (self.unsafe_fixes and fix.applicability == UNSAFE)


def load_document(data: bytes, path: str) -> Document:
    """The source format of ``path`` (by its suffix) applied to ``data``; UnreadableSource
    when the bytes are not of that format."""
    if path.endswith(".ipynb"):
        # Imported only when a notebook is met: a run over .py files never needs it.
        from .notebook import load_notebook

        return load_notebook(data, path)
    from .adapters import load_python

    return load_python(data, path)


def __getattr__(name: str):
    # ``engine.analyze`` / ``engine.raw_diagnostics`` stay importable from here.
    if name in ("analyze", "raw_diagnostics"):
        from . import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def process_file(
    path: str, display: str, relative: str, options: Options, data: bytes | None = None,
    facts: object = None, parsed: tuple | None = None,
) -> FileReport:
    """One file through the pipeline. ``data``: its bytes when the caller already read them.
    ``facts``: the file's project facts (project.FileFacts) when the caller has them (a
    worker process gets them with the job); else taken from ``options.project``.
    ``parsed``: (text, tree) when the caller parsed the file's text already (the facts
    pass): used if the file still gives that text."""
    from .adapters import FixNotWritten
    from .analysis import analyze
    from .fixer import fix_to_fixed_point, write_atomically

    report = FileReport(display, relative)
    codes = options.settings.codes_for(relative)
    try:
        if data is None:
            data = read_bytes(path)
        document = load_document(data, display)
    except UnreadableSource as exc:
        if Code.UNREADABLE_FILE in codes:
            report.diagnostics = [
                Diagnostic.of(Code.UNREADABLE_FILE, display, exc.line, exc.column, {"detail": exc.detail})
            ]
        if exc.cacheable and data is not None:
            report.cache_digest = _digest(data)
        return report
    text = document.text
    if text is None:
        report.cache_digest = _digest(data)
        return report
    if facts is None and options.project is not None:
        facts = options.project.view(relative)
    try:
        tree = parsed[1] if parsed is not None and parsed[0] == text else None
        analysis = analyze(text, display, codes, facts, tree)
        # Parts the document could leave out (notebook cells that do not parse alone).
        failures: list[Diagnostic] = []
        if not analysis.parses:
            recovered = document.recover(display)
            if recovered is not None:
                failures = [d for d in recovered if d.code in codes]
                text = document.text
                analysis = analyze(text, display, codes, facts)

        def located(text: str, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
            found = document.located(text, diagnostics)
            return sorted([*found, *failures], key=Diagnostic.sort_key) if failures else found

        if not options.fix or not any(options.applicable(d) for d in analysis.diagnostics):
            report.diagnostics = located(text, analysis.diagnostics)
            report.cache_digest = _digest(data)
            return report
        outcome = fix_to_fixed_point(
            text,
            lambda edited: analyze(edited, display, codes, facts),
            options.applicable,
            first=analysis,
        )
    except Exception as exc:  # a checker bug must not stop the run, nor pass silently
        import traceback

        report.error = f"internal error while checking {display}: {type(exc).__name__}: {exc}"
        report.internal_error = True
        report.error += "\n" + "".join(traceback.format_exc())
        return report
    report.diagnostics = located(text, analysis.diagnostics)
    if not outcome.fixed:
        report.cache_digest = _digest(data)
        return report
    try:
        new_data = document.render(outcome.text)
    except FixNotWritten as exc:
        report.error = f"fix not written to {display}: {exc}"
        return report
    if options.diff or not options.write:
        report.fixed_data = new_data
        if options.diff:
            report.diff = document.diff(display, outcome.text)
    else:
        try:
            write_atomically(path, new_data)
        except OSError as exc:
            report.error = f"failed to write fixes to {display}: {exc.strerror or exc}; file left unchanged"
            return report
        report.written = True
        report.cache_digest = _digest(new_data)
    report.diagnostics = located(outcome.text, outcome.diagnostics)
    report.fixed = outcome.fixed
    return report


def _digest(data: bytes) -> bytes:
    # The cache module (hashlib, marshal) is imported only by runs that hash.
    from .cache import digest

    return digest(data)


# ---------------------------------------------------------------------- many files

_worker_options: Options | None = None


def _quiet_parser_warnings() -> None:
    # ast.parse of 2017 code warns about invalid escapes ("\d" in regexes): noise here.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)


def _init_worker(options: Options) -> None:
    global _worker_options
    _worker_options = options
    _quiet_parser_warnings()
    # What the worker inherited or imported lives until it exits: no collection need ever
    # traverse it again. (It may have been forked with the collector paused for the run.)
    gc.freeze()
    gc.enable()


def _work(job: tuple) -> FileReport:
    path, display, relative, data, facts = job
    return _process_paused(path, display, relative, _worker_options, data, facts)  # type: ignore[arg-type]


def _process_paused(path: str, display: str, relative: str, options: Options, data: bytes | None,
                    facts: object = None, parsed: tuple | None = None) -> FileReport:
    """``process_file`` with the garbage collector paused. A parse allocates a tree of
    many thousands of objects that all stay alive until the file is done, so every
    collection their allocation triggers traverses them again, for nothing: the tree has no
    cycles and is freed by reference counting (the checkers break the one cycle their index
    makes). Any cycle a file does leave is young: collected once the collector runs again,
    or right away when it stays paused for the whole run (``collector_paused``), by a
    young-generation collection that traverses only what the file left alive."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return process_file(path, display, relative, options, data, facts, parsed)
    finally:
        if collecting:
            gc.enable()
        else:
            gc.collect(0)


@contextmanager
def collector_paused():
    """The garbage collector paused for a run's own bookkeeping: loading the cache and
    rebuilding thousands of cached diagnostics, merging the reports, writing the output.
    Those objects all live until the run ends, so the collections they would trigger find
    nothing to free; on a warm run they were a third of its time. Files are checked
    under ``_process_paused``, which collects their young garbage."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            _promote_survivors()
            gc.enable()


def _promote_survivors() -> None:
    """Moves every object the paused run left alive (its results, the diagnostics) to the
    oldest generation without traversing them. Else the first collection after the pause
    traverses them all at once (the young generation, or the middle one that each file's
    ``gc.collect(0)`` promoted to): tens of milliseconds at the end of a large run, for
    objects that the caller keeps. Cycles among them are found by the next full
    collection, as for any long-lived object. ``freeze`` + ``unfreeze`` is that move, in
    constant time; skipped when the caller froze objects of its own, which ``unfreeze``
    would release. That test is not constant: ``gc.get_freeze_count`` walks the frozen
    objects (1.2 ms for 200k), so this is for a run's few turning points, not for every
    file (called per file, a forked child, which froze all it inherited, took 30 ms
    more)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def worker_count(jobs: int) -> int:
    if jobs <= PARALLEL_THRESHOLD:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, jobs // PARALLEL_THRESHOLD))


def run_jobs(
    jobs: list[tuple], options: Options, workers: int | None = None, done: Callable[[int], None] | None = None
) -> list[FileReport]:
    """``jobs``: (path, display path, project-relative path, bytes or None). ``workers``:
    processes to use (None: as many as pay off, ``worker_count``). ``done(n)``: called
    as the reports come in, with how many are in."""
    with Workers(options, workers) as pool:
        return pool.check(jobs, options.project, done)


class Workers:
    """The processes of one run's passes: the facts pass (``project.collect``, through
    ``map``) and then the check (``check``). On Linux each pass forks its helpers
    (parallel.fork_map: the parent works too, and a child inherits the facts, the
    options and the imported checkers); elsewhere one process pool, started by the first
    pass large enough to pay for it, serves both, and a worker gets each file's facts with
    its job. ``limit``: the most processes (None: ``worker_count``); 1 runs everything in
    this process."""

    def __init__(self, options: Options, limit: int | None = None) -> None:
        self.options = options
        self.limit = limit
        self._pool = None
        self._count = 1

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def expected(self, items: int) -> int:
        """How many processes a pass over ``items`` would use."""
        if self._pool is not None:
            return self._count
        count = worker_count(items) if self.limit is None else max(1, min(self.limit, items))
        if count > 1 and FORK and _other_threads():
            # A fork copies only the calling thread: a lock another thread holds (the
            # import lock, a logging handler's) would stay locked in the child forever.
            count = 1
        return count

    def _processes(self, items: int, prepare: bool = True) -> int:
        if self._pool is not None:
            return self._count
        count = self.expected(items)
        if count > 1 and prepare:
            self.prepare()
        return count

    @staticmethod
    def prepare() -> None:
        """Imports what checking a file needs: once, in this process, before a fork, so
        that forked processes inherit it."""
        import importlib

        for module in (".checkers", ".analysis", ".adapters", ".fixer"):
            importlib.import_module(module, __package__)

    def _start_pool(self, count: int):
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            options = self.options if self.options.project is None else replace(self.options, project=None)
            self._pool = ProcessPoolExecutor(count, mp_context=_pool_context(), initializer=_init_worker,
                                             initargs=(options,))
            self._count = count
        return self._pool

    def _chunksize(self, items: int) -> int:
        # Small chunks: the last one to finish leaves the other workers idle, and a chunk's
        # round trip costs far less than linting its files.
        return max(1, min(32, items // (self._count * 16)))

    def map(self, function: Callable, items: list, first: Callable[[], None] | None = None) -> list:
        """``function`` (module-level, of plain data) over ``items``, results in order.
        ``first()``: as for ``check``; given, the forked helpers start without what
        ``prepare`` imports (``function`` must not need it)."""
        if not items:
            if first is not None:
                first()
            return []
        count = self._processes(len(items), prepare=first is None)
        with warnings.catch_warnings():
            _quiet_parser_warnings()
            if FORK and count > 1:
                return fork_map(function, items, count, None, first)
            if first is not None:
                first()
            if count <= 1:
                return [function(item) for item in items]
        pool = self._start_pool(count)
        return list(pool.map(function, items, chunksize=self._chunksize(len(items))))

    def check(self, jobs: list[tuple], project=None, done: Callable[[int], None] | None = None,
              first: Callable[[], None] | None = None) -> list[FileReport]:
        """``jobs``: (path, display path, project-relative path, bytes or None).
        ``project``: the run's project.ProjectFacts, or anything with its ``view`` (None:
        none). ``done(n)``: as in ``run_jobs``. ``first()``: this process's own work,
        done while the helpers start on ``jobs`` (as parallel.fork_map's ``first``;
        with a process pool, before)."""
        if not jobs:
            if first is not None:
                first()
            return []
        count = self._processes(len(jobs))
        if count <= 1 or FORK:
            options = self.options if self.options.project is project else replace(self.options, project=project)

            def one(job: tuple) -> FileReport:
                path, display, relative, data = job
                return _process_paused(path, display, relative, options, data)

            with warnings.catch_warnings():
                _quiet_parser_warnings()
                if count > 1:
                    return fork_map(one, jobs, count, done, first)
                if first is not None:
                    first()
                reports = []
                for job in jobs:
                    reports.append(one(job))
                    if done is not None:
                        done(len(reports))
                return reports
        if first is not None:
            first()
        pool = self._start_pool(count)
        work = [(*job, project.view(job[2]) if project is not None else None) for job in jobs]
        results = pool.map(_work, work, chunksize=self._chunksize(len(work)))
        if done is None:
            return list(results)
        reports = []
        for report in results:
            reports.append(report)
            done(len(reports))
        return reports


def _other_threads() -> bool:
    threading = sys.modules.get("threading")  # not imported: no thread was started with it
    return threading is not None and threading.active_count() > 1


def _pool_context():
    """``fork`` where it is safe (Linux): a forked worker starts with the linter already
    imported, where a spawned or forkserver one (the default from Python 3.14) would first
    import it again, a visible share of a run. Elsewhere the platform's default."""
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return None
