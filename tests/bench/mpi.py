#!/usr/bin/env python3
"""The distributed back end's cost and scaling (README, "Running on a
cluster"). Never part of CI.

For one model it runs one process and MPI jobs of each rank count, at each
thread count, and prints one table: states, seconds (median of $REPEAT
runs, the configurations taking turns), states/s, speed-up over one process
with one thread, bytes sent between ranks per state, the slowest rank's
seconds in exchanges, each rank's store, and the share of CPU time the
hypervisor gave to other guests during the runs (steal). Every run must give
the same states and transitions, or the script says so and exits 1.

usage: tests/bench/mpi.py [path/to/tlbcheck]
  MODEL="examples/bench/shootdown.tlb -D cpus=9"   the file and its -D options
  RANKS="1 2 3"       1 is one process without mpirun
  THREADS="1 2"       --threads of each process
  REPEAT=3
  ENGINE=native       --engine
  MPIRUN="mpirun --oversubscribe --bind-to none"   (as root: --allow-run-as-root is added)
"""
import json
import os
import shlex
import statistics
import subprocess
import sys

SOURCE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(SOURCE, "build", "tlbcheck")
MODEL = shlex.split(os.environ.get("MODEL", "examples/bench/shootdown.tlb -D cpus=9"))
RANKS = [int(r) for r in os.environ.get("RANKS", "1 2 3").split()]
THREADS = [int(t) for t in os.environ.get("THREADS", "1 2").split()]
REPEAT = int(os.environ.get("REPEAT", "3"))
ENGINE = os.environ.get("ENGINE", "native")
MPIRUN = shlex.split(os.environ.get("MPIRUN", "mpirun --oversubscribe --bind-to none"))
if os.geteuid() == 0:
    MPIRUN.append("--allow-run-as-root")
# shared memory between the ranks of one host, TCP between hosts (no probing for UCX)
ENV = dict(os.environ, OMPI_MCA_pml="ob1", OMPI_MCA_btl="self,vader,tcp")
CORES = len(os.sched_getaffinity(0))


def ticks():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return sum(fields), fields[7]


def run(ranks, threads):
    cmd = [BIN, "check", *MODEL, "--threads", str(threads), "--engine", ENGINE, "--format", "json", "-q"]
    if ranks > 1:
        cmd = MPIRUN + ["-np", str(ranks)] + cmd
    # more ranks than cores: a rank waiting in an exchange yields its core
    # (spinning, it takes the core from one that works); otherwise it spins,
    # which answers sooner
    env = dict(ENV, OMPI_MCA_mpi_yield_when_idle="1" if ranks > CORES else "0")
    p = subprocess.run(cmd, cwd=SOURCE, capture_output=True, text=True, env=env)
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError:
        sys.exit(f"mpi.py: {' '.join(cmd)} gave no report (exit {p.returncode}): {p.stderr[-500:]}")


def main():
    configs = [(r, t) for r in RANKS for t in THREADS]
    runs = {c: [] for c in configs}
    t0, s0 = ticks()
    run(1, 1)  # compiles the native steps once, outside the timings
    for _ in range(REPEAT):
        for c in configs:
            runs[c].append(run(*c))
    t1, s1 = ticks()
    steal = 100 * (s1 - s0) / max(1, t1 - t0)
    counts = {(r["states"], r["transitions"]) for rs in runs.values() for r in rs}
    base = statistics.median(r["seconds"] for r in runs[configs[0]])
    print(f"model: {' '.join(MODEL)}, engine {ENGINE}, median of {REPEAT}, steal {steal:.0f}%")
    print("| ranks × threads | states | seconds | states/s | speed-up | bytes sent/state | exchange s (slowest rank) | store per rank |")
    print("|---|---|---|---|---|---|---|---|")
    for c in configs:
        rs = runs[c]
        secs = statistics.median(r["seconds"] for r in rs)
        last = rs[-1]
        per_rank = last.get("ranks", [{"store_bytes": last["store_bytes"], "bytes_sent": 0, "exchange_seconds": 0}])
        sent = sum(k["bytes_sent"] for k in per_rank) / max(1, last["states"])
        exchange = statistics.median(max(k["exchange_seconds"] for k in r.get("ranks", per_rank)) for r in rs)
        stores = ", ".join(f"{k['store_bytes'] / 2**20:.0f}" for k in per_rank)
        print(f"| {c[0]} × {c[1]} | {last['states']:,} | {secs:.2f} | {last['states'] / secs:,.0f} | {base / secs:.2f} | {sent:.1f} | {exchange:.2f} | {stores} MiB |")
    if len(counts) != 1:
        print(f"mpi.py: the runs disagree on (states, transitions): {sorted(counts)}")
        sys.exit(1)


main()
