#!/usr/bin/python3
"""The recpool DrSAE training step written in PyTorch, timed the way bench_drsae times the engine.

    /usr/bin/python3 benchmarks/pt_drsae.py [--threads 1,2] [--configs 400:11,200:11,400:2,200:2]
        [--batch 1,10,100,1000] [--modes train,infer] [--rounds 1] [--min-time 0.5] [--json FILE]

Debian's /usr/bin/python3 with python3-torch (the pyenv python first on PATH has no torch).

The model is the one models/drsae.hpp builds (float32, X [B,784], labels y [B], paper threshold):
    u       = X E^T
    z_1     = relu(u - b)
    z_{t+1} = relu(u + z_t + z_t S^T - b)                  t = 1 .. T-1 (identity kept explicit)
    x_hat   = z_T D^T ;  zhat = z_T / sqrt(|z_T|^2 + 1e-8) per row ;  logits = zhat C^T + c
    energy  = 5 * 1/2 |X - x_hat|^2 + 0.09 |z_T|_1 + cross_entropy(logits, y), all summed over the batch
One "train" step = forward, backward, then SGD as optim/Sgd does it: theta -= lr * lr_scale * grad with lr_scale
E, b: 1/T; S: 1/(T-1); D: 1; C, c: 0.2; then the constraints: b >= 0 and rows of C <= 5 every update, rows of
E <= min(1, 1.25/T) and columns of D <= 1 on every 5th update (updates 0, 5, 10, ...).
"infer" = the same forward with the three costs under torch.no_grad().
The step is written as a PyTorch user would write it for speed: u - b is formed once and reused by every
iteration, and u - b + z + z S^T is one addmm (the add folded into the GEMM).

Threads: torch.set_num_threads(k) and openblas_set_num_threads(k) (torch calls OpenBLAS through libblas.so.3 and
does not size OpenBLAS's own pool). Timing: per configuration and round, warm-up (>= 3 steps, >= 0.1 s), then
single steps with perf_counter for >= --min-time s; a round's value is the MEAN time per step (what Google Benchmark
reports for the engine), and the per-call median is stored too. Rounds are interleaved over configurations.
GFLOP/s is the analytic GEMM count of the reference scripts (see bench_drsae.cpp).
"""
import argparse
import ctypes
import json
import os
import platform
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

IN, CLASSES = 784, 10


def openblas():
    for name in ("libopenblas.so.0", "libopenblas.so"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib
        except OSError:
            pass
    return None


BLAS = openblas()


def set_threads(k):
    torch.set_num_threads(k)
    if BLAS is not None:
        BLAS.openblas_set_num_threads(k)


def step_flops(B, n, T, train):
    fwd = 2.0 * B * (IN * n + (T - 1) * n * n + n * IN + n * CLASSES)
    if not train:
        return fwd
    return fwd + 2.0 * B * (IN * n + 2 * (T - 1) * n * n + 2 * n * IN + 2 * n * CLASSES)


def bound_rows(w, r):
    """Scale rows of w down to norm <= r (in place)."""
    norms = w.norm(dim=1, keepdim=True)
    w.div_(torch.clamp(norms / r, min=1.0))


class Drsae:
    def __init__(self, n, T, B, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.n, self.T, self.B = n, T, B
        alpha = 1.25 / T
        D = torch.rand(IN, n, generator=g) * 2 - 1
        D /= D.norm(dim=0, keepdim=True)
        C = torch.rand(CLASSES, n, generator=g) * 2 - 1
        C /= C.norm(dim=1, keepdim=True)
        self.p = {
            "E": (alpha * D.t()).contiguous(),
            "S": -alpha * (D.t() @ D),
            "b": torch.full((n,), 1e-5),
            "D": D,
            "C": C,
            "c": torch.zeros(CLASSES),
        }
        for v in self.p.values():
            v.requires_grad_(True)
        self.scale = {"E": 1.0 / T, "b": 1.0 / T, "S": 1.0 / max(T - 1, 1), "D": 1.0, "C": 0.2, "c": 0.2}
        self.enc_bound = min(1.0, max(0.01, 1.25 / T))
        self.lr = 1e-4 / B  # per example on the summed energy, as bench_drsae
        self.t = 0
        self.X = torch.rand(B, IN, generator=g)
        self.y = torch.randint(0, CLASSES, (B,), generator=g)

    def energy(self):
        p, X = self.p, self.X
        ub = X @ p["E"].t() - p["b"]
        z = torch.relu(ub)
        St = p["S"].t()
        for _ in range(self.T - 1):
            z = torch.relu(torch.addmm(ub + z, z, St))
        zhat = z / torch.sqrt((z * z).sum(dim=1, keepdim=True) + 1e-8)
        logits = torch.addmm(p["c"], zhat, p["C"].t())
        cls = F.cross_entropy(logits, self.y, reduction="sum")
        recon = 0.5 * (X - z @ p["D"].t()).pow(2).sum()
        return 5.0 * recon + 0.09 * z.abs().sum() + cls

    def train_step(self):
        for v in self.p.values():
            v.grad = None
        e = self.energy()
        e.backward()
        with torch.no_grad():
            for k, v in self.p.items():
                v.add_(v.grad, alpha=-self.lr * self.scale[k])
            self.p["b"].clamp_(min=0)
            bound_rows(self.p["C"], 5.0)
            if self.t % 5 == 0:
                bound_rows(self.p["E"], self.enc_bound)
                bound_rows(self.p["D"].t(), 1.0)  # columns of D
        self.t += 1
        return e

    def infer(self):
        with torch.no_grad():
            return self.energy()


def time_round(fn, min_time, min_reps=5, warm_time=0.1, warm_reps=3):
    t0 = time.perf_counter()
    i = 0
    while i < warm_reps or time.perf_counter() - t0 < warm_time:
        fn()
        i += 1
    samples = []
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    while len(samples) < min_reps or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    f1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    return samples, (f1 - f0) / len(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--configs", default="400:11,200:11,400:2,200:2", help="n:T pairs")
    ap.add_argument("--batch", default="1,10,100,1000")
    ap.add_argument("--modes", default="train,infer")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--json")
    a = ap.parse_args()
    threads = [int(v) for v in a.threads.split(",")]
    batches = [int(v) for v in a.batch.split(",")]
    configs = [tuple(int(v) for v in c.split(":")) for c in a.configs.split(",")]
    modes = a.modes.split(",")
    torch.manual_seed(0)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "torch": torch.__version__, "python": platform.python_version(),
        "openblas_core": BLAS.openblas_get_corename().decode() if BLAS else "unknown",
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "GLIBC_TUNABLES", "OMP_WAIT_POLICY", "OMP_NUM_THREADS")},
        "rounds": a.rounds, "min_time": a.min_time,
    }
    print("# pt_drsae: torch %s, OpenBLAS core %s, env %s" % (meta["torch"], meta["openblas_core"], meta["env"]), file=sys.stderr)

    models = {(n, T, B): Drsae(n, T, B) for n, T in configs for B in batches}
    res = {}
    for r in range(a.rounds):
        for th in threads:
            set_threads(th)
            for mode in modes:
                for (n, T, B), m in models.items():
                    s, flt = time_round(m.train_step if mode == "train" else m.infer, a.min_time)
                    res.setdefault((mode, n, T, B, th), []).append((s, flt))
                    if mode == "train" and not torch.isfinite(m.train_step()):
                        print("WARNING: non-finite energy", (n, T, B), file=sys.stderr)
    rows = []
    for (mode, n, T, B, th), rounds in res.items():
        means = [statistics.fmean(s) * 1e3 for s, _ in rounds]
        ms = statistics.median(means)
        rows.append(dict(mode=mode, n=n, T=T, B=B, threads=th, ms=ms, ms_rounds=means,
                         ms_call_median=statistics.median(statistics.median(s) * 1e3 for s, _ in rounds),
                         faults_per_step=statistics.median(f for _, f in rounds),
                         gflops=step_flops(B, n, T, mode == "train") / ms * 1e-6, steps=sum(len(s) for s, _ in rounds)))
        print("%-5s n=%3d T=%2d B=%4d th=%d  %9.3f ms  %7.1f GFLOP/s  faults/step %.1f" % (
            mode, n, T, B, th, ms, rows[-1]["gflops"], rows[-1]["faults_per_step"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
