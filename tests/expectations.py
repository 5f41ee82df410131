"""The bundled protocols and their `// expect:` lines, for the Python tests
and benchmarks (tests/golden_test.cpp reads them the same way in C++).

An expect line is `// expect: [NAME=VALUE]... [property=P] VERDICT
[PROPERTY] [states=N] [reduced=N]`; each becomes the command-line
arguments that configure its run (-D NAME=VALUE, --property P) and the
numbers it promises.

An `// expect-long:` line has the same form, for a configuration too big
for the tests (minutes, gigabytes): tests/bench/long_golden.py checks those.
"""
import os
from typing import NamedTuple


class Expectation(NamedTuple):
    line: str      # the line as written, stripped
    name: str      # its settings, "cpus=4 buggy=true", or "defaults"
    args: list     # tlbcheck check's arguments for them
    verdict: str   # holds, violated or incomplete
    states: int    # states=N, -1 when absent or "?"
    reduced: int   # reduced=N, -1 when absent


def bundled_protocols(source):
    """The .tlb files under examples/ and protocols/ (not protocols/lib/),
    relative to the source folder, sorted."""
    out = []
    for top in ("examples", "protocols"):
        for root, _, files in os.walk(os.path.join(source, top)):
            if os.path.basename(root) == "lib":
                continue
            out += [os.path.relpath(os.path.join(root, f), source) for f in files if f.endswith(".tlb")]
    return sorted(out)


def expectations(source, path, marker="// expect:"):
    """Each `// expect:` line (or other `marker`) of the file `path`
    (relative to `source`)."""
    runs = []
    with open(os.path.join(source, path), encoding="utf-8") as f:
        for line in f:
            if not line.startswith(marker):
                continue
            args, words, verdict, counts = [], [], "", {"states": -1, "reduced": -1}
            for word in line[len(marker):].split():
                key, _, value = word.partition("=")
                if key in counts and value:
                    counts[key] = int(value) if value != "?" else -1
                elif key == "property" and value:
                    args += ["--property", value]
                    words.append(word)
                elif value:
                    args += ["-D", word]
                    words.append(word)
                elif not verdict:
                    verdict = word
            runs.append(Expectation(line.strip(), " ".join(words) or "defaults", args, verdict, counts["states"], counts["reduced"]))
    return runs
