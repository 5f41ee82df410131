#!/usr/bin/env python3
"""Validates `tlbcheck check --format json` against checker/report.schema.json.

Runs every golden configuration (each bundled protocol and example with the
options of each of its `// expect:` lines, enumerated as tests/golden_test.cpp
does), plus a run that stops early (--max-states), a compact run and a
constraint run, and validates each report. First it makes sure the schema
itself rejects an extra field, a missing one and a mistyped one, so a schema
that accepts anything fails the test.

usage: report_schema_test.py TLBCHECK SOURCE_DIR
Exit status 77 (ctest's SKIP_RETURN_CODE) when python3-jsonschema is not
installed.
"""
import copy
import json
import os
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
    sys.exit(77)

TLBCHECK, SOURCE = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from expectations import bundled_protocols, expectations  # noqa: E402


def check(path, args, env=None):
    """A report of check (or of simulate, when args start with "simulate"),
    the steps interpreted unless args choose an engine or env is given (the
    default engine under that environment)."""
    verb = "check"
    if args and args[0] == "simulate":  # a report of `tlbcheck simulate`
        verb, args = "simulate", args[1:]
    extra = ["-q", "--threads", "1"] if verb == "check" else []
    if verb == "check" and env is None and "--engine" not in args:
        extra += ["--engine", "interpreter"]
    r = subprocess.run([TLBCHECK, verb, path, "--format", "json"] + extra + args,
                       cwd=SOURCE, capture_output=True, text=True, timeout=600,
                       env=None if env is None else dict(os.environ, **env))
    if r.returncode not in (0, 1, 2, 3):
        return None, f"exit {r.returncode}: {r.stderr.strip()}"
    try:
        return json.loads(r.stdout), None
    except json.JSONDecodeError as e:
        return None, f"not JSON ({e}), exit {r.returncode}: {r.stderr.strip()}"


def check_matrices(report_schema):
    """A matrix and a --patch report against checker/matrix.schema.json,
    whose cells' reports refer to report.schema.json."""
    with open(os.path.join(SOURCE, "checker", "matrix.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # RefResolver: what Debian 12's jsonschema 4.10 has
        resolver = jsonschema.RefResolver.from_schema(schema, store={report_schema["$id"]: report_schema})
    validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
    failures = 0
    for name, args in (
        ("matrix", ["protocols/lazy_tlb_2_4.tlb", "-D", "fix=none,upstream", "-D", "cpus=2..3"]),
        ("patch", ["examples/patches/lazy_tlb_test4.tlb", "--patch", "examples/patches/no_flush.diff", "-D", "tlb.speculative=false,true"]),
    ):
        doc, error = check(args[0], args[1:])
        if error:
            print(f"FAIL {name}: {error}")
            failures += 1
            continue
        for e in list(validator.iter_errors(doc))[:5]:
            print(f"FAIL {name}: at /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
            failures += 1
        # an extra field in a cell, and in a cell's report, must be caught
        for where, change in (("cell", lambda d: d["cells"][0].__setitem__("extra", 1)),
                              ("cell's report", lambda d: (d["cells"][0].get("report") or d["cells"][0]["after"]["report"]).__setitem__("extra", 1))):
            broken = copy.deepcopy(doc)
            change(broken)
            if validator.is_valid(broken):
                print(f"FAIL: the matrix schema accepts a {name} report with an extra field in a {where}")
                failures += 1
    return failures


def main():
    with open(os.path.join(SOURCE, "checker", "report.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    runs = []
    for path in bundled_protocols(SOURCE):
        for line, _, args, *_ in expectations(SOURCE, path):
            runs.append((f"{path} [{line}]", path, args, None))
    if len(runs) < 20:
        print(f"FAIL: only {len(runs)} golden configurations found under {SOURCE}")
        return 1
    runs += [(name, path, args, None) for name, path, args in (
        ("holds: peterson", "examples/textbook/peterson.tlb", []),
        ("incomplete: --max-states 50", "protocols/lazy_tlb_2_4.tlb", ["--max-states", "50"]),
        ("compact", "protocols/lazy_tlb_2_4.tlb", ["--compact"]),
        ("outside the supported settings", "protocols/lazy_tlb_2_4.tlb", ["-D", "tlb.pcid=true", "-D", "fix=upstream"]),
        ("--traces 3", "protocols/lazy_tlb_2_4.tlb", ["--traces", "3"]),
        ("--fewest-switches", "examples/textbook/lost_update.tlb", ["--fewest-switches"]),
        ("simulate, found", "protocols/lazy_tlb_2_4.tlb", ["simulate", "--seed", "1"]),
        ("simulate, nothing found", "protocols/lazy_tlb_2_4.tlb", ["simulate", "-D", "fix=upstream", "--runs", "3"]),
        ("native steps", "examples/textbook/peterson.tlb", ["--engine", "native"]),
        ("--por, holds", "protocols/vmalloc_fault.tlb", ["--por", "-D", "fix=upstream", "-D", "scenario=smp"]),
        ("--por, violated", "protocols/lazy_tlb_2_4.tlb", ["--por"]),
    )]
    runs.append(("the default engine without a C compiler", "examples/textbook/peterson.tlb", [], {"TLBCHECK_CC": "/nonexistent"}))

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda r: (r[0],) + check(r[1], r[2], r[3]), runs))

    failures = 0
    seen = {"verdicts": set(), "step_fields": set(), "stopped_by": set(), "option_types": set(), "engines": set()}
    for name, doc, error in results:
        if error:
            print(f"FAIL {name}: {error}")
            failures += 1
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:5]:
            print(f"FAIL {name}: at /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
        failures += bool(errors)
        seen["verdicts"].add(doc.get("verdict"))
        seen["engines"].add(doc.get("engine") + (" with a note" if doc.get("engine_note") else ""))
        if isinstance(doc.get("stopped_by"), dict):
            seen["stopped_by"].add(doc["stopped_by"].get("code"))
        for v in (doc.get("options") or {}).values():
            seen["option_types"].add(type(v).__name__)
        for s in doc.get("trace") or []:
            seen["step_fields"].update(s.keys())
    # the runs must have covered the schema's kinds of report
    for key, wanted in (("verdicts", {"holds", "violated", "incomplete"}), ("stopped_by", {"max-states"}),
                        ("option_types", {"int", "bool", "str"}), ("step_fields", {"hardware", "changes"}),
                        ("engines", {"interpreter", "native", "interpreter with a note"})):
        if not wanted <= seen[key]:
            print(f"FAIL: the reports never had {key} {sorted(wanted - seen[key])} (saw {sorted(map(str, seen[key]))})")
            failures += 1

    # the schema must catch an extra, a missing and a mistyped field
    violated = next(doc for _, doc, err in results if not err and doc.get("verdict") == "violated" and doc["trace"])
    incomplete = next(doc for _, doc, err in results if not err and doc.get("verdict") == "incomplete")
    broken = []
    for where, base, change in (
        ("an extra top-level field", violated, lambda d: d.__setitem__("extra", 1)),
        ("an extra step field", violated, lambda d: d["trace"][0].__setitem__("extra", 1)),
        ("an extra violation field", violated, lambda d: d["violation"].__setitem__("extra", 1)),
        ("a missing top-level field", violated, lambda d: d.pop("states")),
        ("a missing step field", violated, lambda d: d["trace"][0].pop("choice")),
        ("a mistyped option", violated, lambda d: d["options"].__setitem__("cpus", 2.5)),
        ("a mistyped line", violated, lambda d: d["trace"][0].__setitem__("line", "12")),
        ("a mistyped hardware entry", violated, lambda d: d["trace"][0]["hardware"].__setitem__("cpu0", [{"slot": "x", "value": 1}])),
        ("a stop code outside the set", incomplete, lambda d: d["stopped_by"].__setitem__("code", "tired")),
        ("a violation in an incomplete report", incomplete, lambda d: d.__setitem__("violation", violated["violation"])),
        ("a mistyped engine note", violated, lambda d: d.__setitem__("engine_note", 1)),
    ):
        doc = copy.deepcopy(base)
        change(doc)
        if validator.is_valid(doc):
            broken.append(where)
    for where in broken:
        print(f"FAIL: the schema accepts a report with {where}")
    failures += len(broken)

    failures += check_matrices(schema)
    print(f"{len(results)} reports validated against checker/report.schema.json, {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
