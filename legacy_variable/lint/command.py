"""``legacy-variable check``: the linter's command line, in ruff's words.

Only argparse is imported at module level: the CLI front imports this module to build
its parser, and a one-file check must start in well under 150 ms.
"""

from __future__ import annotations

import argparse
import os
import sys

from .cli_options import add_evidence, add_run, add_selection, add_unsafe_fixes
from .cli_options import error as _error

HELP = "lint legacy PyTorch code (Variable era), and fix it"


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
    add_unsafe_fixes(parser)
    parser.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff; write nothing"
    )
    add_selection(parser)
    parser.add_argument("--output-format", choices=("full", "concise", "json", "github", "sarif"), help="default: full")
    parser.add_argument("--statistics", action="store_true", help="count diagnostics per rule instead of listing them")
    parser.add_argument("--show-fixes", action="store_true", help="list the fixes applied by --fix")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when diagnostics remain")
    add_run(parser)
    parser.add_argument("--force-exclude", dest="force_exclude", action="store_true", default=None, help="apply the excludes to files named on the command line too (for pre-commit)")
    parser.add_argument("--no-force-exclude", dest="force_exclude", action="store_false", help=argparse.SUPPRESS)
    parser.add_argument("--stdin-filename", metavar="NAME", help="read the source from stdin and report it as NAME (also: PATH `-`)")
    parser.add_argument("-o", "--output-file", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--fix-only", action="store_true", help="apply fixes, report nothing that remains (implies --fix)")
    parser.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when files were fixed, even if nothing remains")
    parser.add_argument("--add-noqa", action="store_true", help="append `# noqa: CODE` to every line with a finding")
    parser.add_argument("--show-files", action="store_true", help="list the files that would be checked, and stop")
    parser.add_argument("--show-settings", action="store_true", help="print the resolved settings, and stop")
    parser.add_argument("-q", "--quiet", action="store_true", help="print diagnostics, but no summary")
    add_evidence(parser)
    parser.set_defaults(handler=run_check)
    return parser


def run_check(args: argparse.Namespace) -> int:
    from .cli_options import layer_options
    from .config import ConfigError, Layer, resolve

    stdin_name = args.stdin_filename
    if args.paths == ["-"] or (stdin_name is not None and not args.paths):
        stdin_name = stdin_name or "-"
    elif "-" in args.paths:
        return _error("`-` (read stdin) cannot be combined with other paths")
    elif stdin_name is not None:
        return _error("--stdin-filename reads stdin: give no PATH (or `-`)")
    if args.fix_only:
        args.fix = True
    if args.add_noqa and (args.fix or args.diff or stdin_name is not None):
        return _error("--add-noqa cannot be combined with --fix, --diff or stdin")
    paths = args.paths or ["."]
    cwd = os.getcwd()
    if stdin_name is not None:
        paths = [os.path.dirname(os.path.join(cwd, stdin_name)) or cwd]
    try:
        cli = Layer(
            **layer_options(args, cwd),
            output_format=args.output_format,
            force_exclude=args.force_exclude,
        )
        settings = resolve(cli, paths, args.config, cwd)
    except ConfigError as exc:
        return _error(str(exc))
    if args.show_settings:
        return _show_settings(settings, sys.stdout)
    from .engine import collector_paused

    try:
        with collector_paused():
            if stdin_name is not None:
                return _check_stdin(args, settings, stdin_name, cwd)
            return _check(args, settings, paths, cwd)
    except KeyboardInterrupt:
        return 130


def _named_files_kept(paths: list[str], settings, cwd: str) -> list[str]:
    """``--force-exclude``: drop the named files that the excludes cover. Directories are
    kept: their walk applies the excludes anyway."""
    if not settings.force_exclude:
        return paths
    from .files import force_excluded

    kept = []
    for given in paths:
        path = os.path.join(cwd, given)
        if os.path.isdir(path) and os.path.abspath(path) == os.path.abspath(cwd):
            kept.append(given)
        elif not force_excluded(path, settings.exclude, settings.project_root):
            kept.append(given)
    return kept


class _Output:
    """Where the report goes: ``--output-file`` or stdout; colour only for a terminal."""

    def __init__(self, args, stream=None):
        self.path = args.output_file
        self.stream = stream or sys.stdout
        self.handle = None

    def __enter__(self):
        if self.path is None:
            return self.stream
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        self.handle = open(self.path, "w", encoding="utf-8", newline="\n")
        return self.handle

    def __exit__(self, *exc_info):
        if self.handle is not None:
            self.handle.close()


def _writer_options(output_format: str, out, texts=None) -> dict:
    from .output import color_enabled

    options = {}
    if output_format in ("full", "concise"):
        # A report file is read by tools and editors: never escape codes in it.
        options["color"] = out in (sys.stdout, sys.stderr) and color_enabled(out)
    if texts is not None and output_format == "full":
        options["texts"] = texts
    return options


def _check(args, settings, paths, cwd) -> int:
    from .api import check
    from .config import ConfigError
    from .output import WRITERS, write_fixes, write_statistics, write_summary

    paths = _named_files_kept(paths, settings, cwd)
    if args.show_files:
        return _show_files(args, settings, paths, cwd)
    if not paths:  # every named file excluded: nothing to do, as in ruff
        return 0
    if args.add_noqa:
        from .add_noqa import add_noqa

        return add_noqa(paths, settings, cwd, args.respect_gitignore)

    from .progress import terminal_counter

    counter = terminal_counter(args.quiet)  # files done / total on a terminal, for long runs
    try:
        result = check(
            paths,
            settings=settings,
            fix=bool(args.fix),
            diff=bool(args.diff),
            cache=not args.no_cache,
            cwd=cwd,
            respect_gitignore=args.respect_gitignore,
            progress=counter,
        )
    except ConfigError as exc:  # an unreadable evidence file
        return _error(str(exc))
    finally:
        if counter is not None:
            counter.close()
    for error in result.errors:
        print(f"legacy-variable: error: {error}", file=sys.stderr)
    if not result.files:
        print("warning: No Python files found under the given path(s)", file=sys.stderr)
        return 2 if result.internal_error else 0
    try:
        with _Output(args) as out:
            if args.diff:
                return _report_diff(result, out)
            if args.fix_only:
                return _report_fix_only(args, result, out)
            output_format = settings.output_format
            if args.statistics:
                write_statistics(result, out, as_json=output_format == "json")
            else:
                WRITERS[output_format](result, out, **_writer_options(output_format, out))
            if output_format in ("full", "concise") and not args.quiet:
                if args.show_fixes:
                    write_fixes(result, out)
                write_summary(result, out)
    except BrokenPipeError:
        raise  # `check | head`: the CLI front ends quietly
    except OSError as exc:
        return _error(f"cannot write {args.output_file or 'the report'}: {exc.strerror or exc}")
    return _exit_code(args, result)


def _exit_code(args, result) -> int:
    if result.internal_error:
        return 2
    if args.exit_zero:
        return 0
    if args.exit_non_zero_on_fix and result.fixed:
        return 1
    if args.fix_only:
        return 0
    return 1 if result.diagnostics else 0


def _report_fix_only(args, result, out) -> int:
    fixed = result.fixed
    if not args.quiet:
        if args.show_fixes:
            from .output import write_fixes

            write_fixes(result, out)
        out.write(f"Fixed {fixed} error{'' if fixed == 1 else 's'}.\n" if fixed else "No errors fixed.\n")
    return _exit_code(args, result)


def _check_stdin(args, settings, name: str, cwd: str) -> int:
    """``check -`` / ``--stdin-filename``: lint the text on stdin as if it were ``name``.
    With ``--fix`` the (fixed) source goes to stdout, as editors expect, and the report
    to stderr; nothing is ever written to a file named ``name``."""
    from .api import check
    from .output import WRITERS, write_summary

    data = sys.stdin.buffer.read()
    fixing = bool(args.fix) and not args.diff
    if settings.force_exclude and name != "-":
        from .files import force_excluded

        if force_excluded(os.path.join(cwd, name), settings.exclude, settings.project_root):
            if fixing:
                sys.stdout.buffer.write(data)
            return 0
    if name.endswith(".ipynb"):
        text = data.decode("utf-8-sig", "replace")
    else:
        from .source import UnreadableSource, decode

        try:
            text = decode(data, name).text
        except UnreadableSource as exc:  # a clear error, and the input echoed back untouched
            if fixing:
                sys.stdout.buffer.write(data)
            return _error(f"cannot decode stdin as {name}: {exc}")
    result = check(source=text, filename=name, settings=settings, fix=bool(args.fix), diff=bool(args.diff), cwd=cwd)
    report = result.files[0]
    if report.error:
        print(f"legacy-variable: error: {report.error}", file=sys.stderr)
    if args.diff:
        sys.stdout.write(report.diff or "")
        return 1 if report.diff else (2 if result.internal_error else 0)
    if fixing:
        sys.stdout.buffer.write(report.fixed_data if report.fixed_data is not None else data)
        sys.stdout.flush()
    from .source import LINE_BREAK

    texts = {name: LINE_BREAK.split(text)} if not name.endswith(".ipynb") else None
    stream = sys.stderr if fixing else sys.stdout
    try:
        with _Output(args, stream) as out:
            if not args.fix_only:
                output_format = settings.output_format
                WRITERS[output_format](result, out, **_writer_options(output_format, out, texts))
                if output_format in ("full", "concise") and not args.quiet:
                    write_summary(result, out)
    except BrokenPipeError:
        raise
    except OSError as exc:
        return _error(f"cannot write {args.output_file or 'the report'}: {exc.strerror or exc}")
    return _exit_code(args, result)


def _show_files(args, settings, paths, cwd) -> int:
    from .files import discover

    found = discover(paths, settings.exclude, settings.project_root, cwd, args.respect_gitignore, settings.include)
    for problem in found.problems:
        print(f"legacy-variable: error: {problem.path}: {problem.arg('detail')}", file=sys.stderr)
    for path in sorted(path for path, _ in found.files):
        print(path)
    return 2 if found.problems else 0


def _show_settings(settings, out) -> int:
    from dataclasses import fields

    for item in fields(settings):
        value = getattr(settings, item.name)
        if isinstance(value, frozenset):
            value = sorted(map(str, value))
        elif item.name == "per_file_ignores":
            value = {pattern: sorted(map(str, codes)) for pattern, codes in value}
        elif isinstance(value, tuple):
            value = list(value)
        out.write(f"{item.name.replace('_', '-')} = {value!r}\n")
    return 0


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
