"""``--format markdown``: the headline and the per-rule table, short enough for a pull
request comment (GitHub-flavoured Markdown)."""

from __future__ import annotations

from .model import FIX_HAND, Report


def _share(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.0f}%" if whole else "0%"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(report: Report) -> str:
    fixes = report.fix_counts()
    total = report.diagnostics
    where = ", ".join(f"`{p}`" for p in report.paths)
    out = [f"### Legacy PyTorch migration report: {where}", ""]
    if not total:
        out.append(f"No legacy code left: {report.files_total} files checked. :tada:")
        return "\n".join(out) + "\n"
    with_evidence = ""
    if fixes["evidence"] is not None:
        with_evidence = (f"{fixes['evidence']} ({_share(fixes['evidence'], total)}) more safely "
                         "with the recorded evidence (`--evidence`), ")
    out += [
        f"- **{report.files_with_legacy}** of {report.files_total} files have legacy code "
        f"({report.lines:,} lines checked)",
        f"- **{total}** diagnostics: {fixes['safe']} ({_share(fixes['safe'], total)}) fixable "
        f"safely with `legacy-variable check --fix`, {with_evidence}{fixes['unsafe']} "
        f"({_share(fixes['unsafe'], total)}) more with `--unsafe-fixes`, "
        f"{fixes[FIX_HAND]} ({_share(fixes[FIX_HAND], total)}) by hand",
        f"- about **{report.by_hand_lines}** lines left to edit by hand",
    ]
    if report.evidence_files:
        n = report.evidence_disproved
        out.append(f"- evidence from {', '.join(f'`{p}`' for p in report.evidence_files)}: "
                   f"{n} finding{'s' * (n != 1)} disproved by the recorded runs (not counted)")
    misconceptions = report.misconceptions()
    if misconceptions:
        n = sum(s.count for s in misconceptions)
        out.append(f"- :warning: **{n}** autograd misconception{'s' * (n != 1)} (LV2xx): bugs, not style")
    if report.runtime is not None:
        rt = report.runtime
        out.append(
            f"- runtime: {rt.executed} of {rt.static_total} static findings executed, "
            f"{len(rt.runtime_only)} runtime-only site{'s' * (len(rt.runtime_only) != 1)}"
        )
    if report.history:
        first, last = report.history[0], report.history[-1]
        out.append(
            f"- trend over {len(report.history)} commits: {first.diagnostics} → {last.diagnostics} "
            f"({first.short} → {last.short})"
        )
    # The evidence column only when there is evidence: a pull request comment stays narrow.
    evidence = fixes["evidence"] is not None
    out += ["", "| Rule | Name | Count | Safe fix |" + (" With evidence |" if evidence else "")
            + " Unsafe fix | By hand |",
            "| --- | --- | ---: | ---: |" + (" ---: |" if evidence else "") + " ---: | ---: |"]
    for s in report.rules():
        code = f"[{s.code}]({s.rule.url})" if s.rule and s.rule.url else s.code
        out.append(f"| {code} | {_cell(s.name)} | {s.count} | {s.safe} |"
                   + (f" {s.evidence} |" if evidence else "") + f" {s.unsafe} | {s.hand} |")
    return "\n".join(out) + "\n"
