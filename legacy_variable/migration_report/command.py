"""``legacy-variable report``: the command line.

Only argparse is imported at module level (the CLI front builds every parser). The
selection options are ``check``'s, with the same meaning, so that a report and a check
given the same options count the same diagnostics.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..lint import cli_options
from ..lint.cli_options import error as _error

HELP = "write a migration report (HTML, Markdown or JSON) with charts"

FORMATS = ("html", "markdown", "json")
#: -o's suffix chooses the format when --format is not given.
_BY_SUFFIX = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".json": "json"}
DEFAULT_HTML = "legacy-variable-report.html"


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of commits, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("expected at least 1 commit")
    return number


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report",
        help=HELP,
        description=(
            "One page that shows where a repository stands: legacy code per rule, per "
            "directory and file, misconceptions first, what --fix can do, runtime findings "
            "and the trend. The numbers are those of `legacy-variable check` with the same "
            "options. Exit status: 0 written, 2 usage, input or config error."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    parser.add_argument("--runtime", action="append", default=[], metavar="REPORT.json",
                        help="a `run --report` or `pytest --legacy-variable-report` file (repeatable)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help=f"where to write ('-': stdout; default: {DEFAULT_HTML} for html, stdout otherwise)")
    parser.add_argument("--format", choices=FORMATS, help="default: from -o's suffix, else html")
    parser.add_argument("--history", type=_positive, metavar="N", default=0,
                        help="legacy count of each of the last N commits (from git objects)")
    selection = parser.add_argument_group("selection (as for `legacy-variable check`)")
    cli_options.add_selection(selection)
    cli_options.add_unsafe_fixes(selection, help="count unsafe fixes as applied by --fix (as check --unsafe-fixes)")
    cli_options.add_evidence(selection)
    cli_options.add_run(selection)
    parser.set_defaults(handler=run_report)
    return parser


def output_format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.output and args.output != "-":
        return _BY_SUFFIX.get(os.path.splitext(args.output)[1].lower(), "html")
    return "html"


def run_report(args: argparse.Namespace) -> int:
    from ..lint.cli_options import layer_options
    from ..lint.config import ConfigError, Layer, resolve

    fmt = output_format(args)
    if fmt == "html":
        # Before the check: a missing optional dependency should not cost a full run.
        try:
            import jinja2  # noqa: F401
        except ImportError:
            return _error("the HTML report needs Jinja2: pip install 'legacy-variable[report]' "
                          "(or use --format markdown or json)")
    paths = args.paths or ["."]
    cwd = os.getcwd()
    try:
        layer = Layer(**layer_options(args, cwd))
        settings = resolve(layer, paths, args.config, cwd)
    except ConfigError as exc:
        return _error(str(exc))

    from ..lint.engine import collector_paused
    from .builder import build
    from .model import ReportError

    try:
        with collector_paused():
            report = build(
                paths, settings=settings, cache=not args.no_cache, cwd=cwd,
                respect_gitignore=args.respect_gitignore, runtime=args.runtime,
                history=args.history,
            )
    except (ReportError, ConfigError) as exc:  # (ConfigError: an unreadable evidence file)
        return _error(str(exc))
    except KeyboardInterrupt:
        return 130
    for error in report.errors:
        print(f"legacy-variable: error: {error}", file=sys.stderr)

    if fmt == "html":
        from .html import render
    elif fmt == "markdown":
        from .markdown import render
    else:
        from .jsonreport import render
    text = render(report)

    target = args.output or (DEFAULT_HTML if fmt == "html" else "-")
    if target == "-":
        sys.stdout.write(text)
        return 0
    try:
        # Written whole, then renamed: an interrupted run never leaves half a page behind.
        partial = target + ".partial"
        with open(partial, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(partial, target)
    except OSError as exc:
        return _error(f"cannot write {target!r}: {exc.strerror or exc}")
    print(
        f"legacy-variable report: {report.diagnostics} diagnostic{'s' * (report.diagnostics != 1)} "
        f"in {report.files_with_legacy} of {report.files_total} files; wrote {target}",
        file=sys.stderr,
    )
    return 0
