"""``legacy-variable``: the argparse front. Thin: every command lives in a core module.

check   -- the static linter (``legacy_variable.lint.command``), never imports torch
run     -- a legacy program under the shim and legacy mode (``legacy_variable.runtime.run``)
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
        for r in catalog:
            faces = ",".join(sorted(r.faces))
            print(f"{r.code}  {r.name:<28} fix={r.fix:<9} [{faces}]  {r.summary}")
    return 0


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="legacy-variable",
        description="Run, understand and migrate torch.autograd.Variable-era PyTorch code.",
    )
    parser.add_argument("--version", action="version", version=f"legacy-variable {__version__}")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
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


if __name__ == "__main__":
    sys.exit(main())
