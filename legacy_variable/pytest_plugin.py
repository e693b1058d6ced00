"""pytest plugin: run a legacy test suite with the shim and legacy mode, and report on it.

Inactive unless asked (``--legacy-variable`` or ini ``legacy_variable = true``); then
the shim is installed before conftest and test modules are imported, legacy mode is on,
every runtime diagnostic is attributed to the test that caused it, summarised at the end
(``legacy_variable.summary``), optionally written as JSON and optionally gating the run.

Diagnostics are counted by a ``Collector`` (``legacy_variable.diagnostics``), not by
``pytest_warning_recorded``: the collector sees every occurrence whatever the warning
filters say (legacy suites often carry ``ignore::DeprecationWarning``, and
``-W error::...`` turns a warning into an exception that is never "recorded"), and it is
local to the process that ran the test, so under pytest-xdist -- which also forwards
warnings to the controller -- nothing is counted twice: workers hand their tally over
through ``workeroutput`` and only the controller reports (code outside any test --
conftest.py, module bodies -- runs in every worker, so it is merged once, not summed).
A consequence users may want: ``-W ignore::legacy_variable.LegacyVariableWarning``
empties pytest's own warnings summary while this plugin's table and gate still see
everything.

Allow-lists are decided where the diagnostic fires (global list, plus the running test's
``@pytest.mark.legacy_variable(allow=[...])``, class and module marks included); code run
outside a test (module bodies at collection) only has the global list.

Importing this module imports neither torch nor the shim: a project that merely has
legacy-variable installed pays nothing.
"""

from __future__ import annotations

import json
import os
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from . import rules as _rules
from .diagnostics import Diagnostic
from .runtime.emission import Collector, configure
from .summary import format_summary
from .tally import Tally

MARKER = "legacy_variable"
#: Key of the tally a pytest-xdist worker sends to the controller.
WORKEROUTPUT_KEY = "legacy_variable_tally"
MODES = ("on", "off")


# --------------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("legacy_variable", "legacy-variable (torch.autograd.Variable-era code)")

    def option(flag: str, ini: str, ini_type: str | None, ini_default, help: str, **kwargs):
        group.addoption(flag, dest=ini, help=f"{help} (ini: {ini})", **kwargs)
        parser.addini(ini, help, type=ini_type, default=ini_default)

    option(
        "--legacy-variable", "legacy_variable", "bool", False,
        "Run with the legacy Variable shim and legacy mode; report legacy usage per test.",
        action="store_true", default=None,
    )
    option(
        "--legacy-variable-mode", "legacy_variable_mode", "string", "on",
        "Legacy mode (0.3 semantics: loss.data[0], infectious volatile, ...): on|off, default on.",
        choices=MODES, default=None,
    )
    option(
        "--legacy-variable-strict", "legacy_variable_strict", "bool", False,
        "Fail the run if any diagnostic fired that no allow-list or marker accepts "
        "(implies --legacy-variable).",
        action="store_true", default=None,
    )
    option(
        "--legacy-variable-allow", "legacy_variable_allow", "args", [],
        "Rule codes, prefixes or names accepted by strict mode, comma separated "
        "(e.g. LV101,LV102); repeatable; replaces the ini list.",
        action="append", default=None, metavar="CODES",
    )
    option(
        "--legacy-variable-report", "legacy_variable_report", "string", "",
        "Write the diagnostics as JSON (the linter's schema plus test/count/allowed) to this "
        "file (implies --legacy-variable).",
        default=None, metavar="FILE.json",
    )
    option(
        "--legacy-variable-record", "legacy_variable_record", "string", "",
        "Record what happened at each source site into this evidence file (merged with what "
        "it holds) for `legacy-variable check --evidence` (implies --legacy-variable).",
        default=None, metavar="FILE.json",
    )


@dataclass(frozen=True)
class Settings:
    enabled: bool
    mode: bool
    strict: bool
    allow: frozenset[str]
    report: Path | None
    record: Path | None = None


def _allowed_codes(selectors, where: str) -> frozenset[str]:
    parts = [part.strip() for item in selectors for part in str(item).split(",")]
    try:
        return frozenset(_rules.expand(part for part in parts if part))
    except ValueError as error:
        raise pytest.UsageError(f"{where}: {error}") from None


def _read_settings(config: pytest.Config, options) -> Settings:
    """CLI value if given, else the ini value, else the default; validated, naming the source."""

    def pick(dest: str):
        value = getattr(options, dest, None)
        if value is not None:
            return value, "--" + dest.replace("_", "-")
        return config.getini(dest), f"ini {dest}"

    enabled, _ = pick("legacy_variable")
    mode, where = pick("legacy_variable_mode")
    mode = str(mode).strip().lower()
    if mode not in MODES:
        raise pytest.UsageError(f"{where}: expected one of {', '.join(MODES)}; got {mode!r}")
    strict, _ = pick("legacy_variable_strict")
    allow, where = pick("legacy_variable_allow")
    report, where_report = pick("legacy_variable_report")
    report_path = None
    if report:
        # A CLI path is relative to where pytest was invoked, an ini one to the ini file.
        base = (
            config.invocation_params.dir
            if where_report.startswith("--")
            else (config.inipath.parent if config.inipath else config.rootpath)
        )
        report_path = Path(base, os.path.expanduser(str(report)))
    record, where_record = pick("legacy_variable_record")
    record_path = None
    if record:
        record_path = _path_option(config, record, where_record)
        from .runtime.evidence import refusal

        problem = refusal(str(record_path), where_record)
        if problem is not None:
            raise pytest.UsageError(problem)
    # Asking for the gate or the report means asking for the plugin (issue 15: they did
    # nothing on their own).
    enabled = bool(enabled) or bool(strict) or report_path is not None or record_path is not None
    if enabled:
        from .runtime.emission import env_action_error

        problem = env_action_error()
        if problem is not None:
            raise pytest.UsageError(problem)
    return Settings(
        enabled=enabled,
        mode=mode == "on",
        strict=bool(strict),
        allow=_allowed_codes(allow, where),
        report=report_path,
        record=record_path,
    )


def _path_option(config: pytest.Config, value, where: str) -> Path:
    """A CLI path is relative to where pytest was invoked, an ini one to the ini file."""
    base = (
        config.invocation_params.dir
        if where.startswith("--")
        else (config.inipath.parent if config.inipath else config.rootpath)
    )
    return Path(base, os.path.expanduser(str(value)))


def _marker_allow(item: pytest.Item) -> frozenset[str]:
    selectors: list[str] = []
    for marker in item.iter_markers(MARKER):
        allow = marker.kwargs.get("allow", ())
        unknown = set(marker.kwargs) - {"allow"}
        if unknown:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.{MARKER} takes allow=[...]; got {sorted(unknown)}"
            )
        selectors.extend(marker.args)
        selectors.extend([allow] if isinstance(allow, str) else allow)
    return _allowed_codes(selectors, f"{item.nodeid}: @pytest.mark.{MARKER}")


# --------------------------------------------------------------------------- session state


class _Recorder(Collector):
    """Counts each diagnostic against the test that is running when it fires."""

    def __init__(self, allow: frozenset[str]) -> None:
        super().__init__()
        self.tally = Tally()
        self.allow = allow
        self.current_test: str | None = None
        self.current_allow: frozenset[str] = frozenset()
        #: Per-test marker allow-lists, filled at collection.
        self.test_allow: dict[str, frozenset[str]] = {}
        #: >0 while a ``legacy_diagnostics.capture()`` block owns the diagnostics.
        self.paused = 0

    def add(self, diagnostic: Diagnostic) -> None:
        if self.paused:
            return
        code = diagnostic.code
        allowed = code in self.allow or code in self.current_allow
        with self._lock:
            self.tally.add(diagnostic, test=self.current_test, allowed=allowed)


@dataclass
class _Session:
    settings: Settings
    recorder: _Recorder
    #: "on" or "off".
    mode_status: str = "off"
    #: Whether the "once" policy's memory is reset at each test start.
    per_test_once: bool = False
    #: Undoes install/mode/warning policy/recorder, in reverse order.
    undo: ExitStack = field(default_factory=ExitStack)
    #: The runtime evidence recorder (``--legacy-variable-record``), or None.
    evidence: object = None


_SESSION_KEY = pytest.StashKey[_Session]()


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _activate(config: pytest.Config, settings: Settings) -> None:
    """Shim, legacy mode, warning policy and recorder for the whole session."""
    from .runtime import shim
    from .runtime.mode import activation

    session = _Session(settings=settings, recorder=_Recorder(settings.allow))
    config.stash[_SESSION_KEY] = session
    config.add_cleanup(session.undo.close)
    undo = session.undo

    undo.enter_context(session.recorder)
    # "once", forgotten at each test start (pytest_runtest_protocol): one warning per
    # call site per test, so pytest's per-test capture and `-W error::...` act on every
    # test, without pytest recording and formatting every occurrence of a loop (it
    # listed them once per test anyway). The recorder still counts every occurrence.
    # An explicit "error" policy is kept.
    previous = configure()
    if previous != "error":
        configure("once")
        session.per_test_once = True
        undo.callback(configure, previous)

    # Scopes, not install()/enable_globally(): a test calling legacy_variable.uninstall()
    # must not take the shim or the mode away from the rest of the session.
    shim.acquire_shim()
    undo.callback(shim.release_shim)
    if settings.mode:
        undo.enter_context(activation.legacy_mode(install=False))
        session.mode_status = "on"
    if settings.record is not None:
        # Inside the mode, so that its patches sit under the mode's wrappers; stopped
        # first. Each process (an xdist worker too) saves into the file under a lock at
        # session finish: counts add up, nothing is clobbered.
        from .runtime import evidence

        session.evidence = evidence.Recorder(evidence.project_root(str(config.rootpath)),
                                             str(settings.record)).start()
        undo.callback(session.evidence.stop)
    # LIFO: the callbacks run evidence → mode → shim → policy → recorder.


def _session(config: pytest.Config) -> _Session | None:
    return config.stash.get(_SESSION_KEY, None)


# --------------------------------------------------------------------------- hooks


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser, args) -> None:
    # The earliest moment options and ini are known: installing here means conftest.py
    # files doing `from torch.autograd import Variable` at import get the shim too.
    settings = _read_settings(early_config, early_config.known_args_namespace)
    if settings.enabled:
        _activate(early_config, settings)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(allow=[codes]): legacy-variable rule codes this test may emit "
        "without failing --legacy-variable-strict.",
    )
    if _session(config) is None:
        # Loaded too late for pytest_load_initial_conftests (e.g. `pytest_plugins`).
        settings = _read_settings(config, config.option)
        if settings.enabled:
            _activate(config, settings)
    if (
        _session(config) is not None
        and config.pluginmanager.hasplugin("xdist")
        and not _is_worker(config)
    ):
        config.pluginmanager.register(_XdistController(config), "legacy_variable_xdist")


def pytest_report_header(config: pytest.Config) -> str | None:
    session = _session(config)
    if session is None:
        return None
    s = session.settings
    parts = ["shim installed", f"legacy mode {session.mode_status}"]
    if s.strict:
        parts.append("strict")
    if s.allow:
        parts.append("allow " + ",".join(sorted(s.allow)))
    return "legacy-variable: " + ", ".join(parts)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    session = _session(config)
    if session is None:
        return
    for item in items:
        allow = _marker_allow(item)
        if allow:
            session.recorder.test_allow[item.nodeid] = allow


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    session = _session(item.config)
    if session is None:
        return (yield)
    recorder = session.recorder
    if session.per_test_once:
        configure("once")  # forgets the sites already warned about
    if session.mode_status == "on":
        # Inside pytest's per-test catch_warnings (its wrapper is outermost), after the
        # test's filterwarnings marks and -W/ini filters went in front of legacy mode's.
        from .runtime.mode import torch_warnings

        torch_warnings.keep_first()
    recorder.current_test = item.nodeid
    recorder.current_allow = recorder.test_allow.get(item.nodeid, frozenset())
    try:
        return (yield)
    finally:
        recorder.current_test = None
        recorder.current_allow = frozenset()


def pytest_sessionfinish(session: pytest.Session, exitstatus) -> None:
    config = session.config
    state = _session(config)
    if state is None:
        return
    tally = state.recorder.tally
    if state.evidence is not None:
        _save_evidence(state)
    if _is_worker(config):
        config.workeroutput[WORKEROUTPUT_KEY] = tally.to_payload()
        return
    if state.settings.report is not None:
        path = state.settings.report
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(tally.report(), indent=2) + "\n", encoding="utf-8")
    if state.settings.strict and tally.not_allowed() and session.exitstatus in (
        pytest.ExitCode.OK,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    state = _session(config)
    if state is None or _is_worker(config):
        return
    tally = state.recorder.tally
    tr = terminalreporter
    tr.section("legacy-variable summary")
    for line in format_summary(tally, relpath=lambda p: _relpath(config, p)):
        tr.write_line(line)
    if state.settings.report is not None:
        tr.write_line(f"report written to {state.settings.report}")
    if state.evidence is not None:
        tr.write_line(f"evidence recorded to {state.settings.record}")
    if state.settings.strict:
        failing = tally.not_allowed()
        if failing:
            counts = ", ".join(f"{code} x{n}" for code, n in failing.items())
            tr.write_line(
                f"legacy-variable strict: FAILED, {sum(failing.values())} diagnostic(s) not "
                f"allowed ({counts}); accept known ones with "
                f"--legacy-variable-allow={','.join(failing)} or "
                f"@pytest.mark.{MARKER}(allow=[...])",
                red=True,
                bold=True,
            )
        else:
            tr.write_line("legacy-variable strict: passed", green=True)


def _save_evidence(state: _Session) -> None:
    import sys

    try:
        state.evidence.save(str(state.settings.record))
    except (OSError, ValueError) as error:
        # Checked before the session; rare (the folder vanished, the file was replaced).
        print(f"legacy-variable: could not record evidence to {state.settings.record}: "
              f"{getattr(error, 'strerror', None) or error}", file=sys.stderr)


def _relpath(config: pytest.Config, path: str) -> str:
    try:
        return os.path.relpath(path, config.rootpath)
    except ValueError:  # another drive on Windows
        return path


class _XdistController:
    """Merges the workers' tallies on the controller (registered only with xdist)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_testnodedown(self, node, error) -> None:
        state = _session(self.config)
        # A crashed worker may have no output; its tests are reported as failures anyway.
        payload = getattr(node, "workeroutput", {}).get(WORKEROUTPUT_KEY)
        if state is not None and payload:
            state.recorder.tally.merge_payload(payload, outside_tests_once=True)


# --------------------------------------------------------------------------- fixture


class Captured(Collector):
    """What a ``legacy_diagnostics.capture()`` block emitted."""

    def count(self, code: str | None = None) -> int:
        return sum(1 for d in self.diagnostics if code is None or d.code == code)

    def __len__(self) -> int:
        return len(self.diagnostics)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(list(self.diagnostics))

    def __repr__(self) -> str:
        return f"<Captured {[d.code for d in self.diagnostics]}>"


class LegacyDiagnostics:
    """The ``legacy_diagnostics`` fixture: assert what a block of code emits."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config

    @contextmanager
    def capture(self, *, install: bool = False, mode: bool = False) -> Iterator[Captured]:
        """Collect the diagnostics of the block, like ``pytest.warns`` collects warnings.

        They are the block's expected output, so they are swallowed: no warning is
        issued (``-W error`` does not fire) and they count neither in the session
        summary nor against ``--legacy-variable-strict``. ``install=True`` puts the shim
        behind ``torch.autograd.Variable`` and ``mode=True`` enters legacy mode for the
        block (both already hold in a ``--legacy-variable`` session).
        """
        state = _session(self._config)
        with ExitStack() as stack:
            if install:
                from .runtime.installation import installed

                stack.enter_context(installed())
            if mode:
                from .runtime.mode import legacy_mode

                stack.enter_context(legacy_mode())
            previous = configure("ignore")
            stack.callback(configure, previous)
            if state is not None:
                state.recorder.paused += 1
                stack.callback(_resume, state.recorder)
            yield stack.enter_context(Captured())


def _resume(recorder: _Recorder) -> None:
    recorder.paused -= 1


@pytest.fixture
def legacy_diagnostics(request: pytest.FixtureRequest) -> LegacyDiagnostics:
    """``with legacy_diagnostics.capture() as got: ...``; then ``got.codes == {"LV104"}``."""
    return LegacyDiagnostics(request.config)
