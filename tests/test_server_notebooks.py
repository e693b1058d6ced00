"""LSP 3.17 notebook documents: the cells a client sends are linted as ``check`` lints
the ``.ipynb``, and every finding lands on its own cell's document."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pygls")

from test_server_lsp import LspClient, apply_edits  # noqa: E402

from legacy_variable.lint import check  # noqa: E402

NOTEBOOK_CAPABILITIES = {"notebookDocument": {"synchronization": {"dynamicRegistration": False}}}

CELLS = [
    (2, "import torch\nfrom torch.autograd import Variable"),
    (1, "# Training\nThe loss, `loss.data[0]` in 2017:"),  # markdown: counted, never linted
    (2, "x = Variable(torch.ones(2), requires_grad=True)\nloss = (x * 2).sum()\nprint(loss.data[0])"),
]


def cell_uri(notebook: str, index: int) -> str:
    return f"vscode-notebook-cell:{notebook[len('file:'):]}#W{index}sZmlsZQ%3D%3D"


@pytest.fixture
def opened(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    client = LspClient(cwd=tmp_path)
    result = client.initialize(NOTEBOOK_CAPABILITIES, root=tmp_path)
    assert result["capabilities"]["notebookDocumentSync"] == {
        "notebookSelector": [{"notebook": "jupyter-notebook", "cells": [{"language": "python"}]}],
        "save": True,
    }
    path = tmp_path / "train.ipynb"
    uri = path.as_uri()
    cells = [cell_uri(uri, i) for i in range(len(CELLS))]
    client.notify(
        "notebookDocument/didOpen",
        {
            "notebookDocument": {
                "uri": uri,
                "notebookType": "jupyter-notebook",
                "version": 1,
                "cells": [{"kind": kind, "document": cells[i]} for i, (kind, _) in enumerate(CELLS)],
            },
            "cellTextDocuments": [
                {"uri": cells[i], "languageId": "python" if kind == 2 else "markdown", "version": 1, "text": text}
                for i, (kind, text) in enumerate(CELLS)
            ],
        },
    )
    yield client, path, uri, cells
    client.kill()


def by_cell(client: LspClient, cells: list[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    while len(found) < len(cells):
        params = client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] in cells)
        found[params["uri"]] = params["diagnostics"]
    return found


def test_cells_get_the_diagnostics_check_gives_the_notebook(opened, tmp_path):
    client, path, uri, cells = opened
    found = by_cell(client, cells)

    notebook = {
        "cells": [
            {"cell_type": "code" if kind == 2 else "markdown", "metadata": {}, "source": text,
             **({"outputs": [], "execution_count": None} if kind == 2 else {})}
            for kind, text in CELLS
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    expected = check(source=json.dumps(notebook), filename=str(path), cwd=str(tmp_path)).diagnostics
    got = [
        (cells.index(cell) + 1, d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["message"])
        for cell in cells for d in found[cell]
    ]
    assert got == [(d.cell, d.code, d.line, d.column, d.message) for d in expected]
    assert [(n, code, line) for n, code, line, _, _ in got] == [(1, "LV102", 2), (3, "LV101", 1), (3, "LV104", 3)]
    assert found[cells[1]] == []  # the markdown cell
    assert client.close() == 0


def test_a_cell_edit_relints_the_notebook_and_hover_works_in_cells(opened):
    client, path, uri, cells = opened
    found = by_cell(client, cells)
    scalar = [d for d in found[cells[2]] if d["code"] == "LV104"]
    hover = client.request("textDocument/hover", {"textDocument": {"uri": cells[2]}, "position": scalar[0]["range"]["start"]})
    assert hover["result"]["contents"]["value"].startswith("**LV104 scalar-data-index**")

    # The quick fix edits the cell's own document.
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": cells[2]}, "range": scalar[0]["range"], "context": {"diagnostics": scalar, "only": ["quickfix"]}},
    )["result"]
    fixed = apply_edits(CELLS[2][1], actions[0]["edit"]["changes"][cells[2]])
    assert fixed.splitlines()[2] == "print(loss.item())"

    client.notify(
        "notebookDocument/didChange",
        {
            "notebookDocument": {"uri": uri, "version": 2},
            "change": {"cells": {"textContent": [
                {"document": {"uri": cells[2], "version": 2}, "changes": [{"text": fixed}]}
            ]}},
        },
    )
    after = by_cell(client, cells)
    assert [d["code"] for d in after[cells[2]]] == ["LV101"]
    assert [d["code"] for d in after[cells[0]]] == ["LV102"]
    assert client.close() == 0


def test_fix_all_in_a_notebook_edits_each_changed_cell(opened):
    client, path, uri, cells = opened
    by_cell(client, cells)
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": cells[2]}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
         "context": {"diagnostics": [], "only": ["source.fixAll.legacy-variable"]}},
    )["result"]
    changes = actions[0]["edit"]["changes"]
    # The wrapper's fix in cell 3 leaves the import in cell 1 unused: both cells change,
    # as `check --fix` changes them in the .ipynb.
    assert sorted(changes) == [cells[0], cells[2]]
    assert apply_edits(CELLS[0][1], changes[cells[0]]) == "import torch"
    assert apply_edits(CELLS[2][1], changes[cells[2]]) == (
        "x = torch.ones(2, requires_grad=True)\nloss = (x * 2).sum()\nprint(loss.item())"
    )
    assert client.close() == 0


def test_removed_cell_is_cleared_and_closing_clears_all(opened):
    client, path, uri, cells = opened
    by_cell(client, cells)
    client.notify(
        "notebookDocument/didChange",
        {
            "notebookDocument": {"uri": uri, "version": 2},
            "change": {"cells": {"structure": {
                "array": {"start": 2, "deleteCount": 1, "cells": []},
                "didClose": [{"uri": cells[2]}],
            }}},
        },
    )
    assert client.diagnostics(cells[2]) == []
    assert [d["code"] for d in client.diagnostics(cells[0], version=None)] == ["LV102"]  # relinted
    client.notify(
        "notebookDocument/didClose",
        {"notebookDocument": {"uri": uri}, "cellTextDocuments": [{"uri": cells[0]}, {"uri": cells[1]}]},
    )
    assert client.diagnostics(cells[0]) == []
    assert client.close() == 0


def test_quick_fix_in_a_cell_removes_a_last_line(opened):
    client, path, uri, cells = opened
    found = by_cell(client, cells)
    # Once nothing uses `Variable`, its import (the cell's last line) has a fix of its own.
    client.notify(
        "notebookDocument/didChange",
        {
            "notebookDocument": {"uri": uri, "version": 2},
            "change": {"cells": {"textContent": [
                {"document": {"uri": cells[2], "version": 2}, "changes": [{"text": "loss = 1"}]}
            ]}},
        },
    )
    found = by_cell(client, cells)
    imports = found[cells[0]]
    assert [d["code"] for d in imports] == ["LV102"]
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": cells[0]}, "range": imports[0]["range"], "context": {"diagnostics": imports, "only": ["quickfix"]}},
    )["result"]
    fixes = [a for a in actions if not a["title"].endswith("disable for this line")]
    assert len(fixes) == 1
    assert apply_edits(CELLS[0][1], fixes[0]["edit"]["changes"][cells[0]]).rstrip("\n") == "import torch"
    assert client.close() == 0
