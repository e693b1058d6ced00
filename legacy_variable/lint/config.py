"""Settings: ``[tool.legacy-variable]`` of the nearest pyproject.toml, then the CLI on top.

Rule selection follows ruff: each layer (file, then command line) may reset the set with
``select``, add with ``extend-select`` and remove with ``ignore``; within a layer the more
specific selector wins (``select = ["LV101"]`` beats ``ignore = ["LV1"]``), and on a tie
``ignore`` wins.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .. import rules as _rules
from .files import DEFAULT_INCLUDE

SECTION = "legacy-variable"
OUTPUT_FORMATS = ("full", "concise", "json", "github", "sarif")
DEFAULT_CACHE_DIR = ".legacy_variable_cache"

#: Directory names never walked into (ruff's defaults, plus this tool's cache).
DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pytest_cache",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
    DEFAULT_CACHE_DIR,
)

_LIST_KEYS = ("select", "ignore", "extend-select", "exclude", "extend-exclude", "include", "extend-include")
_KNOWN_KEYS = frozenset(
    (*_LIST_KEYS, "per-file-ignores", "unsafe-fixes", "output-format", "cache-dir", "force-exclude",
     "evidence", "extend-evidence", "docs-url")
)
#: The rule code in a ``docs-url`` template.
DOCS_URL_FIELD = "{code}"


class ConfigError(Exception):
    """A one-line explanation; the command exits 2."""


@dataclass
class Layer:
    """One source of settings; None means "not set here"."""

    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    #: Which walked files are linted (ruff's ``include``/``extend-include``); notebooks
    #: are in by default, ``extend-exclude = ["*.ipynb"]`` leaves them out.
    include: list[str] | None = None
    extend_include: list[str] = field(default_factory=list)
    unsafe_fixes: bool | None = None
    output_format: str | None = None
    cache_dir: str | None = None
    #: Excludes apply to files named on the command line too (ruff's ``force-exclude``):
    #: pre-commit names every staged file, vendored ones included.
    force_exclude: bool | None = None
    #: Evidence files recorded by runs (``check --evidence``), absolute paths: a file's
    #: are relative to its directory, the command line's to the working directory.
    #: ``evidence`` replaces the list of the layers below, ``extend-evidence`` adds to it
    #: (ruff's ``select``/``extend-select``).
    evidence: list[str] | None = None
    extend_evidence: list[str] = field(default_factory=list)
    #: Where each rule's explanation is published: a URL template with ``{code}``
    #: (the editor's link from a diagnostic); None: the page generated from the catalog.
    docs_url: str | None = None


@dataclass
class Settings:
    project_root: str
    #: The pyproject.toml (or --config file) read, if any.
    config_path: str | None
    selected: frozenset[str]
    #: (glob, codes) pairs, globs relative to project_root.
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...]
    exclude: tuple[str, ...]
    unsafe_fixes: bool
    output_format: str
    cache_dir: str
    include: tuple[str, ...] = DEFAULT_INCLUDE
    force_exclude: bool = False
    #: Evidence files every run reads (absolute paths), in the order given.
    evidence: tuple[str, ...] = ()
    docs_url: str | None = None

    def fingerprint(self) -> str:
        """What the cached result of one file depends on, besides its content and path."""
        from .. import __version__

        parts = [__version__, ",".join(sorted(self.selected)), repr(self.per_file_ignores)]
        return "|".join(parts)

    def codes_for(self, relative_path: str) -> frozenset[str]:
        """The selection minus the per-file ignores that match this path."""
        if not self.per_file_ignores:
            return self.selected
        from fnmatch import fnmatchcase

        name = os.path.basename(relative_path)
        ignored: set[str] = set()
        for pattern, codes in self.per_file_ignores:
            negated = pattern.startswith("!")
            glob = pattern[1:] if negated else pattern
            hit = fnmatchcase(relative_path, glob) or fnmatchcase(name, glob)
            if hit != negated:
                ignored |= codes
        return self.selected - ignored if ignored else self.selected


def find_pyproject(start: str) -> tuple[str | None, str | None]:
    """(nearest pyproject.toml with a [tool.legacy-variable] table, nearest pyproject.toml)
    at or above ``start``; the second one marks the project root when the first is absent.

    Tables are found by text before parsing, so unrelated pyproject.toml files on the way
    up cost a read, not a TOML parse, and are never a reason to fail.
    """
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    nearest: str | None = None
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        try:
            with open(candidate, "rb") as handle:
                data = handle.read()
        except OSError:
            data = None
        if data is not None:
            nearest = nearest or candidate
            if b"tool.legacy-variable" in data or b'tool."legacy-variable"' in data:
                return candidate, nearest
        parent = os.path.dirname(directory)
        if parent == directory:
            return None, nearest
        directory = parent


def load_layer(path: str, inline: bool = False) -> Layer:
    """Read a config file: a pyproject.toml's [tool.legacy-variable] table, or a TOML file
    whose top level is that table. ``inline``: ``path`` is TOML text (``--config "k = v"``)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: the same parser, as the tomli package
        import tomli as tomllib

    try:
        if inline:
            document = tomllib.loads(path)
        else:
            with open(path, "rb") as handle:
                document = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        where = "--config" if inline else path
        raise ConfigError(f"invalid TOML in {where}: {exc}") from None
    if not inline and os.path.basename(path) == "pyproject.toml":
        table = document.get("tool", {}).get(SECTION, {})
        where = f"{path} [tool.{SECTION}]"
    else:
        table = document
        where = "--config" if inline else path
    return _layer_from_table(table, where, None if inline else os.path.dirname(os.path.abspath(path)))


def _inline_table(text: str) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in --config {text!r}: {exc}") from None


def _layer_from_table(table: Any, where: str, base: str | None = None) -> Layer:
    """``base``: the directory the file's relative paths (``evidence``) are relative to;
    None for ``--config "k = v"``, whose paths are relative to the working directory."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown option {unknown[0]!r}")
    layer = Layer()
    for key in _LIST_KEYS:
        if key in table:
            value = table[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: {key!r} must be a list of strings")
            setattr(layer, key.replace("-", "_"), list(value))
    if "per-file-ignores" in table:
        value = table["per-file-ignores"]
        if not isinstance(value, dict) or not all(
            isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()
        ):
            raise ConfigError(f"{where}: 'per-file-ignores' must map globs to lists of codes")
        layer.per_file_ignores = {k: list(v) for k, v in value.items()}
    for key in ("unsafe-fixes", "force-exclude"):
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{where}: {key!r} must be true or false")
            setattr(layer, key.replace("-", "_"), table[key])
    if "output-format" in table:
        value = table["output-format"]
        if value not in OUTPUT_FORMATS:
            raise ConfigError(
                f"{where}: 'output-format' must be one of {', '.join(OUTPUT_FORMATS)}; got {value!r}"
            )
        layer.output_format = value
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str):
            raise ConfigError(f"{where}: 'cache-dir' must be a string")
        layer.cache_dir = table["cache-dir"]
    for key in ("evidence", "extend-evidence"):
        if key in table:
            value = table[key]
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ConfigError(f"{where}: {key!r} must be a list of paths")
            paths = [os.path.join(base, os.path.expanduser(v)) if base else os.path.abspath(os.path.expanduser(v))
                     for v in value]
            setattr(layer, key.replace("-", "_"), [os.path.normpath(p) for p in paths])
    if "docs-url" in table:
        layer.docs_url = check_docs_url(table["docs-url"], where)
    return layer


def check_docs_url(value: Any, where: str) -> str:
    """A ``docs-url`` template: an absolute URI (``https://...``, ``file:///...``) with
    ``{code}`` where the rule code goes; an editor opens what it becomes."""
    from urllib.parse import urlsplit

    if not isinstance(value, str):
        raise ConfigError(f"{where}: 'docs-url' must be a string")
    if DOCS_URL_FIELD not in value:
        raise ConfigError(f"{where}: 'docs-url' must contain {DOCS_URL_FIELD} (where the rule code goes); got {value!r}")
    try:
        value.replace(DOCS_URL_FIELD, "LV101").format()  # no other braces
        scheme = urlsplit(value).scheme
    except (ValueError, IndexError, KeyError):
        raise ConfigError(f"{where}: 'docs-url' may hold no braces but {DOCS_URL_FIELD}; got {value!r}") from None
    if len(scheme) < 2:  # (one letter: a Windows drive, not a scheme)
        raise ConfigError(f"{where}: 'docs-url' must be an absolute URI such as https://...; got {value!r}")
    return value


def parse_per_file_ignores(entries: Iterable[str]) -> dict[str, list[str]]:
    """``--per-file-ignores "tests/*:LV101,LV102"`` (several entries allowed)."""
    result: dict[str, list[str]] = {}
    for entry in entries:
        for item in entry.split():
            pattern, sep, codes = item.rpartition(":")
            if not sep or not pattern:
                raise ConfigError(f"invalid --per-file-ignores entry {item!r}: expected GLOB:CODES")
            result.setdefault(pattern, []).extend(c for c in codes.split(",") if c)
    return result


def _specificity(selector: str) -> int:
    s = selector.strip()
    if s.upper() == "ALL":
        return 0
    if s.lower() in _rules.BY_NAME:
        return 100
    return len(s)


def _expand(selectors: Iterable[str], where: str) -> dict[str, int]:
    """code -> specificity of the most specific selector naming it."""
    result: dict[str, int] = {}
    for selector in selectors:
        try:
            codes = _rules.expand([selector])
        except ValueError:
            raise ConfigError(f"{where}: unknown rule selector {selector!r}") from None
        weight = _specificity(selector)
        for code in codes:
            result[code] = max(result.get(code, -1), weight)
    return result


def default_selection() -> set[str]:
    return {code for code, rule in _rules.RULES.items() if rule.static}


def select_codes(layers: list[tuple[Layer, str]]) -> frozenset[str]:
    selected = default_selection()
    for layer, where in layers:
        chosen = _expand((layer.select or []) + layer.extend_select, where)
        dropped = _expand(layer.ignore, where)
        if layer.select is not None:
            selected = set()
        for code, weight in chosen.items():
            if weight > dropped.get(code, -1):
                selected.add(code)
        for code, weight in dropped.items():
            if weight >= chosen.get(code, -1):
                selected.discard(code)
    # Only rules with a static face can ever be reported by the linter.
    return frozenset(code for code in selected if _rules.RULES[code].static)


def resolve(
    cli: Layer,
    paths: list[str],
    config_file: str | Sequence[str] | None = None,
    cwd: str | None = None,
    isolated: bool = False,
) -> Settings:
    """The settings of a run: ``cli`` over the configuration file (the nearest
    pyproject.toml with a ``[tool.legacy-variable]`` table; none when ``isolated``, as
    ruff's ``--isolated``).

    ``config_file`` is ``--config``, given once or several times, as in ruff: a path
    replaces the discovered file; a ``"key = value"`` TOML text overrides that one key
    over whichever file is in force (it does not drop the rest of the file).
    """
    cwd = os.path.abspath(cwd or os.getcwd())
    layers: list[tuple[Layer, str]] = []
    config_path: str | None = None
    nearest: str | None = None
    given = [config_file] if isinstance(config_file, str) else list(config_file or ())
    files = [c for c in given if os.path.isfile(c)]
    overrides = [c for c in given if c not in files]
    for value in overrides:
        if "=" not in value:
            raise ConfigError(f"--config: no such file {value!r}")
    if len(files) > 1:
        raise ConfigError(f"--config: only one configuration file can be given; got {files[0]!r} and {files[1]!r}")
    if files:
        config_path = os.path.abspath(files[0])
        layers.append((load_layer(config_path), config_path))
    elif not isolated:
        start = paths[0] if len(paths) == 1 else cwd
        config_path, nearest = find_pyproject(start if os.path.exists(start) else cwd)
        if config_path is not None:
            layers.append((load_layer(config_path), config_path))
    if overrides:
        # Key by key into the file's own table, as ruff does: `--config "select = [...]"`
        # replaces the file's select, and its extend-select and ignore still apply.
        base, where = layers.pop() if layers else (Layer(), "--config")
        for value in overrides:
            table = _inline_table(value)
            override = _layer_from_table(table, "--config", cwd)
            for key in table:
                attribute = key.replace("-", "_")
                setattr(base, attribute, getattr(override, attribute))
        layers.append((base, where))
    layers.append((cli, "command line"))
    root_marker = config_path or (nearest if not files else None)
    project_root = os.path.dirname(root_marker) if root_marker else cwd

    def last(attribute: str, default):
        value = default
        for layer, _ in layers:
            if getattr(layer, attribute) is not None:
                value = getattr(layer, attribute)
        return value

    per_file: dict[str, set[str]] = {}
    for layer, where in layers:
        for pattern, codes in layer.per_file_ignores.items():
            per_file.setdefault(pattern, set()).update(_expand(codes, where))
    exclude = list(last("exclude", list(DEFAULT_EXCLUDE)))
    for layer, _ in layers:
        exclude.extend(layer.extend_exclude)
    include = list(last("include", list(DEFAULT_INCLUDE)))
    for layer, _ in layers:
        include.extend(layer.extend_include)
    evidence = list(last("evidence", []))
    for layer, _ in layers:
        evidence.extend(p for p in layer.extend_evidence if p not in evidence)
    cache_dir = last("cache_dir", DEFAULT_CACHE_DIR)
    if not os.path.isabs(cache_dir):
        cache_dir = os.path.join(project_root, cache_dir)
    return Settings(
        project_root=project_root,
        config_path=config_path,
        selected=select_codes(layers),
        per_file_ignores=tuple((p, frozenset(c)) for p, c in sorted(per_file.items())),
        exclude=tuple(exclude),
        unsafe_fixes=bool(last("unsafe_fixes", False)),
        output_format=last("output_format", "full"),
        cache_dir=cache_dir,
        include=tuple(include),
        force_exclude=bool(last("force_exclude", False)),
        evidence=tuple(dict.fromkeys(evidence)),
        docs_url=last("docs_url", None),
    )
