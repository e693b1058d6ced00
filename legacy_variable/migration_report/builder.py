"""Building a ``Report``: one ``lint.check`` run, the source lines of its findings, then
the runtime reports and the git trend when asked for."""

from __future__ import annotations

import datetime
import os
from typing import Iterable, Sequence

from ..rules import Code
from . import runtime as runtime_reports
from .model import FIX_EVIDENCE, FIX_SAFE, FileStat, Finding, Report, ReportError, fix_class
from .sources import SourceLines


def build(
    paths: Sequence[str] | None = None,
    *,
    settings=None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    config: str | None = None,
    unsafe_fixes: bool | None = None,
    cache: bool | str = False,
    jobs: int | None = None,
    cwd: str | None = None,
    respect_gitignore: bool = True,
    runtime: Sequence[str] = (),
    evidence: str | Sequence[str] | None = None,
    history: int = 0,
) -> Report:
    """The report of ``paths`` (default ``.``): ``lint.check`` with the same arguments,
    then the runtime reports (``runtime``: JSON files) merged and, with ``history`` > 0,
    the legacy count of each of the last ``history`` commits.

    ``evidence``: files recorded by runs, as ``lint.check`` takes them (None: the
    configured ``evidence``). With evidence, the findings are those of ``check
    --evidence``, and a safe fix the code alone did not earn (the same finding has no
    safe fix without the evidence) is counted "with evidence".

    Raises ``ReportError`` for bad input, ``lint.config.ConfigError`` for a bad
    configuration or an unreadable evidence file (as ``check`` does).
    """
    from .. import __version__
    from ..lint import check

    cwd = os.path.abspath(cwd or os.getcwd())
    targets = list(paths) if paths else ["."]
    # Read the runtime reports before the (long) check: bad input fails fast.
    loaded = [(path, runtime_reports.load(path)) for path in runtime]

    if settings is None:
        from ..lint.config import Layer, resolve

        layer = Layer(
            select=list(select) if select is not None else None,
            ignore=list(ignore or ()),
            unsafe_fixes=unsafe_fixes,
        )
        settings = resolve(layer, targets, config, cwd)
    if evidence is None:
        evidence = settings.evidence
    elif isinstance(evidence, (str, os.PathLike)):
        evidence = [evidence]
    evidence = [os.path.join(cwd, p) for p in evidence]
    if evidence:
        from ..lint.api import read_evidence_files

        read_evidence_files(evidence)  # an unreadable file fails before the long runs
    result = check(targets, settings=settings, cache=cache, jobs=jobs, cwd=cwd,
                   respect_gitignore=respect_gitignore, evidence=evidence)
    unjudged = None
    if evidence:
        # The same run without the evidence: which safe fixes only the evidence earned,
        # and which findings it disproved. (With the cache, files the evidence says
        # nothing about are read from it, not checked twice.)
        unjudged = check(targets, settings=settings, cache=cache, jobs=jobs, cwd=cwd,
                         respect_gitignore=respect_gitignore, evidence=())
    classes, disproved = _classify(result, unjudged)

    files: list[FileStat] = []
    for file_report in result.files:
        source = SourceLines(os.path.join(cwd, file_report.path))
        stat = FileStat(file_report.path.replace(os.sep, "/"), source.count())
        for d in file_report.diagnostics:
            stat.findings.append(Finding(
                d.line, d.column, d.code, classes.get(id(d)) or fix_class(d), d.message,
                source.line(d.line, d.cell) if d.code != Code.UNREADABLE_FILE else None, d.cell,
            ))
        files.append(stat)

    report = Report(
        paths=targets,
        files=files,
        unsafe_fixes=bool(settings.unsafe_fixes if unsafe_fixes is None else unsafe_fixes),
        selected=sorted(settings.selected),
        generated=datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        version=__version__,
        evidence_files=[os.path.relpath(p, cwd) if not os.path.relpath(p, cwd).startswith("..") else p
                        for p in evidence],
        evidence_disproved=disproved,
        errors=list(result.errors),
    )
    if loaded:
        report.runtime = runtime_reports.merge(report, loaded, cwd)
    if history:
        from .history import trend

        report.history = trend(targets, history, settings, cwd)
    return report


def _key(report, d) -> tuple:
    return (report.path, d.cell, d.line, d.column, d.code)


def _classify(result, unjudged) -> tuple[dict[int, str], int]:
    """(diagnostic id -> FIX_EVIDENCE for each safe fix the evidence earned, how many
    findings of the run without evidence the evidence disproved). Findings are matched
    by file, position and rule: the evidence changes fixes and drops findings, it never
    moves one."""
    if unjudged is None:
        return {}, 0
    before: dict[tuple, list[str]] = {}
    for file_report in unjudged.files:
        for d in file_report.diagnostics:
            before.setdefault(_key(file_report, d), []).append(fix_class(d))
    classes: dict[int, str] = {}
    for file_report in result.files:
        for d in file_report.diagnostics:
            was = before.get(_key(file_report, d))
            now = fix_class(d)
            if now == FIX_SAFE and not (was and FIX_SAFE in was):
                classes[id(d)] = FIX_EVIDENCE
            if was:
                was.remove(FIX_SAFE if now == FIX_SAFE and FIX_SAFE in was else was[0])
    return classes, sum(len(v) for v in before.values())
