#!/usr/bin/env python3
"""The golden counts of the configurations too big for the tests.

Every `// expect-long:` line of every bundled protocol (protocols/,
examples/) has the form of an `// expect:` line (tests/expectations.py):
settings, a verdict, and `states=N` (the count without symmetry reduction)
and/or `reduced=N` (with it, the default). For each count on the line this
runs
  tlbcheck check FILE [-D NAME=VALUE]... --format json --quiet
                      --threads $THREADS [--no-symmetry]
and compares the verdict and the exact count, printing one Markdown row per
run with the time and the peak memory. Exits 1 when any differs, so a
change of semantics shows up here as it does in the golden test, for the
configurations the README's protocol tables quote. Not part of the tests:
together they take about 11 minutes (one thread) and 10 GiB on a 2-core
machine.

Usage: tests/bench/long_golden.py [path/to/tlbcheck] [FILTER]
  (from anywhere; default build/tlbcheck; FILTER: only files whose path
  contains it; THREADS defaults to every core)
"""
import json
import os
import subprocess
import sys

SOURCE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests"))
from expectations import bundled_protocols, expectations  # noqa: E402
BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(SOURCE, "build", "tlbcheck")
FILTER = sys.argv[2] if len(sys.argv) > 2 else ""
THREADS = os.environ.get("THREADS", str(os.cpu_count() or 1))


def run(path, args, flags):
    cmd = [BIN, "check", path, *args, "--format", "json", "--quiet", "--threads", THREADS, *flags]
    try:
        p = subprocess.run(cmd, cwd=SOURCE, capture_output=True, text=True)
    except OSError as e:
        return {"verdict": f"error: {e}", "states": -1, "seconds": 0}
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError:
        return {"verdict": "error: " + p.stderr.strip()[:120], "states": -1, "seconds": 0}


def main():
    differ = 0
    print(f"threads: {THREADS}\n")
    print("| file | configuration | symmetry | verdict | states | expected | time | peak memory |")
    print("|---|---|---|---|---|---|---|---|")
    for path in bundled_protocols(SOURCE):
        if FILTER not in path:
            continue
        for line, name, args, verdict, states, reduced in expectations(SOURCE, path, "// expect-long:"):
            # the property a violation names: the last word after the verdict
            # that is not NAME=VALUE (as tests/support.hpp reads it)
            words = line.split()
            after = [w for w in words[words.index(verdict) + 1:] if "=" not in w] if verdict in words else []
            prop = after[-1] if after else None
            for flags, expected, label in ((["--no-symmetry"], states, "off"), ([], reduced, "on")):
                if expected < 0:
                    continue
                r = run(path, args, flags)
                got = r.get("verdict", "?")
                ok = got == verdict and r.get("states") == expected and (prop is None or r.get("property") == prop)
                differ += not ok
                memory = f"{r.get('peak_rss_bytes', 0) / 2**30:.1f} GiB"
                got += f" {r['property']}" if r.get("property") else ""
                print(f"| {path} | {name} | {label} | {got} | {r.get('states', -1):,} | {expected:,}{'' if ok else ' **differs**'} "
                      f"| {r.get('seconds', 0):.1f} s | {memory} |", flush=True)
    if differ:
        print(f"{differ} run(s) differ from their expect-long line", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
