"""Throughput, memory and start-up of `backcare assess`, against the floor of merely parsing and
re-serialising the same JSON Lines with the same JSON library (the stdlib `json`).

    python benchmarks/assess_batch.py                       # N = 10,000 and 1,000,000
    python benchmarks/assess_batch.py --n 10000             # a quick run
    python benchmarks/assess_batch.py --n 10000 --seed 7 --repeat 3
    python benchmarks/assess_batch.py --startup-only

For each N, N seeded synthetic intakes (synthetic.py) are streamed to a temporary JSONL file, then
two child processes run on that file, one after the other, stdout to /dev/null:

- floor:    python -c (read the file line by line; json.dumps(json.loads(line)) to stdout)
- backcare: backcare assess --batch FILE --format jsonl

Wall time is measured around each child (interpreter start-up included in both). Peak memory is
the child's maximum resident set size, from `/usr/bin/time -f %M` when GNU time is available, else
from a fresh Python launcher per child that reports getrusage(RUSAGE_CHILDREN).ru_maxrss (the
launcher has exactly one child, so the figure is that child's alone, but never below the
launcher's own ~11 MB, which the forked child starts with).

Start-up: the cumulative import time of `backcare.cli` (python -X importtime -c "import
backcare.cli"), and the median wall time over 15 runs of `backcare assess FILE --format json`
on the intake of src/backcare/examples/acute-strain.json.

Standard library only. Prints figures and the targets beside them; asserts nothing.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
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
EXAMPLE = ROOT / "src" / "backcare" / "examples" / "acute-strain.json"
GNU_TIME = "/usr/bin/time"

FLOOR = (
    "import json, sys\n"
    "loads, dumps, write = json.loads, json.dumps, sys.stdout.write\n"
    "with open(sys.argv[1], 'rb') as f:\n"
    "    for line in f:\n"
    "        write(dumps(loads(line)) + '\\n')\n"
)

# Fallback meter: runs argv once (stdout to /dev/null) and prints [peak KiB, exit status].
LAUNCHER = (
    "import json, resource, subprocess, sys\n"
    "code = subprocess.run(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL).returncode\n"
    "print(json.dumps([resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code]))\n"
)

TARGET_RATE = 20_000
TARGET_RATIO = 3.0
TARGET_FLAT = 1.25  # "flat": peak RSS at the largest N within 1.25x of that at the smallest N
TARGET_STARTUP_MS = 150.0


def _gnu_time_works() -> bool:
    if not os.access(GNU_TIME, os.X_OK):
        return False
    with tempfile.NamedTemporaryFile("r") as out:
        done = subprocess.run(
            [GNU_TIME, "-f", "%M", "-o", out.name, "true"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return done.returncode == 0 and out.read().strip().isdigit()


def run_child(argv: list[str], meter: str) -> tuple[float, float, int]:
    """Run argv with stdout to /dev/null: (wall seconds, peak RSS in MiB, exit status)."""
    if meter == "gnu-time":
        with tempfile.NamedTemporaryFile("r") as out:
            t = time.perf_counter()
            code = subprocess.run(
                [GNU_TIME, "-f", "%M", "-o", out.name, *argv], stdout=subprocess.DEVNULL
            ).returncode
            seconds = time.perf_counter() - t
            # On failure GNU time writes "Command exited with non-zero status N" first.
            kib = int(out.read().split()[-1])
        return seconds, kib / 1024, code
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - t
    kib, code = json.loads(done.stdout)
    return seconds, kib / 1024, code


def write_intakes(path: Path, n: int, seed: int, caseload: str) -> None:
    """Stream n synthetic intakes to path as JSON Lines (never all in memory)."""
    with path.open("w", encoding="utf-8") as f:
        for doc in synthetic_intakes(n, seed, caseload):
            f.write(json.dumps(doc) + "\n")


def _measure(argv: list[str], repeat: int, meter: str, what: str) -> tuple[float, float]:
    """Median wall seconds and largest peak MiB over repeat runs of argv."""
    runs = []
    for _ in range(repeat):
        seconds, mib, code = run_child(argv, meter)
        if code != 0:
            print(f"  ! {what} exited with status {code}: its figures are not valid")
        runs.append((seconds, mib))
    return statistics.median(s for s, _ in runs), max(m for _, m in runs)


def throughput(
    ns: list[int], seed: int, repeat: int, meter: str, tmpdir: str | None, caseload: str
) -> None:
    print(
        f"\nBatch throughput ({caseload} caseload, seed {seed}, "
        f"median of {repeat} run(s) per figure)"
    )
    cols = (
        f"{'N':>10} | {'floor s':>8} {'floor /s':>10} {'floor MB':>9} | "
        f"{'backcare s':>10} {'backcare /s':>11} {'backcare MB':>11} | {'ratio':>5}"
    )
    print(cols)
    print("-" * len(cols))
    rows = []
    with tempfile.TemporaryDirectory(dir=tmpdir) as tmp:
        for n in ns:
            path = Path(tmp) / f"intakes-{n}.jsonl"
            write_intakes(path, n, seed, caseload)
            floor_s, floor_mb = _measure(
                [sys.executable, "-c", FLOOR, str(path)], repeat, meter, f"floor (N={n})"
            )
            ours_s, ours_mb = _measure(
                [BACKCARE, "assess", "--batch", str(path), "--format", "jsonl"],
                repeat,
                meter,
                f"backcare (N={n})",
            )
            path.unlink()
            rows.append((n, floor_s, floor_mb, ours_s, ours_mb))
            print(
                f"{n:>10,} | {floor_s:>8.2f} {n / floor_s:>10,.0f} {floor_mb:>9.1f} | "
                f"{ours_s:>10.2f} {n / ours_s:>11,.0f} {ours_mb:>11.1f} | {ours_s / floor_s:>5.2f}"
            )
    print("\nTargets:")
    for n, floor_s, _, ours_s, _ in rows:
        rate, ratio = n / ours_s, ours_s / floor_s
        rate_ok = "met" if rate >= TARGET_RATE else "NOT met"
        ratio_ok = "met" if ratio <= TARGET_RATIO else "NOT met"
        print(
            f"  N={n:,}: >= {TARGET_RATE:,} intakes/s: {rate:,.0f} [{rate_ok}]; "
            f"ratio <= {TARGET_RATIO:g}: {ratio:.2f} [{ratio_ok}]"
        )
    if len(rows) > 1:
        (n0, *_, mb0), (n1, *_, mb1) = rows[0], rows[-1]
        flat = mb1 <= mb0 * TARGET_FLAT
        print(
            f"  memory flat in N (peak at N={n1:,} within {TARGET_FLAT}x of N={n0:,}): "
            f"{mb0:.1f} -> {mb1:.1f} MB [{'met' if flat else 'NOT met'}]"
        )
    else:
        print("  memory flat in N: needs two or more N to judge")


def _import_cumulative_us(code: str, module: str | None) -> int:
    """Cumulative import time in microseconds (python -X importtime -c code) of one module,
    or with module None the sum over top-level imports (all imports of the process)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    total = 0
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if not cumulative.strip().isdigit():
            continue  # the header line
        if module is None and not name.startswith("  "):
            total += int(cumulative)
        elif module is not None and name.strip() == module:
            return int(cumulative)
    if module is not None:
        raise RuntimeError(f"{module} not in the -X importtime output")
    return total


def _median_wall_ms(argv: list[str], runs: int) -> float:
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)  # warm-up, not counted
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def startup(runs: int, tmpdir: str | None) -> None:
    print(f"\nStart-up (medians; wall times over {runs} runs after one warm-up)")
    # The example file wraps its intake with name/description/expect, which `backcare assess`
    # rightly rejects (exit 2); time the intake itself.
    intake = json.loads(EXAMPLE.read_text(encoding="utf-8"))["intake"]
    with tempfile.TemporaryDirectory(dir=tmpdir) as tmp:
        path = Path(tmp) / "acute-strain-intake.json"
        path.write_text(json.dumps(intake), encoding="utf-8")
        cli_us = statistics.median(
            _import_cumulative_us("import backcare.cli", "backcare.cli") for _ in range(5)
        )
        assess_code = (
            f"from backcare.cli import main; main(['assess', {str(path)!r}, '--format', 'json'])"
        )
        all_us = statistics.median(_import_cumulative_us(assess_code, None) for _ in range(5))
        wall = _median_wall_ms([BACKCARE, "assess", str(path), "--format", "json"], runs)
        bare = _median_wall_ms([sys.executable, "-c", "pass"], runs)
    verdict = "met" if wall < TARGET_STARTUP_MS else "NOT met"
    print(f"  import backcare.cli (cumulative, -X importtime, median of 5): {cli_us / 1000:.1f} ms")
    print(
        f"  all imports of `backcare assess FILE` (sum of top-level cumulative, median of 5): "
        f"{all_us / 1000:.1f} ms"
    )
    print(
        f"  backcare assess {EXAMPLE.name}'s intake --format json: {wall:.0f} ms wall "
        f"[target < {TARGET_STARTUP_MS:.0f} ms: {verdict}]"
    )
    print(f"  for reference, python -c pass: {bare:.0f} ms wall")


def _compile_bytecode() -> None:
    """Write backcare's .pyc files first, as `pip install` does for a regular install.

    An editable install compiles its sources on first import and caches them, unless
    PYTHONDONTWRITEBYTECODE is set (it is in some containers): then every start would compile
    backcare from source again (~17 ms here), which no installed copy does.
    """
    import backcare

    package = Path(backcare.__file__).parent
    compileall.compile_dir(package, quiet=1)
    note = (
        " (PYTHONDONTWRITEBYTECODE is set here)"
        if os.environ.get("PYTHONDONTWRITEBYTECODE")
        else ""
    )
    print(f"bytecode: compiled {package} as an install would{note}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 1_000_000], metavar="N")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--caseload",
        choices=("synthetic", "varied", "both"),
        default="synthetic",
        help="which synthetic caseload (synthetic.py); both: one after the other",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per throughput figure")
    parser.add_argument("--startup-runs", type=int, default=15)
    parser.add_argument("--startup-only", action="store_true")
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument(
        "--meter",
        choices=("auto", "gnu-time", "launcher"),
        default="auto",
        help="how to read a child's peak RSS (auto: GNU time if it works, else the launcher)",
    )
    parser.add_argument("--tmpdir", help="where to write the JSONL files (default: system temp)")
    args = parser.parse_args()
    if not os.access(BACKCARE, os.X_OK):
        sys.exit(f"no backcare command next to {sys.executable}")
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus; "
        f"backcare at {BACKCARE}"
    )
    meter = args.meter
    if meter == "auto":
        meter = "gnu-time" if _gnu_time_works() else "launcher"
    how = f"GNU time -f %M ({GNU_TIME})" if meter == "gnu-time" else "a Python launcher per child"
    print(f"peak RSS from: {how}; MB = 2**20 bytes")
    _compile_bytecode()
    if not args.startup_only:
        caseloads = ("synthetic", "varied") if args.caseload == "both" else (args.caseload,)
        for caseload in caseloads:
            throughput(args.n, args.seed, args.repeat, meter, args.tmpdir, caseload)
    if not args.no_startup:
        startup(args.startup_runs, args.tmpdir)


if __name__ == "__main__":
    main()
