"""One file through the linter: read, parse, check, filter, fix; many files in parallel.

Checkers only find (``lint.checkers.check_module``); everything a run decides around them
lives here: which codes are selected for the file, what noqa suppresses, what the
``async=`` token pass adds for files that do not parse, and how fixes are applied.
"""

from __future__ import annotations

import ast
import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..diagnostics import SAFE, UNSAFE, Diagnostic
from ..rules import RULES
from . import noqa
from .config import Settings
from .fixer import Analysis, fix_to_fixed_point, write_atomically
from .source import LINE_BREAK, UnreadableSource, decode, read_source

#: Below this many files a process pool costs more to start than it saves.
PARALLEL_THRESHOLD = 32


@dataclass(frozen=True)
class Options:
    settings: Settings
    #: Compute fixes (--fix or --diff).
    fix: bool = False
    #: Print a diff instead of writing (--diff).
    diff: bool = False
    unsafe_fixes: bool = False

    def applicable(self, diagnostic: Diagnostic) -> bool:
        fix = diagnostic.fix
        if fix is None or not fix.edits:
            return False
        return fix.applicability == SAFE or (self.unsafe_fixes and fix.applicability == UNSAFE)


@dataclass
class FileReport:
    path: str
    #: Path relative to the project root (the cache key and per-file-ignores subject).
    relative_path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)
    diff: str | None = None
    #: A failure to tell the user about (a write refused, a checker crash).
    error: str | None = None
    internal_error: bool = False
    #: Digest of the content the diagnostics describe, when they may be cached.
    cache_digest: bytes | None = None

    # A worker's report crosses a pipe to the main process: its diagnostics travel in the
    # cache's compact tuples, cheaper to pickle and to rebuild than dataclass instances,
    # and kept (``packed``) so that the cache stores them without packing them again.
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("packed", None)
        if all(d.path == self.path for d in self.diagnostics):
            from .cache import pack

            state["diagnostics"] = _Packed(pack(d) for d in self.diagnostics)
        return state

    def __setstate__(self, state: dict) -> None:
        diagnostics = state["diagnostics"]
        if diagnostics.__class__ is _Packed:
            from .cache import unpack

            state["diagnostics"] = [unpack(p, state["path"]) for p in diagnostics]
            state["packed"] = tuple(diagnostics)
        self.__dict__.update(state)


class _Packed(tuple):
    """Diagnostics in the cache's form, inside a pickled FileReport."""


def syntax_error_diagnostic(error: SyntaxError, path: str, mapper=None) -> Diagnostic:
    line = error.lineno or 1
    column = error.offset or 1
    end_line = error.end_lineno if error.end_lineno and error.end_lineno >= line else None
    end_column = error.end_offset if end_line is not None and error.end_offset else None
    if mapper is not None:
        column = mapper.column(line, column) or column
        if end_line is not None and end_column is not None:
            end_column = mapper.end_column(end_line, end_column) or end_column
    detail = error.msg or "invalid syntax"
    return Diagnostic(
        "LV001", RULES["LV001"].format(detail=detail), path, line, column, end_line, end_column
    )


def raw_diagnostics(text: str, path: str) -> tuple[list[Diagnostic], bool]:
    """Every finding in ``text`` before selection and noqa, and whether it parses."""
    # Imported here, not with the engine: a run served from the cache needs no checker.
    from . import checkers

    if "async" in text:
        # A confirmed `async=` keyword means the text cannot parse as it is: go straight
        # to the renamed text and save a parse that is bound to fail.
        from .async_fix import RenamedPositions, quick_async_keywords

        quick = quick_async_keywords(text, path)
        if quick is not None:
            found, renamed, tree = quick
            mapper = RenamedPositions(found)
            return [*found, *(mapper.diagnostic(d) for d in checkers.check_module(tree, renamed, path))], False
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as error:
        return _unparsable(text, path, error), False
    except (ValueError, RecursionError, MemoryError) as error:
        return [_not_parsed(path, error)], False
    return checkers.check_module(tree, text, path), True


def _not_parsed(path: str, error: BaseException) -> Diagnostic:
    if isinstance(error, UnicodeError):  # a lone surrogate: a notebook's "\ud83d" escape
        detail = f"not encodable as UTF-8: {getattr(error, 'reason', error)}"
    elif isinstance(error, ValueError):
        detail = "source contains NUL bytes"
    else:
        detail = "too deeply nested to parse"
    code = "LV002" if isinstance(error, ValueError) else "LV001"
    return Diagnostic(code, RULES[code].format(detail=detail), path, 1, 1)


def _unparsable(text: str, path: str, error: SyntaxError) -> list[Diagnostic]:
    from . import checkers
    from .async_fix import RenamedPositions, find_async_keywords, rename_in_memory

    if "async" not in text:
        return [syntax_error_diagnostic(error, path)]
    found = find_async_keywords(text, path)
    if not any(d.fix is not None for d in found):
        return [*found, syntax_error_diagnostic(error, path)]
    renamed = rename_in_memory(text, found)
    mapper = RenamedPositions(found)
    try:
        tree = ast.parse(renamed, filename=path)
    except SyntaxError as second:
        return [*found, syntax_error_diagnostic(second, path, mapper)]
    except (ValueError, RecursionError, MemoryError) as second:
        return [*found, _not_parsed(path, second)]
    return [*found, *(mapper.diagnostic(d) for d in checkers.check_module(tree, renamed, path))]


def analyze(text: str, path: str, codes: frozenset[str]) -> Analysis:
    """The diagnostics a user sees for ``text``: selected, not suppressed, in order."""
    found, parses = raw_diagnostics(text, path)
    if found:
        suppressions = noqa.parse(text)
        found = [
            d
            for d in found
            if d.code in codes and not suppressions.suppresses(d.code, d.noqa_row or d.line)
        ]
        found.sort(key=Diagnostic.sort_key)
    return Analysis(found, parses)


def unified_diff(before: str, after: str, path: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            _lines(before), _lines(after), fromfile=path, tofile=path
        )
    )


def _lines(text: str) -> list[str]:
    lines, start = [], 0
    for match in LINE_BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:] + "\n\\ No newline at end of file\n")
    return lines


def process_file(
    path: str, display: str, relative: str, options: Options, data: bytes | None = None
) -> FileReport:
    if path.endswith(".ipynb"):
        from .notebook import process_notebook

        return process_notebook(path, display, relative, options, data)
    report = FileReport(display, relative)
    codes = options.settings.codes_for(relative)
    try:
        source = decode(data, path) if data is not None else read_source(path)
    except UnreadableSource as exc:
        if "LV002" in codes:
            report.diagnostics = [Diagnostic("LV002", RULES["LV002"].format(detail=str(exc)), display, 1, 1)]
        return report
    try:
        analysis = analyze(source.text, display, codes)
        if not options.fix or not any(options.applicable(d) for d in analysis.diagnostics):
            report.diagnostics = analysis.diagnostics
            report.cache_digest = _digest(source.data)
            return report
        outcome = fix_to_fixed_point(
            source.text,
            lambda text: analyze(text, display, codes),
            options.applicable,
            first=analysis,
        )
    except Exception as exc:  # a checker bug must not stop the run, nor pass silently
        import traceback

        report.error = f"internal error while checking {display}: {type(exc).__name__}: {exc}"
        report.internal_error = True
        report.error += "\n" + "".join(traceback.format_exc())
        return report
    report.diagnostics = analysis.diagnostics
    if not outcome.fixed:
        report.cache_digest = _digest(source.data)
        return report
    try:
        new_data = source.encode(outcome.text)
    except UnicodeEncodeError as exc:
        report.error = f"fix not written to {display}: the result cannot be encoded as {source.encoding} ({exc.reason})"
        return report
    if options.diff:
        report.diff = unified_diff(source.text, outcome.text, display)
    else:
        try:
            write_atomically(path, new_data)
        except OSError as exc:
            report.error = f"failed to write fixes to {display}: {exc.strerror or exc}; file left unchanged"
            return report
        report.cache_digest = _digest(new_data)
    report.diagnostics = outcome.diagnostics
    report.fixed = outcome.fixed
    return report


def _digest(data: bytes) -> bytes | None:
    from .cache import digest

    return digest(data)


# ---------------------------------------------------------------------- many files

_worker_options: Options | None = None


def _quiet_parser_warnings() -> None:
    # ast.parse of 2017 code warns about invalid escapes ("\d" in regexes): noise here.
    import warnings

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
    path, display, relative, data = job
    return _process_paused(path, display, relative, _worker_options, data)  # type: ignore[arg-type]


def _process_paused(path: str, display: str, relative: str, options: Options, data: bytes | None) -> FileReport:
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
        return process_file(path, display, relative, options, data)
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
            gc.enable()


def worker_count(jobs: int) -> int:
    if jobs <= PARALLEL_THRESHOLD:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, jobs // PARALLEL_THRESHOLD))


def run_jobs(jobs: list[tuple], options: Options) -> list[FileReport]:
    """``jobs``: (path, display path, project-relative path, bytes or None)."""
    workers = worker_count(len(jobs))
    if workers == 1:
        import warnings

        with warnings.catch_warnings():
            _quiet_parser_warnings()
            return [_process_paused(path, display, relative, options, data) for path, display, relative, data in jobs]
    import importlib
    from concurrent.futures import ProcessPoolExecutor

    importlib.import_module(".checkers", __package__)  # once here: forked workers inherit it

    # Small chunks: the last one to finish leaves the other workers idle, and a chunk's
    # round trip costs far less than linting its files.
    chunksize = max(1, min(32, len(jobs) // (workers * 16)))
    with ProcessPoolExecutor(workers, mp_context=_pool_context(), initializer=_init_worker, initargs=(options,)) as pool:
        return list(pool.map(_work, jobs, chunksize=chunksize))


def _pool_context():
    """``fork`` where it is safe (Linux): a forked worker starts with the linter already
    imported, where a spawned or forkserver one (the default from Python 3.14) would first
    import it again, a visible share of a run. Elsewhere the platform's default."""
    import multiprocessing
    import sys

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return None
