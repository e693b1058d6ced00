"""The server's lifecycle and its answers to malformed messages: JSON-RPC errors, never
silence, never a crash."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("pygls")

from test_server_lsp import LEGACY, REPO, LspClient  # noqa: E402


@pytest.fixture
def client(tmp_path):
    lsp = LspClient(cwd=tmp_path)
    yield lsp
    lsp.kill()


def error_of(response: dict) -> tuple:
    return response["id"], response["error"]["code"]


def test_malformed_messages_get_errors_and_the_server_goes_on(client, tmp_path):
    client.initialize(root=tmp_path)

    client.send_raw(b'{"jsonrpc": "2.0", "id": 7, "method": ')  # truncated JSON
    assert error_of(client.response(None)) == (None, -32700)

    client.send([1, 2, 3])  # JSON, but not a message
    assert error_of(client.response(None)) == (None, -32600)

    client.send({"id": 8, "method": "textDocument/hover"})  # no "jsonrpc"
    assert error_of(client.response(8)) == (8, -32600)

    # Known method, params of the wrong shape.
    bad = client.request("textDocument/hover", {"textDocument": {"uri": 3}})
    assert bad["error"]["code"] == -32602
    assert "textDocument/hover" in bad["error"]["message"]

    assert client.request("legacy/unknown", {})["error"]["code"] == -32601
    assert client.request("initialize", {"capabilities": {}})["error"]["code"] == -32600  # twice

    # A notification with bad params cannot be answered; it must not stop the server.
    client.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///x.py"}})

    uri = (tmp_path / "train.py").as_uri()
    client.open(uri, LEGACY)
    assert len(client.diagnostics(uri)) == 5
    assert client.close() == 0
    assert "Traceback" not in client.stderr


def test_requests_before_initialize_and_after_shutdown(client, tmp_path):
    early = client.request("textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0}})
    assert early["error"]["code"] == -32002
    client.initialize(root=tmp_path)
    assert client.request("shutdown")["result"] is None
    late = client.request("textDocument/hover", {"textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0}})
    assert late["error"]["code"] == -32600
    client.notify("exit", None)
    assert client.process.wait(30) == 0


def test_exit_without_shutdown_is_exit_code_1(client, tmp_path):
    client.initialize(root=tmp_path)
    client.notify("exit", None)
    assert client.process.wait(30) == 1


def test_closed_stdin_ends_the_server(client, tmp_path):
    client.initialize(root=tmp_path)
    client.process.stdin.close()
    assert client.process.wait(30) == 1  # the client went away without a shutdown


def test_without_pygls_one_line_error(tmp_path):
    code = (
        "import sys; sys.modules['pygls'] = None\n"
        "from legacy_variable.cli import main\n"
        "sys.exit(main(['server']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "legacy-variable: error: the server needs pygls: pip install 'legacy-variable[server]'\n"


def test_check_and_help_never_import_pygls():
    code = (
        "import sys\n"
        "from legacy_variable.cli import main\n"
        "main(['check', '--help'])\n"
        "assert 'pygls' not in sys.modules and 'legacy_variable.server.app' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    helped = subprocess.run([sys.executable, "-m", "legacy_variable", "server", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "language server" in helped.stdout
