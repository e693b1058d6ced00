"""Python text -> the diagnostics a user sees: parse, run the checkers, select, noqa.

Checkers only find (``lint.checkers.check_module``); this module decides around them
what the ``async=`` token pass adds for text that does not parse, which codes are
selected, and what ``# noqa`` suppresses. It knows nothing of files or formats: the
pipeline (``engine.process_file``) hands it the text of any source format.

A text that mentions none of the selected rules' trigger strings (``could_find``) can
only be LV001: it is syntax-checked without building a tree (``syntax_only``), which is
what lets a cold run over a mostly torch-free tree cost less than parsing it.
"""

from __future__ import annotations

import ast

from ..diagnostics import Diagnostic
from ..rules import Code
from . import noqa
from .fixer import Analysis

#: The file name the parser is given. Not the file's own: for a syntax error the parser
#: re-reads the offending line from a file of that name, if there is one, to turn its
#: byte offset into a column, and a notebook's file holds JSON, not the analysed text (the
#: column came out wrong). The name is never shown: diagnostics carry the path.
PARSE_FILENAME = "<legacy-variable>"


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
                    project=None, tree: ast.Module | None = None) -> tuple[list[Diagnostic], bool]:
    """Every finding in ``text`` before noqa, and whether it parses. The checkers may
    skip rules outside ``codes``; the caller still filters by them. ``tree``: the tree
    of ``text`` when the caller parsed it already (no checker has seen it)."""
    if tree is not None:
        return _run_checkers(tree, text, path, codes, project), True
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
        tree = ast.parse(text, filename=PARSE_FILENAME)
    except SyntaxError as error:
        return _unparsable(text, path, error, codes, project), False
    except (ValueError, RecursionError, MemoryError) as error:
        return [not_parsed_diagnostic(path, error)], False
    return _run_checkers(tree, text, path, codes, project), True


def not_parsed_diagnostic(path: str, error: BaseException) -> Diagnostic:
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
        tree = ast.parse(renamed, filename=PARSE_FILENAME)
    except SyntaxError as second:
        return [*found, syntax_error_diagnostic(second, path, mapper)]
    except (ValueError, RecursionError, MemoryError) as second:
        return [*found, not_parsed_diagnostic(path, second)]
    return [*found, *(mapper.diagnostic(d) for d in _run_checkers(tree, renamed, path, codes, project))]


def could_find(text: str, codes: frozenset[str] | None) -> bool:
    """Whether a selected rule other than LV001 could fire on ``text``: it mentions one of
    the selected rules' trigger strings (every rule needs a torch name bound: "torch",
    "Variable"... as the registry declares), or ``async`` (the LV105 pass)."""
    return "async" in text or any(needle in text for needle in _needles(codes))


def _needles(codes: frozenset[str] | None) -> tuple[str, ...]:
    needles = _NEEDLES.get(codes)
    if needles is None:
        from . import checkers

        needles = _NEEDLES[codes] = tuple(checkers.plan(codes).text)
    return needles


_NEEDLES: dict[frozenset[str] | None, tuple[str, ...]] = {}


def syntax_only(text: str, path: str, codes: frozenset[str] | None) -> tuple[list[Diagnostic], bool]:
    """``raw_diagnostics`` for a text on which no rule but LV001 can fire (``could_find``).

    Such a file is still checked for LV001, as ruff reports a syntax error in any file:
    a file the interpreter cannot run is worth knowing about in a migration, and a file
    that starts mentioning torch later must not turn up an old syntax error then. But
    it is not turned into a tree: ``symtable`` runs the same C parser without building
    Python AST objects, about half the cost of ``ast.parse``. Only when it raises (a
    syntax error, or one that only the symbol table sees, such as a duplicate argument
    name, which ast.parse accepts) does the full path decide, so that LV001 is the same
    whichever path a file takes."""
    if Code.SYNTAX_ERROR not in (codes if codes is not None else (Code.SYNTAX_ERROR,)):
        return [], True  # nothing selected could be found: not even parsed
    import symtable

    try:
        symtable.symtable(text, PARSE_FILENAME, "exec")
    except Exception:
        return raw_diagnostics(text, path, codes)
    return [], True


def analyze(text: str, path: str, codes: frozenset[str], project=None,
            tree: ast.Module | None = None) -> Analysis:
    """The diagnostics a user sees for ``text``: selected, not suppressed, in order.
    ``project``: the file's project facts (project.FileFacts; None: checked on its own).
    ``tree``: as for ``raw_diagnostics``."""
    # A name another module binds (``from model import *``) may be all a file shows.
    if could_find(text, codes) or (project is not None and project.star_bindings):
        found, parses = raw_diagnostics(text, path, codes, project, tree)
    elif tree is not None:
        found, parses = [], True  # what ``syntax_only`` finds in a text that parses
    else:
        found, parses = syntax_only(text, path, codes)
    if found:
        suppressions = noqa.parse(text)
        found = [
            d
            for d in found
            if d.code in codes and not suppressions.suppresses(d.code, d.noqa_row or d.line)
        ]
        found.sort(key=Diagnostic.sort_key)
    return Analysis(found, parses)
