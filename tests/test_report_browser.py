"""The HTML report in a real browser (headless Chromium from the system's packages), as a
person opens it from disk: it renders (not blank), no console errors, the charts are
painted, and the file view expands. Skipped, saying why, where Chromium is absent."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib

import pytest
from report_helpers import make_tree

from legacy_variable.diagnostics import Diagnostic
from legacy_variable.migration_report import build
from legacy_variable.migration_report.html import render
from legacy_variable.rules import Code
from legacy_variable.tally import Entry

BROWSER = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="Chromium not found: install it (Debian: apt-get install -y chromium; .ci/run does)",
)

#: The page's palette (report.css), as the screenshot must show it.
COLOURS = {"safe": (0x2F, 0x9E, 0x62), "unsafe": (0xE2, 0xA0, 0x22), "hand": (0xD2, 0x46, 0x5A),
           "accent": (0x7A, 0x3F, 0xC4)}


def chromium(tmp_path, url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-extensions", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", *args, url],
        capture_output=True, text=True, timeout=90,
    )


def console_messages(stderr: str) -> list[str]:
    return re.findall(r":CONSOLE[^\]]*\] (.*)", stderr)


def read_png(path) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB(A) rows of an 8-bit non-interlaced PNG (what Chromium writes)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r[i:i + 3]) for r in rows for i in range(0, stride, channels * 2)]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    make_tree(root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "legacy"]):
            subprocess.run(["git", *args], check=True, capture_output=True,
                           env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
                                "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"})
        site = Diagnostic.of(Code.GRAD_ALWAYS_NONE, "src/seed_legacy.py", 29, 7)
        (root / "rt.json").write_text(json.dumps([Entry(site, "t::x", False, 3).to_json()]))
        report = build(["."], runtime=["rt.json"], history=5)
    finally:
        os.chdir(cwd)
    path = root / "report.html"
    path.write_text(render(report), encoding="utf-8")
    return path


def test_page_renders_without_console_errors_and_charts_are_painted(page, tmp_path) -> None:
    shot = tmp_path / "shot.png"
    done = chromium(tmp_path, page.as_uri(), f"--screenshot={shot}", "--window-size=1200,2400")
    assert shot.exists(), done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    width, height, pixels = read_png(shot)
    assert (width, height) == (1200, 2400)
    counts: dict[bytes, int] = {}
    for p in pixels:
        counts[p] = counts.get(p, 0) + 1
    white = counts.get(b"\xff\xff\xff", 0)
    assert white < 0.9 * len(pixels), "the page is blank"
    assert len(counts) > 50, "the page has no text or charts"
    for name, rgb in COLOURS.items():
        painted = counts.get(bytes(rgb), 0)
        assert painted > 200, f"no {name} marks painted ({painted} pixels)"


def test_file_view_expands_from_a_link(page, tmp_path) -> None:
    done = chromium(tmp_path, page.as_uri() + "#file=src%2Fseed_legacy.py", "--dump-dom")
    assert console_messages(done.stderr) == []
    dom = done.stdout
    assert dom.count('<tr class="dir"') == 4  # ., src, src/clean, src/legacy_suite
    findings = re.search(r'<tr class="findings">.*?</tr>', dom, re.S).group(0)
    assert "c_var = Variable(c, requires_grad=True)" in findings
    assert '<a class="code" href="#rule-LV201"' in findings
    assert "ran ×3" in findings  # the runtime report's count at its line


def _pdf_pages(tmp_path, html_path, name: str) -> int:
    pdf = tmp_path / f"{name}.pdf"
    done = chromium(tmp_path, html_path.as_uri(), f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert pdf.exists(), done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


def test_page_prints_with_every_explanation_open(page, tmp_path) -> None:
    # The same page without its beforeprint handler prints the explanations folded.
    folded = tmp_path / "folded.html"
    folded.write_text(page.read_text().replace('addEventListener("beforeprint"', 'addEventListener("x"'))
    printed, without = _pdf_pages(tmp_path, page, "report"), _pdf_pages(tmp_path, folded, "folded")
    assert without >= 3
    assert printed > without + 3, (printed, without)
