"""Which files a run lints: directories walked, ``.gitignore`` and excludes respected.

A small gitignore matcher lives here rather than a dependency: the linter has none but
the standard library. It covers what repositories write in practice: comments, ``!``
negation, directory-only ``dir/``, anchored ``/x`` and ``a/b``, ``*``, ``?``, ``[...]``
and ``**``; a deeper ``.gitignore`` overrides a shallower one, the last match wins.

Symlinks are followed only while they stay inside the tree being walked; a broken link,
a loop or an unreadable directory is reported (LV002) instead of stopping the run.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from ..diagnostics import Diagnostic
from .source import NOT_REGULAR

#: Skipped whatever the exclude setting says: never anyone's source.
ALWAYS_SKIPPED = frozenset({".git"})

#: Which walked files are linted (ruff's default ``include``): notebooks are source too.
DEFAULT_INCLUDE = ("*.py", "*.pyi", "*.ipynb")


@dataclass(frozen=True)
class IgnoreRule:
    regex: re.Pattern
    negated: bool
    directory_only: bool


def _glob_to_regex(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                at_start = i == 0 or pattern[i - 1] == "/"
                at_end = i + 2 == n or pattern[i + 2] == "/"
                if at_start and at_end:
                    if i + 2 == n:
                        out.append(".*")  # "a/**": everything inside
                        i += 2
                    else:
                        out.append("(?:.*/)?")  # "**/" : any number of directories
                        i += 3
                    continue
                out.append("[^/]*")  # "a**b" is two plain stars
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "^", "]") else i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse_gitignore(text: str) -> list[IgnoreRule]:
    rules: list[IgnoreRule] = []
    for raw in text.splitlines():
        line = raw
        if not line.strip() or line.startswith("#"):
            continue
        # Trailing spaces are dropped unless escaped.
        stripped = line.rstrip(" ")
        if stripped.endswith("\\") and len(stripped) < len(line):
            stripped += " "
        line = stripped
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        elif line.startswith("\\!") or line.startswith("\\#"):
            line = line[1:]
        directory_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _glob_to_regex(line)
        prefix = "" if anchored else "(?:.*/)?"
        rules.append(IgnoreRule(re.compile(f"^{prefix}{body}$", re.DOTALL), negated, directory_only))
    return rules


@dataclass
class IgnoreScope:
    """The rules of one .gitignore, matched against paths relative to its directory."""

    base: str
    rules: list[IgnoreRule]


def _ignored(scopes: list[IgnoreScope], path: str, is_dir: bool) -> bool:
    """Last match wins; deeper files come later in ``scopes`` and so take precedence."""
    verdict = False
    for scope in scopes:
        relative = relative_to(path, scope.base).replace(os.sep, "/")
        if relative.startswith("../"):
            continue
        for rule in scope.rules:
            if rule.directory_only and not is_dir:
                continue
            if rule.regex.match(relative):
                verdict = not rule.negated
    return verdict


def _load_scope(directory: str, name: str = ".gitignore") -> IgnoreScope | None:
    try:
        with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as handle:
            rules = parse_gitignore(handle.read())
    except OSError:
        return None
    return IgnoreScope(directory, rules) if rules else None


def _ancestor_scopes(root: str) -> list[IgnoreScope]:
    """The .gitignore files above ``root`` up to its repository's top (and info/exclude)."""
    chain: list[str] = []
    directory = root
    top = None
    while True:
        chain.append(directory)
        if os.path.exists(os.path.join(directory, ".git")):
            top = directory
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    if top is None:
        # Not in a git repository: only the walked tree's own .gitignore files count.
        return []
    scopes: list[IgnoreScope] = []
    exclude = _load_scope(os.path.join(top, ".git", "info"), "exclude")
    if exclude is not None:
        scopes.append(IgnoreScope(top, exclude.rules))
    for directory in reversed(chain[1:]):
        scope = _load_scope(directory)
        if scope is not None:
            scopes.append(scope)
    return scopes


@dataclass
class Discovery:
    #: (absolute path, display path), in a stable order.
    files: list[tuple[str, str]] = field(default_factory=list)
    #: LV002 for what could not be walked.
    problems: list[Diagnostic] = field(default_factory=list)


def relative_to(path: str, base: str) -> str:
    """``path`` relative to ``base`` ("../x" when outside), by slicing where it can:
    os.path.relpath per walked entry is a visible cost on large trees."""
    if path.startswith(base) and path[len(base) : len(base) + 1] == os.sep:
        return path[len(base) + 1 :]
    return os.path.relpath(path, base)


def display_path(path: str, cwd: str) -> str:
    relative = relative_to(path, cwd)
    return path if relative.startswith("..") else relative


def _excluded(name: str, relative: str, exclude: tuple[str, ...]) -> bool:
    """Whether a pattern matches the entry's name, or (a pattern with a "/") its path."""
    matcher = _exclude_matchers.get(exclude)
    if matcher is None:
        matcher = _exclude_matchers[exclude] = _exclude_matcher(exclude)
    return matcher(name, relative)


_exclude_matchers: dict[tuple[str, ...], object] = {}


def _exclude_matcher(exclude: tuple[str, ...]):
    # This runs for every entry walked, against two dozen default patterns: plain names
    # (most of them) become one set lookup, the globs one combined regular expression,
    # instead of a fnmatch call per pattern.
    from fnmatch import translate

    plain = frozenset(p for p in exclude if not any(c in p for c in "*?["))
    name_globs = [translate(p) for p in exclude if p not in plain]
    path_globs = [translate(p.strip("/")) for p in exclude if "/" in p]
    name_regex = re.compile("|".join(f"(?:{g})" for g in name_globs)).match if name_globs else None
    path_regex = re.compile("|".join(f"(?:{g})" for g in path_globs)).match if path_globs else None

    def excluded(name: str, relative: str) -> bool:
        return (
            name in plain
            or (name_regex is not None and name_regex(name) is not None)
            or (path_regex is not None and path_regex(relative) is not None)
        )

    return excluded


def discover(
    paths: list[str],
    exclude: tuple[str, ...],
    project_root: str,
    cwd: str | None = None,
    respect_gitignore: bool = True,
    include: tuple[str, ...] = DEFAULT_INCLUDE,
) -> Discovery:
    cwd = os.path.abspath(cwd or os.getcwd())
    included = include_matcher(include)
    found = Discovery()
    seen: set[str] = set()

    def problem(path: str, detail: str) -> None:
        from ..rules import Code

        found.problems.append(Diagnostic.of(Code.UNREADABLE_FILE, display_path(path, cwd), 1, 1, {"detail": detail}))

    def add(path: str, real: str | None = None) -> None:
        # Keyed by the real file, so a file reached twice (a link to it, or given twice) is
        # linted, and fixed, once.
        key = real or os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.files.append((path, display_path(path, cwd)))

    for given in paths:
        path = os.path.abspath(os.path.join(cwd, given))
        try:
            status = os.stat(path)
        except FileNotFoundError:
            problem(path, "broken symbolic link" if os.path.islink(path) else "no such file or directory")
            continue
        except OSError as exc:
            problem(path, exc.strerror or str(exc))
            continue
        if not stat.S_ISDIR(status.st_mode):
            if not stat.S_ISREG(status.st_mode):
                problem(path, NOT_REGULAR)  # a FIFO would block its reader forever
                continue
            add(path)  # an explicitly named file is linted whatever its name or excludes
            continue
        scopes = _ancestor_scopes(path) if respect_gitignore else []
        _walk(path, os.path.realpath(path), scopes, exclude, project_root, respect_gitignore, add, problem, included)
    return found


def include_matcher(include: tuple[str, ...]):
    """``(name, relative path) -> bool`` for the include patterns. Plain ``*.ext``
    patterns (the usual case) become one ``str.endswith``: this runs for every file walked."""
    suffixes = tuple(p[1:] for p in include if re.fullmatch(r"\*\.[^*?\[/]+", p))
    globs = tuple(p for p in include if p[1:] not in suffixes)
    if not globs:
        return lambda name, relative: name.endswith(suffixes)

    def included(name: str, relative: str) -> bool:
        if name.endswith(suffixes):
            return True
        return any(fnmatchcase(relative if "/" in p else name, p.strip("/")) for p in globs)

    return included


def _is_regular(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()  # from the directory listing: no extra stat on Linux
    except OSError:
        return True  # vanished or unreadable: reading it says why


def _walk(top, real_top, scopes, exclude, project_root, respect_gitignore, add, problem, included) -> None:
    # (directory, its real path, the real paths of it and its ancestors, gitignore scopes)
    stack = [(top, real_top, frozenset({real_top}), scopes)]
    while stack:
        directory, real_directory, ancestors, scopes = stack.pop()
        if respect_gitignore:
            own = _load_scope(directory)
            if own is not None:
                scopes = [*scopes, own]
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            problem(directory, f"cannot read directory: {exc.strerror or exc}")
            continue
        subdirectories = []
        for entry in entries:
            name = entry.name
            if name in ALWAYS_SKIPPED:
                continue
            path = entry.path
            relative = relative_to(path, project_root).replace(os.sep, "/")
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()  # follows links
            except OSError as exc:
                if exc.errno == errno.ELOOP:  # links to files that point at each other
                    problem(path, "symbolic link loop")
                continue
            real = None
            if is_link:
                try:
                    os.stat(path)
                except OSError as exc:
                    if exc.errno == errno.ELOOP or included(name, relative):
                        problem(path, "symbolic link loop" if exc.errno == errno.ELOOP else "broken symbolic link")
                    continue
                real = os.path.realpath(path)
                if real != real_top and not real.startswith(real_top + os.sep):
                    continue  # never leave the tree being checked
                if is_dir:
                    if real in ancestors:
                        problem(path, "symbolic link loop")
                    # Otherwise its target is inside the tree and walked as itself.
                    continue
            if _excluded(name, relative, exclude):
                continue
            if respect_gitignore and scopes and _ignored(scopes, path, is_dir):
                continue
            if is_dir:
                if os.path.exists(os.path.join(path, "pyvenv.cfg")):
                    continue  # a virtual environment under any name
                real_sub = os.path.join(real_directory, name)
                subdirectories.append((path, real_sub, ancestors | {real_sub}, scopes))
            elif included(name, relative):
                if not _is_regular(entry):
                    problem(path, NOT_REGULAR)  # a FIFO, socket or device: never opened
                    continue
                add(path, real or os.path.join(real_directory, name))
        stack.extend(reversed(subdirectories))


def force_excluded(path: str, exclude: tuple[str, ...], project_root: str) -> bool:
    """``--force-exclude``: whether a path named on the command line falls under an
    exclude pattern, by its own name or any directory above it up to the project root
    (``extend-exclude = ["third_party"]`` catches ``third_party/lib/x.py``), as a walk
    would have skipped it."""
    relative = relative_to(os.path.abspath(path), project_root).replace(os.sep, "/")
    parts = relative.split("/")
    if relative.startswith("../"):
        parts = parts[-1:]  # outside the project: only the file's own name can match
    for end in range(len(parts), 0, -1):
        if _excluded(parts[end - 1], "/".join(parts[:end]), exclude):
            return True
    return False
