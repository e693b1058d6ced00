"""The linter's fast paths (issue 14) give exactly the answers of the plain ones they
replace: the star-import test without a leading ``\\b``, the field-table walk, the facts
view shared by files without facts of their own, the stat the facts pass shares with the
result cache, and the garbage collector left as the caller had it."""

from __future__ import annotations

import ast
import gc
import re
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from legacy_variable.lint import check
from legacy_variable.lint.async_fix import _CANDIDATE, _after_bracket_or_comma
from legacy_variable.lint.astwalk import walk
from legacy_variable.lint.project import _star_import, collect

ROOT = Path(__file__).resolve().parent.parent
REALWORLD = ROOT / "tests" / "fixtures" / "realworld"

# Pieces that make the boundary cases: word characters of every kind before "import"
# (ASCII, "_", a letter and a digit outside ASCII), the separators, the star.
PIECES = ["import", "async", " ", "\t", "\n", "*", "=", "==", "(", ",", "x", "_", "é", "²", ".", "#"]
texts = st.lists(st.sampled_from(PIECES), max_size=10).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["import", " ", "\t", "*", "x", "_", "é", "²", "\n", "."]),
                max_size=8).map("".join))
@example("from m import *")
@example("ximport *")
@example("éimport*")
@example("²import *")
@example(".import\t*")
def test_star_import_test_matches_the_word_boundary_regex(text):
    assert _star_import(text) == (re.search(r"\bimport[ \t]*\*", text) is not None)


@settings(max_examples=300, deadline=None)
@given(texts)
@example("f(xasync=1, async=2)")
def test_async_candidates_match_the_word_boundary_regex(text):
    # The bracket-or-comma check that follows each candidate implies the boundary.
    with_boundary = re.compile(r"\basync(?=[ \t]*=(?!=))")
    fast = [m.start() for m in _CANDIDATE.finditer(text) if _after_bracket_or_comma(text, m.start())]
    plain = [m.start() for m in with_boundary.finditer(text) if _after_bracket_or_comma(text, m.start())]
    assert fast == plain


def test_async_keyword_after_a_word_character_is_not_a_candidate():
    result = check(source="import torch\nx = torch.ones(2)\ny = x.cuda(xasync=True)\nz = x.cuda(async=True)\n",
                   filename="a.py", select=["LV105"])
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("LV105", 4, 12)]


def test_walk_yields_the_nodes_of_ast_walk_in_its_order():
    inert = (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)
    paths = sorted(REALWORLD.glob("*.py"))
    assert paths
    for path in paths:
        tree = ast.parse(path.read_text())
        assert walk(tree) == [n for n in ast.walk(tree) if not isinstance(n, inert)], path.name


def _project(tmp_path: Path) -> list[tuple[str, str]]:
    files = {
        "common.py": "import torch\nfrom torch.autograd import Variable\n",
        "model.py": "from common import *\nx = Variable(torch.ones(2))\n",
        "plain_a.py": "import torch\na = torch.ones(2)\n",
        "plain_b.py": "def f():\n    return 1\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return [(str(tmp_path / name), name) for name in files]


def test_files_without_facts_of_their_own_share_one_view(tmp_path):
    facts = collect(_project(tmp_path))
    assert facts.view("plain_a.py") is facts.view("plain_b.py")
    assert facts.view("plain_a.py").known and facts.view("plain_a.py").fingerprint() == ""
    # The star import: its importer and the module it uses have views of their own.
    assert dict(facts.view("model.py").star_bindings)["Variable"] == "torch.autograd.Variable"
    assert "Variable" in facts.view("common.py").star_needed
    assert facts.view("model.py") is not facts.view("plain_a.py")
    # A file the project does not hold has no project-wide facts at all.
    assert facts.view("elsewhere.py").default_setters == ()


def test_the_facts_pass_hands_its_stat_of_every_file_to_the_result_cache(tmp_path, monkeypatch):
    files = _project(tmp_path)
    facts = collect(files)
    assert set(facts.stats) == {rel for _, rel in files}
    assert all(key is not None and key[0] > 0 for key in facts.stats.values())
    # A warm run stats each file once: the facts pass's stat serves the cache too.
    cache = tmp_path / "cache"
    check([str(tmp_path)], cache=str(cache), cwd=str(tmp_path))
    import legacy_variable.lint.cache as cache_module

    calls = []
    original = cache_module.stat_key
    monkeypatch.setattr(cache_module, "stat_key", lambda path: calls.append(path) or original(path))
    again = check([str(tmp_path)], cache=str(cache), cwd=str(tmp_path))
    assert sorted(calls) == sorted(path for path, _ in files)
    assert [d.code for d in again.diagnostics] == [d.code for d in check([str(tmp_path)], cwd=str(tmp_path)).diagnostics]


def test_a_check_leaves_the_collector_enabled_and_the_callers_frozen_objects_frozen(tmp_path):
    _project(tmp_path)
    assert gc.isenabled()
    check([str(tmp_path)], cwd=str(tmp_path))
    assert gc.isenabled()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        check([str(tmp_path)], cwd=str(tmp_path))
        assert gc.isenabled()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def _decoded_as_tokenize_would(data: bytes):
    """The plain path: tokenize's encoding detection, then a decode (lint/source.py's
    messages for what fails)."""
    import io
    import tokenize

    from legacy_variable.lint.source import UnreadableSource

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            return UnreadableSource(f"cannot decode as utf-8: {error.reason}")
        return "refused"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        return UnreadableSource(f"cannot decode as {encoding}: {error.reason}")


ENCODING_PIECES = [b"x = 1", b"\n", b"\r", b"\r\n", b"# -*- coding: latin-1 -*-", b"# coding=utf-8",
                   b"# coding: cp1252", b"#!/usr/bin/env python", b"\xe9", b"\xc3\xa9", b"coding", b" ",
                   b"\xff\xfe", b"'s'"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ENCODING_PIECES), max_size=8).map(b"".join))
@example(b"# coding: latin-1\nx = '\xe9'\n")
@example(b"\n# coding: latin-1\nx = '\xe9'\n")
@example(b"x = 1\ny = 2\n# coding: latin-1\nz = '\xe9'\n")
@example(b"x = '\xe9'\n")
@example(b"x = 1\ny = 2\nz = '\xe9'\n")
@example(b"x = 1\r# coding: latin-1\rz = '\xe9'\r")
def test_files_that_declare_no_encoding_decode_as_tokenize_says(data):
    """``decode`` skips tokenize's detection where the first two lines cannot hold a
    declaration: the text, the encoding and the message for bytes that do not decode
    are the same either way."""
    from legacy_variable.lint.source import UnreadableSource, decode

    expected = _decoded_as_tokenize_would(data)
    try:
        got = decode(data, "a.py")
    except UnreadableSource as error:
        if isinstance(expected, UnreadableSource):
            assert str(error) == str(expected)
        else:
            assert expected == "refused" or data.startswith(b"\xef\xbb\xbf"), (error, expected)
        return
    assert not isinstance(expected, UnreadableSource) and expected != "refused"
    assert (got.text, got.encoding) == expected
