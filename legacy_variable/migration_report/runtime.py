"""Runtime reports merged into the static picture.

Both runtime faces write the linter's JSON objects: ``legacy-variable run --report
r.json`` one per call site, ``pytest --legacy-variable-report=FILE`` one per site and
test with a ``count``. ``tally.Entry.from_json`` reads either (a missing count is 1).

A runtime site meets a static finding when both name the same rule on the same line of
the same file: the runtime's column is where the instruction starts, the linter's may be
a keyword inside it, so columns are not compared (as ``tally.fix_counts`` does).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from ..tally import Entry
from .model import ReportError, RuntimeSite, RuntimeSummary
from .sources import SourceLines

if TYPE_CHECKING:
    from .model import Report


def load(path: str) -> list[Entry]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ReportError(f"runtime report {path!r}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportError(f"runtime report {path!r} is not JSON: {exc}") from None
    if not isinstance(data, list):
        raise ReportError(
            f"runtime report {path!r}: expected a JSON list of diagnostics (the output of "
            "`legacy-variable run --report` or `pytest --legacy-variable-report`)"
        )
    entries = []
    for index, item in enumerate(data):
        try:
            entries.append(Entry.from_json(item))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ReportError(
                f"runtime report {path!r}: item {index} is not a diagnostic object "
                "(code, message, filename, location)"
            ) from None
    return entries


def _key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def merge(report: "Report", loaded: list[tuple[str, list[Entry]]], cwd: str) -> RuntimeSummary:
    # Static findings by (file, line, code); a runtime path is absolute (a module's
    # __file__) or relative to where the program ran, which the report does not record:
    # the working directory, then the report's own directory, then a unique suffix match.
    static: dict[tuple[str, int, str], list] = {}
    by_file: dict[str, str] = {}
    for f in report.files:
        key = _key(os.path.join(cwd, f.path))
        by_file[key] = f.path
        for x in f.findings:
            if x.cell is None:
                static.setdefault((key, x.line, x.code), []).append(x)

    def resolve(path: str, report_dir: str) -> str:
        if os.path.isabs(path):
            return _key(path)
        for base in (cwd, report_dir):
            candidate = _key(os.path.join(base, path))
            if candidate in by_file:
                return candidate
        tail = os.sep + os.path.normcase(os.path.normpath(path))
        matches = [k for k in by_file if k.endswith(tail)]
        return matches[0] if len(matches) == 1 else _key(os.path.join(cwd, path))

    sites: dict[tuple[str, int, str], list] = {}  # key -> [count, tests, display path]
    for report_path, entries in loaded:
        report_dir = os.path.dirname(os.path.abspath(report_path))
        for entry in entries:
            d = entry.diagnostic
            key = (resolve(d.path, report_dir), d.line, d.code)
            slot = sites.setdefault(key, [0, set(), d.path])
            slot[0] += entry.count
            if entry.test:
                slot[1].add(entry.test)

    executed = 0
    result: list[RuntimeSite] = []
    readers: dict[str, SourceLines] = {}
    for (path_key, line, code), (count, tests, given) in sites.items():
        matched = static.get((path_key, line, code), [])
        for finding in matched:
            if not finding.runtime:
                executed += 1
            finding.runtime += count
        display = by_file.get(path_key) or _display(given, cwd)
        if path_key not in readers:
            readers[path_key] = SourceLines(path_key)
        result.append(RuntimeSite(code, display, line, count, len(tests), bool(matched),
                                  readers[path_key].line(line)))
    result.sort(key=lambda s: (s.static, -s.count, s.path, s.line, s.code))
    return RuntimeSummary(
        reports=[os.path.basename(p) for p, _ in loaded],
        sites=result,
        executed=executed,
        static_total=report.diagnostics,
    )


def _display(path: str, cwd: str) -> str:
    if not os.path.isabs(path):
        return path.replace(os.sep, "/")
    rel = os.path.relpath(path, cwd)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")
