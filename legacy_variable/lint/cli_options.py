"""The command-line options that shape what the linter reports, shared by ``check`` and
``report``: one definition, so that the two commands given the same options count the
same diagnostics, and ``--help`` says the same of both.

Only argparse and os are imported: the CLI front builds every parser at start-up.
"""

from __future__ import annotations

import argparse
import os
import sys

EVIDENCE_HELP = (
    "observations recorded by a run: drop what it disproved, confirm the rest "
    "(repeatable; replaces the configured `evidence` list)"
)


def comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def error(message: str) -> int:
    """A usage, configuration or input error: one line on stderr, exit status 2."""
    print(f"legacy-variable: error: {message}", file=sys.stderr)
    return 2


def add_selection(parser) -> None:
    """Rules, files and fixes: ``--select`` ... ``--unsafe-fixes``."""
    parser.add_argument("--select", type=comma_list, metavar="RULES", help="rules to enable (codes, prefixes, names, ALL); replaces the configured selection")
    parser.add_argument("--extend-select", type=comma_list, action="append", default=[], metavar="RULES", help="rules to enable in addition")
    parser.add_argument("--ignore", type=comma_list, action="append", default=[], metavar="RULES", help="rules to disable")
    parser.add_argument("--per-file-ignores", action="append", default=[], metavar="GLOB:RULES", help='e.g. "tests/*:LV101,LV102"')
    parser.add_argument("--exclude", type=comma_list, metavar="PATTERNS", help="file/dir patterns to skip (replaces the defaults)")
    parser.add_argument("--extend-exclude", type=comma_list, action="append", default=[], metavar="PATTERNS", help="patterns to skip in addition")
    parser.add_argument("--extend-include", type=comma_list, action="append", default=[], metavar="PATTERNS", help='file patterns to lint in addition to *.py, *.pyi, *.ipynb')


def add_unsafe_fixes(parser, help: str = "also apply (and offer) unsafe fixes") -> None:
    parser.add_argument("--unsafe-fixes", dest="unsafe_fixes", action="store_true", default=None, help=help)
    parser.add_argument("--no-unsafe-fixes", dest="unsafe_fixes", action="store_false", help=argparse.SUPPRESS)


def add_evidence(parser) -> None:
    parser.add_argument("--evidence", action="append", metavar="FILE", help=EVIDENCE_HELP)
    parser.add_argument("--extend-evidence", action="append", default=[], metavar="FILE",
                        help="an evidence file read in addition to the configured ones (repeatable)")


def add_run(parser) -> None:
    """Cache, configuration and file discovery."""
    parser.add_argument("-n", "--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--cache-dir", metavar="DIR", help="default: .legacy_variable_cache in the project root")
    parser.add_argument("--config", action="append", default=[], metavar="PATH_OR_OPTION", help='a pyproject.toml or TOML file, or "key = value" overriding one option (repeatable)')
    parser.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false", help="lint files that .gitignore excludes")


def layer_options(args: argparse.Namespace, cwd: str) -> dict:
    """The ``config.Layer`` fields the shared options set (a ``--per-file-ignores``
    entry that does not parse raises ``config.ConfigError``)."""
    from .config import parse_per_file_ignores

    def flat(groups):
        return [item for group in groups for item in group]

    def absolute(paths):
        return [os.path.normpath(os.path.join(cwd, os.path.expanduser(p))) for p in paths]

    return dict(
        select=args.select,
        extend_select=flat(args.extend_select),
        ignore=flat(args.ignore),
        per_file_ignores=parse_per_file_ignores(args.per_file_ignores),
        exclude=args.exclude,
        extend_exclude=flat(args.extend_exclude),
        extend_include=flat(args.extend_include),
        unsafe_fixes=args.unsafe_fixes,
        cache_dir=os.path.abspath(args.cache_dir) if args.cache_dir else None,
        evidence=absolute(args.evidence) if args.evidence is not None else None,
        extend_evidence=absolute(args.extend_evidence),
    )
