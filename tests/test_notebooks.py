"""Jupyter notebooks: code cells checked as one module, fixes written into the cells only.

Notebooks are built with the reference ``nbformat`` package (a test dependency; the
linter reads them with ``json``) and every rewritten notebook is validated with it.
"""

from __future__ import annotations

import json
import os
import stat

import nbformat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_variable.cli import main
from legacy_variable.lint import checkers
from legacy_variable.lint.notebook import mask, unmask

code_cell = nbformat.v4.new_code_cell
markdown_cell = nbformat.v4.new_markdown_cell
raw_cell = nbformat.v4.new_raw_cell


def notebook(*cells, **metadata) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata.update(metadata)
    # Fixed ids: the byte-level comparisons below must not depend on random ones.
    for number, cell in enumerate(nb.cells, 1):
        cell["id"] = f"cell-{number}"
    return nb


def save(nb, path) -> str:
    """Write as Jupyter does (nbformat: 1-space indent, trailing newline); the text."""
    nbformat.write(nb, str(path))
    return path.read_text(encoding="utf-8")


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def concise(capsys, *args: str) -> tuple[int, list[str]]:
    code, out, _ = check(capsys, "--output-format", "concise", "-q", *args)
    return code, out.splitlines()


def diagnostics(capsys, *args: str) -> list[dict]:
    _, out, _ = check(capsys, "--output-format", "json", *args)
    return json.loads(out)


def valid(path) -> nbformat.NotebookNode:
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    return nb


# --------------------------------------------------------------------- one logical module


def test_an_alias_imported_in_one_cell_resolves_in_a_later_one(project, capsys):
    save(
        notebook(
            code_cell("import torch\nfrom torch.autograd import Variable"),
            markdown_cell("Wrap the input:"),
            code_cell("x = torch.ones(3)\ny = Variable(x)"),
        ),
        project / "ch3.ipynb",
    )
    code, lines = concise(capsys, "--select", "LV101", "ch3.ipynb")
    assert code == 1
    assert lines == [
        "ch3.ipynb:cell 3:2:5: LV101 `Variable(...)` is a legacy wrapper: on modern PyTorch "
        "it returns a detached tensor; use the tensor itself"
    ]


def test_cells_are_numbered_as_ruff_does_among_all_cells_from_one(project, capsys):
    save(
        notebook(
            markdown_cell("# Chapter 3"),
            raw_cell("raw"),
            code_cell("import torch"),
            markdown_cell("then"),
            code_cell("\n\nprint(torch.ones(1).sum().data[0])"),
        ),
        project / "nb.ipynb",
    )
    [found] = diagnostics(capsys, "nb.ipynb")
    assert (found["code"], found["cell"], found["location"], found["end_location"]) == (
        "LV104",
        5,
        {"row": 3, "column": 7},
        {"row": 3, "column": 34},
    )
    assert found["filename"] == "nb.ipynb"
    assert found["noqa_row"] == 3


def test_names_from_a_later_cell_do_not_leak_backwards(project, capsys):
    # Cell 1 runs before the import in cell 2: `Variable` there is not torch's.
    save(
        notebook(
            code_cell("def Variable(x):\n    return x\nv = Variable(1)"),
            code_cell("from torch.autograd import Variable\nw = Variable(2)"),
        ),
        project / "nb.ipynb",
    )
    found = [(d["code"], d["cell"], d["location"]["row"]) for d in diagnostics(capsys, "nb.ipynb")]
    assert ("LV101", 1, 3) not in found
    assert ("LV102", 2, 1) in found


LEGACY_CELLS = [
    "import torch\nimport torch.nn as nn\nfrom torch.autograd import Variable",
    "x = Variable(torch.ones(3),\n             requires_grad=True)",
    "t = torch.FloatTensor(3)",
    "loss = (x * 2).sum()\nloss.backward(retain_variables=True)\nprint(loss.data[0])",
    "x.grad.data.zero_()\nok = isinstance(x, Variable)",
    "y = x.cuda(async=True)",
]


def test_the_legacy_idioms_are_found_in_their_cells(project, capsys):
    save(notebook(*(code_cell(source) for source in LEGACY_CELLS)), project / "nb.ipynb")
    found = [
        (d["code"], d["cell"], d["location"]["row"], d["location"]["column"])
        for d in diagnostics(capsys, "nb.ipynb")
    ]
    assert found == [
        ("LV102", 1, 3, 28),
        ("LV101", 2, 1, 5),
        ("LV107", 3, 1, 5),
        ("LV106", 4, 2, 15),
        ("LV104", 4, 3, 7),
        ("LV109", 5, 1, 1),
        ("LV110", 5, 2, 6),
        ("LV105", 6, 1, 12),
    ]


def test_fixes_across_cells_reach_a_fixed_point_and_stay_valid_nbformat(project, capsys):
    path = project / "nb.ipynb"
    save(notebook(*(code_cell(source) for source in LEGACY_CELLS)), path)
    code, _ = concise(capsys, "--fix", "--unsafe-fixes", "nb.ipynb")
    assert code == 0
    sources = [cell.source for cell in valid(path).cells]
    assert sources == [
        # The import went once nothing used it: a line removed from cell 1 because of
        # fixes in cells 2 and 5.
        "import torch\nimport torch.nn as nn",
        "x = torch.ones(3, requires_grad=True)",
        "t = torch.empty(3, dtype=torch.float32)",
        "loss = (x * 2).sum()\nloss.backward(retain_graph=True)\nprint(loss.item())",
        "x.grad.zero_()\nok = isinstance(x, torch.Tensor)",
        "y = x.cuda(non_blocking=True)",
    ]


def test_the_article_split_over_cells_names_cells_in_its_messages(project, capsys):
    # variable_article_zh.txt's example as a notebook would hold it: the wrap in one cell,
    # the `.grad` reads in the next. Rows the messages mention are rows of cells too.
    save(
        notebook(
            code_cell("import torch\nfrom torch.autograd import Variable"),
            code_cell("a = torch.Tensor([1.0, 2.0, 3.0])\nb = torch.Tensor([4.0, 5.0, 6.0])\nc = a + b\n"
                      "c_var = Variable(c, requires_grad=True)\nc_var.backward(torch.ones_like(c_var))"),
            code_cell("print(a.grad)"),
        ),
        project / "nb.ipynb",
    )
    found = {d["code"]: d for d in diagnostics(capsys, "--select", "LV201,LV203", "nb.ipynb")}
    assert (found["LV201"]["cell"], found["LV201"]["location"]["row"]) == (2, 4)
    assert (found["LV203"]["cell"], found["LV203"]["location"]["row"]) == (3, 1)
    assert found["LV203"]["message"] == (
        "`a.grad` is always None here: `a` only flowed into the new leaf made at line 4 of cell 2, "
        "which started a new graph; call backward on a result computed from `a` itself"
    )
    _, out, _ = check(capsys, "--select", "LV203", "nb.ipynb")
    assert "note: wrap site: nb.ipynb:cell 2:4\n" in out


def test_line_facts_are_mapped_to_cells_as_arguments(project):
    # The rows a message names are data (``wrap_line``), mapped to the row in its cell,
    # with ``wrap_cell`` when that is another cell; the message is rendered from them.
    from legacy_variable.lint import check

    wrap = "a = torch.ones(3)\nb = a * 2\nb_var = Variable(b, requires_grad=True)\nb_var.sum().backward()"
    nb = notebook(code_cell("import torch\nfrom torch.autograd import Variable"), code_cell(wrap),
                  code_cell("print(a.grad)"))
    nbformat.write(nb, str(project / "nb.ipynb"))
    [other_cell] = check(["nb.ipynb"], select=["LV203"]).diagnostics
    assert (other_cell.cell, other_cell.line, other_cell.column) == (3, 1, 7)
    assert other_cell.args == (("target", "a"), ("variant", "flowed_into"), ("wrap_line", 3), ("wrap_cell", 2))
    assert "made at line 3 of cell 2," in other_cell.message
    assert other_cell.related == (("wrap_site", "nb.ipynb:cell 2:3"),)

    nb = notebook(code_cell("import torch\nfrom torch.autograd import Variable"), code_cell(wrap + "\nprint(a.grad)"))
    nbformat.write(nb, str(project / "nb.ipynb"))
    [same_cell] = check(["nb.ipynb"], select=["LV203"]).diagnostics
    assert (same_cell.cell, same_cell.line) == (2, 5)
    assert same_cell.arg("wrap_line") == 3 and same_cell.arg("wrap_cell") is None
    assert "made at line 3, which" in same_cell.message


def test_a_syntax_error_is_reported_in_its_cell(project, capsys):
    save(
        notebook(code_cell("import torch"), code_cell("x = 1\nprint 'loss', x\ny = 2")),
        project / "nb.ipynb",
    )
    [found] = diagnostics(capsys, "nb.ipynb")
    assert (found["code"], found["cell"], found["location"]["row"]) == ("LV001", 2, 2)


def test_noqa_comments_in_cells_suppress_on_their_own_line(project, capsys):
    save(
        notebook(
            code_cell("from torch.autograd import Variable  # noqa: LV102\nimport torch"),
            code_cell("a = Variable(torch.ones(1))  # noqa: LV101\nb = Variable(torch.ones(1))"),
        ),
        project / "nb.ipynb",
    )
    found = [(d["code"], d["cell"], d["location"]["row"]) for d in diagnostics(capsys, "nb.ipynb")]
    assert found == [("LV101", 2, 2)]


def test_markdown_and_raw_cells_are_never_linted(project, capsys):
    save(
        notebook(
            code_cell("import torch"),
            markdown_cell("```python\nx = Variable(t, volatile=True)\nprint(loss.data[0])\n```"),
            raw_cell("y = x.cuda(async=True)\nprint 'python 2'"),
        ),
        project / "nb.ipynb",
    )
    assert concise(capsys, "nb.ipynb") == (0, [])


def test_notebooks_of_other_languages_are_not_linted(project, capsys):
    nb = notebook(
        code_cell("library(torch)\nx <- Variable(t)"),
        kernelspec={"name": "ir", "display_name": "R", "language": "R"},
        language_info={"name": "R"},
    )
    save(nb, project / "r.ipynb")
    assert concise(capsys, "r.ipynb") == (0, [])


# --------------------------------------------------------------------- IPython syntax

MAGIC_CELL = (
    "%matplotlib inline\n"
    "!pip install torch==0.3.1\n"
    "files = !ls data\n"
    "?torch.ones\n"
    "torch.ones?\n"
    "torch.nn.Linear??\n"
    "pip install tqdm\n"
    "matplotlib inline\n"
    "%time y = x.cuda(async=True)\n"
    "for i in range(2):\n"
    "    !echo $i\n"
    "%load_ext autoreload \\\n"
    "   --more (\n"
    "msg = ('loss %d'\n"
    "       % 3)\n"
    "doc = '''\n"
    "!not a command inside a string\n"
    "'''\n"
    "print(loss.data[0])"
)


def test_magics_and_shell_escapes_are_masked_not_reported(project, capsys):
    save(notebook(code_cell("import torch\nloss = torch.ones(1).sum()"), code_cell(MAGIC_CELL)), project / "nb.ipynb")
    found = [(d["code"], d["cell"], d["location"]["row"]) for d in diagnostics(capsys, "nb.ipynb")]
    # No LV001 for the IPython lines; the `async=` inside `%time` is IPython's to run and
    # is left alone with its line. The Python around them is still checked.
    assert found == [("LV104", 2, 19)]


def test_magics_are_never_altered_by_fixes(project, capsys):
    path = project / "nb.ipynb"
    save(notebook(code_cell("import torch\nloss = torch.ones(1).sum()"), code_cell(MAGIC_CELL)), path)
    assert concise(capsys, "--fix", "nb.ipynb")[0] == 0
    assert valid(path).cells[1].source == MAGIC_CELL.replace("loss.data[0]", "loss.item()")


def test_python_cell_magics_are_linted_below_their_magic_line(project, capsys):
    save(
        notebook(
            code_cell("import torch\nfrom torch.autograd import Variable"),
            code_cell("%%time\nx = Variable(torch.ones(1))"),
            code_cell("%%timeit -n 3 x = Variable(torch.ones(2))\ny = x.cuda(async=True)"),
        ),
        project / "nb.ipynb",
    )
    found = [(d["code"], d["cell"], d["location"]["row"]) for d in diagnostics(capsys, "--select", "LV101,LV105", "nb.ipynb")]
    assert found == [("LV101", 2, 2), ("LV105", 3, 2)]


def test_other_cell_magics_hide_their_whole_cell(project, capsys):
    save(
        notebook(
            code_cell("import torch"),
            code_cell("%%bash\nif [ -d data ]; then echo Variable(x); fi"),
            code_cell("%%writefile train.py\nx = Variable(torch.ones(1), volatile=True)\nprint 'done'"),
        ),
        project / "nb.ipynb",
    )
    assert concise(capsys, "nb.ipynb") == (0, [])


def test_mask_keeps_modulo_continuations_and_strings_as_python():
    text = "msg = ('%d'\n       % 3)\ns = '''\n!x\n'''\n%time f()"
    masked, originals = mask(text)
    assert masked == "msg = ('%d'\n       % 3)\ns = '''\n!x\n'''\npass  # <legacy-variable magic 0>"
    assert originals == ["%time f()"]
    assert unmask(masked, originals) == text


def test_unmask_refuses_a_text_that_lost_a_placeholder():
    masked, originals = mask("!ls\nx = 1\n    %time f()")
    assert masked == "pass  # <legacy-variable magic 0>\nx = 1\n    pass  # <legacy-variable magic 1>"
    assert unmask(masked.split("\n", 1)[1], originals) is None


# --------------------------------------------------------------------- writing back


def _source_token_spans(text: str, line: str) -> tuple[str, str]:
    """The JSON text before and after the one source token holding ``line``."""
    token = json.dumps(line, ensure_ascii=False)
    assert text.count(token) == 1
    before, after = text.split(token)
    return before, after


RICH_NOTEBOOK_CELLS = [
    ("import torch\nfrom torch.autograd import Variable", 1),
    ("data = torch.randn(2, 2)\nx = Variable(data)\nloss = (x * 2).sum()", 2),
    ("loss.backward()\nprint('loss é', loss.data[0])\nx.grad", 3),
    ("%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])", 4),
]


def rich_notebook() -> nbformat.NotebookNode:
    cells = []
    for source, count in RICH_NOTEBOOK_CELLS:
        cell = code_cell(source, execution_count=count)
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=f"out {count}\n"),
            nbformat.v4.new_output(
                "execute_result",
                data={"text/plain": "tensor([2.])", "image/png": "iVBORw0KGgo="},
                execution_count=count,
            ),
        ]
        cell.metadata = {"scrolled": True, "tags": ["ch3"]}
        cells.append(cell)
    cells.insert(2, markdown_cell("Now `loss.data[0]`, as in 2017:"))
    return notebook(
        *cells,
        kernelspec={"display_name": "Python 3", "language": "python", "name": "python3"},
        language_info={"name": "python", "version": "3.6.3"},
    )


def test_a_fix_in_a_middle_cell_leaves_every_other_byte_alone(project, capsys):
    path = project / "nb.ipynb"
    original = save(rich_notebook(), path)
    code, lines = concise(capsys, "--fix", "nb.ipynb")
    assert code == 1  # LV101 (an unsafe fix) and what depends on it remain
    fixed = path.read_text(encoding="utf-8")
    before, after = _source_token_spans(original, "print('loss é', loss.data[0])\n")
    assert fixed == before + json.dumps("print('loss é', loss.item())\n", ensure_ascii=False) + after
    nb = valid(path)
    assert nb.cells[3].outputs[1]["data"]["image/png"] == "iVBORw0KGgo="
    assert nb.cells[3].execution_count == 3


def test_fixes_keep_the_files_own_layout(project, capsys):
    # Not nbformat's: 2-space indent, `source` as one string, ASCII escapes, CRLF, no
    # final newline. Only the fixed string changes.
    nb = rich_notebook()
    data = json.loads(nbformat.writes(nb))
    for cell in data["cells"]:
        cell["source"] = "".join(cell["source"])
    original = json.dumps(data, indent=2, ensure_ascii=True).replace("\n", "\r\n")
    path = project / "nb.ipynb"
    path.write_bytes(original.encode())
    concise(capsys, "--fix", "nb.ipynb")
    old = "loss.backward()\nprint('loss \u00e9', loss.data[0])\nx.grad"
    new = old.replace("loss.data[0]", "loss.item()")
    assert path.read_bytes().decode() == original.replace(json.dumps(old), json.dumps(new))
    assert "\\u00e9" in json.dumps(new)
    valid(path)


def test_a_fix_that_removes_lines_keeps_the_list_layout(project, capsys):
    path = project / "nb.ipynb"
    save(
        notebook(
            code_cell("import torch\nfrom torch.autograd import Variable\nimport numpy as np"),
            code_cell("x = Variable(torch.ones(3))"),
        ),
        path,
    )
    concise(capsys, "--fix", "--unsafe-fixes", "nb.ipynb")
    text = path.read_text(encoding="utf-8")
    assert '   "source": [\n    "import torch\\n",\n    "import numpy as np"\n   ]' in text
    assert [c.source for c in valid(path).cells] == ["import torch\nimport numpy as np", "x = torch.ones(3)"]


def test_a_cell_emptied_by_a_fix_is_an_empty_source_list(project, capsys):
    path = project / "nb.ipynb"
    save(notebook(code_cell("from torch.autograd import Variable"), code_cell("import torch\nx = Variable(torch.ones(3))")), path)
    concise(capsys, "--fix", "--unsafe-fixes", "nb.ipynb")
    assert '"source": []' in path.read_text(encoding="utf-8")
    assert valid(path).cells[0].source == ""


def test_diff_prints_the_changed_cells_and_writes_nothing(project, capsys):
    path = project / "nb.ipynb"
    original = save(rich_notebook(), path)
    code, out, err = check(capsys, "--diff", "nb.ipynb")
    assert code == 1
    assert out == (
        "--- nb.ipynb:cell 4\n"
        "+++ nb.ipynb:cell 4\n"
        "@@ -1,3 +1,3 @@\n"
        " loss.backward()\n"
        "-print('loss é', loss.data[0])\n"
        "+print('loss é', loss.item())\n"
        " x.grad\n"
    )
    assert "Would fix 1 error." in err
    assert path.read_text(encoding="utf-8") == original


def test_a_read_only_notebook_is_left_unchanged(project, capsys):
    path = project / "nb.ipynb"
    original = save(rich_notebook(), path)
    os.chmod(path, stat.S_IRUSR)
    try:
        code, _, err = check(capsys, "--fix", "nb.ipynb")
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    assert "failed to write fixes to nb.ipynb" in err
    assert path.read_text(encoding="utf-8") == original
    assert not [p for p in os.listdir(project) if p.endswith(".lvtmp")]


# --------------------------------------------------------------------- malformed files


MALFORMED = {
    "invalid_json.ipynb": ('{\n "cells": [\n  {"cell_type": "code",,}\n ]\n}\n', 3, 24, "invalid JSON: Expecting property name"),
    "no_cells.ipynb": ('{"metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n', 1, 1, "no 'cells' list"),
    "cells_not_list.ipynb": ('{"cells": {"a": 1}, "nbformat": 4}\n', 1, 1, "'cells' is not a list"),
    "source_not_list.ipynb": (
        '{"cells": [\n {"cell_type": "code", "metadata": {}, "outputs": [],\n  "source": 42}\n], "nbformat": 4}\n',
        3, 13, "cell 1: 'source' must be a string or a list of strings",
    ),
    "source_items_not_strings.ipynb": (
        '{"cells": [{"cell_type": "code", "source": ["x = 1\\n", 2]}], "nbformat": 4}\n',
        1, 44, "cell 1: 'source' must be a string or a list of strings",
    ),
    "cell_not_object.ipynb": ('{"cells": [\n  "x = Variable(t)"\n]}\n', 2, 3, "cell 1 is not a JSON object"),
    "no_cell_type.ipynb": ('{"cells": [{"source": "x"}]}\n', 1, 12, "cell 1 has no 'cell_type'"),
    "top_level_list.ipynb": ("[1, 2]\n", 1, 1, "the top level is not a JSON object"),
    "nbformat3.ipynb": ('{"worksheets": [{"cells": []}], "nbformat": 3}\n', 1, 1, "nbformat 3"),
    "not_utf8.ipynb": (b'{"cells": ["\xff"]}', 1, 1, "cannot decode as utf-8"),
}


def test_each_malformed_notebook_gets_one_clear_diagnostic(project, capsys):
    for name, (content, *_rest) in MALFORMED.items():
        path = project / "nbs" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (project / "nbs" / "good.py").write_text("import torch\ny = torch.ones(1).cuda(async=True)\n")
    found = diagnostics(capsys, "nbs")
    by_file = {}
    for d in found:
        by_file.setdefault(os.path.basename(d["filename"]), []).append(d)
    assert [d["code"] for d in by_file.pop("good.py")] == ["LV105"]
    assert sorted(by_file) == sorted(MALFORMED)
    for name, (_, line, column, detail) in MALFORMED.items():
        [d] = by_file[name]
        assert d["code"] == "LV002", name
        assert detail in d["message"], (name, d["message"])
        assert (d["location"]["row"], d["location"]["column"]) == (line, column), name
        assert d["cell"] is None


def test_malformed_notebooks_are_left_alone_by_fix(project, capsys):
    path = project / "bad.ipynb"
    path.write_text('{"cells": [{"cell_type": "code", "source": 3}]}')
    code, lines = concise(capsys, "--fix", "bad.ipynb")
    assert code == 1 and len(lines) == 1 and "LV002" in lines[0]
    assert path.read_text() == '{"cells": [{"cell_type": "code", "source": 3}]}'


def test_a_lone_surrogate_escape_in_a_cell_is_named_as_such(project, capsys):
    # Valid JSON, but "\ud83d" alone is no character: the cell cannot be parsed as Python.
    text = '{"cells": [{"cell_type": "code", "source": "s = \'\\ud83d\'"}]}'
    path = project / "surrogate.ipynb"
    path.write_text(text)
    code, lines = concise(capsys, "--fix", "surrogate.ipynb")
    assert code == 1
    assert lines == ["surrogate.ipynb:cell 1:1:1: LV002 file skipped: not encodable as UTF-8: surrogates not allowed"]
    assert path.read_text() == text


# --------------------------------------------------------------------- discovery, outputs


def test_notebooks_are_discovered_with_python_files_but_not_checkpoints(project, capsys):
    cells = [code_cell("import torch\nprint(torch.ones(1).sum().data[0])")]
    (project / "book" / ".ipynb_checkpoints").mkdir(parents=True)
    save(notebook(*cells), project / "book" / "ch3.ipynb")
    save(notebook(*cells), project / "book" / ".ipynb_checkpoints" / "ch3-checkpoint.ipynb")
    (project / "book" / "util.py").write_text("import torch\nprint(torch.ones(1).sum().data[0])\n")
    code, lines = concise(capsys, ".")
    assert [line.split(": ")[0] for line in lines] == ["book/ch3.ipynb:cell 1:2:7", "book/util.py:2:7"]


def test_notebooks_can_be_left_out_or_other_files_added(project, capsys):
    (project / "book").mkdir()
    save(notebook(code_cell("import torch\nprint(torch.ones(1).sum().data[0])")), project / "book" / "ch3.ipynb")
    (project / "book" / "train.pyw").write_text("import torch\nprint(torch.ones(1).sum().data[0])\n")
    assert [l.split(":")[0] for l in concise(capsys, ".")[1]] == ["book/ch3.ipynb"]
    assert [l.split(":")[0] for l in concise(capsys, "--extend-exclude", "*.ipynb", ".")[1]] == []
    assert [l.split(":")[0] for l in concise(capsys, "--extend-include", "*.pyw", ".")[1]] == [
        "book/ch3.ipynb",
        "book/train.pyw",
    ]
    (project / "pyproject.toml").write_text('[tool.legacy-variable]\ninclude = ["*.py"]\n')
    assert concise(capsys, ".")[1] == []
    # A notebook named on the command line is checked whatever the include setting says.
    assert [l.split(":")[0] for l in concise(capsys, "book/ch3.ipynb")[1]] == ["book/ch3.ipynb"]


def test_full_format_shows_the_cell_and_its_line(project, capsys):
    save(rich_notebook(), project / "nb.ipynb")
    _, out, _ = check(capsys, "--select", "LV104", "nb.ipynb")
    assert out.startswith(
        "LV104 [*] indexing a 0-dim result with `[0]` raises on modern PyTorch; use `.item()` for a Python number\n"
        " --> nb.ipynb:cell 4:2:17\n"
        "  |\n"
        "2 | print('loss é', loss.data[0])\n"
        "  |                 ^^^^^^^^^^^^\n"
    )


def test_github_and_sarif_point_into_the_notebook_file(project, capsys):
    path = project / "nb.ipynb"
    text = save(rich_notebook(), path)
    json_lines = text.split("\n")
    row = next(i for i, line in enumerate(json_lines, 1) if "loss.data[0]" in line and "print" in line)
    column = json_lines[row - 1].index("loss.data[0]") + 1
    _, out, _ = check(capsys, "--select", "LV104", "--output-format", "github", "nb.ipynb")
    assert out.startswith(f"::error title=legacy-variable (LV104),file=nb.ipynb,line={row},col={column},")
    assert "::nb.ipynb:cell 4:2:17: LV104 " in out
    _, out, _ = check(capsys, "--select", "LV104", "--output-format", "sarif", "nb.ipynb")
    [result] = json.loads(out)["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "nb.ipynb"
    assert location["region"] == {"startLine": row, "startColumn": column, "endLine": row, "endColumn": column + 12}
    assert result["properties"] == {"cell": 4, "cellLine": 2, "cellColumn": 17}


def test_json_carries_fix_edits_in_cell_coordinates(project, capsys):
    save(rich_notebook(), project / "nb.ipynb")
    [found] = diagnostics(capsys, "--select", "LV104", "nb.ipynb")
    assert found["cell"] == 4
    assert found["fix"]["edits"] == [
        {"content": "item()", "location": {"row": 2, "column": 22}, "end_location": {"row": 2, "column": 29}}
    ]


def test_the_cache_serves_an_unchanged_notebook(project, capsys, monkeypatch):
    save(rich_notebook(), project / "nb.ipynb")
    calls = []
    real = checkers.check_module

    def counting(tree, source, path, codes=None, project=None):
        calls.append(path)
        return real(tree, source, path)

    monkeypatch.setattr(checkers, "check_module", counting)
    args = ["check", "--output-format", "json", "nb.ipynb"]
    main(args)
    first = capsys.readouterr().out
    main(args)
    second = capsys.readouterr().out
    assert calls == ["nb.ipynb"]
    assert second == first
    assert {d["cell"] for d in json.loads(second)} == {1, 2, 4}
    # A fix run rewrites it; the next run reads the new content, once.
    main(["check", "--fix", "-q", "nb.ipynb"])
    capsys.readouterr()
    after_fix = len(calls)
    main(args)
    assert "LV104" not in capsys.readouterr().out
    assert len(calls) == after_fix


# --------------------------------------------------------------------- any notebook

CELL_LINES = [
    "import torch",
    "from torch.autograd import Variable",
    "x = Variable(torch.ones(3), requires_grad=True)",
    "y = Variable(x.data, volatile=True)",
    "loss = (x * 2).sum()",
    "print(loss.data[0])",
    "loss.backward(retain_variables=True)",
    "z = x.cuda(async=True)",
    "t = torch.FloatTensor(2)",
    "%matplotlib inline",
    "!pip install torch==0.3.1",
    "torch.ones?",
    "for i in range(2):\n    !echo $i\n    print(loss.data[0])",
    "msg = ('%d'\n       % 3)",
    "print 'python 2'",
    "x = (",
    "",
    "# a comment with Variable(x)",
]


@st.composite
def notebooks(draw):
    cells = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["code", "code", "code", "markdown", "magic", "indented"]))
        lines = draw(st.lists(st.sampled_from(CELL_LINES), max_size=5))
        source = "\n".join(lines) + draw(st.sampled_from(["", "\n"]))
        if kind == "indented":  # runs in Jupyter: IPython strips the first line's indentation
            indent = draw(st.sampled_from([" ", "    ", "\t"]))
            source = "".join(indent + line if line.strip() else line for line in source.splitlines(True))
        if kind == "markdown":
            cells.append(markdown_cell(source))
        else:
            cell = code_cell(("%%time\n" if kind == "magic" else "") + source, execution_count=len(cells))
            cell.outputs = [nbformat.v4.new_output("stream", text="ok\n")]
            cells.append(cell)
    return notebook(*cells)


def _without_sources(text: str) -> dict:
    data = json.loads(text)
    for cell in data["cells"]:
        cell["source"] = None
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nb=notebooks(), unsafe=st.booleans())
def test_any_notebook_is_checked_and_fixed_without_harm(tmp_path, nb, unsafe):
    from legacy_variable.lint.config import Layer, resolve
    from legacy_variable.lint.engine import Options, process_file

    from legacy_variable.lint.notebook.document import parse
    from legacy_variable.lint.notebook.recovery import cells_that_fail

    path = tmp_path / "nb.ipynb"
    original = save(nb, path)
    failing_before = cells_that_fail(parse(original), "nb.ipynb")[1]
    options = Options(resolve(Layer(), [str(tmp_path)], None, str(tmp_path)), fix=True, unsafe_fixes=unsafe)
    report = process_file(str(path), "nb.ipynb", "nb.ipynb", options)
    assert report.error is None and not report.internal_error
    fixed = path.read_text(encoding="utf-8")
    # --fix never makes a cell stop parsing; one LV001 per cell that does not parse alone.
    assert cells_that_fail(parse(fixed), "nb.ipynb")[1] <= failing_before
    syntax_cells = [d.cell for d in report.diagnostics if d.code == "LV001"]
    assert len(syntax_cells) == len(set(syntax_cells))
    assert _without_sources(fixed) == _without_sources(original)
    new = valid(path)
    for old_cell, new_cell in zip(nb.cells, new.cells):
        if old_cell.cell_type != "code":
            assert new_cell.source == old_cell.source
        for line in old_cell.source.split("\n"):
            if line.lstrip().startswith(("%", "!")) or line.endswith("?"):
                assert line in new_cell.source.split("\n")  # never altered
    for d in report.diagnostics:
        assert d.cell is not None and d.line >= 1
        if d.code == "LV001" and not any("x = (" in cell.source for cell in nb.cells):
            # (after an unclosed bracket nothing is a statement start, magics included)
            lines = new.cells[d.cell - 1].source.split("\n")
            line = lines[d.line - 1] if d.line <= len(lines) else ""
            assert not line.lstrip().startswith(("%", "!")) and not line.endswith("?")


# ------------------------------------------------------- cells that do not parse alone


def _two_failures_notebook():
    return notebook(
        code_cell("import torch\nfrom torch.autograd import Variable"),
        # Runs in Jupyter: IPython strips the indentation of the first line from the cell.
        # LV104 probe: a loss-named receiver (a 1-D ``x.data[0]`` is right, not reported).
        code_cell("  x = Variable(torch.ones(2))\n  print(loss.data[0])"),
        code_cell("print 'loss', x.data[0]\nw = torch.ones(1)"),  # Python 2: fails alone too
        markdown_cell("print 'not code'"),
        code_cell("%matplotlib inline\n!ls\nz = x.cuda(async=True)\ny = Variable(torch.ones(1))"),
        code_cell("def f(:\n    pass"),
    )


def test_a_cell_that_does_not_parse_hides_only_itself(project, capsys):
    save(_two_failures_notebook(), project / "nb.ipynb")
    found = [
        (d["code"], d["cell"], d["location"]["row"], d["location"]["column"])
        for d in diagnostics(capsys, "nb.ipynb")
    ]
    assert found == [
        ("LV102", 1, 2, 28),
        ("LV101", 2, 1, 7),  # the cell's own columns, indentation included
        ("LV104", 2, 2, 9),
        ("LV001", 3, 1, 1),
        ("LV105", 5, 3, 12),
        ("LV101", 5, 4, 5),
        ("LV001", 6, 1, 7),
    ]


def test_fix_leaves_the_cells_that_do_not_parse_as_they_were(project, capsys):
    path = project / "nb.ipynb"
    nb = _two_failures_notebook()
    save(nb, path)
    code, lines = concise(capsys, "--fix", "nb.ipynb")
    assert code == 1
    assert [line.split(" ")[:3] for line in lines] == [
        ["nb.ipynb:cell", "2:2:9:", "LV104"],
        ["nb.ipynb:cell", "3:1:1:", "LV001"],
        ["nb.ipynb:cell", "6:1:7:", "LV001"],
    ]
    new = valid(path)
    assert [c.source for c in new.cells] == [
        "import torch",
        "  x = torch.ones(2)\n  print(loss.data[0])",
        nb.cells[2].source,
        nb.cells[3].source,
        "%matplotlib inline\n!ls\nz = x.cuda(non_blocking=True)\ny = torch.ones(1)",
        nb.cells[5].source,
    ]


def test_an_indented_cell_alone_is_no_syntax_error(project, capsys):
    save(
        notebook(code_cell("import torch"), code_cell("\n    a = torch.randn(3)\n    b = loss.data[0]\nc = 1")),
        project / "nb.ipynb",
    )
    found = [(d["code"], d["cell"], d["location"]["row"]) for d in diagnostics(capsys, "nb.ipynb")]
    assert found == [("LV104", 2, 3)]


def test_an_indented_cell_that_still_fails_points_into_the_cell(project, capsys):
    # IPython strips the first line's indentation; the second line's deeper one remains.
    save(notebook(code_cell("import torch"), code_cell(" a = 1\n   b = 2")), project / "nb.ipynb")
    found = [(d["code"], d["cell"], d["location"]["row"]) for d in diagnostics(capsys, "nb.ipynb")]
    assert found == [("LV001", 2, 2)]
