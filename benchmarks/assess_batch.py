"""Throughput and memory of `backcare assess --batch`, against the floor of merely parsing and
re-serialising the same JSON Lines with the same JSON library (the stdlib `json`).

    python benchmarks/assess_batch.py                 # N = 10,000 and 1,000,000
    python benchmarks/assess_batch.py --n 10000       # a quick run
    python benchmarks/assess_batch.py --startup-only

Each measurement runs in its own child process; peak memory is that child's maximum resident
set size (ru_maxrss of RUSAGE_CHILDREN, read after each child alone has run). Prints a table;
the targets are printed beside the figures, nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from synthetic import synthetic_intakes  # noqa: E402

BACKCARE = str(Path(sys.executable).with_name("backcare"))
FLOOR = (
    "import json, sys\n"
    "out = sys.stdout.buffer\n"
    "for line in sys.stdin.buffer:\n"
    "    out.write(json.dumps(json.loads(line)).encode() + b'\\n')\n"
)


def child(argv: list[str], stdin_path: Path) -> tuple[float, float, int]:
    """Run argv with stdin from a file and stdout to /dev/null: (seconds, peak MB, exit code)."""
    # A fresh measuring process per run, so RUSAGE_CHILDREN's maximum is this child's alone.
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "argv, path = json.loads(sys.argv[1]), sys.argv[2]\n"
        "t = time.perf_counter()\n"
        "with open(path, 'rb') as f, open('/dev/null', 'wb') as null:\n"
        "    code = subprocess.run(argv, stdin=f, stdout=null).returncode\n"
        "dt = time.perf_counter() - t\n"
        "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps([dt, kb / 1024, code]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(argv), str(stdin_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, mb, code = json.loads(out.stdout)
    return seconds, mb, code


def write_intakes(path: Path, n: int, seed: int) -> None:
    with path.open("w") as f:
        for doc in synthetic_intakes(n, seed):
            f.write(json.dumps(doc) + "\n")


def throughput(ns: list[int], seed: int) -> None:
    header = ("N", "floor/s", "backcare/s", "ratio", "floor MB", "backcare MB")
    print("{:>10} {:>10} {:>11} {:>6} {:>9} {:>12}".format(*header))
    with tempfile.TemporaryDirectory() as tmp:
        for n in ns:
            path = Path(tmp) / f"intakes-{n}.jsonl"
            write_intakes(path, n, seed)
            floor_s, floor_mb, _ = child([sys.executable, "-c", FLOOR], path)
            ours_s, ours_mb, code = child(
                [BACKCARE, "assess", "--batch", "-", "--format", "jsonl"], path
            )
            if code != 0:
                print(f"backcare exited {code} on N={n}: synthetic data should all be valid")
            print(
                f"{n:>10,} {n / floor_s:>10,.0f} {n / ours_s:>11,.0f} {ours_s / floor_s:>6.2f} "
                f"{floor_mb:>9.1f} {ours_mb:>12.1f}"
            )
    print("targets: >= 20,000 intakes/s (aim 100,000); ratio <= 3; memory flat in N")


def startup(runs: int = 15) -> None:
    example = ROOT / "docs" / "examples" / "intake.json"
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(
            [BACKCARE, "assess", str(example), "--format", "json"],
            stdout=subprocess.DEVNULL,
            check=True,
        )
        times.append((time.perf_counter() - t) * 1000)
    code = f"from backcare.cli import main; main(['assess', {str(example)!r}, '--format', 'json'])"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    imports = 0
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line[len("import time:") :].split("|")
            # " name" is a top-level import; nested ones are indented further
            if not name.startswith("  ") and cumulative.strip().isdigit():
                imports += int(cumulative)  # top-level imports only: their sum is the total
    print(f"backcare assess FILE: median {statistics.median(times):.0f} ms wall over {runs} runs")
    print(f"its imports (python -X importtime, top-level modules summed): {imports / 1000:.0f} ms")
    print("target: < 150 ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--startup-only", action="store_true")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; backcare at {BACKCARE}")
    if not args.startup_only:
        throughput(args.n, args.seed)
    startup()


if __name__ == "__main__":
    main()
