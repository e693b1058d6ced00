"""``legacy-variable check``: the linter's command line, in ruff's words.

Only argparse is imported at module level: the CLI front imports this module to build
its parser, and a one-file check must start in well under 150 ms.
"""

from __future__ import annotations

import argparse
import os
import sys

HELP = "lint legacy PyTorch code (Variable era), and fix it"


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "check",
        help=HELP,
        description=(
            "Find torch.autograd.Variable-era idioms and autograd misconceptions, and fix "
            "them. Exit status: 0 clean (or all fixed), 1 diagnostics remain, 2 usage, "
            "config or internal error."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    parser.add_argument("--fix", action="store_true", default=None, help="apply safe fixes")
    parser.add_argument(
        "--unsafe-fixes",
        dest="unsafe_fixes",
        action="store_true",
        default=None,
        help="also apply (and offer) unsafe fixes",
    )
    parser.add_argument(
        "--no-unsafe-fixes", dest="unsafe_fixes", action="store_false", help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff; write nothing"
    )
    parser.add_argument("--select", type=_list, metavar="RULES", help="rules to enable (codes, prefixes, names, ALL); replaces the configured selection")
    parser.add_argument("--extend-select", type=_list, action="append", default=[], metavar="RULES", help="rules to enable in addition")
    parser.add_argument("--ignore", type=_list, action="append", default=[], metavar="RULES", help="rules to disable")
    parser.add_argument("--per-file-ignores", action="append", default=[], metavar="GLOB:RULES", help='e.g. "tests/*:LV101,LV102"')
    parser.add_argument("--exclude", type=_list, metavar="PATTERNS", help="file/dir patterns to skip (replaces the defaults)")
    parser.add_argument("--extend-exclude", type=_list, action="append", default=[], metavar="PATTERNS", help="patterns to skip in addition")
    parser.add_argument("--extend-include", type=_list, action="append", default=[], metavar="PATTERNS", help='file patterns to lint in addition to *.py, *.pyi, *.ipynb')
    parser.add_argument("--output-format", choices=("full", "concise", "json", "github", "sarif"), help="default: full")
    parser.add_argument("--statistics", action="store_true", help="count diagnostics per rule instead of listing them")
    parser.add_argument("--show-fixes", action="store_true", help="list the fixes applied by --fix")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when diagnostics remain")
    parser.add_argument("-n", "--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--cache-dir", metavar="DIR", help="default: .legacy_variable_cache in the project root")
    parser.add_argument("--config", metavar="PATH", help='a pyproject.toml or TOML file, or "key = value"')
    parser.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false", help="lint files that .gitignore excludes")
    parser.add_argument("-q", "--quiet", action="store_true", help="print diagnostics, but no summary")
    parser.add_argument("--evidence", metavar="FILE", help="observations recorded by a run: drop what it disproved, confirm the rest")
    parser.set_defaults(handler=run_check)
    return parser


def _error(message: str) -> int:
    print(f"legacy-variable: error: {message}", file=sys.stderr)
    return 2


def run_check(args: argparse.Namespace) -> int:
    from .config import ConfigError, Layer, parse_per_file_ignores, resolve

    paths = args.paths or ["."]
    cwd = os.getcwd()
    try:
        cli = Layer(
            select=args.select,
            extend_select=[s for group in args.extend_select for s in group],
            ignore=[s for group in args.ignore for s in group],
            per_file_ignores=parse_per_file_ignores(args.per_file_ignores),
            exclude=args.exclude,
            extend_exclude=[p for group in args.extend_exclude for p in group],
            extend_include=[p for group in args.extend_include for p in group],
            unsafe_fixes=args.unsafe_fixes,
            output_format=args.output_format,
            cache_dir=os.path.abspath(args.cache_dir) if args.cache_dir else None,
        )
        settings = resolve(cli, paths, args.config, cwd)
    except ConfigError as exc:
        return _error(str(exc))
    from .engine import collector_paused

    try:
        with collector_paused():
            return _check(args, settings, paths, cwd)
    except KeyboardInterrupt:
        return 130


def _check(args, settings, paths, cwd) -> int:
    from .api import check
    from .output import TEXT_FORMATS, WRITERS, write_fixes, write_statistics, write_summary

    from .config import ConfigError

    try:
        result = check(
            paths,
            settings=settings,
            fix=bool(args.fix),
            diff=bool(args.diff),
            cache=not args.no_cache,
            cwd=cwd,
            respect_gitignore=args.respect_gitignore,
            evidence=args.evidence,
        )
    except ConfigError as exc:  # an unreadable --evidence file
        return _error(str(exc))
    for error in result.errors:
        print(f"legacy-variable: error: {error}", file=sys.stderr)
    out = sys.stdout
    if args.diff:
        return _report_diff(result, out)

    output_format = settings.output_format
    if args.statistics:
        write_statistics(result, out, as_json=output_format == "json")
    else:
        WRITERS[output_format](result, out)
    if output_format in TEXT_FORMATS and not args.quiet:
        if args.show_fixes:
            write_fixes(result, out)
        write_summary(result, out)
    if result.internal_error:
        return 2
    if args.exit_zero:
        return 0
    return 1 if result.diagnostics else 0


def _report_diff(result, out) -> int:
    changed = [r for r in result.files if r.diff]
    for report in changed:
        out.write(report.diff)
    fixed = result.fixed
    if fixed:
        print(f"Would fix {fixed} error{'' if fixed == 1 else 's'}.", file=sys.stderr)
    else:
        print("No errors would be fixed.", file=sys.stderr)
    if result.internal_error:
        return 2
    return 1 if changed else 0
