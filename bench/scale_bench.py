"""Linear cost of one big legacy file (issue 14): time and peak memory against ast.parse.

    python bench/scale_bench.py [--lines 60000] [--huge 400000] [--profile 5000,10000]

Generates a legacy module of ``--lines`` lines, half of it in one module-level scope
(``Variable(...)`` wraps, ``.data`` reads, ``volatile=`` flags one after another, as
generated code and notebook exports have them) and half in functions, then runs, each in
a fresh process so that peak memory is the process's own:

  parse   ``ast.parse`` of the text (the floor)
  check   ``legacy_variable.lint.check`` of the file, one process, no cache

Peak memory is the growth of the peak resident set over the process's size just before
the work (the interpreter and the imports are not counted). Prints time and memory
ratios against the targets (check <= 3x parse time, <= 6x parse memory). ``--huge``
also checks a file of that many lines and prints whether it finished within
``--huge-limit`` seconds. ``--profile`` prints, per size, where a check spends its time
(cProfile, top functions by own time), to find what grows faster than the file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

MODULE_SCOPE = """\
x{n} = Variable(torch.randn({k}, 3), requires_grad=True)
y{n} = Variable(x{n}.data, volatile=True)
z{n} = y{n}.data[0] + x{n}.sum().data[0]
"""

FUNCTION = """\
def step_{n}(model, batch):
    data = Variable(batch.cuda(), volatile=True)
    out = model(data)
    loss = out.sum()
    total = loss.data[0]
    return total

"""


def legacy_module(lines: int) -> str:
    head = "import torch\nfrom torch.autograd import Variable\n\n"
    scope, functions = [], []
    n = 0
    while 3 * len(scope) < lines // 2:
        scope.append(MODULE_SCOPE.format(n=n, k=n % 7 + 1))
        n += 1
    while 7 * len(functions) < lines - lines // 2:
        functions.append(FUNCTION.format(n=n))
        n += 1
    return head + "".join(scope) + "\n" + "".join(functions)


CHILD = r"""
import gc, json, os, resource, sys, time, warnings
warnings.simplefilter("ignore")
mode, path = sys.argv[1], sys.argv[2]
def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
if mode == "check":
    from legacy_variable.lint import check
    import legacy_variable.lint.checkers  # imports before the baseline
    import legacy_variable.lint.engine, legacy_variable.lint.cache
else:
    import ast
with open(path, "rb") as f:
    data = f.read()
before = rss_kib()
start = time.perf_counter()
if mode == "check":
    result = check([path], cache=False, jobs=1, isolated=True, cwd=os.path.dirname(path))
    found = len(result.diagnostics)
else:
    ast.parse(data)
    found = 0
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"time": elapsed, "memory_kib": max(peak - before, 1), "found": found}))
"""

PROFILE = r"""
import cProfile, pstats, sys, os, warnings
warnings.simplefilter("ignore")
from legacy_variable.lint import check
import legacy_variable.lint.checkers
path = sys.argv[1]
profiler = cProfile.Profile()
profiler.enable()
check([path], cache=False, jobs=1, isolated=True, cwd=os.path.dirname(path))
profiler.disable()
pstats.Stats(profiler).sort_stats("tottime").print_stats(int(sys.argv[2]))
"""


def child(mode: str, path: str, timeout: float | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, path], capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        raise SystemExit(f"{mode} of {path} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def best_of(mode: str, path: str, repeat: int) -> dict:
    runs = [child(mode, path) for _ in range(repeat)]
    return {"time": min(r["time"] for r in runs), "memory_kib": min(r["memory_kib"] for r in runs), "found": runs[0]["found"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--huge", type=int, default=0, help="also check a file of this many lines")
    parser.add_argument("--huge-limit", type=float, default=600)
    parser.add_argument("--profile", default="", help="comma-separated sizes to profile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}, "
          f"cores: {len(os.sched_getaffinity(0))}, python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.profile.split(",") if s]:
            path = os.path.join(tmp, f"profile_{size}.py")
            with open(path, "w") as f:
                f.write(legacy_module(size))
            print(f"\n=== profile of a {size}-line file ===")
            out = subprocess.run([sys.executable, "-c", PROFILE, path, str(args.top)], capture_output=True, text=True)
            print(out.stdout[-6000:] or out.stderr[-3000:])

        path = os.path.join(tmp, "big.py")
        with open(path, "w") as f:
            f.write(legacy_module(args.lines))
        parse = best_of("parse", path, args.repeat)
        lint = best_of("check", path, args.repeat)
        time_ratio = lint["time"] / parse["time"]
        memory_ratio = lint["memory_kib"] / parse["memory_kib"]
        print(f"\n{args.lines}-line file ({args.lines // 2} lines in one module-level scope), "
              f"{lint['found']} findings, best of {args.repeat}:")
        print(f"  parse  {parse['time']:8.3f} s  {parse['memory_kib'] / 1024:8.1f} MiB")
        print(f"  check  {lint['time']:8.3f} s  {lint['memory_kib'] / 1024:8.1f} MiB")
        print(f"  time   {time_ratio:5.2f}x parse (target <= 3x): {'PASS' if time_ratio <= 3 else 'FAIL'}")
        print(f"  memory {memory_ratio:5.2f}x parse (target <= 6x): {'PASS' if memory_ratio <= 6 else 'FAIL'}")

        if args.huge:
            path = os.path.join(tmp, "huge.py")
            with open(path, "w") as f:
                f.write(legacy_module(args.huge))
            start = time.perf_counter()
            try:
                result = child("check", path, timeout=args.huge_limit)
                print(f"  {args.huge}-line file: finished in {time.perf_counter() - start:.1f} s, "
                      f"{result['memory_kib'] / 1024:.0f} MiB, {result['found']} findings: PASS")
            except subprocess.TimeoutExpired:
                print(f"  {args.huge}-line file: not finished in {args.huge_limit:.0f} s: FAIL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
