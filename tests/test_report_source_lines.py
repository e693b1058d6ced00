"""The report's source lines (migration_report/sources.py) are the rows the linter counts."""

from __future__ import annotations

import json

from legacy_variable.migration_report.sources import SourceLines


def test_a_notebook_cell_is_split_where_python_breaks_lines_not_at_form_feeds(tmp_path):
    cell = ["import torch\n", "# page\x0cbreak\n", "x = Variable(torch.ones(2))\n"]
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": ["# title\n"]},
        {"cell_type": "code", "source": cell},
    ]}))
    lines = SourceLines(str(path))
    assert lines.line(3, cell=2) == "x = Variable(torch.ones(2))"
    assert lines.count() == 3


def test_a_python_files_rows_keep_their_form_feeds(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("a = 1  # \x0c page\nb = 2\n")
    lines = SourceLines(str(path))
    assert (lines.line(1), lines.line(2), lines.count()) == ("a = 1  # \x0c page", "b = 2", 2)
