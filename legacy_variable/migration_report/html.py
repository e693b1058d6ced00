"""The HTML face: one self-contained page (inline CSS, JS and SVG; no network).

Jinja2 (the ``report`` extra) renders the page; the charts are SVG made in ``charts``.
The per-file findings travel as one compact JSON block that the page's script expands on
demand (a table row per directory, per file on opening, its findings on opening): a large
tree's page stays small and fast, strings (messages, source lines) are stored once.
"""

from __future__ import annotations

import json
import os
import re

from markupsafe import Markup, escape

from ..rules import RULES
from . import charts
from .model import FIX_CLASSES, Report

_HERE = os.path.dirname(os.path.abspath(__file__))
#: Misconception locations listed inline per rule (the file view has them all).
MISCONCEPTION_SITES = 5
#: Runtime sites listed inline.
RUNTIME_SITES = 100


def _inline(text: str) -> Markup:
    """Catalog prose: `code` spans become <code>, everything else is escaped."""
    escaped = str(escape(text))
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    # the catalog's Markdown emphasis (*new leaf*), outside code spans
    parts = re.split(r"(<code>.*?</code>)", escaped)
    return Markup("".join(p if p.startswith("<code>") else re.sub(r"\*([^*\s][^*]*)\*", r"<em>\1</em>", p)
                          for p in parts))


def file_data(report: Report) -> dict:
    """The compact per-file data the page's script renders from."""
    strings: dict[str, int] = {}
    codes: dict[str, int] = {}
    fixes = {kind: i for i, kind in enumerate(FIX_CLASSES)}

    def intern(text: str | None) -> int:
        if text is None:
            return -1
        index = strings.get(text)
        if index is None:
            index = strings[text] = len(strings)
        return index

    def code_index(code: str) -> int:
        index = codes.get(code)
        if index is None:
            index = codes[code] = len(codes)
        return index

    files = []
    for f in report.files:
        if not f.findings:
            continue
        findings = [
            [x.line, x.column, code_index(x.code), fixes[x.fix], intern(x.message),
             intern(x.source), x.cell or 0, x.runtime]
            for x in f.findings
        ]
        files.append([f.path, f.lines, findings])
    directories = [[d.path, d.files, d.files_with_legacy, d.lines, d.diagnostics] for d in report.directories()]
    return {
        "codes": list(codes),
        "names": [RULES[c].name if c in RULES else c.lower() for c in codes],
        "fixes": list(FIX_CLASSES),
        "strings": list(strings),
        "dirs": directories,
        "files": files,
        "runtime": report.runtime is not None,
    }


def _script_json(data: object) -> Markup:
    # Inside <script>: "</script>" or "<!--" in a source line must not end the block.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _read(name: str) -> str:
    with open(os.path.join(_HERE, "templates", name), encoding="utf-8") as handle:
        return handle.read()


def render(report: Report) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(_HERE, "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["inline"] = _inline
    env.filters["num"] = lambda value: f"{value:,}"
    fixes = report.fix_counts()
    total = report.diagnostics
    rules = report.rules()
    misconceptions = [
        (s, report.findings_of(s.code)) for s in report.misconceptions()
    ]
    return env.get_template("report.html.j2").render(
        report=report,
        total=total,
        fixes=fixes,
        share=lambda part: f"{100.0 * (part or 0) / total:.0f}%" if total else "0%",
        labels=charts.LABELS,
        fix_classes=FIX_CLASSES,
        rules=rules,
        catalog=RULES,
        misconceptions=misconceptions,
        misconception_sites=MISCONCEPTION_SITES,
        runtime_sites=RUNTIME_SITES,
        fix_bar=Markup(charts.fix_bar(fixes)),
        rule_bars=Markup(charts.rule_bars(rules)) if rules else Markup(""),
        runtime_chart=Markup(charts.runtime_bar(
            report.runtime.executed, report.runtime.static_total, len(report.runtime.runtime_only)
        )) if report.runtime else Markup(""),
        history_chart=Markup(charts.history_line(report.history)) if report.history else Markup(""),
        data=_script_json(file_data(report)),
        css=Markup(_read("report.css")),
        js=Markup(_read("report.js").replace("</", "<\\/")),
    )
