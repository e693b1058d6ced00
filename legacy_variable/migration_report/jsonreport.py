"""``--format json``: the report's numbers for dashboards. Counts only; the findings
themselves are ``legacy-variable check --output-format json``."""

from __future__ import annotations

import json

from .model import FIX_HAND, Report


def to_data(report: Report) -> dict:
    fixes = report.fix_counts()
    data = {
        "version": report.version,
        "generated": report.generated,
        "paths": report.paths,
        "unsafe_fixes": report.unsafe_fixes,
        "summary": {
            "files": report.files_total,
            "files_with_legacy": report.files_with_legacy,
            "lines": report.lines,
            "diagnostics": report.diagnostics,
            "fixable": {
                "safe": fixes["safe"],
                # safe only with the evidence (check --fix --evidence); null: no evidence given
                "evidence": fixes["evidence"],
                "unsafe": fixes["unsafe"],
                "by_hand": fixes[FIX_HAND],
            },
            "evidence": {"files": report.evidence_files, "disproved": report.evidence_disproved}
            if report.evidence_files else None,
            "by_hand_lines": report.by_hand_lines,
        },
        "rules": [
            {
                "code": s.code,
                "name": s.name,
                "count": s.count,
                "safe": s.safe,
                "evidence": s.evidence if report.evidence_files else None,
                "unsafe": s.unsafe,
                "by_hand": s.hand,
                "files": s.files,
                "misconception": s.misconception,
                "url": s.rule.url if s.rule else None,
            }
            for s in report.rules()
        ],
        "directories": [
            {"path": d.path, "files": d.files, "files_with_legacy": d.files_with_legacy,
             "lines": d.lines, "diagnostics": d.diagnostics}
            for d in report.directories()
        ],
        "files": [
            {"path": f.path, "lines": f.lines, "diagnostics": f.count, "by_code": f.by_code()}
            for f in report.files
            if f.findings
        ],
        "runtime": None,
        "history": None,
        "errors": report.errors,
    }
    if report.runtime is not None:
        rt = report.runtime
        data["runtime"] = {
            "reports": rt.reports,
            "occurrences": rt.occurrences,
            "sites": len(rt.sites),
            "static_executed": rt.executed,
            "static_total": rt.static_total,
            "runtime_only_sites": len(rt.runtime_only),
            "by_site": [
                {"code": s.code, "path": s.path, "line": s.line, "count": s.count,
                 "tests": s.tests, "static": s.static}
                for s in rt.sites
            ],
        }
    if report.history is not None:
        data["history"] = [
            {"commit": p.commit, "date": p.date, "subject": p.subject,
             "diagnostics": p.diagnostics, "files_with_legacy": p.files_with_legacy, "files": p.files}
            for p in report.history
        ]
    return data


def render(report: Report) -> str:
    return json.dumps(to_data(report), indent=2, ensure_ascii=False) + "\n"
