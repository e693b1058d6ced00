"""Python text -> the diagnostics a user sees: parse, run the checkers, select, noqa.

Checkers only find (``lint.checkers.check_module``); this module decides around them
what the ``async=`` token pass adds for text that does not parse, which codes are
selected, and what ``# noqa`` suppresses. It knows nothing of files or formats: the
pipeline (``engine.process_file``) hands it the text of any source format.
"""

from __future__ import annotations

import ast

from ..diagnostics import Diagnostic
from ..rules import Code
from . import noqa
from .fixer import Analysis


def syntax_error_diagnostic(error: SyntaxError, path: str, mapper=None) -> Diagnostic:
    line = error.lineno or 1
    column = error.offset or 1
    end_line = error.end_lineno if error.end_lineno and error.end_lineno >= line else None
    end_column = error.end_offset if end_line is not None and error.end_offset else None
    if mapper is not None:
        column = mapper.column(line, column) or column
        if end_line is not None and end_column is not None:
            end_column = mapper.end_column(end_line, end_column) or end_column
    detail = error.msg or "invalid syntax"
    return Diagnostic.of(
        Code.SYNTAX_ERROR, path, line, column, {"detail": detail}, end_line=end_line, end_column=end_column
    )


def _run_checkers(tree: ast.Module, text: str, path: str, codes: frozenset[str] | None,
                  project=None) -> list[Diagnostic]:
    """The one call into the rule checkers. ``codes``: the selected codes (None: all), for
    the registry to skip rules that are not selected; ``project``: the file's project facts
    (project.FileFacts; None: checked on its own)."""
    # Imported here, not with the module: a run served from the cache needs no checker.
    from . import checkers

    return checkers.check_module(tree, text, path, codes=codes, project=project)


def raw_diagnostics(text: str, path: str, codes: frozenset[str] | None = None,
                    project=None) -> tuple[list[Diagnostic], bool]:
    """Every finding in ``text`` before noqa, and whether it parses. The checkers may
    skip rules outside ``codes``; the caller still filters by them."""
    if "async" in text:
        # A confirmed `async=` keyword means the text cannot parse as it is: go straight
        # to the renamed text and save a parse that is bound to fail.
        from .async_fix import RenamedPositions, quick_async_keywords

        quick = quick_async_keywords(text, path)
        if quick is not None:
            found, renamed, tree = quick
            mapper = RenamedPositions(found)
            return [*found, *(mapper.diagnostic(d) for d in _run_checkers(tree, renamed, path, codes, project))], False
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as error:
        return _unparsable(text, path, error, codes, project), False
    except (ValueError, RecursionError, MemoryError) as error:
        return [_not_parsed(path, error)], False
    return _run_checkers(tree, text, path, codes, project), True


def _not_parsed(path: str, error: BaseException) -> Diagnostic:
    if isinstance(error, UnicodeError):  # a lone surrogate: a notebook's "\ud83d" escape
        detail = f"not encodable as UTF-8: {getattr(error, 'reason', error)}"
    elif isinstance(error, ValueError):
        detail = "source contains NUL bytes"
    else:
        detail = "too deeply nested to parse"
    code = Code.UNREADABLE_FILE if isinstance(error, ValueError) else Code.SYNTAX_ERROR
    return Diagnostic.of(code, path, 1, 1, {"detail": detail})


def _unparsable(text: str, path: str, error: SyntaxError, codes: frozenset[str] | None,
                project=None) -> list[Diagnostic]:
    from .async_fix import RenamedPositions, find_async_keywords, rename_in_memory

    if "async" not in text:
        return [syntax_error_diagnostic(error, path)]
    found = find_async_keywords(text, path)
    if not any(d.fix is not None for d in found):
        return [*found, syntax_error_diagnostic(error, path)]
    renamed = rename_in_memory(text, found)
    mapper = RenamedPositions(found)
    try:
        tree = ast.parse(renamed, filename=path)
    except SyntaxError as second:
        return [*found, syntax_error_diagnostic(second, path, mapper)]
    except (ValueError, RecursionError, MemoryError) as second:
        return [*found, _not_parsed(path, second)]
    return [*found, *(mapper.diagnostic(d) for d in _run_checkers(tree, renamed, path, codes, project))]


def analyze(text: str, path: str, codes: frozenset[str], project=None) -> Analysis:
    """The diagnostics a user sees for ``text``: selected, not suppressed, in order."""
    found, parses = raw_diagnostics(text, path, codes, project)
    if found:
        suppressions = noqa.parse(text)
        found = [
            d
            for d in found
            if d.code in codes and not suppressions.suppresses(d.code, d.noqa_row or d.line)
        ]
        found.sort(key=Diagnostic.sort_key)
    return Analysis(found, parses)
