"""A run over paths whose facts pass overlaps its check, each facts file parsed once.

The facts that cross files (project.py) come from few files: those whose text holds a
star import or a ``set_default_`` call, and the modules they star-import. Every other
file's facts are the project's common ones (where the default dtype is set), known once
the few setter files are parsed. So, where the check forks (Linux) and writes nothing:

1. every file is read for its markers, in parallel (``FactsStore.read`` with
   ``deferred``); a file that needs a parse is not parsed yet;
2. the setter files are parsed here: the common facts;
3. the files that cannot depend on a star import are checked by forked helpers
   (``Workers.check``); meanwhile this process parses the star-importing files and the
   modules their text names, computes the project's facts (``project.complete``) and
   checks those files itself, with the trees it parsed for their facts: each is parsed
   once, where the two passes parsed it twice;
4. a file whose true facts differ from the common ones after all (reached by a star
   import whose module its text splits across lines) is checked again with them.

Every report is thus the one the two passes give (tests/test_lint_overlap.py compares
them). Not with ``--fix``: a file written under facts that turn out wrong could not be
taken back. Nor when there is nothing to parse (the facts store had every record: a warm
run), nor when the star-importing files are so large a share of the tree that this process
alone would take longer over them than the helpers over the rest: then the facts come
first, as ``project.collect`` gives them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from . import engine
from .engine import Options, Workers, _process_paused
from .project import (EMPTY_RECORD, FactsStore, FileFacts, ProjectFacts, complete, default_setters,
                      parsed_record, read_forced, text_of)
from .result import FileReport
from .source import UnreadableSource, read_bytes

__all__ = ["applies", "run"]

#: Source kept as parsed trees while this process works through the star-importing files
#: (a tree takes 15 to 50 times its text's memory: up to ~100 MB here); past it, a file is
#: parsed again for its check.
_HELD_CHARS = 2_000_000
#: The most of the tree's bytes the star-importing files may hold, as a share of one
#: process's part: past it, this process would finish last.
_SHARE = 0.9

CheckFiles = Callable[..., "tuple[list[FileReport], dict[str, str]]"]


def applies(options: Options) -> bool:
    """Whether a run over paths may overlap its passes: it writes nothing, and its helpers
    are forked (they inherit the common facts; a process pool's would be sent them)."""
    return engine.FORK and not options.fix


class _Common:
    """The facts a file is checked with when no star import can reach it: the project's
    default-dtype setters, and its own evidence. What ``ProjectFacts.view`` gives such a
    file; ``stats`` as ``ProjectFacts.stats``."""

    def __init__(self, known: set[str], records: dict[str, tuple], evidence: dict[str, tuple] | None,
                 stats: dict[str, tuple | None]) -> None:
        setters, device_may_change = default_setters(records)
        self.known = known
        self.common = FileFacts(True, (), frozenset(), setters, device_may_change, ())
        self.evidence = evidence or {}
        self.stats = stats

    def view(self, relative_path: str) -> FileFacts:
        if relative_path not in self.known:
            return FileFacts.EMPTY  # type: ignore[attr-defined]  # not a .py file read
        evidence = self.evidence.get(relative_path)
        return replace(self.common, evidence=evidence) if evidence else self.common


class _Here:
    """Files parsed in this process for their facts, each tree kept for the file's check
    (up to ``_HELD_CHARS`` of text)."""

    def __init__(self, store: FactsStore, paths: dict[str, str]) -> None:
        self.store = store
        self.paths = paths
        #: relative path -> (bytes, text, tree)
        self.trees: dict[str, tuple] = {}
        self.room = _HELD_CHARS

    def parse(self, rel: str, key: tuple | None, into: dict[str, tuple], keep: bool = True) -> None:
        """The record of ``rel`` into ``into`` (and the store), parsed whatever its text
        holds. ``key``: its stat, taken before it was first read."""
        path = self.paths[rel]
        try:
            data = read_bytes(path)
        except UnreadableSource:
            return  # gone since it was read: its own check reports it
        from .cache import digest

        text = text_of(data, path)
        record, tree = parsed_record(text, path) if text is not None else (EMPTY_RECORD, None)
        self.store.learn(rel, key, digest(data), record, into)
        if keep and tree is not None and len(text) <= self.room:
            self.room -= len(text)
            self.trees[rel] = (data, text, tree)

    def force(self, wanted: dict[str, str]) -> dict[str, tuple]:
        """``project.complete``'s ``force``: here, keeping the trees."""
        forced: dict[str, tuple] = {}
        for rel, path in wanted.items():
            self.parse(rel, self.store.stat(rel, path), forced)
        return forced

    def take(self, rel: str) -> tuple | None:
        held = self.trees.pop(rel, None)
        if held is not None:
            self.room += len(held[1])
        return held


def run(
    checked: list[tuple[str, str]], files: list[tuple[str, str]], relative: Callable[[str], str],
    options: Options, cache, cache_dir: str | None, evidence: dict[str, tuple] | None, workers: Workers,
    served: Callable, check_files: CheckFiles,
) -> tuple[ProjectFacts, list[FileReport], dict[str, str]]:
    """The project's facts, the reports of ``files`` ((path, display path)) and their cache
    keys, as ``project.collect`` followed by ``check_files`` give them. ``checked``:
    (path, relative path) of each file. ``served`` and ``check_files``: api's, called as
    ``served(files, relative, options, cache)`` and ``check_files(files, options, first,
    extra)``: ``first(step)`` is this process's own part, run while the helpers check
    ``files``, and reports its progress over ``extra`` more files as ``step(done)``."""
    store = FactsStore(cache_dir)
    paths = {rel: path for path, rel in checked if rel.endswith(".py")}
    records: dict[str, tuple] = {}
    deferred: dict[str, tuple] = {}
    # The check's modules are imported while the helpers read: reading needs none of them.
    store.read(lambda function, items: workers.map(function, items, workers.prepare),
               [(rel, path, False) for rel, path in paths.items()], records, deferred)
    here = _Here(store, paths)
    dependent = _ours(here, records, deferred, workers.expected(len(files))) if deferred else None
    if dependent is None:
        # Nothing to parse (a warm run: the store had every record), or too much for this
        # process alone: the facts first, as ``collect`` gives them.
        records.update(read_forced(store, workers.map, {rel: paths[rel] for rel in deferred if rel not in records}))
        project = complete(records, paths, store, evidence, lambda wanted: read_forced(store, workers.map, wanted))
        return (project, *check_files(files, replace(options, project=project)))

    common = _Common({*records, *deferred}, records, evidence, store.stats)
    rel_of = dict(checked)
    theirs = [(path, display) for path, display in files if rel_of[path] not in dependent]
    ours = [(path, display) for path, display in files if rel_of[path] in dependent]
    outcome: dict[str, object] = {}

    def first(step: Callable[[int], None]) -> None:
        """This process's part, while the helpers check ``theirs``; ``step(n)``: n of
        ``ours`` are reported."""
        for rel, (key, _, _) in deferred.items():
            if rel not in records:
                here.parse(rel, key, records)
        project = complete(records, paths, store, evidence, here.force)
        facts_options = replace(options, project=project)
        reports, keys, work = served(ours, relative, facts_options, cache)
        # The held trees (over 100k objects) out of the young generation: else the first
        # file's young collection (``_process_paused``) traverses them all, 15 ms.
        engine._promote_survivors()
        for path, display, rel, data in work:
            held = here.take(rel)
            if held is not None:
                data = held[0]
            reports.append(_process_paused(path, display, rel, facts_options, data, project.view(rel),
                                           held[1:] if held is not None else None))
            step(len(reports))
        here.trees.clear()
        step(len(ours))
        outcome.update(project=project, reports=reports, keys=keys)

    reports, cache_keys = check_files(theirs, replace(options, project=common), first, len(ours))
    project: ProjectFacts = outcome["project"]  # type: ignore[assignment]
    reports.extend(outcome["reports"])  # type: ignore[arg-type]
    cache_keys.update(outcome["keys"])  # type: ignore[arg-type]

    # The guess is checked: a file whose facts are not the common ones after all (a
    # star import the text did not show on one line) is checked again with its own.
    missed = []
    agreed: set[int] = set()  # the true views found equal to the common facts (most are one)
    for path, display in theirs:
        rel = rel_of[path]
        true, assumed = project.view(rel), common.view(rel)
        if assumed is common.common and id(true) in agreed:
            continue
        if true != assumed:
            missed.append((path, display))
        elif assumed is common.common:
            agreed.add(id(true))  # owned by ``project``: the id stays its own
    if missed:
        again, keys = check_files(missed, replace(options, project=project))
        redone = {report.relative_path: report for report in again}
        reports = [redone.get(report.relative_path, report) for report in reports]
        for path, _ in missed:
            cache_keys.pop(rel_of[path], None)
        cache_keys.update(keys)
    return project, reports, cache_keys


def _ours(here: _Here, records: dict[str, tuple], deferred: dict[str, tuple], processes: int) -> set[str] | None:
    """Parses the setter files (their facts are every file's), and returns the files
    whose facts a star import can change, for this process to take; None when they are
    too large a share of the tree for it to finish with the helpers."""
    for rel, (key, _, (setter, _, _)) in deferred.items():
        if setter:  # the common facts: before anything is checked
            here.parse(rel, key, records, keep=False)
    dependent = _star_reachable(records, deferred)
    stats = here.store.stats
    total = sum(key[0] for key in stats.values() if key is not None)
    mine = sum(stats[rel][0] for rel in dependent if stats.get(rel) is not None)
    if processes > 1 and mine * processes > _SHARE * (total or 1):
        return None
    return dependent


def _star_reachable(records: dict[str, tuple], deferred: dict[str, tuple]) -> set[str]:
    """The files whose facts a star import can change: every file with a star import
    (as its record, or its text, shows) and every module one names."""
    resolver = ProjectFacts({rel: records.get(rel, EMPTY_RECORD) for rel in {*records, *deferred}},
                            compute=False)
    reachable: set[str] = set()
    for rel in resolver.records:
        found = deferred.get(rel)
        if found is not None:
            _, star, stars = found[2]
        else:
            stars = records[rel][1]
            star = bool(stars)
        if not star:
            continue
        reachable.add(rel)
        for module, level in stars:
            target = resolver._target(rel, module, level)
            if target is not None:
                reachable.add(target)
    return reachable
