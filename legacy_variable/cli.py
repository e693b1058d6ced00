"""``legacy-variable``: the argparse front. Thin: every command lives in a core module.

check   -- the static linter (``legacy_variable.lint.command``), never imports torch
run     -- a legacy program under the shim and legacy mode (``legacy_variable.runtime.run``)
report  -- a migration report over ``check`` (``legacy_variable.migration_report``)
server  -- the language server for editors (``legacy_variable.server``), needs pygls
explain -- one rule's long text
rules   -- the catalog (text, json or markdown)
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Sequence

from . import __version__
from . import rules as _rules

#: Subcommands implemented in other modules: name -> module with add_parser(subparsers).
_DELEGATED = {
    "check": "legacy_variable.lint.command",
    "run": "legacy_variable.runtime.run",
    # The migration report (issue 16): Jinja2 is imported only when HTML is rendered.
    "report": "legacy_variable.migration_report.command",
    "server": "legacy_variable.server.command",
}


def _explain(args: argparse.Namespace) -> int:
    try:
        rule = _rules.get(args.code)
    except KeyError:
        print(f"legacy-variable: error: unknown rule {args.code!r}", file=sys.stderr)
        return 2
    print(rule.explain(), end="")
    return 0


def rules_markdown() -> str:
    """The per-rule part of migration_guide.md, generated from the catalog."""
    from .docs import catalog_markdown

    return catalog_markdown()


def _rules_cmd(args: argparse.Namespace) -> int:
    catalog = list(_rules.RULES.values())
    if args.format == "json":
        data = [
            {
                "code": r.code,
                "name": r.name,
                "message": r.summary,
                "faces": sorted(r.faces),
                "fix": r.fix,
                "stock_outcome": r.stock_outcome,
                "url": r.url,
                "explanation": r.explain(),
            }
            for r in catalog
        ]
        print(json.dumps(data, indent=2))
    elif args.format == "markdown":
        print(rules_markdown(), end="")
    else:
        print(rules_table(catalog), end="")
    return 0


def rules_table(catalog) -> str:
    """``rules``: one aligned row per rule; each column as wide as its longest cell."""
    rows = [("CODE", "NAME", "FIX", "FACES", "SUMMARY")]
    rows += [(r.code, r.name, r.fix, ",".join(sorted(r.faces)), r.summary) for r in catalog]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4] + "\n"
        for row in rows
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="legacy-variable",
        description="Run, understand and migrate torch.autograd.Variable-era PyTorch code.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"legacy-variable {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    for name, module_name in _DELEGATED.items():
        if only is not None and only != name:
            # Importing the run command imports torch; building `check` must not.
            sub.add_parser(name, help=f"see `legacy-variable {name} --help`", add_help=False)
            continue
        module = importlib.import_module(module_name)
        module.add_parser(sub)

    explain = sub.add_parser("explain", help="print a rule's explanation")
    explain.add_argument("code", help="rule code (LV201) or name (rewrap-computed-tensor)")
    explain.set_defaults(handler=_explain)

    rules = sub.add_parser("rules", help="list the rule catalog")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    rules.set_defaults(handler=_rules_cmd)
    _suggest_flags(parser)
    return parser


def _suggest_flags(parser: argparse.ArgumentParser) -> None:
    """argparse's error for an unknown flag, plus ruff's "did you mean" for a near miss
    (`--extend-selct` -> `--extend-select`). Unknown flags of a subcommand surface here,
    at the top-level parser, so every parser's flags are candidates."""
    plain_error = parser.error

    def flags() -> list[str]:
        found = []
        parsers = [parser]
        while parsers:
            current = parsers.pop()
            for action in current._actions:
                found.extend(o for o in action.option_strings if o.startswith("--"))
                if isinstance(action, argparse._SubParsersAction):
                    parsers.extend(action.choices.values())
        return found

    def error(message: str):
        if message.startswith("unrecognized arguments:"):
            import difflib

            for word in message.split(":", 1)[1].split():
                if word.startswith("--"):
                    close = difflib.get_close_matches(word.split("=", 1)[0], flags(), n=1, cutoff=0.75)
                    if close:
                        message += f"\n  tip: did you mean `{close[0]}`?"
                        break
        plain_error(message)

    parser.error = error


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv``: its first word that is not an option."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command(argv)
    parser = build_parser(only=command if command in _DELEGATED else "")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors are exit 2, --help/--version 0
        return int(exc.code or 0)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except BrokenPipeError:  # `legacy-variable rules | head`
        sys.stderr.close()
        return 0


#: Commands that run no code but ours: after them the interpreter's teardown is skipped.
_PLAIN_EXIT = frozenset({"check"})


def entry() -> None:
    """The console script and ``python -m legacy_variable``: ``main``, then the exit.

    After ``check`` the process ends without the interpreter's teardown, as mypy's does:
    freeing every module and object a run built (its reports, the cache it loaded) is work
    the operating system does for free, and it was 7 ms of a 0.4 s check of a 100k-line
    tree (bench/lint_bench.py). No code of the user's ran, so no atexit handler of
    theirs is skipped. Output is flushed first; if that fails (a closed pipe), the
    ordinary exit reports it as it always did."""
    argv = sys.argv[1:]
    code = main(argv)
    if _command(argv) in _PLAIN_EXIT:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(code)
        import os

        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
