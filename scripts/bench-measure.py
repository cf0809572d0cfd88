#!/usr/bin/env python3
"""Measures wasmux against the wasmtime CLI, side by side: the harness behind scripts/bench.

scripts/bench builds everything and passes the paths; this file only runs commands and times
them. Two commands compared in one row run alternately in one process (A B, then B A, ...), so
that whatever else the machine does falls on both alike; a row reports each side's median
and the ratio of the medians (wasmux / wasmtime CLI: below 1 means wasmux is faster). It prints
one table on stdout and writes the same rows as JSON.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

LEGEND = """\
Times are wall-clock times of whole processes (compiling included) unless the unit says otherwise.
ratio: start and kernel rows on wasmtime: wasmux / wasmtime CLI, medians of runs alternated in
  pairs (below 1: wasmux is faster); kernel rows on the other variants (N/{divisor} iterations): the
  call's time per iteration over wasmux-on-wasmtime's (how many times slower than Cranelift);
  throughput: 2 threads / 1 thread (2.00 is a perfect speed-up on two cores).
compile, call: wasmux's own split of its time (`wasmux run --stats`)."""


def progress(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class Failed(Exception):
    pass


def run(argv, stdin=subprocess.DEVNULL):
    """Runs argv to its end; returns (seconds of wall time, stdout). A failure stops the bench:
    a command that fails measures nothing."""
    started = time.perf_counter()
    out = subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    took = time.perf_counter() - started
    if out.returncode != 0:
        raise Failed(
            f"`{' '.join(argv)}` exited with {out.returncode}:\n{out.stderr.decode(errors='replace')[-2000:]}"
        )
    run.stderr = out.stderr.decode(errors="replace")
    return took, out.stdout.decode(errors="replace")


def last_stats():
    """The `--stats` line of the last `wasmux run`: compile_us, wall_us (the call alone)..."""
    for line in reversed(run.stderr.splitlines()):
        if line.startswith("{") and "wall_us" in line:
            return json.loads(line)
    return {}


def paired(label, a, b, runs, warm=0, stats=None):
    """Runs commands a and b `runs` times each, alternating, after `warm` unmeasured runs of
    each (to fill caches); returns their times and the stdout of each side's last run. With
    `stats` (a list), a's `--stats` lines are appended to it."""
    for _ in range(warm):
        run(a)
        run(b)
    times_a, times_b = [], []
    out_a = out_b = None
    for i in range(runs):
        # Alternate which goes first, so neither always runs right after the other.
        order = [(a, times_a), (b, times_b)] if i % 2 == 0 else [(b, times_b), (a, times_a)]
        for argv, times in order:
            took, out = run(argv)
            times.append(took)
            if argv is a:
                out_a = out
                if stats is not None:
                    stats.append(last_stats())
            else:
                out_b = out
        progress(f"{label}: {i + 1}/{runs}, wasmux {times_a[-1]:.3f} s, wasmtime {times_b[-1]:.3f} s")
    return times_a, times_b, out_a, out_b


def median(xs):
    return statistics.median(xs) if xs else None


class Results:
    def __init__(self):
        self.rows = []

    def add(self, group, name, engine, wasmux=None, wasmtime=None, unit="s", ratio=None, runs=0, note=""):
        med_a, med_b = median(wasmux or []), median(wasmtime or [])
        if ratio is None and med_a is not None and med_b:
            ratio = med_a / med_b
        row = {
            "group": group,
            "name": name,
            "engine": engine,
            "unit": unit,
            "wasmux": med_a,
            "wasmtime_cli": med_b,
            "ratio": ratio,
            "runs": runs,
            "wasmux_samples": wasmux or [],
            "wasmtime_cli_samples": wasmtime or [],
            "note": note,
        }
        self.rows.append(row)
        return row


def fmt(value, unit):
    if value is None:
        return "-"
    if unit == "s":
        if value < 1:
            return f"{value * 1e3:.1f} ms"
        return f"{value:.2f} s"
    if unit == "us":
        if value >= 1000:
            return f"{value / 1e3:.2f} ms"
        return f"{value:.1f} µs"
    if unit == "calls/s":
        return f"{value:,.0f}/s"
    return f"{value:g} {unit}"


def print_table(results):
    header = ["measure", "engine", "wasmux", "wasmtime CLI", "ratio", "runs", "note"]
    cells = []
    for r in results.rows:
        cells.append([
            r["name"],
            r["engine"],
            fmt(r["wasmux"], r["unit"]),
            fmt(r["wasmtime_cli"], r["unit"]),
            "-" if r["ratio"] is None else f"{r['ratio']:.2f}",
            str(r["runs"]),
            r["note"],
        ])
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    line = lambda cs: "| " + " | ".join(c.ljust(w) for c, w in zip(cs, widths)) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        print(line(c))


def kernels_of(wasmux, compute):
    """The compute guest's kernels and their default N, from the list it prints when run with
    no kernel (on stderr, exit status 2)."""
    out = subprocess.run([wasmux, "run", compute], stdin=subprocess.DEVNULL, capture_output=True)
    kernels = []
    for line in out.stderr.decode().splitlines():
        m = re.match(r"^  (\S+)\s+(\d+)  ", line)
        if m:
            kernels.append((m.group(1), int(m.group(2))))
    if not kernels:
        raise Failed(f"{compute} listed no kernels: {out.stderr.decode()}")
    return kernels


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--wasmux", required=True, help="wasmux built with every engine (--features wasmux-cli/full)")
    p.add_argument("--wasmux-start", help="wasmux as `cargo install` builds it (default features), "
                   "for the start rows; linking LLVM in for wasmer:llvm adds a fixed start cost, "
                   "shown in a row of its own")
    p.add_argument("--wasmtime", required=True)
    p.add_argument("--compute", required=True, help="compute.wasm")
    p.add_argument("--small", required=True, help="a small WASI command (hello.wasm)")
    p.add_argument("--python", required=True, help="python-3.12.0.wasm")
    p.add_argument("--runs", type=int, default=5, help="paired runs per row")
    p.add_argument("--engine-runs", type=int, default=1, help="runs per kernel on the other engine variants")
    p.add_argument("--engine-divisor", type=int, default=10,
                   help="the other engine variants run N/D iterations (interpreters take minutes on N)")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", required=True, help="where to write the results")
    args = p.parse_args()

    wasmux, wasmtime = args.wasmux, args.wasmtime
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # Other work on the machine skews every row (the thread speed-up most): recorded with them.
    load_before = os.getloadavg()
    results = Results()
    failures = []
    scratch = tempfile.mkdtemp(prefix="wasmux-bench-")
    try:
        help_text = subprocess.run([wasmux, "run", "--help"], capture_output=True, text=True).stdout
        has_cache = re.search(r"--cache\b(?!-)", help_text) is not None
        has_no_cache = re.search(r"--no-cache\b(?!-)", help_text) is not None
        # Cold means no compile cache on either side: wasmux's own flag when it has one (and
        # no WASMUX_CACHE from the caller's environment), wasmtime's `-C cache=n`.
        os.environ.pop("WASMUX_CACHE", None)
        starter = args.wasmux_start or wasmux
        wasmux_cold = [starter, "run", "--engine", "wasmtime"] + (["--no-cache"] if has_no_cache else [])
        wasmtime_cold = [wasmtime, "run", "-C", "cache=n"]
        wasmtime_cache_dir = os.path.join(scratch, "wasmtime-cache")
        cache_config = os.path.join(scratch, "wasmtime-cache.toml")
        with open(cache_config, "w") as f:
            f.write(f'[cache]\ndirectory = "{wasmtime_cache_dir}"\n')
        wasmtime_cached = [wasmtime, "run", "-C", "cache=y", "-C", f"cache-config={cache_config}"]
        if has_cache:
            wasmux_cached = [starter, "run", "--engine", "wasmtime", "--cache", os.path.join(scratch, "wasmux-cache")]
            cache_note = ""
        else:
            wasmux_cached = wasmux_cold
            cache_note = "cache: not available in this build (wasmux uncached)"

        start_runs = args.runs
        python_runs = 1 if args.quick else max(1, args.runs)
        programs = [
            ("hello.wasm", [args.small], start_runs),
            ("CPython -c pass", [args.python, "-c", "pass"], python_runs),
        ]
        for what, tail, runs in programs:
            label = f"start, cold: {what}"
            a, b, _, _ = paired(label, wasmux_cold + tail, wasmtime_cold + tail, runs)
            results.add("start", label, "wasmtime", a, b, runs=runs)
            label = f"start, cached: {what}"
            a, b, _, _ = paired(label, wasmux_cached + tail, wasmtime_cached + tail, runs, warm=1)
            results.add("start", label, "wasmtime", a, b, runs=runs, note=cache_note)
        if args.wasmux_start:
            label = "start, cached: hello.wasm, LLVM linked in (wasmux-cli/full)"
            linked = [wasmux] + wasmux_cached[1:] + [args.small]
            a, b, _, _ = paired(label, linked, wasmtime_cached + [args.small], start_runs, warm=1)
            results.add("start", label, "wasmtime", a, b, runs=start_runs,
                        note="the rows above: default features, as `cargo install` builds")

        # Instantiation: the mean over many fresh instances, as `wasmux bench` counts it, with
        # and without a pool (wasmtime's pooling allocator; elsewhere fresh instances), for a
        # WASI program (a context per instance) and for a module with no imports.
        iterations = 20 if args.quick else 500
        fib = os.path.join(root, "examples", "fib.wat")
        for what, module, call in (("hello.wasm", args.small, []), ("fib.wat, no imports", fib, ["--invoke", "fib", "1"])):
            for pooled in (False, True):
                label = f"instantiate{', pooled' if pooled else ''}: {what}"
                progress(f"{label}: {iterations} instances on every engine")
                _, out = run([wasmux, "bench", "--engine", "all", "--fresh-instance", "--iterations", str(iterations),
                              "--json"] + (["--pool"] if pooled else []) + [module] + call)
                for row in json.loads(out):
                    results.add("instantiate", label, row["engine"], [row["instantiate_us"]],
                                unit="us", runs=1, note=f"mean of {iterations}")

        # Every engine variant of this build but wasmtime (Cranelift), compared with the CLI.
        _, out = run([wasmux, "engines", "--json"])
        others = [e["name"] for e in json.loads(out)["engines"] if e["name"] != "wasmtime"]
        kernels = kernels_of(wasmux, args.compute)
        index = {name: i for i, (name, _) in enumerate(kernels)}

        # Throughput over threads: the same calls on 1 and on 2 worker threads, each keeping
        # its instance; the ratio is the speed-up (2.00 would be perfect on two cores).
        tp_kernel, tp_n = "crc16", "10" if args.quick else "40"
        tp_iterations = "50" if args.quick else "400"
        tp = {1: [], 2: []}
        for i in range(args.runs):
            for threads in (1, 2) if i % 2 == 0 else (2, 1):
                _, out = run([wasmux, "bench", "--engine", "wasmtime", "--parallel", str(threads),
                              "--iterations", tp_iterations, "--invoke", "kernel", "--json", args.compute,
                              str(index[tp_kernel]), tp_n])
                tp[threads].append(json.loads(out)[0]["throughput_per_s"])
            progress(f"throughput: {i + 1}/{args.runs}, 1 thread {tp[1][-1]:.0f}/s, 2 threads {tp[2][-1]:.0f}/s")
        one, two = median(tp[1]), median(tp[2])
        call = f"kernel({tp_kernel}, {tp_n}), {tp_iterations} calls"
        results.add("throughput", "throughput, 1 thread", "wasmtime", tp[1], unit="calls/s", runs=args.runs, note=call)
        results.add("throughput", "throughput, 2 threads", "wasmtime", tp[2], unit="calls/s", ratio=two / one,
                    runs=args.runs, note=call)

        # Each kernel: wasmux on wasmtime against the wasmtime CLI, paired, then every other
        # engine variant; every run must print the same checksum. Times are whole processes,
        # compiling the module included; wasmux's `--stats` splits off the compile and the
        # call, shown in the note.
        def split(stats):
            compile_s = median([s["compile_us"] / 1e6 for s in stats if "compile_us" in s])
            call_s = median([s["wall_us"] / 1e6 for s in stats if "wall_us" in s])
            if compile_s is None or call_s is None:
                return ""
            return f"compile {fmt(compile_s, 's')}, call {fmt(call_s, 's')}"

        for name, default_n in kernels:
            n = max(1, default_n // 50) if args.quick else default_n
            tail = [args.compute, name, str(n)]
            label = f"kernel {name} {n}"
            stats = []
            a, b, out_a, out_b = paired(label, wasmux_cold + ["--stats"] + tail, wasmtime_cold + tail,
                                        args.runs, stats=stats)
            expected = out_b.strip()
            note = split(stats)
            if out_a.strip() != expected:
                note = f"CHECKSUM {out_a.strip()} != {expected}"
                failures.append(f"{label} on wasmtime: {note}")
            row = results.add("kernel", f"{name} ×{n}", "wasmtime", a, b, runs=args.runs, note=note)
            row["wasmux_stats"] = stats
            # The call's time per iteration on wasmtime (Cranelift), to compare the others with.
            per_iteration = median([s["wall_us"] for s in stats]) / n
            # The other variants run fewer iterations (pulley takes minutes on some kernels at
            # full N), so their checksum is checked against the wasmtime CLI's at that N.
            n_other = max(1, n // args.engine_divisor)
            tail = [args.compute, name, str(n_other)]
            _, expected = run(wasmtime_cold + tail)
            expected = expected.strip()
            for engine in others:
                times, stats = [], []
                note = ""
                for _ in range(args.engine_runs):
                    took, out = run([wasmux, "run", "--engine", engine, "--stats"] + tail)
                    times.append(took)
                    stats.append(last_stats())
                    if out.strip() != expected:
                        note = f"CHECKSUM {out.strip()} != {expected}"
                        failures.append(f"kernel {name} {n_other} on {engine}: {note}")
                progress(f"kernel {name} {n_other} on {engine}: {median(times):.2f} s")
                slowdown = median([s["wall_us"] for s in stats]) / n_other / per_iteration
                row = results.add("kernel", f"{name} ×{n_other}", engine, times, ratio=slowdown,
                                  runs=args.engine_runs,
                                  note=note or split(stats))
                row["wasmux_stats"] = stats
    except Failed as e:
        failures.append(str(e))
        progress(f"failed: {e}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    version = lambda argv: subprocess.run(argv, capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    report = {
        "machine": {"cpus": os.cpu_count(), "cpu": cpu, "system": platform.platform(),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "wasmux": version([wasmux, "--version"]),
        "wasmtime_cli": version([wasmtime, "--version"]),
        "runs": args.runs,
        "engine_runs": args.engine_runs,
        "quick": args.quick,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rows": results.rows,
        "failures": failures,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2)
    print(f"{report['wasmux']} against {report['wasmtime_cli']}, on {cpu} ({os.cpu_count()} cpus); "
          f"medians of {args.runs} paired runs{' (--quick)' if args.quick else ''}; load average "
          f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
    print_table(results)
    print(LEGEND.format(divisor=args.engine_divisor))
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
