#!/usr/bin/python3
"""PyTorch counterparts of recpool ops, timed per call like bench_ops (fwd, bwd, fwdbwd) at [B, n].

    /usr/bin/python3 benchmarks/pt_ops.py [--ops A,B] [--batch 1,10,100,1000] [--widths 200,400]
        [--threads 1] [--min-time 0.1] [--rounds 1] [--json FILE]

Each entry is named after the recpool op it mirrors (same math, float32; see ops/*.hpp), written as a PyTorch user
would: the composed expression for ops PyTorch lacks, the built-in where there is one. Inputs requiring a gradient
are every [B, n] input and the [n] vectors (thresholds, gains); labels are integers.
  fwd     the expression under torch.no_grad()
  bwd     autograd backward of a kept graph (retain_graph) with a fixed upstream gradient, accumulating into .grad
          (as recpool's backward adds into its input gradients)
  fwdbwd  forward with grad enabled, then backward; .grad reset to None before each call (PyTorch's usual way)
Time per call: MEAN over the timed calls of a round (as Google Benchmark reports), median over rounds.
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def set_threads(k):
    torch.set_num_threads(k)
    try:
        ctypes.CDLL("libopenblas.so.0").openblas_set_num_threads(k)
    except OSError:
        pass


def shrink2(x, b):
    return torch.sign(x) * torch.relu(x.abs() - b)


# name -> (inputs spec, function). Inputs: "x" [B,n] in [-1,1); "p" [B,n] in [0,1); "q" [B,n] in [0.5,2);
# "y2" a second [B,n]; "y3" a third; "b" [n] in [0,0.2); "w" [n]; "lab" labels < n; "x10" [B,10]; "lab10"; "W" [n,n]
OPS = {
    "Linear": ("x W", lambda t: t["x"] @ t["W"].t()),
    "AddConstant": ("x", lambda t: t["x"] + 1.0),
    "MulConstant": ("x", lambda t: t["x"] * 2.0),
    "Square": ("x", lambda t: t["x"] * t["x"]),
    "Abs": ("x", lambda t: t["x"].abs()),
    "Exp": ("x", lambda t: torch.exp(t["x"])),
    "ReLU": ("x", lambda t: torch.relu(t["x"])),
    "Sigmoid": ("x", lambda t: torch.sigmoid(t["x"])),
    "Tanh": ("x", lambda t: torch.tanh(t["x"])),
    "FixedShrink2": ("x", lambda t: F.softshrink(t["x"], 0.5)),
    "SafeSqrt": ("p", lambda t: torch.sqrt(t["p"] + 1e-2) - 1e-1),
    "SafeLog": ("p", lambda t: torch.log(t["p"] + 1e-2)),
    "Add": ("x y2 y3", lambda t: t["x"] + t["y2"] + t["y3"]),
    "Sub": ("x y2", lambda t: t["x"] - t["y2"]),
    "CMulTable": ("x y2", lambda t: t["x"] * t["y2"]),
    "CDivTable": ("x q", lambda t: t["x"] / t["q"]),
    "AddBias": ("x w", lambda t: t["x"] + t["w"]),
    "CMul": ("x w", lambda t: t["x"] * t["w"]),
    "ParameterizedShrink": ("x b", lambda t: torch.relu(t["x"] - t["b"])),
    "ParameterizedShrink2": ("x b", lambda t: shrink2(t["x"], t["b"])),
    "NormalizeL2": ("x", lambda t: t["x"] / torch.sqrt((t["x"] * t["x"]).sum(dim=1, keepdim=True) + 1e-12)),
    "L1Cost": ("x", lambda t: 0.5 * t["x"].abs().sum()),
    "L2Cost": ("x", lambda t: 0.25 * (t["x"] * t["x"]).sum()),
    "L2CostTarget": ("x y2", lambda t: 0.25 * (t["x"] - t["y2"]).pow(2).sum()),
    "CauchyCost": ("x", lambda t: 0.5 * torch.log1p(t["x"] * t["x"]).sum()),
    "Sum": ("x", lambda t: t["x"].sum()),
    "SoftmaxCrossEntropy": ("x lab", lambda t: F.cross_entropy(t["x"], t["lab"], reduction="sum")),
    "SoftmaxCrossEntropy10": ("x10 lab10", lambda t: F.cross_entropy(t["x10"], t["lab10"], reduction="sum")),
    "SumOverBatch": ("x", lambda t: t["x"].sum(dim=0)),
}


def make_inputs(spec, B, n, g):
    t = {}
    for k in spec.split():
        if k in ("x", "y2", "y3"):
            t[k] = (torch.rand(B, n, generator=g) * 2 - 1).requires_grad_(True)
        elif k == "p":
            t[k] = torch.rand(B, n, generator=g).requires_grad_(True)
        elif k == "q":
            t[k] = (torch.rand(B, n, generator=g) * 1.5 + 0.5).requires_grad_(True)
        elif k == "b":
            t[k] = (torch.rand(n, generator=g) * 0.2).requires_grad_(True)
        elif k == "w":
            t[k] = (torch.rand(n, generator=g) * 2 - 1).requires_grad_(True)
        elif k == "W":
            t[k] = ((torch.rand(n, n, generator=g) * 2 - 1) * 0.05).requires_grad_(True)
        elif k == "lab":
            t[k] = torch.randint(0, n, (B,), generator=g)
        elif k == "x10":
            t[k] = (torch.rand(B, 10, generator=g) * 6 - 3).requires_grad_(True)
        elif k == "lab10":
            t[k] = torch.randint(0, 10, (B,), generator=g)
    return t


def timed(fn, min_time, min_reps=20, warm_reps=5):
    for _ in range(warm_reps):
        fn()
    n, start = 0, time.perf_counter()
    while n < min_reps or time.perf_counter() - start < min_time:
        fn()
        n += 1
    return (time.perf_counter() - start) / n


def callables(name, B, n):
    spec, f = OPS[name]
    t = make_inputs(spec, B, n, torch.Generator().manual_seed(1))
    leaves = [v for v in t.values() if v.requires_grad]
    out = f(t)
    dy = None if out.dim() == 0 else torch.rand(out.shape, generator=torch.Generator().manual_seed(2)) * 2 - 1

    def fwd():
        with torch.no_grad():
            f(t)

    def bwd():
        out.backward(dy, retain_graph=True)

    def fwdbwd():
        for v in leaves:
            v.grad = None
        f(t).backward(dy)
    return {"fwd": fwd, "bwd": bwd, "fwdbwd": fwdbwd}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--batch", default="1,10,100,1000")
    ap.add_argument("--widths", default="200,400")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=0.1)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()
    set_threads(a.threads)
    names = a.ops.split(",")
    batches = [int(v) for v in a.batch.split(",")]
    widths = [int(v) for v in a.widths.split(",")]
    fns = {(op, B, n): callables(op, B, n) for op in names for B in batches for n in widths}
    res = {}
    for _ in range(a.rounds):
        for (op, B, n), modes in fns.items():
            for mode, fn in modes.items():
                res.setdefault((op, mode, B, n), []).append(timed(fn, a.min_time) * 1e6)
    rows = [dict(op=op, mode=mode, B=B, n=n, threads=a.threads, us=statistics.median(v), us_rounds=v)
            for (op, mode, B, n), v in res.items()]
    for r in rows:
        print("%-22s %-6s B=%4d n=%3d  %10.2f us" % (r["op"], r["mode"], r["B"], r["n"], r["us"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": {"torch": torch.__version__, "threads": a.threads,
                                "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "GLIBC_TUNABLES", "OMP_WAIT_POLICY")}},
                       "results": rows}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
