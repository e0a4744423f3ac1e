#!/usr/bin/python3
"""recpool and PyTorch side by side: the DrSAE step (and, with --ops, single ops) in one run, same environment.

    /usr/bin/python3 benchmarks/side_by_side.py [--build build-bench] [--rounds 3] [--min-time 0.5]
        [--threads 1,2] [--configs 400:11,200:11,400:2,200:2] [--batch 1,10,100,1000]
        [--coretype as-given|auto|NAME] [--no-tune] [--reference /work/shared/bench] [--ops] [--out DIR]

What runs, per round (rounds alternate between the engines, so a slow phase of the shared machine hits both):
  <build>/bench_drsae   recpool: drsae/train|infer/n/T/B/th and every GEMM shape of the step alone (gemm/...)
  pt_drsae.py           the same DrSAE step in PyTorch (this directory's own script)
  torch_drsae.py        the reference PyTorch script, if --reference DIR holds it (its model lacks the identity in
                        the recurrence, the classifier bias and the constraints; same GEMMs)
and with --ops: <build>/bench_ops and pt_ops.py for the ops both have, and the STREAM triad reference.
Reported value: the mean time per step of a round (Google Benchmark's figure; pt_drsae.py reports the same),
median over rounds. GEMM-shape bound = Σ over the GEMMs of one step of count × time per call of that exact shape
alone in OpenBLAS (B = 1: the faster of sgemm and the sgemv/sger form, as the reference bound), same OpenBLAS
threads. own-products = the same sum over the products as recpool's Linear computes them (its own kernels for small
batches, see ops/linear.cpp): recpool / own is what the rest of the step (elementwise ops, zeroing, the update) adds.

Environment it sets for every process it starts (and prints):
  GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432   (unless --no-tune)
      glibc keeps freed memory instead of trimming it: without it PyTorch page-faults on every step
  OMP_WAIT_POLICY=PASSIVE   libgomp workers sleep instead of spinning against OpenBLAS's threads on 2 cores
  OPENBLAS_THREAD_TIMEOUT=4 (unless --no-tune or already set) OpenBLAS's workers sleep after 2^4 cycles idle instead
                            of 2^28: on this 2-vCPU VM a spinning worker slows the thread doing the work between
                            the products 2-3x (recpool's 2-thread DrSAE step at B = 100: 30 ms, 15.7 ms with it)
  OPENBLAS_CORETYPE         as given by the caller's environment (--coretype as-given, the default); "auto" removes
                            it (OpenBLAS picks its kernels from cpuid); any other value is set as is
Everything (raw JSON, the table as markdown) is written to --out (default /tmp/side_by_side/<date-time>).
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TUNE = "glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432"
IN, CLASSES = 784, 10


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine(env):
    model = re.search(r"Model name:\s*(.*)", sh("lscpu"))
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": model.group(1) if model else "?",
        "nproc": os.cpu_count(),
        "load": sh("cat /proc/loadavg"),
        "kernel": platform.release(),
        "packages": sh("dpkg-query -W -f '${Package} ${Version}\\n' libopenblas0 libopenblas0-pthread python3-torch "
                       "libtorch1.13 libbenchmark-dev g++ 2>/dev/null").splitlines(),
        "gxx": sh("g++ --version | head -1"),
        "git": sh("git -C %s rev-parse --short HEAD" % ROOT) + (" (+ uncommitted changes)" if sh("git -C %s status --short -uno" % ROOT) else ""),
        "env": {k: env.get(k, "<unset>") for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_THREAD_TIMEOUT", "GLIBC_TUNABLES", "OMP_WAIT_POLICY",
                                               "OMP_NUM_THREADS", "RECPOOL_ISA", "ATEN_CPU_CAPABILITY")},
    }


REUSE = False  # --reuse: take the raw files already in --out instead of running (re-summarize a run)


def run(cmd, env, log):
    out = [c.split("=", 1)[1] if c.startswith("--benchmark_out=") else c for c in cmd]
    out = next((x for x in out if x.endswith(".json") and x.startswith("/")), None)
    if REUSE and out and os.path.exists(out):
        return
    print("$ " + " ".join(cmd), file=sys.stderr)
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        r = subprocess.run(cmd, env=env, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        sys.exit("command failed (%d), see %s: %s" % (r.returncode, log, " ".join(cmd)))


def gbench(path):
    """Google Benchmark JSON -> (context, {name: row}) with the /real_time suffix removed."""
    with open(path) as f:
        d = json.load(f)
    rows = {}
    for b in d["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        rows[re.sub(r"/(real_time|min_time:[0-9.]+)", "", b["name"])] = b
    return d["context"], rows


def to_ms(b):
    return b["real_time"] * {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]


def gemm_shapes(n, B, T, train):
    """(name, count) of the GEMMs of one step; names as bench_drsae registers them."""
    fwd = [("fwd_U=X.Et", 1), ("fwd_P=z.St", T - 1), ("fwd_recon=z.Dt", 1), ("fwd_logits=zn.Ct", 1)]
    bwd = [("bwd_dE=dUt.X", 1), ("bwd_dz=dP.S", T - 1), ("bwd_dS=dPt.z", T - 1), ("bwd_dz=dR.D", 1),
           ("bwd_dD=dRt.z", 1), ("bwd_dzn=dL.C", 1), ("bwd_dC=dLt.zn", 1)]
    return [s for s in fwd + (bwd if train else []) if s[1] > 0]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(v, digits=3):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return "%.0f" % v
    return ("%%.%dg" % digits) % v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds timed per configuration per round")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--configs", default="400:11,200:11,400:2,200:2")
    ap.add_argument("--batch", default="1,10,100,1000")
    ap.add_argument("--modes", default="train,infer")
    ap.add_argument("--coretype", default="as-given")
    ap.add_argument("--no-tune", action="store_true", help="do not set GLIBC_TUNABLES / OMP_WAIT_POLICY")
    ap.add_argument("--reference", default="/work/shared/bench", help="dir with torch_drsae.py / torch_ops.py ('' = skip)")
    ap.add_argument("--ops", action="store_true", help="also the per-op comparison (every op of bench_ops)")
    ap.add_argument("--no-drsae", action="store_true", help="skip the DrSAE comparison (with --ops: ops only)")
    ap.add_argument("--ops-min-time", type=float, default=0.1)
    ap.add_argument("--out", default="/tmp/side_by_side/" + time.strftime("%Y%m%d-%H%M%S"))
    ap.add_argument("--reuse", action="store_true", help="summarize the raw JSON already in --out (no new runs)")
    a = ap.parse_args()
    global REUSE
    REUSE = a.reuse
    os.makedirs(a.out, exist_ok=True)
    log = os.path.join(a.out, "log.txt")

    env = dict(os.environ)
    if not a.no_tune:
        env["GLIBC_TUNABLES"] = TUNE
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        env.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    if a.coretype == "auto":
        env.pop("OPENBLAS_CORETYPE", None)
    elif a.coretype != "as-given":
        env["OPENBLAS_CORETYPE"] = a.coretype
    info = machine(env)
    prev = os.path.join(a.out, "summary.json")
    if REUSE and os.path.exists(prev):  # describe the machine as it was when the raw files were made
        with open(prev) as f:
            info = json.load(f)["machine"]
    print("# side_by_side: %s, %s, %d CPUs, load %s" % (info["date"], info["cpu"], info["nproc"], info["load"]))
    print("# environment of every run: " + "  ".join("%s=%s" % kv for kv in info["env"].items()))
    print("# versions: " + "; ".join(info["packages"]) + "; " + info["gxx"] + "; recpool " + info["git"])
    sys.stdout.flush()

    threads = [int(v) for v in a.threads.split(",")]
    batches = [int(v) for v in a.batch.split(",")]
    configs = [tuple(int(v) for v in c.split(":")) for c in a.configs.split(",")]
    modes = a.modes.split(",")
    alt = lambda xs: "(" + "|".join(str(x) for x in xs) + ")"
    ns = sorted({n for n, _ in configs})
    drsae_filter = "^drsae/%s/n:%s/T:%s/B:%s/th:%s/|^(gemm|lin)/.*/n:%s/B:%s/th:%s/" % (
        alt(modes), alt(ns), alt(sorted({T for _, T in configs})), alt(batches), alt(threads), alt(ns), alt(batches), alt(threads))
    ref_drsae = os.path.join(a.reference, "torch_drsae.py") if a.reference else ""
    have_ref = bool(ref_drsae) and os.path.exists(ref_drsae)

    rp_runs, pt_runs, ref_runs = [], [], []
    ctx = {}
    for r in range(0 if a.no_drsae else a.rounds):
        out = os.path.join(a.out, "recpool_drsae_%d.json" % r)
        run([os.path.join(a.build, "bench_drsae"), "--benchmark_filter=" + drsae_filter, "--benchmark_min_time=%g" % a.min_time,
             "--benchmark_out=" + out, "--benchmark_out_format=json"], env, log)
        ctx, rows = gbench(out)
        rp_runs.append(rows)
        out = os.path.join(a.out, "pytorch_drsae_%d.json" % r)
        run(["/usr/bin/python3", os.path.join(HERE, "pt_drsae.py"), "--threads", a.threads, "--configs", a.configs,
             "--batch", a.batch, "--modes", a.modes, "--min-time", str(a.min_time), "--json", out], env, log)
        with open(out) as f:
            pt_runs.append(json.load(f)["results"])
        if have_ref:
            out = os.path.join(a.out, "reference_drsae_%d.json" % r)
            run(["/usr/bin/python3", ref_drsae, "--threads", a.threads, "--configs", a.configs, "--batch", a.batch,
                 "--modes", a.modes, "--rounds", "1", "--min-time", str(a.min_time), "--json", out], env, log)
            with open(out) as f:
                ref_runs.append(json.load(f)["results"])
    if ctx:
        print("# OpenBLAS core %s, config %s" % (ctx.get("openblas_corename"), ctx.get("openblas_config")))

    def rp(name, key=None):
        vals = [(to_ms(rows[name]) if key is None else rows[name].get(key)) for rows in rp_runs if name in rows]
        return med(vals)

    def pt(runs, mode, n, T, B, th, key):
        return med([row[key] for rows in runs for row in rows
                    if (row["mode"], row["n"], row["T"], row["B"], row["threads"]) == (mode, n, T, B, th)])

    def gemm_ms(shape, n, B, th):
        t = [rp("gemm/%s/gemm/n:%d/B:%d/th:%d" % (shape, n, B, th))]
        if B == 1:
            t.append(rp("gemm/%s/blas2/n:%d/B:%d/th:%d" % (shape, n, B, th)))
        t = [x for x in t if x is not None]
        return min(t) if t else None

    def own_ms(shape, n, B, th):
        return rp("lin/%s/n:%d/B:%d/th:%d" % (shape, n, B, th))

    def bound_of(timer, n, B, T, mode, th):
        parts = [(timer(s, n, B, th), c) for s, c in gemm_shapes(n, B, T, mode == "train")]
        return sum(t * c for t, c in parts) if all(t is not None for t, _ in parts) else None

    table, results = [], []
    hdr = ("| mode | n | T | B | th | recpool ms | PyTorch ms | PyTorch / recpool | reference ms | ref / recpool "
           "| GEMM bound ms | recpool / bound | PyTorch / bound | own-products ms | recpool / own | recpool GFLOP/s "
           "| allocs/step | faults/step |")
    table += [hdr, "|" + " --- |" * (hdr.count("|") - 1)]
    for mode in modes if rp_runs else []:
        for th in threads:
            for n, T in configs:
                for B in batches:
                    name = "drsae/%s/n:%d/T:%d/B:%d/th:%d" % (mode, n, T, B, th)
                    r_ms = rp(name)
                    p_ms = pt(pt_runs, mode, n, T, B, th, "ms")
                    f_ms = pt(ref_runs, mode, n, T, B, th, "ms_med") if have_ref else None
                    bound = bound_of(gemm_ms, n, B, T, mode, th)
                    own = bound_of(own_ms, n, B, T, mode, th)
                    ratio = lambda x, y: x / y if x and y else None
                    row = dict(mode=mode, n=n, T=T, B=B, threads=th, recpool_ms=r_ms, pytorch_ms=p_ms, reference_ms=f_ms,
                               bound_ms=bound, speedup=ratio(p_ms, r_ms), ref_speedup=ratio(f_ms, r_ms),
                               recpool_over_bound=ratio(r_ms, bound), pytorch_over_bound=ratio(p_ms, bound),
                               own_products_ms=own, recpool_over_own=ratio(r_ms, own),
                               gflops=rp(name, "GFLOP"), allocs=rp(name, "allocs/step"), faults=rp(name, "faults/step"),
                               recpool_rounds=[to_ms(rows[name]) for rows in rp_runs if name in rows])
                    results.append(row)
                    table.append("| %s | %d | %d | %d | %d | %s | %s | **%s** | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                        mode, n, T, B, th, fmt(r_ms), fmt(p_ms), fmt(row["speedup"]), fmt(f_ms), fmt(row["ref_speedup"]),
                        fmt(bound), fmt(row["recpool_over_bound"]), fmt(row["pytorch_over_bound"]),
                        fmt(own), fmt(row["recpool_over_own"]),
                        fmt(row["gflops"]),
                        fmt(row["allocs"]), fmt(row["faults"])))
    if rp_runs:
        print("\n## DrSAE 784-n^T-10, ms per step (median over %d rounds)\n" % a.rounds)
        print("\n".join(table))

    # ---- the targets (1 thread, DrSAE 784-400^11-10, training) ----
    def find(B, mode="train", n=400, T=11, th=1):
        for row in results:
            if (row["mode"], row["n"], row["T"], row["B"], row["threads"]) == (mode, n, T, B, th):
                return row
        return None
    checks = []
    for B, want in ((1, 3.0), (10, 1.5), (100, 1.2), (1000, 1.0)):  # the speed issue's targets
        row = find(B)
        if row and row["speedup"]:
            checks.append(("train 400^11 B=%d: PyTorch / recpool >= %.1f" % (B, want), row["speedup"] >= want, "%.2f" % row["speedup"]))
    for B in (1, 10, 100, 1000):
        row = find(B, "infer")
        if row and row["speedup"]:
            checks.append(("infer 400^11 B=%d: ahead of PyTorch" % B, row["speedup"] > 1.0, "%.2f" % row["speedup"]))
    for B in (100, 1000):
        one, two = find(B), find(B, th=2)
        if one and two and two["recpool_ms"] and two["speedup"]:
            checks.append(("train 400^11 B=%d, 2 threads: faster than 1 thread" % B, two["recpool_ms"] < one["recpool_ms"],
                           "%.3g ms against %.3g" % (two["recpool_ms"], one["recpool_ms"])))
            checks.append(("train 400^11 B=%d, 2 threads: ahead of PyTorch with 2" % B, two["speedup"] > 1.0, "%.2f" % two["speedup"]))
    for row in results:
        if row["threads"] == 1 and row["mode"] == "train" and row["B"] >= 10 and row["recpool_over_bound"]:
            checks.append(("train %d^%d B=%d: recpool / GEMM bound <= 1.15" % (row["n"], row["T"], row["B"]),
                           row["recpool_over_bound"] <= 1.15, "%.3f" % row["recpool_over_bound"]))
    allocs = [row["allocs"] for row in results if row["allocs"] is not None]
    if allocs:
        checks.append(("heap allocations per step = 0 (every configuration)", max(allocs) == 0, "max %g" % max(allocs)))
    if checks:
        print("\n## Targets (1 thread unless stated)\n")
        print("| target | holds | measured |\n| --- | --- | --- |")
        for what, ok, val in checks:
            print("| %s | %s | %s |" % (what, "yes" if ok else "**no**", val))

    ops_rows = []
    if a.ops:
        ops_rows = compare_ops(a, env, log, threads[0], batches)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"machine": info, "openblas": {k: ctx.get(k) for k in ("openblas_corename", "openblas_config")},
                   "args": vars(a), "drsae": results, "targets": checks, "ops": ops_rows}, f, indent=1)
    print("\n# raw output and summary.json in " + a.out)


# recpool op names of the reference torch_ops.py entries (its sizes: [100,400], [1000,400]; logsoftmax also k = 10).
REFERENCE_OPS = {"add_scalar": "AddConstant", "shrink": "ParameterizedShrink", "softshrink_b": "ParameterizedShrink2",
                 "softshrink_F": "FixedShrink2", "l1_cost": "L1Cost", "cauchy_cost": "CauchyCost", "mul": "CMulTable",
                 "sqrt_shift": "SafeSqrt", "rownorm": "NormalizeL2", "logsoftmax_nll": "SoftmaxCrossEntropy"}


def compare_ops(a, env, log, th, batches):
    """Every op of bench_ops next to pt_ops.py (and the reference torch_ops.py); returns rows and target checks."""
    sys.path.insert(0, HERE)
    import pt_ops  # noqa: E402  (its OPS names are the recpool op names)
    flt = "^ops/.*/B:(%s)/n:|^stream/" % "|".join(str(b) for b in batches)
    ref_ops = os.path.join(a.reference, "torch_ops.py") if a.reference else ""
    have_ref = bool(ref_ops) and os.path.exists(ref_ops)
    rp_runs, pt_runs, ref_runs = [], [], []
    for r in range(a.rounds):
        out = os.path.join(a.out, "recpool_ops_%d.json" % r)
        run([os.path.join(a.build, "bench_ops"), "--threads=%d" % th, "--benchmark_filter=" + flt,
             "--benchmark_min_time=%g" % a.ops_min_time, "--benchmark_out=" + out, "--benchmark_out_format=json"], env, log)
        rp_runs.append(gbench(out)[1])
        out = os.path.join(a.out, "pytorch_ops_%d.json" % r)
        run(["/usr/bin/python3", os.path.join(HERE, "pt_ops.py"), "--threads", str(th), "--batch", a.batch,
             "--min-time", str(a.ops_min_time), "--json", out], env, log)
        with open(out) as f:
            pt_runs.append(json.load(f)["results"])
        if have_ref:
            out = os.path.join(a.out, "reference_ops_%d.json" % r)
            run(["/usr/bin/python3", ref_ops, "--threads", str(th), "--rounds", "1", "--json", out], env, log)
            with open(out) as f:
                ref_runs.append(json.load(f)["results"])

    def ref_us(op, mode, B, n):
        if mode == "bwd":
            return None
        key = "fwd_us" if mode == "fwd" else "fb_us"
        return med([x[key] for rows_ in ref_runs for x in rows_
                    if REFERENCE_OPS.get(x["op"]) == op.replace("SoftmaxCrossEntropy10", "SoftmaxCrossEntropy")
                    and (x["rows"], x["cols"]) == (B, 10 if op == "SoftmaxCrossEntropy10" else n)])

    names = []
    for rows_ in rp_runs:
        for name in rows_:
            if name.startswith("ops/") and name.split("/")[1] not in names:
                names.append(name.split("/")[1])
    rows = []
    print("\n## Ops, µs per call, %d thread(s) (median over %d rounds)\n" % (th, a.rounds))
    print("GB/s: the bytes the call must move (bench_ops.cpp); x_stream: recpool's time over the time of those bytes at "
          "the STREAM triad rate of same-size arrays, x_dram: at the triad rate on 64 MB arrays (target <= 1.5); "
          "PyTorch: pt_ops.py; reference: torch_ops.py (fwd and fwd+bwd only).\n")
    print("| op | mode | B | n | recpool µs | GB/s or GFLOP/s | x_stream | x_dram | PyTorch µs | PyTorch / recpool | reference µs |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for op in names:
        for mode in ("fwd", "bwd", "fwdbwd"):
            for n in (200, 400):
                for B in batches:
                    name = "ops/%s/%s/B:%d/n:%d" % (op, mode, B, n)
                    r_us = med([to_ms(rr[name]) * 1e3 for rr in rp_runs if name in rr])
                    if r_us is None:
                        continue
                    p_us = med([x["us"] for rows_ in pt_runs for x in rows_ if (x["op"], x["mode"], x["B"], x["n"]) == (op, mode, B, n)])
                    rate = med([rr[name].get("GB", rr[name].get("GFLOP")) for rr in rp_runs if name in rr])
                    xs = med([rr[name].get("x_stream") for rr in rp_runs if name in rr])
                    xd = med([rr[name].get("x_dram") for rr in rp_runs if name in rr])
                    f_us = ref_us(op, mode, B, n) if have_ref else None
                    row = dict(op=op, mode=mode, B=B, n=n, recpool_us=r_us, pytorch_us=p_us, reference_us=f_us,
                               speedup=p_us / r_us if p_us else None, rate=rate, x_stream=xs, x_dram=xd)
                    rows.append(row)
                    print("| %s | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                        op, mode, B, n, fmt(r_us), fmt(rate), fmt(xs), fmt(xd), fmt(p_us), fmt(row["speedup"]), fmt(f_us)))
    # The bandwidth target, where bytes rather than call overhead decide: B >= 100.
    big = [r for r in rows if r["x_stream"] is not None and r["B"] >= 100]
    ok = [r for r in big if r["x_stream"] <= 1.5]
    ok_dram = [r for r in big if r["x_dram"] is not None and r["x_dram"] <= 1.5]
    print("\nElementwise ops at B >= 100: %d of %d (op, mode, B, n) within 1.5x of the main-memory (64 MB triad) time, "
          "%d within 1.5x of the same-size triad time; over the latter:" % (len(ok_dram), len(big), len(ok)))
    over = {}
    for r in big:
        if r["x_stream"] > 1.5:
            over.setdefault(r["op"], []).append("%s B=%d n=%d %.1fx" % (r["mode"], r["B"], r["n"], r["x_stream"]))
    for op, v in over.items():
        print("  %s: %s" % (op, ", ".join(v)))
    return rows


if __name__ == "__main__":
    main()
