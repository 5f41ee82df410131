#!/usr/bin/env python3
"""The distributed back end (README, "Running on a cluster") against one
process, on this machine: mpirun starts 2 and 3 ranks (oversubscribed,
loopback only) and every report must be the one process's, field for field,
except the fields that are about time or about one process's memory, and
the ranks' own list.

usage: mpi_test.py TLBCHECK SOURCE_DIR MPIRUN SUITE
SUITE:
  textbook  every configuration of examples/textbook/ (2 and 3 ranks)
  litmus    every configuration of examples/litmus/ (2 and 3 ranks)
  seed      the i386 lazy-TLB seed protocol, with and without its fix, and
            the SPIN twin at 4 and 5 CPUs (2 and 3 ranks; 2 ranks x 2
            threads; --compact; a --time-limit that stops all ranks alike)
  dies      a rank killed in the middle of a search: mpirun must end the
            others with an error, not hang
Exit status 77 (ctest's SKIP_RETURN_CODE) when mpirun is missing.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TLBCHECK, SOURCE, MPIRUN, SUITE = sys.argv[1:5]
sys.path.insert(0, os.path.join(SOURCE, "tests"))
from expectations import expectations  # noqa: E402

if not shutil.which(MPIRUN):
    print(f"SKIP: no mpirun ({MPIRUN})")
    sys.exit(77)

# Open MPI refuses root unless told; oversubscribe: more ranks than cores
LAUNCH = [MPIRUN, "--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
# (yield_when_idle: a rank waiting in an exchange gives its core to one that
# works; spinning, 3 ranks on 2 cores took three times as long. Where a
# rank exits with a status other than 0, as on a violation, mpirun waits a
# second before it ends the job unless sigkill_timeout is 0. pml ob1 with
# shared memory and TCP on loopback: probing for UCX doubled each start.)
ENV = dict(os.environ, OMPI_MCA_pml="ob1", OMPI_MCA_btl="self,vader,tcp", OMPI_MCA_btl_tcp_if_include="lo", OMPI_MCA_oob_tcp_if_include="lo",
           OMPI_MCA_mpi_yield_when_idle="1", OMPI_MCA_odls_base_sigkill_timeout="0")
# fields that differ with every run (times) or per process (memory), and the ranks' list
UNSTABLE = {"seconds", "phase_seconds", "peak_rss_bytes", "store_bytes", "ranks"}
failures = []


def check(path, args, ranks=1, threads=1):
    cmd = [TLBCHECK, "check", path, "--format", "json", "-q", "--threads", str(threads), "--engine", "interpreter"] + args
    if ranks > 1:
        cmd = LAUNCH + ["-np", str(ranks)] + cmd
    r = subprocess.run(cmd, cwd=SOURCE, capture_output=True, text=True, timeout=300, env=ENV)
    try:
        return r.returncode, json.loads(r.stdout), r.stderr
    except json.JSONDecodeError:
        return r.returncode, None, r.stderr + r.stdout


one_process = {}  # (path, args) -> check()'s answer with one process


def stable(report):
    return {k: v for k, v in report.items() if k not in UNSTABLE and k != "threads"}


def compare(path, args, ranks, threads=1, what=""):
    name = f"{path} {' '.join(args)} on {ranks} ranks x {threads} threads{what}"
    before = len(failures)
    key = (path, tuple(args))
    if key not in one_process:
        one_process[key] = check(path, args)
    one_status, one, one_err = one_process[key]
    status, many, err = check(path, args, ranks, threads)
    if one is None or many is None:
        failures.append(f"{name}: no report (exit {one_status}/{status}): {(one_err if one is None else err)[-800:]}")
        return None
    if status != one_status:
        failures.append(f"{name}: exit {status}, one process {one_status}")
    a, b = stable(one), stable(many)
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            failures.append(f"{name}: '{key}' differs: one process {json.dumps(a.get(key))[:300]}, {ranks} ranks {json.dumps(b.get(key))[:300]}")
    per_rank = many.get("ranks")
    if not isinstance(per_rank, list) or len(per_rank) != ranks:
        failures.append(f"{name}: 'ranks' should list {ranks} ranks: {per_rank}")
    elif many.get("stopped_by") is None and sum(r["states"] for r in per_rank) != many["states"]:
        failures.append(f"{name}: the ranks' states add up to {sum(r['states'] for r in per_rank)}, not {many['states']}")
    print(f"{'ok ' if len(failures) == before else 'BAD'} {name}: {one.get('verdict')}, {one.get('states')} states")
    return many


def suite_of(folder, rank_counts):
    files = sorted(f for f in os.listdir(os.path.join(SOURCE, folder)) if f.endswith(".tlb"))
    for f in files:
        path = os.path.join(folder, f)
        for e in expectations(SOURCE, path):
            for ranks in rank_counts:
                compare(path, e.args, ranks)


def seed():
    for args in (["-D", "cpus=3"], ["-D", "cpus=3", "-D", "fix=upstream"]):
        for ranks in (2, 3):
            compare("protocols/lazy_tlb_2_4.tlb", args, ranks)
    twin = "examples/bench/shootdown.tlb"
    for cpus in (4, 5):
        for ranks in (2, 3):
            compare(twin, ["-D", f"cpus={cpus}"], ranks)
    compare(twin, ["-D", "cpus=5"], 2, threads=2)
    compare(twin, ["-D", "cpus=5", "--compact"], 3, what=" (--compact)")
    compare(twin, ["-D", "cpus=4", "-D", "buggy=true"], 3)
    compare("examples/bench/shootdown_hw.tlb", ["-D", "buggy=true"], 2, what=" (symmetry)")
    compare("examples/bench/shootdown_hw.tlb", ["-D", "buggy=true", "--no-symmetry"], 3)
    # a limit stops every rank at the same batch: the same counts as one process
    compare(twin, ["-D", "cpus=6", "--max-states", "20000"], 2, what=" (--max-states)")
    # a time limit stops every rank too, with the time limit's report
    status, report, err = check(twin, ["-D", "cpus=10", "--time-limit", "2s"], 2)
    if status != 3 or report is None or (report.get("stopped_by") or {}).get("code") != "time-limit":
        failures.append(f"--time-limit on 2 ranks: exit {status}, {report and report.get('stopped_by')}: {err[-500:]}")
    # Ctrl-C (SIGINT to mpirun, which sends the ranks SIGTERM and kills them
    # sigkill_timeout seconds later): every rank stops at the same batch and
    # rank 0 prints the report of what was explored
    p = subprocess.Popen(LAUNCH + ["-np", "2", TLBCHECK, "check", twin, "-D", "cpus=10", "--threads", "1", "--engine", "interpreter",
                                   "--format", "json", "-q"], cwd=SOURCE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(ENV, OMPI_MCA_odls_base_sigkill_timeout="10"))
    time.sleep(2.5)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=60)
        report = json.loads(out) if out.strip() else {}
        if (report.get("stopped_by") or {}).get("code") != "interrupted" or len(report.get("ranks", [])) != 2:
            failures.append(f"SIGINT to mpirun: no interrupted report of 2 ranks: {out[-300:]} {err[-300:]}")
        else:
            print(f"ok  SIGINT to mpirun: both ranks stop, rank 0 reports {report['states']} states explored (mpirun exit {p.returncode})")
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as e:
        p.kill()
        failures.append(f"SIGINT to mpirun: {e}")
    # what runs on one process only is refused, exit 2
    for extra in (["--por"], ["--dot", "x.dot"], ["--traces", "2"], ["-D", "cpus=3,4"]):
        status, _, err = check(twin, extra, 2)
        if status != 2 or "MPI ranks" not in err:
            failures.append(f"{' '.join(extra)} on 2 ranks: exit {status}, not 2 with an error naming the ranks: {err[-300:]}")
    # a rank that loads another system, or none: every rank stops with exit 2, none waits for it
    for other, said in (("examples/bench/shootdown_hw.tlb", "did not all load the same system"), ("no/such/file.tlb", "did not all load the same system")):
        script = f'[ "$OMPI_COMM_WORLD_RANK" = 1 ] && f={other} || f={twin}; exec {TLBCHECK} check "$f" -D cpus=4 --engine interpreter'
        r = subprocess.run(LAUNCH + ["-np", "3", "sh", "-c", script], cwd=SOURCE, capture_output=True, text=True, timeout=60, env=ENV)
        if r.returncode != 2 or said not in r.stderr:
            failures.append(f"rank 1 loading {other}: exit {r.returncode}, not 2 with '{said}': {r.stderr[-400:]}")
        elif "rank 1 (" not in r.stderr:
            failures.append(f"rank 1 loading {other}: the error does not name rank 1 and its host: {r.stderr[-400:]}")
        else:
            print(f"ok  rank 1 loading {other} instead: every rank stops, exit 2, rank 1 named")
    # a host without a C compiler: its rank interprets, and rank 0 warns that the search goes at its pace
    script = f'[ "$OMPI_COMM_WORLD_RANK" = 1 ] && export TLBCHECK_CC=/nonexistent/cc; exec {TLBCHECK} check {twin} -D cpus=4 -q'
    r = subprocess.run(LAUNCH + ["-np", "2", "sh", "-c", script], cwd=SOURCE, capture_output=True, text=True, timeout=120, env=ENV)
    if r.returncode != 0 or "MPI rank 1 (" not in r.stderr or "interprets the steps" not in r.stderr:
        failures.append(f"a rank without a C compiler: exit {r.returncode}, no warning naming it: {r.stderr[-400:]}")
    r = subprocess.run(LAUNCH + ["-np", "2", TLBCHECK, "simulate", twin], cwd=SOURCE, capture_output=True, text=True, timeout=60, env=ENV)
    if r.returncode != 2 or "only check runs" not in r.stderr:
        failures.append(f"simulate on 2 ranks: exit {r.returncode}: {r.stderr[-300:]}")


def rank_pids(marker):
    """The ranks' process ids (by rank) among the processes whose command
    line has `marker`."""
    pids = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:
            continue
        if marker.encode() not in cmdline or not cmdline.startswith(TLBCHECK.encode()):
            continue
        for var in environ:
            if var.startswith(b"OMPI_COMM_WORLD_RANK="):
                pids[int(var.split(b"=")[1])] = int(pid)
    return pids


def dies():
    work = tempfile.mkdtemp(prefix="tlbcheck-mpi-dies-")
    try:
        path = os.path.join(work, "twin_for_the_rank_that_dies.tlb")
        shutil.copy(os.path.join(SOURCE, "examples/bench/shootdown.tlb"), path)
        cmd = LAUNCH + ["-np", "3", TLBCHECK, "check", path, "-D", "cpus=10", "--threads", "1", "--engine", "interpreter"]
        p = subprocess.Popen(cmd, cwd=SOURCE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        pids, start = {}, time.time()
        while len(pids) < 3 and time.time() - start < 30 and p.poll() is None:
            time.sleep(0.2)
            pids = rank_pids(os.path.basename(path))
        if len(pids) < 3:
            p.kill()
            failures.append(f"the 3 ranks did not start: {pids}")
            return
        time.sleep(1.5)  # well into the search
        os.kill(pids[1], signal.SIGKILL)
        killed = time.time()
        try:
            out, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            for pid in pids.values():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            failures.append("rank 1 was killed and the others still ran 60 s later: the job hangs")
            return
        if p.returncode == 0:
            failures.append("rank 1 was killed and mpirun exited 0")
        if "signal 9" not in err and "Killed" not in err:
            failures.append(f"rank 1 was killed and mpirun did not say so: {err[-600:]}")
        left = [pid for pid in pids.values() if os.path.exists(f"/proc/{pid}") and b"zombie" not in open(f"/proc/{pid}/status", "rb").read().lower()]
        if left:
            failures.append(f"ranks still running after mpirun ended: {left}")
        said = [line.strip() for line in err.splitlines() if "signal" in line or "Killed" in line]
        print(f"ok  a killed rank ends the job in {time.time() - killed:.1f} s, exit {p.returncode}: {said[0] if said else ''}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if SUITE == "textbook":
    suite_of("examples/textbook", (2, 3))
elif SUITE == "litmus":
    suite_of("examples/litmus", (2, 3))
elif SUITE == "seed":
    seed()
elif SUITE == "dies":
    dies()
else:
    sys.exit(f"unknown suite {SUITE}")

for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
