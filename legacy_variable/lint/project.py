"""Project-wide facts: what one file cannot show about itself.

Each file is checked alone, but two things in a 2017 project cross files:

* star imports: ``from model import *`` brings ``Variable`` (and ``torch`` aliases) from
  ``model.py``; a rule in the importer must resolve them, and LV102 must not remove
  ``model.py``'s Variable import while an importer still uses the name;
* global settings: ``torch.set_default_tensor_type('torch.DoubleTensor')`` or
  ``torch.set_default_dtype(...)`` in a shared module changes what ``torch.Tensor(...)`` and
  ``torch.range(...)`` make in every module, so a constructor fix must not hard-code float32.

The first pass (``collect``) reads every checked file, but parses only those the text says
can hold a fact (a star import, ``__all__``, a ``set_default_`` call) and, on demand, the
modules that are star-imported. Per-file facts are cached by content digest (stat first, as
the result cache does). ``ProjectFacts.view(relative_path)`` is what one file's checkers
see; its ``fingerprint`` is part of that file's result-cache key, so a change in any file
that contributes a fact re-checks exactly the files that depend on it.

A run that writes nothing on Linux does not wait for this pass: ``overlap.py`` checks the
files no star import can reach while it parses the others (``FactsStore.read`` with
``deferred``, ``complete``), each of them once.

A file checked on its own (``check(source=...)``, the flake8 plugin) has no project: its
checkers get ``FileFacts.UNKNOWN`` and are conservative (see ``FileFacts``).
"""

from __future__ import annotations

import ast
import marshal
import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from .astwalk import walk
from .source import UnreadableSource, read_bytes

__all__ = ["FileFacts", "ProjectFacts", "collect"]

# Without a leading ``\b``: a pattern that starts with a literal is scanned for by the
# regex engine's fast prefix search, ten times faster over a large tree than one that
# starts with a word boundary; the boundary is checked on each match (``_star_import``).
_STAR = re.compile(r"import[ \t]*\*")
# ``__all__`` alone is no reason to parse: it matters only in a star-imported module,
# which is parsed whatever its text holds (``collect``).
_SETTER_TEXT = "set_default_"
_DEFAULT_SETTERS = frozenset({"set_default_tensor_type", "set_default_dtype"})
#: Bump when the record layout changes.
_VERSION = 1


@dataclass(frozen=True)
class FileFacts:
    """What the project says about one file.

    ``known`` False (no project): star imports stay unresolved (nothing is reported through
    them), the default dtype and device are taken as unknown (constructor fixes write forms
    that are right under any default), and LV102's removal is judged as ruff's F401 judges
    an unused import: safe except in a package ``__init__`` (the usual star-import source).
    """

    known: bool = False
    #: Names this file gets from project modules through ``import *`` -> the torch
    #: qualified name they are bound to there (``Variable`` -> ``torch.autograd.Variable``).
    star_bindings: tuple[tuple[str, str], ...] = ()
    #: Names bound here that a module star-importing this one (directly or through a
    #: chain of star imports) uses: they must stay.
    star_needed: frozenset[str] = frozenset()
    #: Where the project sets the default dtype or tensor type ("path:line"); empty:
    #: nowhere, so the default is float32 on the CPU.
    default_setters: tuple[str, ...] = ()
    #: Some setter may make the default tensor type a CUDA one (or cannot be read).
    default_device_may_change: bool = False
    #: What a recorded run saw in this file (``check --evidence``): (line, column, line
    #: hash, kind) -> ((value, count), ...), as lint/checkers/evidence.py reads it.
    evidence: tuple = ()

    @property
    def default_is_float32(self) -> bool:
        """float32 is the default dtype everywhere in the project, for certain."""
        return self.known and not self.default_setters

    @property
    def default_is_cpu(self) -> bool:
        return self.known and not self.default_device_may_change

    def fingerprint(self) -> str:
        """Empty when the facts are the same as for a file no other file touches."""
        if not (self.star_bindings or self.star_needed or self.default_setters or self.evidence):
            return ""
        text = repr((self.star_bindings, sorted(self.star_needed), self.default_setters,
                     self.default_device_may_change, self.evidence))
        from .cache import blake2b  # without hashlib's OpenSSL bindings: start-up time

        return blake2b(text.encode(), digest_size=8).hexdigest()


FileFacts.UNKNOWN = FileFacts()  # type: ignore[attr-defined]
FileFacts.EMPTY = FileFacts(known=True)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- one file's record
# A record is plain tuples (marshal-able): (parsed, stars, all_names, bindings, public,
# loads, setters). ``parsed`` False: the text holds no marker, nothing else is filled.
EMPTY_RECORD = (False, (), None, (), (), (), ())


def _needs_parse(text: str) -> bool:
    return _SETTER_TEXT in text or _star_import(text)


def _star_import(text: str) -> bool:
    r"""``\bimport[ \t]*\*`` somewhere in ``text``: ``import`` not preceded by a word
    character (as ``\b`` counts them: str.isalnum or ``_``)."""
    for match in _STAR.finditer(text):
        start = match.start()
        if start == 0:
            return True
        before = text[start - 1]
        if not (before.isalnum() or before == "_"):
            return True
    return False


def parsed_record(text: str, path: str) -> tuple[tuple, ast.Module | None]:
    """The record of ``text`` (parsed whatever it holds), and its tree (None: it does not
    parse)."""
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return EMPTY_RECORD, None  # the file's own check reports it
    return record_of_tree(tree, text), tree


def record_of_tree(tree: ast.Module, text: str) -> tuple:
    """The record of ``text`` from its tree, before any checker has seen it."""
    stars: list[tuple[str, int]] = []
    all_names: list[str] | None = None
    all_dynamic = False
    bindings: dict[str, str] = {}
    public: set[str] = set()
    for stmt in tree.body:
        for node in _top_level(stmt):
            cls = node.__class__
            if cls is ast.Import:
                for alias in node.names:
                    bound = alias.asname or alias.name.partition(".")[0]
                    public.add(bound)
                    value = alias.name if alias.asname else bound
                    if value == "torch" or value.startswith("torch."):
                        bindings[bound] = value
            elif cls is ast.ImportFrom:
                for alias in node.names:
                    if alias.name == "*":
                        stars.append((node.module or "", node.level))
                        continue
                    bound = alias.asname or alias.name
                    public.add(bound)
                    module = node.module or ""
                    if not node.level and (module == "torch" or module.startswith("torch.")):
                        bindings[bound] = f"{module}.{alias.name}"
            elif cls in (ast.Assign, ast.AnnAssign, ast.AugAssign):
                targets = node.targets if cls is ast.Assign else [node.target]
                for target in targets:
                    for name in stored_names(target):
                        public.add(name)
                        bindings.pop(name, None)
                        if name == "__all__":
                            literal = _string_list(node.value) if cls is not ast.AugAssign else None
                            if literal is None:
                                all_dynamic = True
                            else:
                                all_names = (all_names or []) + literal if cls is ast.AugAssign \
                                    else literal
            elif cls in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
                public.add(node.name)
                bindings.pop(node.name, None)
    # Only what a fact needs is walked: a walk of the whole tree costs about a parse.
    nodes = walk(tree) if stars or _SETTER_TEXT in text else ()
    loads = sorted({n.id for n in nodes if n.__class__ is ast.Name
                    and n.ctx.__class__ is ast.Load}) if stars else []
    setters = []
    for node in nodes if _SETTER_TEXT in text else ():
        if node.__class__ is ast.Call:
            func = node.func
            name = func.attr if func.__class__ is ast.Attribute else \
                func.id if func.__class__ is ast.Name else None
            if name in _DEFAULT_SETTERS:
                arg = node.args[0] if node.args else None
                shown = ast.unparse(arg) if arg is not None else ""
                setters.append((name, node.lineno, shown))
    return (True, tuple(stars), None if all_dynamic or all_names is None else tuple(all_names),
            tuple(sorted(bindings.items())), tuple(sorted(public)), tuple(loads),
            tuple(setters))


def _top_level(stmt: ast.stmt):
    """The statements that bind module names: the module's own, and those under a
    module-level ``if``/``try`` (``try: import cPickle except ImportError: ...``)."""
    if stmt.__class__ in (ast.If, ast.Try):
        for block in (stmt.body, stmt.orelse, *(h.body for h in getattr(stmt, "handlers", ())),
                      getattr(stmt, "finalbody", ())):
            for inner in block:
                yield from _top_level(inner)
    else:
        yield stmt


def stored_names(target: ast.AST):
    """The plain names an assignment target binds (``a, (b, c) = ...``); attributes and
    subscripts bind none. Shared with the checkers (training_steps)."""
    if target.__class__ is ast.Name:
        yield target.id
    elif target.__class__ in (ast.Tuple, ast.List):
        for element in target.elts:
            yield from stored_names(element)


def _string_list(node: ast.AST) -> list[str] | None:
    if node.__class__ in (ast.List, ast.Tuple) and all(
            e.__class__ is ast.Constant and e.value.__class__ is str for e in node.elts):
        return [e.value for e in node.elts]
    return None


# ---------------------------------------------------------------------- the project
@lru_cache(maxsize=1 << 16)  # each run's resolvers ask it of every file of the tree
def module_name(relative_path: str) -> str | None:
    """``pkg/model.py`` -> ``pkg.model``; ``pkg/__init__.py`` -> ``pkg``."""
    if not relative_path.endswith(".py"):
        return None
    parts = relative_path[:-3].replace("\\", "/").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


@dataclass
class ProjectFacts:
    #: relative path -> record
    records: dict[str, tuple] = field(default_factory=dict)
    compute: bool = True
    #: relative path -> that file's observations (FileFacts.evidence)
    evidence: dict[str, tuple] = field(default_factory=dict)
    _views: dict[str, FileFacts] = field(default_factory=dict, repr=False)
    #: relative path -> stat key taken by ``collect`` before reading the file (cache.stat_key)
    stats: dict[str, tuple | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._module_table: dict[str, str] | None = None
        #: The view of every file in ``records`` that ``_views`` does not name.
        self._common: FileFacts = FileFacts.EMPTY  # type: ignore[attr-defined]
        if self.compute:
            self._views = self._compute()

    @property
    def _modules(self) -> dict[str, str]:
        """Dotted module name -> relative path; built on first use: only star imports
        need it, and a warm run over a large tree should not pay for it."""
        if self._module_table is None:
            self._module_table = {}
            for rel in self.records:
                name = module_name(rel)
                if name is not None:
                    self._module_table[name] = rel
        return self._module_table

    def view(self, relative_path: str) -> FileFacts:
        found = self._views.get(relative_path)
        if found is not None:
            return found
        return self._common if relative_path in self.records else FileFacts.EMPTY  # type: ignore[attr-defined]

    # -- resolution
    def _target(self, importer: str, module: str, level: int) -> str | None:
        """The project file ``from module import *`` in ``importer`` reads."""
        own = module_name(importer) or ""
        package = own.split(".")[:-1] if not importer.endswith("__init__.py") else own.split(".")
        if level:
            base = package[: len(package) - (level - 1)] if level - 1 <= len(package) else None
            if base is None:
                return None
            name = ".".join([*base, module] if module else base)
            return self._modules.get(name)
        # A script's directory is on sys.path: a sibling module comes first, found by path
        # (``char-rnn/model.py`` has no dotted name), then the module from the root.
        folder = importer.replace("\\", "/").rpartition("/")[0]
        sibling = "/".join(filter(None, [folder, *module.split(".")]))
        for rel in (sibling + ".py", sibling + "/__init__.py"):
            if rel in self.records:
                return rel
        return self._modules.get(module)

    def _exports(self, rel: str, seen: frozenset = frozenset()) -> dict[str, tuple[str | None, str]]:
        """Names ``import *`` of ``rel`` binds -> (torch qualname or None, providing file)."""
        record = self.records.get(rel, EMPTY_RECORD)
        if rel in seen or not record[0]:
            return {}
        _, stars, all_names, bindings, public, _, _ = record
        torch_names = dict(bindings)
        out: dict[str, tuple[str | None, str]] = {}
        for module, level in stars:
            target = self._target(rel, module, level)
            if target is not None:
                out.update(self._exports(target, seen | {rel}))
        for name in public:
            out[name] = (torch_names.get(name), rel)
        if all_names is not None:
            return {n: out[n] for n in all_names if n in out}
        return {n: v for n, v in out.items() if not n.startswith("_")}

    def _compute(self) -> dict[str, FileFacts]:
        setters_t, device_may_change = default_setters(self.records)
        star_bindings: dict[str, dict[str, str]] = {}
        needed: dict[str, set[str]] = {}
        for rel, record in self.records.items():
            if not record[0] or not record[1]:
                continue
            own = set(record[4])
            loads = set(record[5])
            got: dict[str, str] = {}
            for module, level in record[1]:
                target = self._target(rel, module, level)
                if target is None:
                    continue
                for name, (qual, provider) in self._exports(target).items():
                    if name in loads and name not in own:
                        needed.setdefault(provider, set()).add(name)
                    if qual is not None:
                        got[name] = qual
            if got:
                star_bindings[rel] = got
        # Most files have only the project-wide facts: one shared view (a FileFacts per
        # file was a visible share of a warm run over a large tree).
        self._common = FileFacts(True, (), frozenset(), setters_t, device_may_change, ())
        views = {}
        for rel in {*star_bindings, *needed, *self.evidence}:
            if rel not in self.records:
                continue
            bindings = tuple(sorted(star_bindings.get(rel, {}).items()))
            views[rel] = FileFacts(True, bindings, frozenset(needed.get(rel, ())), setters_t,
                                   device_may_change, self.evidence.get(rel, ()))
        return views


def default_setters(records: dict[str, tuple]) -> tuple[tuple[str, ...], bool]:
    """Where ``records`` set the default dtype or tensor type ("path:line", in path
    order), and whether a setter may make the default a CUDA type (or cannot be read)."""
    setters: list[str] = []
    device_may_change = False
    for rel, record in sorted(records.items()):
        for name, line, arg in record[6]:
            setters.append(f"{rel}:{line}")
            if name == "set_default_tensor_type" and ("cuda" in arg or not arg.startswith(("'", '"'))) \
                    and arg not in ("torch.FloatTensor", "torch.DoubleTensor", "torch.HalfTensor"):
                device_may_change = True
    return tuple(setters), device_may_change


def read_evidence(path: str) -> dict[str, tuple]:
    """An evidence file (runtime/evidence.py) by relative path; ValueError if unreadable."""
    from ..evidence_file import load

    try:
        data = load(path)
    except OSError as error:
        raise ValueError(f"cannot read evidence file {path}: {error.strerror or error}") from None
    by_file: dict[str, dict] = {}
    try:
        for site in data["sites"]:
            key = (int(site["line"]), int(site["column"]), str(site["line_hash"]), str(site["kind"]))
            seen = tuple(sorted((str(v), int(c)) for v, c in site["observed"].items()))
            by_file.setdefault(str(site["path"]), {})[key] = seen
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ValueError(f"{path}: not an evidence file: a site lacks its fields") from None
    return {rel: tuple(sorted(sites.items())) for rel, sites in by_file.items()}


def collect(files: list[tuple[str, str]], cache_dir: str | None = None,
            evidence: dict[str, tuple] | None = None, mapper: Callable | None = None) -> ProjectFacts:
    """``files``: (path, relative path) of every checked ``.py`` file. ``cache_dir``: where
    the per-file records are kept between runs (None: not kept). ``evidence``: from
    ``read_evidence``. ``mapper(function, items)``: the results of ``function`` over
    ``items``, in order; the run's worker processes (engine.Workers.map) read and parse
    the files in parallel. None: here, one after the other."""
    mapper = mapper or _map_here
    store = FactsStore(cache_dir)
    paths = {rel: path for path, rel in files if rel.endswith(".py")}
    records: dict[str, tuple] = {}
    store.read(mapper, [(rel, path, False) for rel, path in paths.items()], records)
    return complete(records, paths, store, evidence, lambda wanted: read_forced(store, mapper, wanted))


def complete(records: dict[str, tuple], paths: dict[str, str], store: "FactsStore",
             evidence: dict[str, tuple] | None, force: Callable[[dict[str, str]], dict[str, tuple]]) -> ProjectFacts:
    """The project's facts from the first records of ``paths`` (relative path -> path of
    every ``.py`` file): the star-imported modules read, the store saved. ``force(wanted)``:
    the records of ``wanted`` (relative path -> path), each parsed whatever its text holds."""
    # A star-imported module is parsed whatever its text holds: its imports are what the
    # importer gets. Targets of targets too, until nothing new is reached (one round per
    # level of star imports).
    resolver = ProjectFacts(records, compute=False)
    pending = [rel for rel, record in records.items() if record[1]]
    while pending:
        wanted: dict[str, str] = {}
        for rel in pending:
            for module, level in records[rel][1]:
                target = resolver._target(rel, module, level)
                if target is not None and not records[target][0]:
                    wanted[target] = paths[target]
        forced = force(wanted) if wanted else {}
        pending = []
        for rel, record in forced.items():
            if record[0]:
                records[rel] = record
                if record[1]:
                    pending.append(rel)
    store.save()
    facts = ProjectFacts(records, evidence=evidence or {})
    facts.stats = store.stats
    return facts


def read_forced(store: "FactsStore", mapper: Callable, wanted: dict[str, str]) -> dict[str, tuple]:
    """The records of ``wanted`` (relative path -> path), parsed whatever their text holds,
    read through ``mapper`` (``complete``'s ``force``)."""
    forced: dict[str, tuple] = {}
    store.read(mapper, [(rel, path, True) for rel, path in wanted.items()], forced)
    return forced


def _map_here(function: Callable, items: list) -> list:
    return [function(item) for item in items]


def read_record(job: tuple) -> tuple | None:
    """(content digest, record) of one file, or None when it cannot be read (its own check
    reports it). ``job``: (path, force, the store's entry for it or None, defer). With
    ``defer``, a file that would be parsed is not: the result is then (content digest,
    None, what its text shows), as ``FactsStore.read``'s ``deferred`` keeps it. Run by
    the worker processes: a module-level function of plain tuples."""
    from .cache import digest

    path, force, entry, defer = job
    try:
        # The reader that never blocks: a path that became a FIFO after discovery
        # would hang a plain open() forever.
        data = read_bytes(path)
    except UnreadableSource:
        return None
    content = digest(data)
    if entry is not None and entry[1] == content and (entry[2][0] or not force):
        return content, entry[2]
    if defer and not force:
        text = text_of(data, path)
        if text is None or not _needs_parse(text):
            return content, EMPTY_RECORD  # as record_of_bytes, without decoding again
        # Parsed later by the caller, who keeps the tree for the file's check.
        star = _star_import(text)
        return content, None, (_SETTER_TEXT in text, star, _guessed_stars(text) if star else ())
    return content, record_of_bytes(data, path, force)


#: ``from MODULE import *`` as written on one line: what a star import's text says of its
#: module, before any parse (overlap.py: a guess, checked against the parsed record).
_STAR_FROM = re.compile(r"from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]*\*")


def _guessed_stars(text: str) -> tuple[tuple[str, int], ...]:
    """(module, level) of each star import the text shows on one line."""
    return tuple((m.group(2), len(m.group(1))) for m in _STAR_FROM.finditer(text))


class FactsStore:
    """Per-file records by content digest; a file whose stat is unchanged is not read."""

    def __init__(self, directory: str | None) -> None:
        self.directory = directory
        self.path = os.path.join(directory, "facts", f"v{_VERSION}.marshal") if directory else None
        self.entries: dict[str, tuple] = {}
        #: relative path -> the stat key taken before the file was (or was not) read,
        #: for the result cache to use rather than stat the file again (None: it failed)
        self.stats: dict[str, tuple | None] = {}
        self.changed = False
        if self.path is not None:
            try:
                with open(self.path, "rb") as handle:
                    loaded = marshal.loads(handle.read())
                if isinstance(loaded, dict):
                    self.entries = loaded
            except (OSError, EOFError, ValueError, TypeError):
                pass

    def read(self, mapper: Callable, wanted: list[tuple[str, str, bool]], into: dict[str, tuple],
             deferred: dict[str, tuple] | None = None) -> None:
        """The records of ``wanted`` ((relative path, path, force)) into ``into``: from
        the store when a file's stat is unchanged, else read (through ``mapper``).
        ``force``: parse the file even when its text holds no marker. ``deferred``: when
        given, a file read that would be parsed is not; it goes there instead, as
        relative path -> (stat key, content digest, (has a setter call, has a star import,
        the star imports its text shows)), for the caller to parse (``learn``)."""
        from .cache import RACY_NS

        fresh_from = time.time_ns() - RACY_NS
        reads: list[tuple[str, tuple | None, tuple]] = []
        for rel, path, force in wanted:
            key = self.stat(rel, path, fresh_from)
            entry = self.entries.get(rel)
            if entry is not None and key is not None and entry[0] == key and (entry[2][0] or not force):
                into[rel] = entry[2]
            else:
                reads.append((rel, key, (path, force, entry, deferred is not None)))
        if not reads:
            return
        # Largest first: a parse costs about its size, and only a few files are parsed;
        # one of them met last would leave the other processes idle while it is read.
        reads.sort(key=lambda read: (self.stats[read[0]] or (0,))[0], reverse=True)
        for (rel, key, _), result in zip(reads, mapper(read_record, [job for _, _, job in reads])):
            if result is None:
                continue
            if len(result) == 3:
                deferred[rel] = (key, result[0], result[2])  # type: ignore[index]
                continue
            content, record = result
            self.learn(rel, key, content, record, into)

    def stat(self, rel: str, path: str, fresh_from: int | None = None) -> tuple | None:
        """The stat key of ``path``, taken before the file is read (a change made after
        it shows next time) and kept in ``stats``; None when it failed or is too fresh
        to be trusted (modified at or after ``fresh_from``: by default, just now)."""
        from .cache import RACY_NS, stat_key

        key = self.stats[rel] = stat_key(path)
        if fresh_from is None:
            fresh_from = time.time_ns() - RACY_NS
        return None if key is None or key[1] >= fresh_from else key

    def learn(self, rel: str, key: tuple | None, content: bytes, record: tuple, into: dict[str, tuple]) -> None:
        """``record`` of the file ``rel`` (read under the stat ``key``) into ``into`` and
        the store."""
        into[rel] = record
        if self.path is not None:
            self.entries[rel] = (key, content, record)
            self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        from .cache import make_directory

        try:
            make_directory(self.directory, os.path.dirname(self.path))
            temp = f"{self.path}.{os.getpid()}.tmp"
            with open(temp, "wb") as handle:
                handle.write(marshal.dumps(self.entries))
            os.replace(temp, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs speed next time


def record_of_bytes(data: bytes, path: str, force: bool = False) -> tuple:
    """The record of a file's bytes: parsed when ``force`` or when its text holds a marker."""
    text = text_of(data, path)
    if text is None or (not force and not _needs_parse(text)):
        return EMPTY_RECORD
    return parsed_record(text, path)[0]


def text_of(data: bytes, path: str) -> str | None:
    """The text of a file's bytes, as its check decodes them; None when it cannot be."""
    from .source import UnreadableSource, decode

    try:
        return decode(data, path).text
    except (UnreadableSource, UnicodeError, LookupError):
        return None
