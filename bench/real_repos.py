"""Validate the linter on real legacy repositories (issue 7, item 5).

    python bench/real_repos.py DIR... [--json OUT.json] [--show RULES]

For each repository directory: files, lines, files that do not parse before and after
``check --fix --unsafe-fixes``, diagnostics per rule, fixes applied, files whose fixed
form no longer parses (must be 0) and the time taken, as a Markdown table.

The given directories are never modified: the fix runs on a temporary copy, and a digest
of every file of each given tree is compared before and after to prove it. ``--show``
prints every diagnostic of the named rules (codes or prefixes) with its source line, for
reading the findings by eye when hunting false positives.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from legacy_variable.lint.config import Layer, resolve  # noqa: E402
from legacy_variable.lint.engine import Options, analyze, process_file  # noqa: E402
from legacy_variable.lint.files import discover  # noqa: E402
from legacy_variable.lint.source import UnreadableSource, read_source  # noqa: E402

#: Only Python sources: a notebook's "parses" is a per-cell question this table does not ask.
INCLUDE = ("*.py",)


@dataclass
class RepoResult:
    name: str
    files: int = 0
    lines: int = 0
    unparsable_before: int = 0
    unparsable_after: int = 0
    #: Parsed before the fix (or failed only because of ``async=``) and not after: must be 0.
    broken_by_fix: list[str] = field(default_factory=list)
    diagnostics: Counter = field(default_factory=Counter)
    fixes: Counter = field(default_factory=Counter)
    remaining: int = 0
    errors: list[str] = field(default_factory=list)
    check_seconds: float = 0.0
    fix_seconds: float = 0.0


def tree_digest(root: str) -> str:
    """One digest of every regular file's path and bytes under ``root`` (links not followed)."""
    digest = hashlib.sha256()
    for directory, subdirectories, names in os.walk(root):
        subdirectories.sort()
        for name in sorted(names):
            path = os.path.join(directory, name)
            digest.update(os.path.relpath(path, root).encode("utf-8", "surrogateescape"))
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as handle:
                    digest.update(handle.read())
    return digest.hexdigest()


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def validate(directory: str, show: tuple[str, ...] = ()) -> RepoResult:
    directory = os.path.abspath(directory)
    result = RepoResult(os.path.basename(directory.rstrip(os.sep)))
    with tempfile.TemporaryDirectory(prefix="lv-real-") as scratch:
        copy = os.path.join(scratch, result.name)
        shutil.copytree(directory, copy, symlinks=True)
        settings = resolve(Layer(include=list(INCLUDE)), [copy], None, copy)
        found = discover([copy], settings.exclude, settings.project_root, copy, False, settings.include)
        codes = settings.selected
        options = Options(settings=settings, fix=True, unsafe_fixes=True)
        for path, display in found.files:
            try:
                source = read_source(path)
            except UnreadableSource as exc:
                result.errors.append(f"{display}: {exc}")
                continue
            result.files += 1
            result.lines += source.text.count("\n") + (not source.text.endswith("\n"))
            started = time.perf_counter()
            analysis = analyze(source.text, display, codes)
            result.check_seconds += time.perf_counter() - started
            for diagnostic in analysis.diagnostics:
                result.diagnostics[diagnostic.code] += 1
                if show and diagnostic.code.startswith(show):
                    line = source.text.splitlines()[diagnostic.line - 1] if diagnostic.line else ""
                    print(f"{result.name}/{display}:{diagnostic.line}:{diagnostic.column}: "
                          f"{diagnostic.code} {line.strip()}", file=sys.stderr)
            parsed_before = parses(source.text)
            # A file broken only by `async=` is one the fix is meant to make parse.
            fixable_before = parsed_before or parses(source.text.replace("async=", "non_blocking="))
            result.unparsable_before += not parsed_before
            started = time.perf_counter()
            report = process_file(path, display, display, options)
            result.fix_seconds += time.perf_counter() - started
            if report.error:
                result.errors.append(report.error.splitlines()[0])
            result.fixes.update(report.fixed)
            result.remaining += len(report.diagnostics)
            after = read_source(path).text
            parsed_after = parses(after)
            result.unparsable_after += not parsed_after
            if fixable_before and not parsed_after:
                result.broken_by_fix.append(display)
    return result


def markdown(results: list[RepoResult]) -> str:
    rules = sorted({code for r in results for code in r.diagnostics})
    header = ["repository", "files", "lines", "unparsable before", "unparsable after",
              "broken by fix", "diagnostics", "fixes applied", "remaining", "check s", "fix s"]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        rows.append("| " + " | ".join(str(v) for v in (
            r.name, r.files, r.lines, r.unparsable_before, r.unparsable_after, len(r.broken_by_fix),
            sum(r.diagnostics.values()), sum(r.fixes.values()), r.remaining,
            f"{r.check_seconds:.2f}", f"{r.fix_seconds:.2f}")) + " |")
    rows += ["", "Diagnostics per rule (fixes applied in parentheses):", ""]
    rows.append("| rule | " + " | ".join(r.name for r in results) + " | total |")
    rows.append("|" + "---|" * (len(results) + 2))
    for code in rules:
        cells = [f"{r.diagnostics[code]} ({r.fixes[code]})" if r.diagnostics[code] else "" for r in results]
        total = sum(r.diagnostics[code] for r in results)
        total_fixed = sum(r.fixes[code] for r in results)
        rows.append(f"| {code} | " + " | ".join(cells) + f" | {total} ({total_fixed}) |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", metavar="DIR")
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    parser.add_argument("--show", default="", help="print diagnostics of these rules (comma-separated codes/prefixes)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    show = tuple(s.strip() for s in args.show.split(",") if s.strip())
    results = []
    for directory in args.dirs:
        before = tree_digest(directory)
        results.append(validate(directory, show))
        if tree_digest(directory) != before:
            print(f"error: {directory} was modified", file=sys.stderr)
            return 2
    print(markdown(results))
    for r in results:
        for problem in r.errors:
            print(f"{r.name}: {problem}", file=sys.stderr)
        for path in r.broken_by_fix:
            print(f"{r.name}: fixed form no longer parses: {path}", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as handle:
            # asdict would rebuild each Counter from (key, value) pairs, counting the pairs.
            rows = [{**asdict(r), "diagnostics": dict(r.diagnostics), "fixes": dict(r.fixes)} for r in results]
            json.dump(rows, handle, indent=2)
    return 1 if any(r.broken_by_fix for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
