"""``legacy-variable run``: a legacy program under the shim and legacy mode, then a report.

    legacy-variable run [--strict] [--report FILE.json] [--record FILE.json] [--format text|json] script.py [args]
    legacy-variable run [options] -m package.module [args]

The program runs in this process through ``runpy`` as ``__main__`` with the ``sys.argv``
and ``sys.path[0]`` Python itself would give it; its exit status is passed through.

Every diagnostic is collected: from threads the program starts (legacy mode's patches are
process-wide), and from forked worker processes such as DataLoader workers under Linux's
default ``fork`` start method (they inherit the mode and spool their diagnostics to the
parent). ``spawn``/``forkserver`` workers start a fresh interpreter without legacy mode.
The report goes to stderr at exit, also when the program raises; then the traceback
follows the report and the exit status is 1. ``--format json`` sends the JSON report (one
object per call site, with its ``count``) to stdout instead, after the program's own
output; ``--report FILE`` writes it to FILE (checked writable before the program starts;
should writing still fail, it goes to a temporary file and stderr says where).

What is refused before anything runs (exit 2; ``-m`` of a missing module exits 1 like
``python -m``, with no report): a missing script, a Jupyter notebook (``.ipynb``: its JSON
is not a program; convert it with ``jupyter nbconvert --to script`` or call
``legacy_variable.install(mode=True)`` in its first cell), an unwritable ``--report``
path, an invalid ``LEGACY_VARIABLE`` value.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import shutil
import sys
import tempfile
import threading
import traceback

from ..diagnostics import Diagnostic
from ..tally import Tally
from .emission import Collector

_DESCRIPTION = """\
Run a legacy (PyTorch 0.1-0.3 era) program with the Variable shim installed and legacy
mode on: `loss.data[0]`, `volatile=True`, `retain_variables=` work as in 0.3, autograd
misconceptions are explained where they happen, and a report of every legacy idiom met
is printed to stderr at exit."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "run",
        help="run a legacy script under the shim and legacy mode, then report",
        description=_DESCRIPTION,
        usage="legacy-variable run [options] (script.py | -m module) [args ...]",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="the first legacy idiom met is an error (LegacyVariableWarning raised, exit 1)",
    )
    parser.add_argument(
        "--report", metavar="FILE.json",
        help="also write the report as JSON to this file (its folder must exist)",
    )
    parser.add_argument(
        "--record", metavar="FILE.json",
        help="record what happened at each source site (receiver shapes, what torch.load "
        "returned, ...) into this evidence file, merged with what it holds, for "
        "`legacy-variable check --evidence FILE.json`",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: the report on stderr (default); json: the JSON report on stdout "
        "(or only in --report's file when given)",
    )
    parser.add_argument(
        "--trace-ops",
        action="store_true",
        help="op-level provenance for the autograd-misconception checks (sees every torch "
        "call, in every thread the program starts; costs about 10%% on training loops)",
    )
    parser.add_argument(
        "--trust-pickles",
        action="store_true",
        help="retry a torch.load that weights_only=True refuses (old whole-model "
        "checkpoints) with weights_only=False; unpickling runs code from the file, so use "
        "it only for files you trust (reported as LV122)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no LegacyVariableWarning lines while the program runs (the report remains)",
    )
    # REMAINDER: everything after `-m module` belongs to the program, as with `python -m`.
    parser.add_argument(
        "-m", dest="module", nargs=argparse.REMAINDER, metavar="module",
        help="run a library module as a script (the rest of the line are its arguments)",
    )
    parser.add_argument("argv", nargs=argparse.REMAINDER, metavar="script.py [args]")
    parser.set_defaults(handler=run_command)
    return parser


def run_command(args: argparse.Namespace) -> int:
    argv = list(args.argv)
    if argv and argv[0] == "--":
        argv.pop(0)
    module = None
    if args.module is not None:
        if not args.module:
            print("legacy-variable run: error: -m needs a module name", file=sys.stderr)
            return 2
        module, argv = args.module[0], args.module[1:] + argv
    elif not argv:
        print("legacy-variable run: error: a script or -m module is required", file=sys.stderr)
        return 2
    return run(
        script=None if module else argv[0],
        module=module,
        args=argv if module else argv[1:],
        strict=args.strict,
        report_path=args.report,
        report_format=args.format,
        quiet=args.quiet,
        trace_ops=args.trace_ops,
        trust_pickles=args.trust_pickles,
        record_path=args.record,
    )


def run(
    script: str | None = None,
    module: str | None = None,
    args: list[str] | tuple[str, ...] = (),
    *,
    strict: bool = False,
    report_path: str | None = None,
    report_format: str = "text",
    quiet: bool = False,
    trace_ops: bool = False,
    trust_pickles: bool = False,
    stderr=None,
    record_path: str | None = None,
) -> int:
    """Run ``script`` (a path) or ``module`` (a dotted name) as ``__main__``; the exit code."""
    from . import emission, installation
    from .patches import trusted_load

    stderr = stderr if stderr is not None else sys.stderr
    program = module if module else script
    problem = _refusal(script, report_path) or emission.env_action_error() \
        or (record_path and _record_refusal(record_path))
    if problem is not None:
        print(f"legacy-variable run: error: {problem}", file=stderr)
        return 2

    saved_argv, saved_path0 = sys.argv, (sys.path[0] if sys.path else None)
    previous_action = emission.configure("error" if strict else ("ignore" if quiet else "once"))
    collector = _RunCollector(tempfile.mkdtemp(prefix="legacy-variable-run-"))
    _install_fork_hook()
    _current.collector = collector
    exit_code = 0
    failure: BaseException | None = None
    trusted_before = trusted_load.trust_pickles(trust_pickles)
    with collector:
        installation.install(mode=True)
        recorder = _start_recording(script, record_path) if record_path else None
        ops = _OpsEverywhere() if trace_ops else None
        try:
            if module:
                sys.argv = [module, *args]  # runpy replaces argv[0] with the module's file
                _set_path0(os.getcwd())
                # Looked up with the shim in (parent packages get imported, as runpy would).
                missing = _missing_module(module)
                if missing is not None:
                    raise _NoSuchModule(missing)
                runpy.run_module(module, run_name="__main__", alter_sys=True)
            else:
                sys.argv = [script, *args]
                _set_path0(os.path.dirname(os.path.abspath(script)))
                runpy.run_path(script, run_name="__main__")
            _join_threads()
        except _NoSuchModule as exc:
            failure = exc
            exit_code = 1
        except SystemExit as exc:
            exit_code = _exit_status(exc, stderr)
            _join_threads()
        except KeyboardInterrupt as exc:
            failure = exc
            exit_code = 130
        except BaseException as exc:  # noqa: BLE001 -- reported after the summary
            failure = exc
            exit_code = 1
        finally:
            if ops is not None:
                ops.close()
            if recorder is not None:
                recorder.stop()  # inside the mode it was started in
            installation.uninstall()
            trusted_load.trust_pickles(trusted_before)
            emission.configure(previous_action)
            sys.argv = saved_argv
            if saved_path0 is not None:
                _set_path0(saved_path0)

    _current.collector = None
    if recorder is not None:
        _save_recording(recorder, record_path, stderr)
    collector.merge_children()
    found = collector.tally
    if isinstance(failure, _NoSuchModule):
        # Nothing ran: no report, the interpreter's own message (`python -m` says the same).
        print(f"legacy-variable run: error: {failure}", file=stderr)
        return exit_code
    try:
        _report(found, program, report_format, report_path, trust_pickles, stderr)
    finally:
        if failure is not None:
            _print_traceback(failure, stderr)
    if strict and found and exit_code == 0:
        exit_code = 1
    return exit_code


class _NoSuchModule(ImportError):
    """``-m`` names a module that cannot be found: raised before anything runs."""


def _refusal(script: str | None, report_path: str | None) -> str | None:
    """Why the run must not start, checked before the program runs (it may run for
    hours: failing on the report path afterwards would lose the report)."""
    if script is not None:
        if not os.path.exists(script):
            return f"can't open file {script!r}"
        if script.lower().endswith(".ipynb"):
            return (
                f"{script} is a Jupyter notebook, not a Python program; convert it first "
                f"(jupyter nbconvert --to script {script}) or put "
                "`import legacy_variable; legacy_variable.install(mode=True)` in its first "
                "cell and run it in Jupyter"
            )
    if report_path:
        from .evidence import unwritable

        return unwritable(report_path, "--report")
    return None


def _record_refusal(path: str) -> str | None:
    from .evidence import refusal

    return refusal(path, "--record")


def _start_recording(script: str | None, path: str):
    """Sites are keyed from the project root above the script (``-m``: the current folder);
    forked DataLoader workers merge theirs into ``path`` as they exit."""
    from .evidence import Recorder, project_root

    root = project_root(os.path.dirname(os.path.abspath(script)) if script else os.getcwd())
    return Recorder(root, os.path.abspath(path)).start()


def _save_recording(recorder, path: str, stderr) -> None:
    """Also after a failing program: what it saw until then is evidence too."""
    try:
        recorder.save(path)
    except (OSError, ValueError) as error:
        fd, fallback = tempfile.mkstemp(prefix="legacy-variable-evidence-", suffix=".json")
        os.close(fd)
        os.unlink(fallback)
        recorder.save(fallback)
        print(f"legacy-variable run: could not write {path} ({getattr(error, 'strerror', None) or error}); "
              f"the evidence is in {fallback}", file=stderr)


def _missing_module(module: str) -> str | None:
    """The message ``python -m`` would print for a module it cannot run, or None."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.submodule_search_locations is not None:
            if importlib.util.find_spec(module + ".__main__") is None:
                return (
                    f"No module named {module}.__main__; '{module}' is a package and "
                    "cannot be directly executed"
                )
    except (ImportError, ValueError) as error:
        return str(error) or f"No module named {module}"
    return None if spec is not None else f"No module named {module}"


def _report(found, program, report_format, report_path, trust_pickles, stderr) -> None:
    from .. import report

    if report_format == "json":
        if not report_path:
            print(report.to_json(found), file=sys.stdout, flush=True)
    else:
        print(
            report.format_text(
                found, program=program or "the program", trust_pickles=trust_pickles
            ),
            end="",
            file=stderr,
        )
    if report_path:
        text = report.to_json(found) + "\n"
        try:
            with open(report_path, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as error:
            # Checked before the run, so this is rare (the folder vanished, disk full):
            # never lose a report that may have taken hours to produce.
            fd, fallback = tempfile.mkstemp(prefix="legacy-variable-report-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            print(
                f"legacy-variable run: could not write {report_path} ({error.strerror or error}); "
                f"the JSON report is in {fallback}",
                file=stderr,
            )


class _RunCollector(Collector):
    """One counter per site, never one record per occurrence: a training loop under
    ``run`` meets the same few sites for hours, so memory stays bounded by the number of
    sites (``Tally``: code, file, line, column, message -> first diagnostic, count).

    In a forked child (a DataLoader worker with the default ``fork`` start method inherits
    legacy mode) it appends to a spool file per process instead, which the parent reads
    back for the report: a site's first occurrence as a JSON line, each later one as the
    site's number in that file (a few bytes). Written and flushed per occurrence, because
    a worker may be killed at any point and must not take its counts with it."""

    def __init__(self, spool_dir: str) -> None:
        super().__init__()
        self.spool_dir = spool_dir
        self.spool = None
        self.tally = Tally()
        #: In a child: tally key -> the site's number in the spool file.
        self._spooled: dict[tuple, int] = {}

    def add(self, diagnostic: Diagnostic) -> None:
        if self.spool is None:
            with self._lock:
                self.tally.add(diagnostic)
            return
        key = Tally.site_key(diagnostic)
        with self._lock:
            number = self._spooled.get(key)
            if number is None:
                self._spooled[key] = len(self._spooled)
                self.spool.write(json.dumps(diagnostic.to_json()) + "\n")
            else:
                self.spool.write(f"{number}\n")
            self.spool.flush()

    @property
    def codes(self) -> set[str]:
        return {entry.diagnostic.code for entry in self.tally.entries()}

    def forked(self) -> None:
        self._lock = threading.Lock()  # another thread may have held it at fork time
        self.tally = Tally()
        self._spooled = {}
        path = os.path.join(self.spool_dir, f"{os.getpid()}.jsonl")
        self.spool = open(path, "a", encoding="utf-8")

    def merge_children(self) -> None:
        """Add what forked children spooled to the tally (after this process's own
        sites, as the report always listed them) and remove the spool folder."""
        try:
            for name in sorted(os.listdir(self.spool_dir)):
                sites: list[Diagnostic] = []
                with open(os.path.join(self.spool_dir, name), encoding="utf-8") as fh:
                    for line in fh:
                        if not line.endswith("\n"):
                            break  # a worker killed mid-write: its last line is partial
                        try:
                            if line[:1] == "{":
                                sites.append(Diagnostic.from_json(json.loads(line)))
                                self.tally.add(sites[-1])
                            else:
                                self.tally.add(sites[int(line)])
                        except (ValueError, KeyError, IndexError):
                            pass  # not ours: never let it cost the report
        finally:
            shutil.rmtree(self.spool_dir, ignore_errors=True)


class _Current:
    collector: _RunCollector | None = None
    fork_hook = False


_current = _Current()


def _after_fork_in_child() -> None:
    collector = _current.collector
    if collector is not None:
        try:
            collector.forked()
        except OSError:
            pass


def _install_fork_hook() -> None:
    if not _current.fork_hook and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _current.fork_hook = True


class _OpsEverywhere:
    """``OpProvenanceMode`` in this thread and in every thread started meanwhile (torch's
    modes are thread-local), through ``Thread._bootstrap_inner``, which runs every thread's
    ``run`` -- overridden ones included."""

    def __init__(self) -> None:
        # Here, not at module level: `legacy-variable run --help` must not import torch.
        from .mode.op_provenance import OpProvenanceMode

        self.mode = OpProvenanceMode()
        self.mode.__enter__()
        self.original = threading.Thread.__dict__.get("_bootstrap_inner")
        if self.original is not None:
            original = self.original

            def _bootstrap_inner(thread):
                with OpProvenanceMode():
                    original(thread)

            threading.Thread._bootstrap_inner = _bootstrap_inner

    def close(self) -> None:
        if self.original is not None:
            threading.Thread._bootstrap_inner = self.original
        self.mode.__exit__(None, None, None)


def _set_path0(path: str) -> None:
    if sys.path:
        sys.path[0] = path
    else:
        sys.path.insert(0, path)


def _exit_status(exc: SystemExit, stderr) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=stderr)
    return 1


def _join_threads() -> None:
    """Wait for the program's non-daemon threads, as the interpreter would at exit, so
    their diagnostics are in the report."""
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon and thread is not threading.main_thread():
            thread.join()


def _print_traceback(exc: BaseException, stderr) -> None:
    """The program's traceback, without this runner's and runpy's frames."""
    tb = exc.__traceback__
    here = os.path.abspath(__file__)
    while tb is not None and (
        os.path.abspath(tb.tb_frame.f_code.co_filename) == here
        or tb.tb_frame.f_code.co_filename.startswith("<frozen runpy")
        or tb.tb_frame.f_code.co_filename.endswith("runpy.py")
    ):
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb, file=stderr)
