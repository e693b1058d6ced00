"""``legacy-variable server`` driven over stdio as an editor drives it: a real subprocess,
real JSON-RPC frames (``LspClient`` below is a minimal client, also used by the other
``test_server_*`` files and ``bench/server_bench.py``)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from legacy_variable.lint import check  # noqa: E402
from legacy_variable.rules import RULES  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 30.0

LEGACY = (
    "import torch\n"
    "from torch.autograd import Variable\n"
    "\n"
    "x = Variable(torch.randn(3), volatile=True)\n"
    "loss = (x * 2).sum()\n"
    "print(loss.data[0])\n"
    "y = x.cuda(async=True)\n"
)


class LspClient:
    """Frames JSON-RPC over the server's pipes; a reader thread sorts what comes back
    into responses (by id) and everything else (notifications, server requests)."""

    def __init__(self, cwd: str | os.PathLike | None = None):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "legacy_variable", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self.responses: dict = {}
        self.messages: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        #: What the server wrote to stderr, once ``close`` has ended it.
        self.stderr = ""
        self._next_id = 0
        self._ready = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    # -- framing
    def send_raw(self, body: bytes) -> None:
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def send(self, message) -> None:
        self.send_raw(json.dumps(message).encode("utf-8"))

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length))
            if "method" not in message:
                with self._ready:
                    self.responses[message["id"]] = message
                    self._ready.notify_all()
            else:
                if "id" in message:  # a server request (registerCapability): say yes
                    self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                self.messages.put(message)

    # -- requests and notifications
    def request(self, method: str, params=None, timeout: float = TIMEOUT) -> dict:
        self._next_id += 1
        msg_id = self._next_id
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.response(msg_id, timeout)

    def response(self, msg_id, timeout: float = TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        with self._ready:
            while msg_id not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no response to request {msg_id!r}")
                self._ready.wait(left)
            return self.responses.pop(msg_id)

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, method: str, predicate=lambda params: True, timeout: float = TIMEOUT) -> dict:
        """The params of the next ``method`` notification that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {method} notification; seen: {[m['method'] for m in self.seen]}")
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(message)
            if message["method"] == method and predicate(message.get("params")):
                return message["params"]

    def diagnostics(self, uri: str, version=None, timeout: float = TIMEOUT) -> list[dict]:
        def wanted(params):
            return params["uri"] == uri and (version is None or params.get("version") == version)

        return self.wait_for("textDocument/publishDiagnostics", wanted, timeout)["diagnostics"]

    # -- the editor's part
    def initialize(self, capabilities=None, root: Path | None = None) -> dict:
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri() if root else None,
                "capabilities": capabilities or {},
            },
        )
        assert "result" in result, result
        self.notify("initialized", {})
        return result["result"]

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
        )

    def change(self, uri: str, version: int, text: str) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )

    def close(self, timeout: float = TIMEOUT) -> int:
        """shutdown, then exit: the process's exit code."""
        if self.process.poll() is None:
            assert self.request("shutdown")["result"] is None
            self.notify("exit", None)
        try:
            code = self.process.wait(timeout)
            self.stderr = self.process.stderr.read().decode("utf-8", "replace")
            return code
        finally:
            self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass


def apply_edits(text: str, edits: list[dict]) -> str:
    """TextEdits (UTF-16 positions, as the server negotiated by default) applied to text."""
    lines = text.splitlines(keepends=True)

    def offset(position) -> int:
        before = sum(len(line) for line in lines[: position["line"]])
        line = lines[position["line"]] if position["line"] < len(lines) else ""
        units = 0
        for index, char in enumerate(line):
            if units >= position["character"]:
                return before + index
            units += 2 if ord(char) > 0xFFFF else 1
        return before + len(line.rstrip("\r\n")) if position["line"] < len(lines) else before

    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


@pytest.fixture
def client(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    # The rule pages (codeDescription) go to the user cache: this test's own.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    lsp = LspClient(cwd=tmp_path)
    yield lsp
    lsp.kill()


def positions(diagnostics: list[dict]) -> list[tuple]:
    return [
        (d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"],
         d["range"]["end"]["line"], d["range"]["end"]["character"], d["message"])
        for d in diagnostics
    ]


def test_initialize_advertises_the_features(client, tmp_path):
    result = client.initialize(root=tmp_path)
    capabilities = result["capabilities"]
    assert result["serverInfo"]["name"] == "legacy-variable"
    assert capabilities["positionEncoding"] == "utf-16"
    assert capabilities["hoverProvider"] is True
    assert capabilities["codeActionProvider"] == {
        "codeActionKinds": ["quickfix", "source.fixAll.legacy-variable"],
        "resolveProvider": True,
    }
    assert capabilities["textDocumentSync"]["change"] == 2  # incremental
    assert client.close() == 0


def test_open_publishes_what_check_reports(client, tmp_path):
    client.initialize(root=tmp_path)
    path = tmp_path / "train.py"
    uri = path.as_uri()
    client.open(uri, LEGACY)
    published = client.diagnostics(uri, version=1)

    expected = check(source=LEGACY, filename=str(path), cwd=str(tmp_path)).diagnostics
    assert [d["code"] for d in published] == [d.code for d in expected] == ["LV102", "LV101", "LV103", "LV104", "LV105"]
    assert positions(published) == [
        (d.code, d.line - 1, d.column - 1, d.end_line - 1, d.end_column - 1, d.message) for d in expected
    ]
    assert positions(published)[3][:5] == ("LV104", 5, 6, 5, 18)
    for diagnostic in published:
        assert diagnostic["source"] == "legacy-variable"
    assert client.close() == 0


def test_code_description_opens_the_rules_explanation_offline(client, tmp_path):
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    from legacy_variable import __version__

    client.initialize(root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    published = client.diagnostics(uri)
    pages = tmp_path / "user-cache" / "legacy-variable" / f"rules-{__version__}"
    for diagnostic in published:
        href = diagnostic["codeDescription"]["href"]
        assert href == (pages / f"{diagnostic['code']}.md").as_uri()
        page = Path(url2pathname(urlsplit(href).path))
        rule = RULES[diagnostic["code"]]
        text = page.read_text(encoding="utf-8")
        assert text.startswith(rule.explain())  # what `legacy-variable explain CODE` prints
        assert f"## Why it breaks on modern PyTorch\n{rule.why}\n" in text
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 8}})
    assert f"[Full explanation]({(pages / 'LV104.md').as_uri()})" in hover["result"]["contents"]["value"]
    assert client.close() == 0


def test_docs_url_links_a_teams_hosted_guide(client, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.legacy-variable]\ndocs-url = \"https://wiki.example.com/legacy/{code}\"\n")
    client.initialize(root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    assert [d["codeDescription"]["href"] for d in client.diagnostics(uri)] == [
        f"https://wiki.example.com/legacy/{code}" for code in ("LV102", "LV101", "LV103", "LV104", "LV105")]
    assert client.close() == 0


def test_hover_explains_the_rule_on_a_flagged_range(client, tmp_path):
    client.initialize(root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    client.diagnostics(uri)

    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 12}})
    rule = RULES["LV104"]
    value = hover["result"]["contents"]["value"]
    assert hover["result"]["contents"]["kind"] == "markdown"
    assert value.startswith("**LV104 scalar-data-index**: indexing a 0-dim result")
    assert rule.what in value and rule.why in value and rule.use_instead.rstrip() in value
    assert "`legacy-variable explain LV104`" in value
    assert (f"[Full explanation]({rule.url})" in value) == bool(rule.url)
    assert hover["result"]["range"] == {"start": {"line": 5, "character": 6}, "end": {"line": 5, "character": 18}}

    # Off any flagged range: no hover.
    nothing = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 0}})
    assert nothing["result"] is None
    assert client.close() == 0


def test_quick_fix_applied_clears_its_diagnostic(client, tmp_path):
    client.initialize(root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    published = client.diagnostics(uri, version=1)
    scalar = [d for d in published if d["code"] == "LV104"]

    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": scalar[0]["range"], "context": {"diagnostics": scalar, "only": ["quickfix"]}},
    )["result"]
    titles = [a["title"] for a in actions]
    assert titles == ["legacy-variable (LV104): Use `.item()`", "legacy-variable (LV104): disable for this line"]
    fix = actions[0]
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True

    fixed = apply_edits(LEGACY, fix["edit"]["changes"][uri])
    assert fixed.splitlines()[5] == "print(loss.item())"
    client.change(uri, 2, fixed)
    after = client.diagnostics(uri, version=2)
    assert [d["code"] for d in after] == ["LV102", "LV101", "LV103", "LV105"]
    assert client.close() == 0


def test_noqa_action_silences_the_line(client, tmp_path):
    client.initialize(root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    published = client.diagnostics(uri, version=1)
    volatile = [d for d in published if d["code"] == "LV103"]
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": volatile[0]["range"], "context": {"diagnostics": volatile}},
    )["result"]
    noqa = [a for a in actions if a["title"] == "legacy-variable (LV103): disable for this line"]
    text = apply_edits(LEGACY, noqa[0]["edit"]["changes"][uri])
    assert text.splitlines()[3] == "x = Variable(torch.randn(3), volatile=True)  # noqa: LV103"
    client.change(uri, 2, text)
    assert [d["code"] for d in client.diagnostics(uri, version=2)] == ["LV102", "LV101", "LV104", "LV105"]

    # A second code on that line joins the existing comment.
    wrapper = [d for d in client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": volatile[0]["range"],
         "context": {"diagnostics": [d for d in published if d["code"] == "LV101"], "only": ["quickfix"]}},
    )["result"] if d["title"].endswith("disable for this line")]
    text = apply_edits(text, wrapper[0]["edit"]["changes"][uri])
    assert text.splitlines()[3] == "x = Variable(torch.randn(3), volatile=True)  # noqa: LV103, LV101"
    assert client.close() == 0


def test_fix_all_applies_every_safe_fix(client, tmp_path):
    client.initialize(root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    client.diagnostics(uri, version=1)
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
         "context": {"diagnostics": [], "only": ["source.fixAll"]}},
    )["result"]
    assert [a["kind"] for a in actions] == ["source.fixAll.legacy-variable"]
    fixed = apply_edits(LEGACY, actions[0]["edit"]["changes"][uri])
    from legacy_variable.lint import fix_source

    assert fixed == fix_source(LEGACY, str(tmp_path / "train.py"))[0]
    client.change(uri, 2, fixed)
    remaining = client.diagnostics(uri, version=2)
    assert all("fix" not in d["data"] or d["data"]["fix"]["applicability"] != "safe" for d in remaining)
    assert "LV104" not in [d["code"] for d in remaining]
    assert client.close() == 0


def test_light_bulb_lists_fix_all_and_resolves_it_when_picked(client, tmp_path):
    resolvable = {"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}}
    client.initialize(resolvable, root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    published = client.diagnostics(uri, version=1)
    # No "only": the editor's light bulb, asked on every cursor move. Fix-all is listed
    # without its edit (no whole-file run per cursor move) ...
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": published[0]["range"], "context": {"diagnostics": published[:1]}},
    )["result"]
    fix_all = [a for a in actions if a["kind"] == "source.fixAll.legacy-variable"]
    assert fix_all == [{"title": "legacy-variable: fix all safe fixes", "kind": "source.fixAll.legacy-variable", "data": {"uri": uri}}]
    # ... and computed when picked.
    resolved = client.request("codeAction/resolve", fix_all[0])["result"]
    from legacy_variable.lint import fix_source

    fixed = apply_edits(LEGACY, resolved["edit"]["changes"][uri])
    assert fixed == fix_source(LEGACY, str(tmp_path / "train.py"))[0]
    assert client.close() == 0


def test_unsafe_fix_is_offered_and_labelled(client, tmp_path):
    client.initialize(root=tmp_path)
    uri = (tmp_path / "sim.py").as_uri()
    client.open(uri, RULES["LV120"].example)
    dot = [d for d in client.diagnostics(uri) if d["code"] == "LV120"]
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": dot[0]["range"], "context": {"diagnostics": dot, "only": ["quickfix"]}},
    )["result"]
    assert actions[0]["title"] == (
        "legacy-variable (LV120): Use `(a * b).sum()`, what 0.3 computed (unsafe fix: may change behaviour)"
    )
    assert actions[0]["isPreferred"] is False
    # And fix-all leaves it alone: nothing safe to do here.
    all_fixes = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": dot[0]["range"], "context": {"diagnostics": [], "only": ["source.fixAll"]}},
    )["result"]
    assert all_fixes == []
    assert client.close() == 0


def test_positions_count_utf16_units_or_what_the_client_chose(tmp_path):
    text = "import torch\nfrom torch.autograd import Variable\nlabel = '😀'; x = Variable(torch.ones(1))\n"
    for offered, column in ((None, 18), (["utf-32"], 17)):
        lsp = LspClient(cwd=tmp_path)
        try:
            capabilities = {"general": {"positionEncodings": offered}} if offered else {}
            result = lsp.initialize(capabilities, root=tmp_path)
            assert result["capabilities"]["positionEncoding"] == (offered or ["utf-16"])[0]
            uri = (tmp_path / "emoji.py").as_uri()
            lsp.open(uri, text)
            wrapper = [d for d in lsp.diagnostics(uri) if d["code"] == "LV101"]
            assert wrapper[0]["range"]["start"] == {"line": 2, "character": column}
            hover = lsp.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 2, "character": column + 1}})
            assert "variable-wrapper" in hover["result"]["contents"]["value"]
            assert lsp.close() == 0
        finally:
            lsp.kill()


def test_changes_are_debounced_and_stale_results_never_published(client, tmp_path):
    client.initialize(root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    big = LEGACY * 2000  # long enough that its run is still going when the change comes
    client.open(uri, big)
    for version in range(2, 6):
        client.change(uri, version, LEGACY if version < 5 else "import torch\n")
    assert client.diagnostics(uri, version=5) == []
    published = [m["params"] for m in client.seen if m["method"] == "textDocument/publishDiagnostics"]
    # The first run (version 1) was overtaken: its result is dropped, not shown; the quick
    # burst of changes is one run.
    assert [p["version"] for p in published] == [5]
    assert client.close() == 0


def test_a_big_file_never_holds_up_the_server(client, tmp_path):
    client.initialize(root=tmp_path)
    uri = (tmp_path / "big.py").as_uri()
    big = LEGACY * 6000  # 42,000 lines: seconds of linting even on an idle machine
    client.open(uri, big)
    time.sleep(0.8)  # the run is under way

    # Requests are answered meanwhile (the lint runs in its own process) ...
    start = time.monotonic()
    answer = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
    assert answer["result"] is None and time.monotonic() - start < 1.0

    # ... and an edit cancels the stale run rather than waiting for it.
    start = time.monotonic()
    client.change(uri, 2, LEGACY)
    assert len(client.diagnostics(uri, version=2)) == 5
    after_cancel = time.monotonic() - start
    start = time.monotonic()
    client.change(uri, 3, big)
    client.diagnostics(uri, version=3, timeout=300)
    full_run = time.monotonic() - start
    assert after_cancel < full_run / 2, (after_cancel, full_run)
    versions = [m["params"]["version"] for m in client.seen if m["method"] == "textDocument/publishDiagnostics"]
    assert versions == [2, 3]  # version 1 was never published
    assert client.close() == 0


def test_close_clears_and_save_relints(client, tmp_path):
    client.initialize(root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    assert len(client.diagnostics(uri)) == 5
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert len(client.diagnostics(uri)) == 5
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.diagnostics(uri) == []
    assert client.close() == 0


def test_pyproject_settings_are_honoured_and_reread(client, tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'demo'\n\n[tool.legacy-variable]\nignore = [\"LV104\"]\n")
    client.initialize({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}}, root=tmp_path)
    registration = client.wait_for("client/registerCapability")
    assert registration["registrations"][0]["registerOptions"]["watchers"] == [{"globPattern": "**/pyproject.toml"}]
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    assert [d["code"] for d in client.diagnostics(uri)] == ["LV102", "LV101", "LV103", "LV105"]

    pyproject.write_text("[project]\nname = 'demo'\n\n[tool.legacy-variable]\nignore = [\"LV1\"]\nextend-select = [\"LV104\"]\n")
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": pyproject.as_uri(), "type": 2}]})
    assert [d["code"] for d in client.diagnostics(uri)] == ["LV104"]

    # A broken configuration: said once, and the defaults are used meanwhile.
    pyproject.write_text("[tool.legacy-variable]\nselect = [\"NOPE\"]\n")
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": pyproject.as_uri(), "type": 2}]})
    shown = client.wait_for("window/showMessage")
    assert shown["type"] == 1 and "unknown rule selector 'NOPE'" in shown["message"]
    assert [d["code"] for d in client.diagnostics(uri)] == ["LV102", "LV101", "LV103", "LV104", "LV105"]
    assert client.close() == 0


def test_incremental_changes_are_applied_before_linting(client, tmp_path):
    client.initialize(root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    client.diagnostics(uri, version=1)
    # As editors send a keystroke: only the edited range. `.data[0]` -> `.item()` on line 6.
    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [
                {"range": {"start": {"line": 5, "character": 11}, "end": {"line": 5, "character": 18}}, "text": "item()"}
            ],
        },
    )
    assert [d["code"] for d in client.diagnostics(uri, version=2)] == ["LV102", "LV101", "LV103", "LV105"]
    assert client.close() == 0


PROBE = (
    "import torch\n"
    "\n"
    "\n"
    "def log(loss, total_loss):\n"
    "    print(loss.data[0])\n"
    "    print(total_loss.data[0])\n"
)


def _evidence(path: Path, sites) -> None:
    """An evidence file written as a recorded run writes it (evidence_file's format)."""
    from legacy_variable import evidence_file

    lines = PROBE.splitlines()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": evidence_file.VERSION, "sites": [
        {"path": "train.py", "line": line, "column": 11, "line_hash": evidence_file.line_hash(lines[line - 1]),
         "kind": "index0", "observed": observed} for line, observed in sites]}))


def test_configured_evidence_drops_what_it_disproved_and_is_reread_when_it_changes(client, tmp_path):
    evidence = tmp_path / "runs" / "ev.json"
    # `total_loss` was 1-D every time: `[0]` is right there; `loss` was 0-dim: `.item()`, safe
    _evidence(evidence, [(5, {"ndim=0": 3}), (6, {"ndim=1": 3})])
    (tmp_path / "pyproject.toml").write_text("[tool.legacy-variable]\nevidence = [\"runs/ev.json\"]\n")
    client.initialize(root=tmp_path)
    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, PROBE)
    published = client.diagnostics(uri)
    assert [(d["code"], d["range"]["start"]["line"]) for d in published] == [("LV104", 4)]
    assert published[0]["data"]["fix"]["applicability"] == "safe"
    expected = check(source=PROBE, filename=str(tmp_path / "train.py"), cwd=str(tmp_path)).diagnostics
    assert [(d.code, d.line, d.fix.applicability) for d in expected] == [("LV104", 5, "safe")]

    # A new recording on disk (no editor event): the server sees it and lints again.
    _evidence(evidence, [(5, {"ndim=0": 3})])
    published = client.diagnostics(uri, timeout=10)
    assert [(d["code"], d["range"]["start"]["line"]) for d in published] == [("LV104", 4), ("LV104", 5)]
    assert "fix" not in published[1]["data"]  # unknown receiver, no evidence: no fix

    # Gone: said once, and the file is linted without evidence meanwhile.
    evidence.unlink()
    shown = client.wait_for("window/showMessage", timeout=10)
    assert shown["type"] == 1
    assert shown["message"] == (f"legacy-variable: cannot read evidence file {evidence}: No such file or directory; "
                                "linting without evidence")
    published = client.diagnostics(uri, timeout=10)
    assert [d["range"]["start"]["line"] for d in published] == [4, 5]
    assert "fix" not in published[0]["data"]
    assert client.close() == 0
