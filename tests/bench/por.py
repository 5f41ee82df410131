#!/usr/bin/env python3
"""What partial-order reduction buys on every bundled configuration.

For each `// expect:` line of every bundled protocol (protocols/, examples/)
it runs
  tlbcheck check FILE [-D NAME=VALUE]... [--property P]... --engine interpreter
                      --threads 1 --format json --quiet --time-limit $TIME_LIMIT FLAGS
with FLAGS `--no-symmetry`, `--no-symmetry --por`, `` (the default: symmetry
where the model has it) and `--por`, and prints one Markdown row per
configuration: the verdict (with and without --por: they must agree), the
states and seconds of each run, and the factor. Configurations whose
`expect:` line counts more than $MAX_STATES states are left out (default
300000). Not a test: timings vary with the machine. Exits 1 if a verdict
differs.

Usage: tests/bench/por.py [path/to/tlbcheck]   (from anywhere; default build/tlbcheck)
"""
import json
import os
import subprocess
import sys

SOURCE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests"))
from expectations import bundled_protocols, expectations  # noqa: E402
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SOURCE, "build", "tlbcheck")
MAX_STATES = int(os.environ.get("MAX_STATES", "300000"))
TIME_LIMIT = os.environ.get("TIME_LIMIT", "300s")


def run(path, args, flags):
    cmd = [BIN, "check", path, *args, "--engine", "interpreter", "--threads", "1", "--format", "json", "--quiet", "--time-limit", TIME_LIMIT, *flags]
    p = subprocess.run(cmd, cwd=SOURCE, capture_output=True, text=True)
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError:
        return {"verdict": "error", "states": 0, "seconds": 0, "property": p.stderr.strip()[:80]}


def main():
    differs = 0
    print("| file | configuration | verdict | states `--no-symmetry` → `--por` | × | time | states (symmetry) → `--por` | × | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in bundled_protocols(SOURCE):
        for _, name, args, _, states, _ in expectations(SOURCE, path):
            if states > MAX_STATES:
                continue
            plain, por = run(path, args, ["--no-symmetry"]), run(path, args, ["--no-symmetry", "--por"])
            sym, sympor = run(path, args, []), run(path, args, ["--por"])
            verdict = plain["verdict"] + (" `" + plain["property"] + "`" if plain.get("property") else "")
            for r in (por, sym, sympor):
                if r["verdict"] != plain["verdict"]:
                    differs += 1
                    verdict += " **differs: " + r["verdict"] + "**"
            def f(a, b):
                return "%.2f" % (a["states"] / b["states"]) if b["states"] else "-"
            print(f"| `{path}` | {name} | {verdict} | {plain['states']:,} → {por['states']:,} | {f(plain, por)} | "
                  f"{plain['seconds']:.2f} → {por['seconds']:.2f} s | {sym['states']:,} → {sympor['states']:,} | {f(sym, sympor)} | "
                  f"{sym['seconds']:.2f} → {sympor['seconds']:.2f} s |", flush=True)
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
