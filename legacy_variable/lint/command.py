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
    from .engine import FileReport, Options, run_jobs
    from .files import discover
    from .output import TEXT_FORMATS, WRITERS, RunResult, write_fixes, write_statistics, write_summary

    diff = bool(args.diff)
    options = Options(
        settings=settings,
        fix=bool(args.fix) or diff,
        diff=diff,
        unsafe_fixes=settings.unsafe_fixes,
    )
    found = discover(paths, settings.exclude, settings.project_root, cwd, args.respect_gitignore, settings.include)

    from .files import relative_to

    def relative(path: str) -> str:
        rel = relative_to(path, settings.project_root)
        return path if rel.startswith("..") else rel.replace(os.sep, "/")

    reports: list[FileReport] = []
    for problem in found.problems:
        rel = relative(os.path.join(cwd, problem.path))
        if "LV002" in settings.codes_for(rel):  # as for a file that cannot be read
            report = FileReport(problem.path, rel)
            report.diagnostics.append(problem)
            reports.append(report)

    cache = None
    if not args.no_cache:
        from .cache import Cache, digest

        cache = Cache(settings.cache_dir, settings.fingerprint())
    jobs: list[tuple] = []
    for path, display in found.files:
        rel = relative(path)
        data = None
        if cache is not None:
            hit = cache.unchanged(rel, path, display)  # by stat: no read, no hash
            if hit is None and cache.knows(rel):
                # Touched, or too fresh to trust its stat: the content decides. (A file the
                # cache does not know is read by the worker alone.)
                try:
                    with open(path, "rb") as handle:
                        data = handle.read()
                except OSError:
                    data = None  # the worker reports it
                if data is not None:
                    hit = cache.get(rel, digest(data), display)
            if hit is not None and not (options.fix and any(options.applicable(d) for d in hit)):
                reports.append(FileReport(display, rel, hit))
                continue
        jobs.append((path, display, rel, data))

    reports.extend(run_jobs(jobs, options))
    reports.sort(key=lambda r: r.path)

    internal_error = False
    for report in reports:
        if report.error:
            print(f"legacy-variable: error: {report.error}", file=sys.stderr)
            internal_error = internal_error or report.internal_error
        if cache is not None and report.cache_digest is not None:
            packed = getattr(report, "packed", None)  # as a worker sent it
            cache.put(report.relative_path, report.cache_digest, report.diagnostics, bool(report.fixed), packed)
    if cache is not None:
        cache.save()

    result = RunResult(reports, options.applicable, options.fix, options.unsafe_fixes)
    out = sys.stdout
    if diff:
        return _report_diff(result, reports, out, internal_error)

    output_format = settings.output_format
    if args.statistics:
        write_statistics(result, out, as_json=output_format == "json")
    else:
        WRITERS[output_format](result, out)
    if output_format in TEXT_FORMATS and not args.quiet:
        if args.show_fixes:
            write_fixes(result, out)
        write_summary(result, out)
    if internal_error:
        return 2
    if args.exit_zero:
        return 0
    return 1 if result.diagnostics else 0


def _report_diff(result, reports, out, internal_error: bool) -> int:
    changed = [r for r in reports if r.diff]
    for report in changed:
        out.write(report.diff)
    fixed = result.fixed
    if fixed:
        print(f"Would fix {fixed} error{'' if fixed == 1 else 's'}.", file=sys.stderr)
    else:
        print("No errors would be fixed.", file=sys.stderr)
    if internal_error:
        return 2
    return 1 if changed else 0
