"""Property-based tests of the linter (issue 7, item 1).

Hypothesis builds Python modules out of legacy snippets — every catalog rule's example,
variants of each idiom under the aliases 2017 code used, nested in functions, classes,
lambdas and comprehensions, with comments and odd formatting, CRLF or tabs, unicode
identifiers, ``async=`` calls and Python 2 lines — and every module must satisfy:

* no exception escapes the engine;
* every reported position (and every fix edit) lies inside the file;
* the ``--fix --unsafe-fixes`` result parses whenever the input parsed (or did not parse
  only because of ``async=``);
* fixing is idempotent: a second pass changes nothing;
* after the fix no diagnostic with an applicable fix remains;
* every line no applied edit touched is byte-identical in the result, at the line the
  edits before it shift it to.

The engine runs in-process (``analyze`` / ``fix_to_fixed_point``); a few CLI round trips
cover the bytes on disk (CRLF, BOM, latin-1). Profiles: tests/conftest.py (``ci`` default,
``HYPOTHESIS_PROFILE=dev`` to hunt).
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from contextlib import contextmanager

import pytest
from hypothesis import given, settings, strategies as st

from legacy_variable.cli import main
from legacy_variable.diagnostics import SAFE, UNSAFE
from legacy_variable.lint import fixer
from legacy_variable.lint.engine import analyze
from legacy_variable.lint.source import LINE_BREAK, line_starts
from legacy_variable.rules import RULES

ALL_CODES = frozenset(code for code, rule in RULES.items() if rule.static)

# Generated modules are cheap to lint (milliseconds each), so the ci profile's budget is
# raised here to reach the rarer combinations (async= and Python 2 lines in nested code);
# a larger profile (dev) keeps its own, larger count.
EXAMPLES = max(settings().max_examples, 800)


# ----------------------------------------------------------------------- the generator

#: Placeholders: {V} Variable, {ag} torch.autograd, {th} torch, {F} functional, {nn}
#: torch.nn, {x} a tensor name, {t} another one. An alias set binds all of them.
ALIAS_SETS = [
    # (import lines, substitutions)
    (
        ["import torch", "import torch.nn as nn", "import torch.nn.functional as F",
         "from torch.autograd import Variable"],
        {"V": "Variable", "ag": "torch.autograd", "th": "torch", "F": "F", "nn": "nn"},
    ),
    (
        ["import torch as th", "from torch import nn", "from torch.nn import functional as F",
         "from torch.autograd import Variable as V"],
        {"V": "V", "ag": "th.autograd", "th": "th", "F": "F", "nn": "nn"},
    ),
    (
        ["import torch", "import torch.autograd as ag", "import torch.nn as nn",
         "import torch.nn.functional as fn"],
        {"V": "ag.Variable", "ag": "ag", "th": "torch", "F": "fn", "nn": "nn"},
    ),
    (
        ["import torch as th", "import torch.nn", "from torch import autograd",
         "from torch.autograd import Variable as Переменная"],
        {"V": "Переменная", "ag": "autograd", "th": "th", "F": "th.nn.functional", "nn": "th.nn"},
    ),
    (
        ["import torch", "from torch.autograd import *"],
        {"V": "Variable", "ag": "torch.autograd", "th": "torch", "F": "torch.nn.functional",
         "nn": "torch.nn"},
    ),
]

#: Expressions with a legacy idiom (or a near miss that must stay quiet), usable anywhere
#: an expression is: assignment values, lambda bodies, comprehension elements.
EXPRESSIONS = [
    "{V}({th}.randn(3))",
    "{V}({x})",
    "{V}({x}, requires_grad=True)",
    "{V}({th}.randn(2, 3), volatile=True)",
    "{V}({x}, volatile=True, requires_grad=True)",
    "{V}({x}.data, requires_grad=False)",
    "{ag}.Variable({th}.zeros(2))",
    "{x}.data[0]",
    "loss.data[0]",
    "{x}.sum().data[0]",
    "{x}[0]",
    "{x}.data[0][0]",
    "{F}.mse_loss({x}, {t}).data[0]",
    "{th}.FloatTensor([1, 2])",
    "{th}.LongTensor(3)",
    "{th}.cuda.FloatTensor(2, 2)",
    "{x}.type({th}.FloatTensor)",
    "{x}.type({th}.cuda.LongTensor)",
    "isinstance({x}, {V})",
    "type({x}) == {V}",
    "{F}.softmax({x})",
    "{F}.log_softmax({x}, dim=1)",
    "{nn}.Softmax()",
    "{F}.sigmoid({x})",
    "{F}.tanh({x})",
    "{F}.upsample({x}, scale_factor=2)",
    "{nn}.init.xavier_uniform({x})",
    "{nn}.init.normal({x}, 0, 1)",
    "{nn}.utils.clip_grad_norm(params, 1.0)",
    "{th}.range(0, 5)",
    "{th}.range(0, n)",
    "{nn}.CrossEntropyLoss(size_average=False)",
    "{F}.nll_loss({x}, {t}, size_average=True, reduce=False)",
    "{x}.cuda()",
    "{x}.to('cpu')",
    "{x}.dot({x})",
    "{th}.randn(3, 4).dot({th}.randn(3, 4))",
    "{th}.load('model.pth')",
    "{x}.volatile",
    "{x}.numpy()",
    "{x}.detach().numpy()",
    "{th}.zeros(3, dtype={th}.long, requires_grad=True)",
    "{th}.ones(3, requires_grad=True)",
    "{x}.cuda(**{{'async': True}})",
    "{th}.utils.data.TensorDataset(data_tensor={x}, target_tensor={t})",
    "'Variable(x) in a string, loss.data[0]'",
    "'form\x0cfeed\u2028and line separator, Variable(x)'",
]

#: Statements (one or more lines at one indentation level).
STATEMENTS = [
    "{x}.grad.data.zero_()",
    "{x}.require_grad = True",
    "print({x}.sum())",
    "print({x}.mean(), loss.data[0])",
    "{x}.backward(retain_variables=True)",
    "{x}.backward()",
    "{x}.data.clamp_(max=2.0)",
    "{x}.data[0] = 1",
    "{x}.data = {x}.data * 2",
    "del {x}",
    "pass",
    "a = {th}.ones(3, requires_grad=True)\nb = a * 2\nc = {V}(b, requires_grad=True)\n"
    "c.backward({th}.ones_like(c))\nprint(a.grad)",
    "w = {th}.ones(3, requires_grad=True)\nh = {V}(w * 2)",
    "class Op({ag}.Function):\n    def forward(self, i):\n        self.save_for_backward(i)\n"
    "        return i.clamp(min=0)\n    def backward(self, g):\n        i, = self.saved_tensors\n"
    "        return g * (i > 0).float()",
    "out = Op()({x})",
    # Formatting: a multi-line call with comments and a trailing comma.
    "{x} = {V}(  # legacy\n    {th}.randn(3),  # data\n    requires_grad=True,\n)",
    "{x} = {V}(\n    {th}.randn(2, 3),\n    volatile=True)",
    "total = (loss\n         .data[0])",
    "{x} = \\\n    {V}({t})",
    "k = 1; {x} = {V}({t}); k += 1",
    "if True: {x} = {V}({t})",
    "for i in range(2): total = total + loss.data[0]",
    "with ctx: {x} = {F}.softmax({x})",
    "try:\n    {x} = {V}({t})\nexcept Exception:\n    pass",
    "{x} = {V}({t})  # noqa: LV101",
    "{x} = {V}({t})  # noqa",
    "{x} = {V}({t})  # noqa: E501, LV999",
]

#: Lines a 2017 file may contain that do not parse on Python 3 at all.
PYTHON2_LINES = ["print 'loss', loss", "print x", "exec 'y = 1'", "raise ValueError, 'no'"]

#: ``async=`` calls: a SyntaxError since 3.7, made to parse by the fix.
ASYNC_LINES = [
    "{x} = {x}.cuda(async=True)",
    "{x}, {t} = {x}.cuda(async=True), {t}.cuda(async = True)",
    "{x} = {x}.to('cuda',\n    async=True)",
    "{x} = {V}({x}.cuda(async=True))",
]

NAMES = ["x", "inp", "变量", "größe", "πλ", "données", "_t0", "Ω"]
#: The last one holds what ``str.splitlines`` breaks at and Python does not (a form feed,
#: U+2028): rows must be counted as the tokenizer counts them.
COMMENTS = ["", "  # a comment", "  # Variable(x).data[0] in a comment", "  # ü €",
            "  # page\x0cbreak\u2028end"]


@st.composite
def fragments(draw, subs: dict[str, str], level: int = 0) -> str:
    """One piece of module body, unindented, possibly nested."""
    kind = draw(st.sampled_from(
        ["expr", "expr", "stmt", "stmt", "lambda", "comprehension", "def", "class", "example"]
        if level < 2 else ["expr", "stmt"]
    ))
    x, t = draw(st.sampled_from(NAMES)), draw(st.sampled_from(NAMES))
    fill = {**subs, "x": x, "t": t}
    comment = draw(st.sampled_from(COMMENTS))
    if kind == "expr":
        expression = draw(st.sampled_from(EXPRESSIONS)).format(**fill)
        shape = draw(st.sampled_from(["plain", "paren", "backslash", "continued", "semicolon", "bare"]))
        target = draw(st.sampled_from(NAMES))
        if shape == "paren":
            return f"{target} = (\n    {expression}\n){comment}"
        if shape == "backslash":
            return f"{target} = \\\n    {expression}{comment}"
        if shape == "continued":  # the finding on the first of the rows a backslash joins
            return f"{target} = [{expression}] + \\\n    []{comment}"
        if shape == "semicolon":
            return f"n = 0; {target} = {expression}; n += 1{comment}"
        if shape == "bare":
            return f"{expression}{comment}"
        return f"{target} = {expression}{comment}"
    if kind == "stmt":
        return draw(st.sampled_from(STATEMENTS)).format(**fill)
    if kind == "lambda":
        expression = draw(st.sampled_from(EXPRESSIONS)).format(**{**fill, "x": "q"})
        return f"f_{x} = lambda q, {t}=None: {expression}{comment}"
    if kind == "comprehension":
        expression = draw(st.sampled_from(EXPRESSIONS)).format(**{**fill, "x": "q"})
        form = draw(st.sampled_from(["[{e} for q in qs]", "{{q: {e} for q in qs}}",
                                     "list({e} for q in qs if q)", "[[{e} for q in r] for r in rs]"]))
        return f"ys = {form.format(e=expression)}{comment}"
    if kind == "example":
        rule = draw(st.sampled_from(EXAMPLE_RULES))
        return rule.example.rstrip("\n")
    body = draw(st.lists(fragments(subs, level + 1), min_size=1, max_size=3))
    inner = "\n".join(body)
    if kind == "def":
        header = draw(st.sampled_from(["def f_{x}({t}, loss=None):", "async def g_{x}({t}):",
                                       "def h_{x}(self, *a, **k):"])).format(x=x, t=t)
        return header + "\n" + textwrap.indent(inner, "    ", lambda line: True)
    return f"class C_{x}(object):\n    scale = 2\n    def forward(self, {t}):\n" + textwrap.indent(
        inner, "        ", lambda line: True)


#: Rules whose catalog example is a module of its own (LV001/LV002's are prose).
EXAMPLE_RULES = [r for r in RULES.values() if r.static and r.code not in ("LV001", "LV002")]


def _retab(text: str) -> str:
    """Indentation in tabs: one tab per four leading spaces, as tab-indented files do."""
    out = []
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        depth = (len(line) - len(stripped)) // 4
        out.append("\t" * depth + " " * ((len(line) - len(stripped)) % 4) + stripped)
    return "\n".join(out)


@st.composite
def modules(draw) -> str:
    imports, subs = draw(st.sampled_from(ALIAS_SETS))
    header = draw(st.permutations(imports))
    lines = list(header[: draw(st.integers(1, len(header)))])
    if draw(st.booleans()):
        lines.insert(0, "# -*- coding: utf-8 -*-")
    preamble = len(lines)
    body = draw(st.lists(fragments(subs), min_size=1, max_size=6))
    lines.extend(body)
    if draw(st.integers(0, 4)) == 0:
        fill = {**subs, "x": draw(st.sampled_from(NAMES)), "t": draw(st.sampled_from(NAMES))}
        position = draw(st.integers(0, len(lines)))
        lines.insert(position, draw(st.sampled_from(ASYNC_LINES)).format(**fill))
    if draw(st.integers(0, 6)) == 0:
        position = draw(st.integers(preamble, len(lines)))
        lines.insert(position, draw(st.sampled_from(PYTHON2_LINES)))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text += "\n"
    if draw(st.integers(0, 3)) == 0:
        text = _retab(text)
    if draw(st.integers(0, 2)) == 0:
        text = text.replace("\n", "\r\n")
    return text


# ------------------------------------------------------------------------ the checks

def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _lines(text: str) -> list[str]:
    """Physical lines with their own line breaks (the last one may have none)."""
    starts = line_starts(text)
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]


def _inside(text: str, row: int, column: int) -> bool:
    lines = _lines(text)
    if not 1 <= row <= len(lines):
        return False
    content = LINE_BREAK.sub("", lines[row - 1])
    return 1 <= column <= len(content) + 1


def assert_positions_inside(text: str, diagnostics) -> None:
    for d in diagnostics:
        assert _inside(text, d.line, d.column), d
        if d.end_line is not None:
            assert d.end_column is not None and _inside(text, d.end_line, d.end_column), d
            assert (d.end_line, d.end_column) >= (d.line, d.column), d
        if d.fix is not None:
            for e in d.fix.edits:
                assert _inside(text, e.row, e.column) and _inside(text, e.end_row, e.end_column), (d, e)
                assert (e.end_row, e.end_column) >= (e.row, e.column), (d, e)


def unsafe(d) -> bool:
    """Applicable under ``--fix --unsafe-fixes``."""
    return d.fix is not None and bool(d.fix.edits) and d.fix.applicability in (SAFE, UNSAFE)


@contextmanager
def recorded_edits():
    """Every ``apply_edits`` the fixer makes: {output text: (input text, edits)}."""
    calls: dict[str, tuple[str, list]] = {}
    original = fixer.apply_edits

    def recording(text, edits):
        edits = list(edits)
        result = original(text, edits)
        calls.setdefault(result, (text, edits))
        return result

    fixer.apply_edits = recording
    try:
        yield calls
    finally:
        fixer.apply_edits = original


def assert_untouched_lines_identical(before: str, after: str, edits) -> None:
    """Each line of ``before`` that no edit touches (its text and its line break lie
    outside every edit's range) is in ``after`` byte for byte, at its row shifted by the
    rows the edits above it added or removed."""
    old = _lines(before)
    new = _lines(after)
    touched: set[int] = set()
    shifts: list[tuple[int, int]] = []  # (first row below the edit, rows added)
    for e in edits:
        # An edit ending at column 1 of a row does not touch that row's text.
        last = e.end_row if e.end_column > 1 else e.end_row - 1
        touched.update(range(e.row, max(last, e.row) + 1))
        added = len(LINE_BREAK.findall(e.content)) - (e.end_row - e.row)
        shifts.append((e.end_row, added))
    for row in range(1, len(old) + 1):
        if row in touched:
            continue
        shift = sum(added for below, added in shifts if below <= row)
        assert new[row - 1 + shift] == old[row - 1], (row, old[row - 1], new[row - 1 + shift])


def fix(text: str):
    return fixer.fix_to_fixed_point(text, lambda s: analyze(s, "m.py", ALL_CODES), unsafe)


@settings(max_examples=EXAMPLES)
@given(modules())
def test_generated_modules_lint_and_fix_soundly(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        analysis = analyze(text, "m.py", ALL_CODES)
        assert_positions_inside(text, analysis.diagnostics)

        with recorded_edits() as calls:
            outcome = fix(text)
        # Walk the chain of applied rounds back from the result to the input.
        steps, current = [], outcome.text
        while current != text:
            previous, edits = calls[current]
            steps.append((previous, current, edits))
            current = previous
        assert len(steps) <= fixer.MAX_ROUNDS
        for previous, current, edits in steps:
            assert_untouched_lines_identical(previous, current, edits)

        fixable_input = _parses(text) or _parses(text.replace("async=", "non_blocking=").replace(
            "async = True", "non_blocking = True"))
        if fixable_input:
            assert _parses(outcome.text), outcome.text
        assert_positions_inside(outcome.text, outcome.diagnostics)
        # Nothing fixable is left, with one exception: an `async=` rename in a file that
        # something else (a Python 2 line) keeps from parsing. The fixer writes only text
        # that parses, so that file stays exactly as it was.
        left = [d for d in outcome.diagnostics if unsafe(d)]
        if left:
            assert {d.code for d in left} == {"LV105"}, left
            assert not _parses(outcome.text) and outcome.text == text
        again = fix(outcome.text)
        assert again.text == outcome.text
        if not left:
            assert again.fixed == {}


@settings(max_examples=max(10, EXAMPLES // 3))
@given(st.sampled_from(EXAMPLE_RULES), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_catalog_examples_fix_to_clean_parsable_code(rule, newline, nested):
    example = rule.example
    if nested:
        example = "def run():\n" + textwrap.indent(example, "    ")
    text = example.replace("\n", newline)
    outcome = fix(text)
    assert _parses(outcome.text)
    assert not [d for d in outcome.diagnostics if unsafe(d)]
    assert fix(outcome.text).text == outcome.text


# ---------------------------------------------------------------- CLI-level round trips

ENCODED_FILES = {
    "crlf.py": (
        "import torch\r\nfrom torch.autograd import Variable\r\n"
        "x = Variable(torch.randn(3))  # ü\r\ny = x.cuda(async=True)\r\nz = 1\r\n"
    ).encode("utf-8"),
    "bom.py": b"\xef\xbb\xbf" + (
        "import torch\nfrom torch.autograd import Variable as V\n"
        "v = V(torch.randn(3))\t# tab before\nprint('é')\n"
    ).encode("utf-8"),
    "latin1.py": (
        "# -*- coding: latin-1 -*-\nimport torch\nnom = 'café'\n"
        "t = torch.nn.functional.sigmoid(torch.randn(2))\nfin = 'ç'\n"
    ).encode("latin-1"),
    "mixed.py": (
        "import torch\r\nimport torch.nn as nn\nlayer = nn.Linear(2, 2)\r"
        "nn.init.xavier_uniform(layer.weight)\r\n# end\n"
    ).encode("utf-8"),
}


def _byte_lines(data: bytes) -> list[bytes]:
    return re.findall(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", data)


@pytest.mark.parametrize("name", sorted(ENCODED_FILES))
def test_cli_fix_keeps_encoding_line_endings_and_untouched_bytes(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    original = ENCODED_FILES[name]
    (tmp_path / name).write_bytes(original)
    code = main(["check", "--no-cache", "--fix", "--unsafe-fixes", name])
    capsys.readouterr()
    assert code in (0, 1)
    fixed = (tmp_path / name).read_bytes()
    assert fixed != original
    assert fixed.startswith(b"\xef\xbb\xbf") == original.startswith(b"\xef\xbb\xbf")
    text = fixed.decode("latin-1" if name == "latin1.py" else "utf-8-sig")
    assert _parses(text)
    # The rows these files' fixes touch hold a legacy name; every other line keeps its
    # bytes and its own line break, in order.
    legacy = re.compile(rb"Variable|\bV\(|async|sigmoid|xavier")
    kept = [line for line in _byte_lines(original) if not legacy.search(line)]
    remaining = iter(_byte_lines(fixed))
    for line in kept:
        assert line in remaining, line
    # A second run finds nothing more to fix and writes nothing.
    main(["check", "--no-cache", "--fix", "--unsafe-fixes", name])
    capsys.readouterr()
    assert (tmp_path / name).read_bytes() == fixed


# ------------------------------------------------------------ choosing fixes for a round

_points = st.tuples(st.integers(1, 4), st.integers(1, 6))


@st.composite
def _fix_diagnostics(draw):
    from legacy_variable.diagnostics import Diagnostic, Edit, Fix

    found = []
    for n in range(draw(st.integers(0, 12))):
        edits = []
        for _ in range(draw(st.integers(1, 3))):
            a, b = sorted([draw(_points), draw(_points)])
            edits.append(Edit(f"e{n}", a[0], a[1], b[0], b[1]))
        found.append(Diagnostic("LV101", f"m{n}", "m.py", 1, 1, fix=Fix(tuple(edits), SAFE, "f")))
    return found


def _chosen_by_scan(diagnostics):
    """The plain definition: in order, a fix goes in unless one of its spans overlaps
    a span already chosen."""
    chosen, taken = [], []
    for d in sorted(diagnostics, key=lambda d: (fixer._span(d), d.code)):
        spans = [((e.row, e.column), (e.end_row, e.end_column)) for e in d.fix.edits]
        if any(fixer._overlaps(s, t) for s in spans for t in taken):
            continue
        chosen.append(d)
        taken.extend(spans)
    return chosen


@settings(max_examples=300, deadline=None)
@given(_fix_diagnostics())
def test_fixes_chosen_by_bisection_are_those_of_the_plain_scan(diagnostics):
    assert fixer.non_overlapping(diagnostics) == _chosen_by_scan(diagnostics)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "é", " ", "\n", "\r", "\r\n", "\x0c", "\u2028"]), max_size=30).map("".join))
def test_line_starts_are_where_the_tokenizers_line_breaks_end(text):
    # ``line_starts`` splits on "\n" alone when the text holds no "\r"; either way a line
    # starts after each "\r\n", "\r" or "\n", and nowhere else (not after "\u2028").
    assert line_starts(text) == [0, *(m.end() for m in LINE_BREAK.finditer(text))]


@settings(max_examples=max(10, EXAMPLES // 4), deadline=None)
@given(modules())
def test_add_noqa_changes_only_comments_and_silences_every_finding(text):
    # ``--add-noqa`` on whatever a 2017 file holds (continuations, strings over several
    # rows, form feeds, CRLF): the program is the same (the same tree), and nothing it
    # meant to silence is reported any more.
    from legacy_variable.lint.add_noqa import add_to_text
    from legacy_variable.lint.noqa import UNSUPPRESSIBLE

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = analyze(text, "m.py", ALL_CODES).diagnostics
        rows: dict[int, set[str]] = {}
        for d in found:
            if d.code not in UNSUPPRESSIBLE:
                rows.setdefault(d.line, set()).add(d.code)
        new_text, _, skipped = add_to_text(text, rows)
        if _parses(text):
            assert ast.dump(ast.parse(new_text)) == ast.dump(ast.parse(text)), new_text
        else:
            assert not _parses(new_text)
        left = [d for d in analyze(new_text, "m.py", ALL_CODES).diagnostics if d.code not in UNSUPPRESSIBLE]
        assert skipped or not left, (new_text, left)
