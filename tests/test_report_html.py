"""Structure of the HTML report: self-contained, every section, marks in every chart, the
lazy file data agreeing with the numbers, and the command's choices of format and file."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from report_helpers import cli, make_tree

from legacy_variable.migration_report import build
from legacy_variable.migration_report.html import file_data, render


class Page(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.ids: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.data: str | None = None
        self._in_data = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        self._in_data = attrs.get("id") == "lv-data"

    def handle_data(self, data):
        if self._in_data:
            self.data = (self.data or "") + data

    def handle_endtag(self, tag):
        self._in_data = False


@pytest.fixture
def tree(tmp_path, monkeypatch):
    make_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_page_is_self_contained_with_every_section_in_order(tree) -> None:
    page_text = render(build(["."]))
    page = Page(page_text)
    # nothing is fetched: no external script, style, image or font
    for tag, attrs in page.tags:
        assert tag not in ("link", "img", "iframe")
        assert "src" not in attrs, (tag, attrs)
        assert not attrs.get("href", "#").startswith(("http:", "https:", "//")), attrs
    assert "@import" not in page_text and "url(" not in page_text
    sections = [i for i in page.ids if i in ("headline", "misconceptions", "rules-chart", "files", "rules")]
    assert sections == ["headline", "misconceptions", "rules-chart", "files", "rules"]
    # every rule in the chart links to its embedded explanation
    linked = set(re.findall(r'<a href="#rule-(LV\d+)"><text', page_text))
    assert linked == {i[5:] for i in page.ids if i.startswith("rule-")}
    assert len(linked) == 10


def test_chart_marks_match_the_numbers(tree) -> None:
    report = build(["src"])
    page_text = render(report)
    fix_bar = re.search(r'<svg class="chart fix-bar".*?</svg>', page_text).group(0)
    assert re.findall(r'class="mark fix-(\w+)"', fix_bar) == ["safe", "unsafe", "hand"]
    assert "<title>safe fix (check --fix): 15 (41%)</title>" in fix_bar
    bars = re.search(r'<svg class="chart rule-bars".*?</svg>', page_text).group(0)
    titles = re.findall(r"<title>(LV\d+) [\w-]+: (\d+) ", bars)
    per_rule: dict[str, int] = {}
    for code, value in titles:
        per_rule[code] = per_rule.get(code, 0) + int(value)
    assert per_rule == {s.code: s.count for s in report.rules()}


def test_misconceptions_come_first_with_their_explanation_and_source(tree) -> None:
    page_text = render(build(["src"]))
    section = re.search(r'<section id="misconceptions">.*?</section>', page_text, re.S).group(0)
    assert [m for m in re.findall(r'<h3><a href="#rule-(LV\d+)">', section)] == ["LV201", "LV203"]
    assert "<pre>c_var = Variable(c, requires_grad=True)</pre>" in section
    assert 'href="#file=src/seed_legacy.py">src/seed_legacy.py:25</a>' in section


def test_lazy_file_data_holds_each_finding_once_and_strings_once(tree) -> None:
    report = build(["."])
    page = Page(render(report))
    data = json.loads(page.data)
    assert data == file_data(report)
    assert sum(len(f[2]) for f in data["files"]) == report.diagnostics
    assert len(data["strings"]) == len(set(data["strings"]))
    nb = next(f for f in data["files"] if f[0] == "nb.ipynb")
    lv104 = next(x for x in nb[2] if data["codes"][x[2]] == "LV104")
    assert (lv104[0], lv104[6], data["strings"][lv104[5]]) == (3, 2, "print(loss.data[0])")


def test_source_text_cannot_break_out_of_the_page(tree) -> None:
    (tree / "evil.py").write_text(
        "from torch.autograd import Variable\n"
        "x = Variable(t)  # </script><script>alert(1)</script> <!--\n"
    )
    page_text = render(build(["evil.py"]))
    assert page_text.count("</script>") == 2  # the data block's and the script's own
    assert "<script>alert" not in page_text
    data = json.loads(Page(page_text).data)
    assert "# </script><script>alert(1)</script> <!--" in data["strings"][-1]


@pytest.mark.parametrize("args, written, fmt", [
    ([], "legacy-variable-report.html", "html"),
    (["-o", "out.md"], "out.md", "markdown"),
    (["-o", "out.json"], "out.json", "json"),
    (["-o", "page.htm", "--format", "html"], "page.htm", "html"),
])
def test_format_follows_the_output_name(tree, args, written, fmt) -> None:
    done = cli("report", "-n", "src", *args, cwd=str(tree))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr == f"legacy-variable report: 37 diagnostics in 5 of 8 files; wrote {written}\n"
    start = {"html": "<!DOCTYPE html>\n", "markdown": "### Legacy PyTorch", "json": "{\n"}[fmt]
    assert (tree / written).read_text().startswith(start)


def test_unwritable_output_and_bad_config_are_clear_errors(tree) -> None:
    done = cli("report", "-n", "src", "-o", "missing/dir/r.html", cwd=str(tree))
    assert done.returncode == 2
    assert done.stderr.startswith("legacy-variable: error: cannot write 'missing/dir/r.html'")
    done = cli("report", "-n", "src", "--select", "LV999", cwd=str(tree))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "LV999" in done.stderr


def test_html_without_jinja2_says_what_to_install(tree) -> None:
    import subprocess
    import sys

    from report_helpers import REPO

    code = ("import sys; sys.modules['jinja2'] = None\n"
            "from legacy_variable.cli import main\n"
            "print(main(['report', 'src']), main(['report', 'src', '--format', 'markdown', '-o', 'r.md']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=str(tree), capture_output=True, text=True,
                          env={"PYTHONPATH": REPO, "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.stdout.splitlines()[-1] == "2 0"
    assert done.stderr.splitlines()[0] == (
        "legacy-variable: error: the HTML report needs Jinja2: pip install 'legacy-variable[report]' "
        "(or use --format markdown or json)")


def test_bad_evidence_is_one_line_and_exit_2(tree) -> None:
    (tree / "ev.json").write_text("[]")
    done = cli("report", "-n", "src", "--evidence", "ev.json", "--format", "json", cwd=str(tree))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"legacy-variable: error: {tree / 'ev.json'}: not an evidence file of version 1\n"
    done = cli("report", "-n", "src", "--evidence", "nope.json", cwd=str(tree))
    assert (done.returncode, done.stderr) == (
        2, f"legacy-variable: error: cannot read evidence file {tree / 'nope.json'}: No such file or directory\n")
    assert not (tree / "legacy-variable-report.html").exists()


def test_report_needs_neither_torch_nor_jinja2_for_markdown_and_json(tree) -> None:
    import subprocess
    import sys

    from report_helpers import REPO

    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from legacy_variable.cli import main\n"
        "rc = main(['report', '-n', 'src', '--format', 'json', '-o', 'r.json'])\n"
        "print(rc, sorted(m for m in ('torch', 'jinja2') if sys.modules.get(m)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=str(tree), capture_output=True, text=True,
                          env={"PYTHONPATH": REPO, "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.stdout.splitlines()[-1] == "0 []", done.stderr
