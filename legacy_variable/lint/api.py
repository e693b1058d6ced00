"""``check`` and ``fix_source``: the linter as a library (see ``legacy_variable.lint``).

``check`` is the whole of ``legacy-variable check`` but the printing: settings, file
discovery, the cache, the pipeline over every file (in parallel when it pays), fixes.
The CLI, the flake8 plugin, an editor server and a report all call it, so a file is judged
the same way whichever face asks.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Sequence

from ..diagnostics import Diagnostic
from ..rules import Code
from .config import Layer, Settings, resolve
from .engine import Options, Workers, collector_paused, process_file
from .result import CheckResult, FileReport


def check(
    paths: Sequence[str] | None = None,
    *,
    source: str | None = None,
    filename: str = "<stdin>",
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    settings: Settings | None = None,
    config: str | None = None,
    fix: bool = False,
    diff: bool = False,
    unsafe_fixes: bool | None = None,
    cache: bool | str = False,
    jobs: int | None = None,
    cwd: str | None = None,
    respect_gitignore: bool = True,
    isolated: bool = False,
    progress: Callable[[int, int], None] | None = None,
    evidence: str | Sequence[str] | None = None,
) -> CheckResult:
    """Lint ``paths`` (files or directories; default ``.``), or the text ``source`` as if
    it were the file ``filename`` (a ``.ipynb`` name makes it a notebook's JSON).

    select, ignore   rule selectors (codes, prefixes, names, ``ALL``) over the configured
                     selection; or pass resolved ``settings`` instead (``config``: a
                     pyproject.toml, a TOML file or ``"key = value"``, as ``--config``)
    fix              apply fixes: files are rewritten; a ``source`` never is, its fixed
                     text is ``CheckResult.files[0].fixed_data``
    diff             compute fixes without writing; each file's ``diff`` is filled
    unsafe_fixes     also apply unsafe fixes (None: as configured)
    cache            read and write the result cache (True: the configured directory,
                     or a directory path); never used for ``source``
    jobs             worker processes (None: as many as pay off, 1: this process)
    isolated         read no configuration file: only these arguments count
    evidence         files recorded by runs (runtime/evidence.py), one path or several:
                     diagnostics they disprove are dropped, those they confirm become
                     definite. None: the configured ``evidence`` (settings); given, it
                     replaces that list (``()``: none)
    progress         called as ``progress(files done, files in all)`` as files finish
                     (a terminal counter: ``lint.progress``)

    Raises ``config.ConfigError`` for an invalid configuration or selector.
    """
    cwd = os.path.abspath(cwd or os.getcwd())
    if source is not None and paths is not None:
        raise TypeError("check() takes paths or source, not both")
    targets = list(paths) if paths is not None else ["."]
    if settings is None:
        layer = Layer(
            select=list(select) if select is not None else None,
            ignore=list(ignore or ()),
            unsafe_fixes=unsafe_fixes,
        )
        where = [os.path.dirname(os.path.join(cwd, filename))] if source is not None else targets
        settings = resolve(layer, where, config, cwd, isolated)
    elif select is not None or ignore is not None or config is not None or isolated:
        raise TypeError("select, ignore, config and isolated shape the settings: pass them or settings")
    options = Options(
        settings=settings,
        fix=fix or diff,
        diff=diff,
        unsafe_fixes=settings.unsafe_fixes if unsafe_fixes is None else unsafe_fixes,
        write=source is None,
    )
    if evidence is None:
        evidence = settings.evidence
    elif isinstance(evidence, (str, os.PathLike)):
        evidence = [evidence]
    observations = read_evidence_files([os.path.join(cwd, p) for p in evidence]) if evidence else None
    with collector_paused():
        if source is not None:
            reports = [_check_source(source, filename, options, cwd, observations)]
        else:
            reports = _check_paths(targets, options, cache, jobs, cwd, respect_gitignore, progress,
                                   observations)
    return CheckResult(reports, options.applicable, options.fix, options.unsafe_fixes)


def fix_source(
    text: str,
    filename: str = "<stdin>",
    *,
    unsafe: bool = False,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    settings: Settings | None = None,
) -> tuple[str, list[Diagnostic]]:
    """``text`` with every applicable fix applied (``unsafe``: unsafe ones too), and the
    diagnostics that remain in the fixed text. Nothing is read or written: for editors."""
    result = check(
        source=text, filename=filename, select=select, ignore=ignore, settings=settings,
        fix=True, unsafe_fixes=unsafe,
    )
    report = result.files[0]
    if report.error:
        raise RuntimeError(report.error)
    fixed = text if report.fixed_data is None else _text_of(report.fixed_data, filename)
    return fixed, report.diagnostics


def _text_of(data: bytes, filename: str) -> str:
    if filename.endswith(".ipynb"):
        return data.decode("utf-8-sig")
    from .source import decode

    return decode(data, filename).text


#: path -> ((mtime_ns, size), observations): a long-lived caller (the language server)
#: reads an evidence file again only when it changed on disk.
_EVIDENCE_READ: dict[str, tuple] = {}


def read_evidence_files(paths: Sequence[str]) -> dict[str, tuple]:
    """The observations of several evidence files as one (counts of a site add up), by
    project-relative path. Raises ``config.ConfigError`` naming an unreadable file."""
    from .config import ConfigError
    from .project import read_evidence

    read: list[dict[str, tuple]] = []
    for path in dict.fromkeys(os.path.abspath(p) for p in paths):
        try:
            stat = os.stat(path)
        except OSError as error:
            raise ConfigError(f"cannot read evidence file {path}: {error.strerror or error}") from None
        signature = (stat.st_mtime_ns, stat.st_size)
        known = _EVIDENCE_READ.get(path)
        if known is None or known[0] != signature:
            try:
                known = _EVIDENCE_READ[path] = (signature, read_evidence(path))
            except ValueError as error:
                raise ConfigError(str(error)) from None
        read.append(known[1])
    if len(read) == 1:
        return read[0]
    merged: dict[str, dict] = {}
    for observations in read:
        for rel, sites in observations.items():
            into = merged.setdefault(rel, {})
            for key, seen in sites:
                counts = dict(into.get(key, ()))
                for value, count in seen:
                    counts[value] = counts.get(value, 0) + count
                into[key] = tuple(sorted(counts.items()))
    return {rel: tuple(sorted(sites.items())) for rel, sites in merged.items()}


class _SourceFacts:
    """The project of a text checked alone: nothing known across files, but what recorded
    runs saw in it (``evidence``) still judges its diagnostics, as for a file on disk."""

    def __init__(self, evidence: tuple):
        from .project import FileFacts

        self._facts = FileFacts(evidence=evidence)

    def view(self, relative_path: str):
        return self._facts


def _check_source(text: str, filename: str, options: Options, cwd: str,
                  evidence: dict[str, tuple] | None = None) -> FileReport:
    # Encoded as its coding line says, so that the pipeline decodes the same text back.
    from .files import relative_to
    from .source import declared_encoding

    try:
        data = text.encode(declared_encoding(text))
    except (UnicodeEncodeError, LookupError):
        data = text.encode("utf-8", "surrogatepass")
    relative = relative_to(os.path.join(cwd, filename), options.settings.project_root).replace(os.sep, "/")
    seen = None
    if evidence:
        from .checkers.evidence import match_paths  # recorded from another root: by suffix

        seen = match_paths(evidence, [relative]).get(relative)
    if seen:
        from dataclasses import replace

        options = replace(options, project=_SourceFacts(seen))
    return process_file(filename, filename, relative, options, data)


def _check_paths(
    paths: list[str], options: Options, cache_choice: bool | str, jobs: int | None, cwd: str,
    respect_gitignore: bool, progress: Callable[[int, int], None] | None = None,
    evidence: dict | None = None,
) -> list[FileReport]:
    from .files import discover, relative_to

    settings = options.settings
    found = discover(paths, settings.exclude, settings.project_root, cwd, respect_gitignore, settings.include)

    def relative(path: str) -> str:
        rel = relative_to(path, settings.project_root)
        return path if rel.startswith("..") else rel.replace(os.sep, "/")

    reports: list[FileReport] = []
    for problem in found.problems:
        rel = relative(os.path.join(cwd, problem.path))
        if Code.UNREADABLE_FILE in settings.codes_for(rel):  # as for a file that cannot be read
            report = FileReport(problem.path, rel)
            report.diagnostics.append(problem)
            reports.append(report)

    cache = None
    directory = None
    if cache_choice is not False:
        from .cache import Cache

        directory = os.path.abspath(cache_choice) if isinstance(cache_choice, str) else settings.cache_dir
        cache = Cache(directory, settings.fingerprint())
    # The first pass: facts that cross files (star imports, default dtype). A file's result
    # is cached under its path plus the fingerprint of the facts it depends on.
    from dataclasses import replace

    from . import overlap
    from .project import collect

    checked = [(path, relative(path)) for path, _ in found.files]
    if evidence:
        from .checkers.evidence import match_paths  # recorded from another root: by suffix

        evidence = match_paths(evidence, [rel for _, rel in checked])
    with Workers(options, jobs) as workers:

        def check_files(files, options, first=None, extra=0):
            return _check_files(files, relative, options, cache, workers, progress, len(reports), first, extra)

        if overlap.applies(options):
            # The facts pass and the check overlap, each facts file parsed once.
            project, checked_reports, cache_keys = overlap.run(
                checked, found.files, relative, options, cache, directory, evidence, workers, served, check_files)
        else:
            project = collect(checked, directory, evidence, workers.map)
            checked_reports, cache_keys = check_files(found.files, replace(options, project=project))
    reports.extend(checked_reports)
    reports.sort(key=lambda r: r.path)

    if cache is not None:
        for report in reports:
            if report.cache_digest is not None:
                packed = getattr(report, "packed", None)  # as a worker sent it
                key = cache_keys.get(report.relative_path, report.relative_path)
                cache.put(key, report.cache_digest, report.diagnostics, bool(report.fixed), packed)
        cache.prune(settings.project_root)
        cache.save()
    return reports


def _check_files(
    files: list[tuple[str, str]], relative: Callable[[str], str], options: Options, cache,
    workers: Workers, progress: Callable[[int, int], None] | None, already: int = 0,
    first: Callable[[Callable[[int], None]], None] | None = None, extra: int = 0,
) -> tuple[list[FileReport], dict[str, str]]:
    """The reports of ``files`` ((path, display path)): from the cache where it holds
    them, else checked by ``workers``; and the cache key of each file whose project facts
    are part of it. ``already``: files reported before (for ``progress``). ``first(step)``:
    this process's own part, while the helpers start (``Workers.check``), reporting as
    ``step(n)`` how many of its ``extra`` files are done."""
    reports, cache_keys, work = served(files, relative, options, cache)
    served_count = already + len(reports)
    total = served_count + len(work) + extra
    mine = [0]  # of the ``extra`` files, done

    def step(count: int) -> None:
        if count > mine[0]:
            mine[0] = count
            if progress is not None:
                progress(served_count + count, total)

    def done(count: int) -> None:
        progress(served_count + mine[0] + count, total)  # type: ignore[misc]

    if progress is not None:
        progress(served_count, total)
    run_first = None if first is None else (lambda: first(step))
    reports.extend(workers.check(work, options.project, done if progress is not None else None, run_first))
    return reports, cache_keys


def served(files: list[tuple[str, str]], relative: Callable[[str], str], options: Options,
           cache) -> tuple[list[FileReport], dict[str, str], list[tuple]]:
    """What the cache serves of ``files`` ((path, display path)) under the facts of
    ``options.project``: the reports it holds, the cache key of each file whose facts
    are part of it, and the jobs left to check (``Workers.check``'s)."""
    from .cache import digest
    from .source import UnreadableSource, read_bytes

    project = options.project
    reports: list[FileReport] = []
    cache_keys: dict[str, str] = {}
    work: list[tuple] = []
    stats = project.stats  # taken by the facts pass: one stat per file and run
    for path, display in files:
        rel = relative(path)
        fingerprint = project.view(rel).fingerprint()
        stat = stats.get(rel, ...)
        if fingerprint:
            cache_keys[rel] = f"{rel}\0{fingerprint}"
        rel = cache_keys.get(rel, rel)
        data = None
        if cache is not None:
            hit = cache.unchanged(rel, path, display, stat)  # by stat: no read, no hash
            if hit is None and cache.knows(rel):
                # Touched, or too fresh to trust its stat: the content decides. (A file the
                # cache does not know is read by the worker alone.)
                try:
                    data = read_bytes(path)
                except UnreadableSource:
                    data = None  # the worker reports it
                if data is not None:
                    hit = cache.get(rel, digest(data), display)
            if hit is not None and not (options.fix and any(options.applicable(d) for d in hit)):
                reports.append(FileReport(display, rel.partition("\0")[0], hit))
                continue
        work.append((path, display, rel.partition("\0")[0], data))
    return reports, cache_keys, work
