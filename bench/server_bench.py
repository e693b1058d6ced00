"""Editor latency of ``legacy-variable server`` (issue 17): from a ``didChange`` to the
``publishDiagnostics`` of that version, for a 3,000-line legacy file. Target: ≤ 0.3 s.

    python bench/server_bench.py [--lines 3000] [--changes 15]

The server runs as an editor starts it (a subprocess over stdio); each change is one
keystroke-sized edit sent after the previous version's diagnostics arrived, so every
latency includes the debounce, the lint, the conversion and both pipes. Baseline, in the
same run and process-free: ``lint.check(source=...)`` on the same text, the linter's own
share; the ratio says what the server adds on top of it. Wall time on a shared machine:
the load average is printed with the numbers.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

import lint_bench  # noqa: E402  (the 2017-style snippets of the linter bench)
from test_server_lsp import LspClient  # noqa: E402  (a minimal stdio JSON-RPC client)

from legacy_variable.lint import check  # noqa: E402


def legacy_file(target_lines: int) -> str:
    rng = random.Random(2017)
    pieces, lines, n = ["import torch\nfrom torch.autograd import Variable\n"], 2, 0
    while lines < target_lines:
        snippet = rng.choice(lint_bench.SNIPPETS).format(n=n)
        pieces.append(snippet)
        lines += snippet.count("\n")
        n += 1
    return "".join(pieces)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--changes", type=int, default=15)
    args = parser.parse_args(argv)

    text = legacy_file(args.lines)
    root = Path(tempfile.mkdtemp(prefix="lv-server-bench-"))
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    path = root / "train.py"

    baseline = []
    for _ in range(5):
        start = time.perf_counter()
        found = check(source=text, filename=str(path), cwd=str(root))
        baseline.append(time.perf_counter() - start)

    client = LspClient(cwd=root)
    try:
        client.initialize(root=root)
        uri = path.as_uri()
        start = time.perf_counter()
        client.open(uri, text)
        first = client.diagnostics(uri, version=1)
        opened = time.perf_counter() - start
        assert len(first) == len(found.diagnostics), (len(first), len(found.diagnostics))

        latencies = []
        current = text
        for version in range(2, args.changes + 2):
            # A keystroke: a comment grows at the end of a line in the middle of the file.
            if version % 2:
                current = current.replace("\n", f"  # edit {version}\n", 1)
            else:
                current = current.replace("  # edit", "  # Edit", 1)
            start = time.perf_counter()
            client.change(uri, version, current)
            client.diagnostics(uri, version=version)
            latencies.append(time.perf_counter() - start)
        assert client.close() == 0
    finally:
        client.kill()

    check_s = min(baseline)
    median = statistics.median(latencies)
    print(f"file: {text.count(chr(10))} lines, {len(found.diagnostics)} diagnostics; load average {os.getloadavg()[0]:.2f}")
    print(f"baseline lint.check(source=...)      best {check_s:.3f} s")
    print(f"didOpen -> publishDiagnostics          {opened:.3f} s")
    print(
        f"didChange -> publishDiagnostics        median {median:.3f} s, max {max(latencies):.3f} s "
        f"over {len(latencies)} changes (x{median / check_s:.2f} of the baseline; target <= 0.300 s: "
        f"{'met' if median <= 0.3 else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
