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


class DevTools:
    """Chromium driven over ``--remote-debugging-pipe`` (the DevTools protocol as NUL-ended
    JSON on fds 3 and 4): clicks and reads the page as a person would, no driver package."""

    def __init__(self, tmp_path):
        import time

        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire():  # in the child: its fd 3 reads our commands, fd 4 carries the answers
            import fcntl

            # through high numbers first: either pipe end may itself be fd 3 or 4
            reads, writes = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w))
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.process = subprocess.Popen(
            [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={tmp_path / 'cdp-profile'}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, pass_fds=(3, 4),  # kept open after wire() has set them
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer, self._next, self.session = b"", 0, None
        self.errors: list[str] = []
        self._deadline = time.monotonic() + 60

    def send(self, method: str, **params):
        import select
        import time

        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                if not select.select([self._from_browser], [], [], max(0.0, self._deadline - time.monotonic()))[0]:
                    raise TimeoutError(method)
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise ConnectionError("Chromium closed the pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("method") == "Runtime.exceptionThrown":
                self.errors.append(reply["params"]["exceptionDetails"].get("text", "exception"))
            elif reply.get("method") == "Runtime.consoleAPICalled" and reply["params"]["type"] in ("error", "warning"):
                self.errors.append(str(reply["params"]["args"]))
            if reply.get("id") == self._next:
                assert "error" not in reply, reply
                return reply["result"]

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send("Runtime.enable")
        self.send("Page.enable")
        self.send("Page.navigate", url=url)
        for _ in range(200):
            if self.js("document.readyState") == "complete":
                return
        raise TimeoutError(url)

    def js(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def close(self) -> None:
        os.close(self._to_browser)
        os.close(self._from_browser)
        self.process.kill()
        self.process.wait()


ROWS = ("Array.from(document.querySelectorAll('#file-table tbody tr'))"
        ".map(r => r.className + ' ' + r.cells[0].textContent)")


def test_file_view_sorts_and_expands_on_clicks(page, tmp_path) -> None:
    browser = DevTools(tmp_path)
    try:
        browser.open(page.as_uri())
        # by density, descending: the notebook's 4 in 3 lines, then 15 in 66, 22 in 290, 0
        dirs = [r for r in browser.js(ROWS) if r.startswith("dir")]
        assert dirs == ["dir ▾./", "dir ▾src/legacy_suite/", "dir ▾src/", "dir ▾src/clean/"]
        browser.js("document.querySelector('th[data-key=path]').click()")
        dirs = [r for r in browser.js(ROWS) if r.startswith("dir")]
        assert dirs == ["dir ▾./", "dir ▾src/", "dir ▾src/clean/", "dir ▾src/legacy_suite/"]
        # a directory closes; a file opens to its findings, each with its source line
        browser.js("document.querySelectorAll('#file-table tr.dir')[1].click()")
        assert not any(r.startswith("file") and "seed_legacy" in r for r in browser.js(ROWS))
        browser.js("document.querySelectorAll('#file-table tr.dir')[1].click()")
        browser.js("Array.from(document.querySelectorAll('#file-table tr.file'))"
                   ".find(r => r.textContent.includes('seed_legacy.py')).click()")
        findings = browser.js("Array.from(document.querySelectorAll('ol.findings li')).map(li => li.textContent)")
        assert len(findings) == 9
        assert any(f.startswith("25:9 LV201by hand") and f.endswith("c_var = Variable(c, requires_grad=True)")
                   for f in findings), findings
        # a rule in the chart opens its explanation
        browser.js("document.querySelector('svg.rule-bars a[href=\"#rule-LV104\"]').dispatchEvent("
                   "new MouseEvent('click', {bubbles: true}))")
        assert browser.js("document.getElementById('rule-LV104').open") is True
        assert browser.errors == []
    finally:
        browser.close()
