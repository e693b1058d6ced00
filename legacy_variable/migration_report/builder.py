"""Building a ``Report``: one ``lint.check`` run, the source lines of its findings, then
the runtime reports and the git trend when asked for."""

from __future__ import annotations

import datetime
import os
from typing import Iterable, Sequence

from ..rules import Code
from . import runtime as runtime_reports
from .model import FileStat, Finding, Report, ReportError, fix_class
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
    evidence: str | None = None,
    history: int = 0,
) -> Report:
    """The report of ``paths`` (default ``.``): ``lint.check`` with the same arguments,
    then the runtime reports (``runtime``: JSON files) merged and, with ``history`` > 0,
    the legacy count of each of the last ``history`` commits.

    Raises ``ReportError`` for bad input, ``lint.config.ConfigError`` for a bad
    configuration (as ``check`` does).
    """
    from .. import __version__
    from ..lint import check

    cwd = os.path.abspath(cwd or os.getcwd())
    targets = list(paths) if paths else ["."]
    # Read the runtime reports before the (long) check: bad input fails fast.
    loaded = [(path, runtime_reports.load(path)) for path in runtime]
    evidence_note = None
    if evidence is not None:
        evidence_note = _evidence_note(evidence)

    if settings is None:
        from ..lint.config import Layer, resolve

        layer = Layer(
            select=list(select) if select is not None else None,
            ignore=list(ignore or ()),
            unsafe_fixes=unsafe_fixes,
        )
        settings = resolve(layer, targets, config, cwd)
    result = check(targets, settings=settings, cache=cache, jobs=jobs, cwd=cwd,
                   respect_gitignore=respect_gitignore)

    files: list[FileStat] = []
    for file_report in result.files:
        source = SourceLines(os.path.join(cwd, file_report.path))
        stat = FileStat(file_report.path.replace(os.sep, "/"), source.count())
        for d in file_report.diagnostics:
            stat.findings.append(Finding(
                d.line, d.column, d.code, fix_class(d), d.message,
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
        evidence_note=evidence_note,
        errors=list(result.errors),
    )
    if loaded:
        report.runtime = runtime_reports.merge(report, loaded, cwd)
    if history:
        from .history import trend

        report.history = trend(targets, history, settings, cwd)
    return report


def _evidence_note(path: str) -> str:
    """Issue 13's evidence files are not readable by this version: say so, do not guess."""
    if not os.path.isfile(path):
        raise ReportError(f"evidence file {path!r}: no such file")
    return (
        "Evidence-backed fixes are not counted: this version of legacy-variable has no "
        f"evidence module to read {os.path.basename(path)!r} with."
    )
