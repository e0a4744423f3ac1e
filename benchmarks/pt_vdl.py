#!/usr/bin/python3
"""The VDL family's FISTA run and training iteration (models/vdl.hpp, spec models-vdl-sesm-groups.md Part I) in
PyTorch, timed the way bench_vdl times the engine, and checked against the engine.

    /usr/bin/python3 benchmarks/pt_vdl.py [--threads 1,2] [--kinds sdl,vdl,sdl-nl,vdl-nl|all]
        [--modes fista_iter,train_fixed] [--rounds 1] [--min-time 0.5] [--json FILE]
    build/check_vdl /tmp/vdl32.json && build/check_vdl --double /tmp/vdl64.json
    /usr/bin/python3 benchmarks/pt_vdl.py --check /tmp/vdl64.json /tmp/vdl32.json

Debian's /usr/bin/python3 with python3-torch (the pyenv python first on PATH has no torch).

What is computed (float32 for the benchmarks; n = 250, d = 784, l = 128, m = 1024, each kind's Table 3 settings as
vdl_mnist_config sets them; the table below is compared with the engine's by --check):
    E(y):  u = y U^T + b,  z = relu(u),  3 x  z = relu(u + z S^T)                               (LISTA, spec 1.2)
    D(z):  z W^T  |  relu(z W1^T + b1) W2^T                                                    (linear | NL)
    f(Z) = sum_i (1/d)|y_i - D(z_i)|^2 + beta sum_j (T - std_j(Z))_+^2 + gamma sum_i (1/l)|z_i - E(y_i)|^2
                                                                           (spec 0: per-pixel-mean units)
    FISTA (optim/inference.hpp, spec 1.3), eta constant, no restart:
        Z_k = max(X - eta grad f(X) - lambda eta, 0);  t' = (1 + sqrt(1 + 4t^2))/2;
        X = Z_k + ((t - 1)/t')(Z_k - Z_{k-1});  stop when every row has |z_k - z_{k-1}| < tol |z_{k-1}|
        (|z_k - z_{k-1}| = 0 passes too; tol 0 stops only when no code moved) or after max_iter.
    grad f is written out by hand with explicit products and no autograd, as a user minding speed writes it: the
    constants are folded into addmm's alpha/beta, R = (2/d)(D(X) - y) is one addmm, the relu's backward a mask.
    Variance hinge gradient (ops/variance_hinge.hpp): -2 beta (T - s_j)(x_bj - mu_j)/((n - 1) s_j) for
    0 < s_j < T, else 0; a unit that is constant over the batch has s_j = 0 exactly and gets none.
    One training iteration (spec 1.6, models/vdl.cpp VdlTraining): zE = E(y) with autograd; Z* = FISTA from zE
    (DO kinds: from code_init) under no_grad; L_D = mean((y - D(Z*))^2), L_E = mean((zE - Z*)^2), one backward;
    torch.optim.Adam (betas 0.9/0.999, eps 1e-8, coupled weight decay per group: b1 wd_b1, b wd_b, W/W1/W2 wd_D)
    on the decoder, then unit columns W[:,k] /= (|W[:,k]| + 1e-12) (SDL, DO kinds), then Adam on the encoder.
    VDL-NL's decoder rate halves every 30 x 220 updates.
Modes (the engine rows in brackets, build/bench_vdl):
    fista_iter   a FISTA run of 50 iterations, tolerance off, from Z = 0.05 after one training iteration (default
                 tolerance), with E(y) and the energy at the end inside the run as the engine's run has its first
                 full forward and last forward [vdl/fista_iter/KIND/th:K]; reported per run and per iteration
    train_fixed  one training iteration with FISTA at exactly 50 iterations [vdl/train_fixed/KIND/th:K]
    train        the same with FISTA to the tolerance 1e-3 (at most 200): its iteration count drifts with the
                 parameters, so compare it with vdl/train only together with fista_iters
Work that differs from the engine's: the engine computes E(y) twice per training iteration (once for the start
point, once in the solver's first full forward; one LISTA forward, about 1.5 % of a linear kind's FISTA flops,
less for NL), this script once; the engine's forward also evaluates the loss values every FISTA iteration (a pass
over the n x d residual, the hinge, the distance), which the hand-written gradient does not need. The data and
initial parameters are drawn from the same distributions, not the same numbers (--check uses the engine's), so
a kind whose codes can all reach 0 (DO-NL) may stop after another number of iterations: compare per iteration.

Threads: torch.set_num_threads(k) and openblas_set_num_threads(k), as pt_drsae.py. Timing as pt_drsae.py: per
configuration and round a warm-up (>= 3 calls, >= 0.1 s), then single calls timed with perf_counter for
>= --min-time s; a round's value is the mean time per call (Google Benchmark's figure for the engine), the
per-call median is stored too; rounds interleave over configurations. GFLOP/s of fista_iter: the products'
analytic flops, as bench_vdl counts them (2 x 2 n l d per iteration, NL 2 x 2 n (l m + m d)).

--check FILE...: exports of benchmarks/check_vdl.cpp (small sizes, default n 32, d 64, l 128, m 96). For each kind
it loads the engine's batch and initial parameters, compares its config with this script's table, then redoes in
the file's dtype what the engine did: one FISTA run (50 iterations from 0.05), one to the tolerance 1e-3 (from
E(y)), three training iterations in a row (FISTA fixed at 50), and prints the largest differences of the codes,
losses, energies, gradients and parameters, and exit status 1 when one exceeds the dtype's tolerance (TOL below).
The float64 export is the proof of the same math; the float32 one shows float32's tolerance. Not exercised by that
data: the relu's derivative exactly at 0 and the hinge's guard for a unit constant at a non-zero value (both
written as the engine's, but no value lands there), VDL-NL's rate halving (after 6600 updates), the paper's sizes.
"""
import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

import torch

from pt_drsae import BLAS, set_threads, time_round  # this directory's DrSAE script: the same threads and timing

KINDS = ["sdl", "sdl-nl", "vdl", "vdl-nl", "wdl", "wdl-nl", "do", "do-nl"]
BATCH, INPUT, CODE, HIDDEN = 250, 784, 128, 1024
FIXED_ITERS = 50


def mnist_config(kind, batches_per_epoch=220):
    """vdl_mnist_config (models/vdl.cpp): Table 3 and the released scripts (spec 2)."""
    nl = kind.endswith("-nl")
    base = kind.split("-")[0]
    c = dict(nl=nl, encoder=base != "do", variance=base == "vdl", unit_cols=base in ("sdl", "do"),
             lista_iters=3, fista_iters=200, fista_tol=1e-3, wd_D=0.0, wd_b=0.0, code_init=0.0, halve_every=0)
    if base == "vdl":
        c.update(beta=10.0, target=0.5, eta=0.5, lr_D=3e-4, lr_E=1e-4, lambda_=0.01 if nl else 0.02,
                 gamma=100.0 if nl else 5.0, wd_b1=1e-3 if nl else 0.0, halve_every=30 * batches_per_epoch if nl else 0)
        return c
    c.update(beta=0.0, target=0.5, gamma=1.0, eta=1.0, lr_D=1e-3, lr_E=1e-4 if nl else 3e-4,
             lambda_=0.01 if nl else 0.005, wd_b1=1e-3 if nl else 0.0)
    if base == "wdl":
        c["wd_D"] = 5e-4
    if base == "do":
        c["gamma"] = 0.0
    if kind == "do-nl":
        c["code_init"] = 0.1  # as bench_vdl: from 0 with b1 = 0 nothing moves (spec 5.5)
    return c


class Vdl:
    def __init__(self, kind, n=BATCH, d=INPUT, l=CODE, m=HIDDEN, dtype=torch.float32, seed=7, params=None, y=None):
        self.kind, self.c = kind, mnist_config(kind)
        self.n, self.d, self.l, self.m = n, d, l, m
        c = self.c
        g = torch.Generator().manual_seed(seed)
        fresh = params is None
        if fresh:  # init_vdl's distributions: nn.Linear's U(-1/sqrt(fan_in), 1/sqrt(fan_in)), biases 0
            def fan_in(rows, cols):
                return (torch.rand(rows, cols, generator=g, dtype=torch.float64) * 2 - 1).div_(math.sqrt(cols)).to(dtype)
            params = {}
            if c["encoder"]:
                params.update(U=fan_in(l, d), S=fan_in(l, l), b=torch.zeros(l, dtype=dtype))
            if c["nl"]:
                params.update(W1=fan_in(m, l), b1=torch.zeros(m, dtype=dtype), W2=fan_in(d, m))
            else:
                params.update(W=fan_in(d, l))
        self.p = {k: v.to(dtype).clone().requires_grad_(True) for k, v in params.items()}
        self.y = (torch.randn(n, d, generator=g, dtype=torch.float64).to(dtype) if y is None else y.to(dtype))
        self.dec = ["W1", "W2"] if c["nl"] else ["W"]
        with torch.no_grad():
            if fresh and c["unit_cols"]:  # init_vdl applies the constraints once
                self.unit_columns()
        groups = [{"params": [self.p[k] for k in self.dec], "weight_decay": c["wd_D"]}]
        if c["nl"]:
            groups.append({"params": [self.p["b1"]], "weight_decay": c["wd_b1"]})
        self.opt_D = torch.optim.Adam(groups, lr=c["lr_D"])
        self.opt_E = None
        if c["encoder"]:
            self.opt_E = torch.optim.Adam([{"params": [self.p["U"], self.p["S"]], "weight_decay": 0.0},
                                           {"params": [self.p["b"]], "weight_decay": c["wd_b"]}], lr=c["lr_E"])
        self.t = 0  # decoder updates so far

    def unit_columns(self):
        for k in self.dec:
            w = self.p[k]
            w.div_(w.norm(dim=0, keepdim=True).add_(1e-12))

    def encode(self, y):
        p = self.p
        u = torch.addmm(p["b"], y, p["U"].t())
        z = torch.relu(u)
        for _ in range(self.c["lista_iters"]):
            z = torch.relu(torch.addmm(u, z, p["S"].t()))
        return z

    def decode(self, z):
        p = self.p
        if self.c["nl"]:
            return torch.relu(torch.addmm(p["b1"], z, p["W1"].t())) @ p["W2"].t()
        return z @ p["W"].t()

    def stats(self, Z):
        """Z - mu and s_j of the hinge, with the engine's guard: a unit constant over the batch has Z - mu = 0 and
        s_j = 0 exactly (a mean of equal values can round away from them); also the mask of the other units."""
        mu = Z.mean(0)
        Zc = Z - mu
        s = Zc.pow(2).sum(0).div_(Z.shape[0] - 1).sqrt_()
        varies = (Z != Z[:1]).any(0)
        return Zc.mul_(varies), s.mul_(varies), varies

    def hinge(self, Z):
        _, s, _ = self.stats(Z)
        return self.c["beta"] * (self.c["target"] - s).clamp_(min=0).pow_(2).sum()

    def energy(self, y, zE, Z, rec=None):
        """f(Z) + lambda |Z|_1; rec = sum_i (1/d)|y_i - D(z_i)|^2 when already known."""
        c = self.c
        if rec is None:
            rec = (y - self.decode(Z)).pow_(2).sum() / self.d
        e = rec + c["lambda_"] * Z.abs().sum()
        if c["variance"]:
            e = e + self.hinge(Z)
        if c["encoder"]:
            e = e + c["gamma"] / self.l * (Z - zE).pow(2).sum()
        return float(e)

    @torch.no_grad()
    def fista(self, y, zE, z0, max_iter, tol, energy=True):
        """FISTA from z0 (zE: E(y), None for DO kinds); returns (Z, iterations, energy at Z or None)."""
        c, p = self.c, self.p
        n = y.shape[0]
        eta, thr = c["eta"], c["lambda_"] * c["eta"]
        c_rec, c_enc = 2.0 / self.d, 2.0 * c["gamma"] / self.l
        beta, T = c["beta"], c["target"]
        R = torch.empty_like(y)
        G = torch.empty_like(z0)
        if c["nl"]:
            W1, b1, W2 = p["W1"], p["b1"], p["W2"]
            A = torch.empty(n, self.m, dtype=y.dtype)
            H, dH = torch.empty_like(A), torch.empty_like(A)
        else:
            W = p["W"]

        def grad(X):
            if c["nl"]:
                torch.addmm(b1, X, W1.t(), out=A)
                torch.clamp(A, min=0, out=H)
                torch.addmm(y, H, W2.t(), beta=-c_rec, alpha=c_rec, out=R)  # (2/d)(D(X) - y)
                torch.mm(R, W2, out=dH)
                dH.masked_fill_(A <= 0, 0)
                back, Wb = dH, W1
            else:
                torch.addmm(y, X, W.t(), beta=-c_rec, alpha=c_rec, out=R)
                back, Wb = R, W
            if c["encoder"]:
                torch.sub(X, zE, out=G)
                G.addmm_(back, Wb, beta=c_enc)
            else:
                torch.mm(back, Wb, out=G)
            if c["variance"]:
                Xc, s, varies = self.stats(X)
                k = (T - s).mul_(-2 * beta / (n - 1)).div_(s)
                k.masked_fill_(~(varies & (s > 0) & (s < T)), 0)
                G.addcmul_(Xc, k)
            return G

        prev, x, cur = z0.clone(), z0.clone(), torch.empty_like(z0)
        t, it = 1.0, 0
        for it in range(1, max_iter + 1):
            torch.add(x, grad(x), alpha=-eta, out=cur)
            cur.sub_(thr).clamp_(min=0)
            if tol == 0:
                stop = torch.equal(cur, prev)
            else:
                dz = (cur - prev).double()
                diff, base = dz.pow_(2).sum(1), prev.double().pow(2).sum(1)
                stop = bool(((diff == 0) | (diff.sqrt() < tol * base.sqrt())).all())
            t_next = (1 + math.sqrt(1 + 4 * t * t)) / 2
            torch.sub(cur, prev, out=x)
            x.mul_((t - 1) / t_next).add_(cur)
            t = t_next
            prev, cur = cur, prev
            if stop:
                break
        return prev, it, self.energy(y, zE, prev) if energy else None

    def train_step(self, max_iter=None, tol=None, before_update=None):
        """One iteration of spec 1.6 on self.y; returns the engine's VdlIterationStats as a dict.
        before_update(self): called with the gradients in p[k].grad, before any parameter moves (--check)."""
        c, y = self.c, self.y
        max_iter = c["fista_iters"] if max_iter is None else max_iter
        tol = c["fista_tol"] if tol is None else tol
        zE = self.encode(y) if c["encoder"] else None
        z0 = zE.detach() if zE is not None else torch.full((y.shape[0], self.l), c["code_init"], dtype=y.dtype)
        Z, iters, _ = self.fista(y, None if zE is None else zE.detach(), z0, max_iter, tol, energy=False)
        self.opt_D.zero_grad(set_to_none=True)
        if self.opt_E is not None:
            self.opt_E.zero_grad(set_to_none=True)
        L_D = (y - self.decode(Z)).pow(2).mean()
        L_E = (zE - Z).pow(2).mean() if zE is not None else None
        (L_D if L_E is None else L_D + L_E).backward()
        if before_update is not None:
            before_update(self)
        if c["halve_every"]:
            for g in self.opt_D.param_groups:
                g["lr"] = c["lr_D"] * 0.5 ** (self.t // c["halve_every"])
        self.opt_D.step()
        if c["unit_cols"]:
            with torch.no_grad():
                self.unit_columns()
        if self.opt_E is not None:
            self.opt_E.step()
        self.t += 1
        with torch.no_grad():
            n = y.shape[0]
            zE_ = None if zE is None else zE.detach()
            e = self.energy(y, zE_, Z, rec=L_D.detach() * n)
        return dict(iterations=iters, energy=e, decoder_loss=float(L_D), encoder_loss=float(L_E) if L_E is not None else 0.0, z=Z)

    def fista_run(self, iters=FIXED_ITERS):
        """vdl/fista_iter's timed run: E(y), then FISTA from 0.05 with the tolerance off."""
        with torch.no_grad():
            zE = self.encode(self.y) if self.c["encoder"] else None
        z0 = torch.full((self.y.shape[0], self.l), 0.05, dtype=self.y.dtype)
        return self.fista(self.y, zE, z0, iters, 0.0)

    def fista_flops(self):
        n, d, l, m = self.n, self.d, self.l, self.m
        return 2 * 2 * n * (l * m + m * d) if self.c["nl"] else 2 * 2 * n * l * d


# ------------------------------------------------------------------------------------------------------------------
# --check: the engine's export (benchmarks/check_vdl.cpp)

# Largest accepted difference, relative to the largest magnitude of the compared quantity (for a parameter: to the
# largest change the engine's updates made, plus 4 rounding units of its largest value, as every update rounds it
# once more however small the update). Both sides round differently (summation order of the products, float vs
# double accumulation in the engine's norms and Adam), and the errors grow through the FISTA iterations. Adam
# amplifies them where a gradient is near eps = 1e-8: its first step lr g/(|g| + eps) changes by up to
# lr eps/(|g| + eps)^2 per unit of g (in float64 that is 2e-10 of the update on the worst element, |g| ~ 1e-9).
# float64: 1e-8 leaves room for that and for other BLAS kernels, and none for a wrong formula (which shows at 1e-3
# or more).
# float32: the gradients' rounding errors (~5e-9) are of the order of eps, so a parameter whose gradient is ~eps can
# differ by a large part of a step: the float32 check feeds its Adam the engine's gradients (after comparing them
# with its own), which checks Adam and the constraints on their own. And the NL decoders' FISTA is not stable under
# rounding: when a hidden unit's pre-activation lands on the other side of 0 in one implementation, the two runs
# part (up to 1e-2 of the codes after 200 iterations), as the engine's own float32 and float64 runs do. So with the
# float64 export of the same problem given too, a float32 difference may also be up to 4 x the engine's own float32
# error (its float32 result against its float64 one), shown as the column "engine f32 err".
TOL = {"float64": 1e-8, "float32": 1e-4}


def load_export(path):
    """check_vdl's JSON; exits with a message when the file is missing or not one."""
    try:
        with open(path) as f:
            data = json.load(f)
        if data.get("dtype") not in ("float32", "float64") or not all(k in data for k in ("sizes", "fista_iters", "kinds")):
            raise ValueError("not an export of benchmarks/check_vdl.cpp (dtype, sizes, fista_iters, kinds)")
        return data
    except (OSError, ValueError) as e:
        sys.exit("pt_vdl: cannot use %s: %s" % (path, e))


def check_file(path, data, ref=None):
    """Compare with one export of check_vdl; ref: the float64 export of the same problem for a float32 one."""
    dtype = {"float32": torch.float32, "float64": torch.float64}[data["dtype"]]
    tol = TOL[data["dtype"]]
    sz = data["sizes"]
    n, d, l, m = sz["batch"], sz["input"], sz["code"], sz["hidden"]
    iters = data["fista_iters"]
    print("# %s: %s, sizes n=%d d=%d l=%d m=%d, FISTA %d iterations, tolerance %g (relative)%s" % (
        path, data["dtype"], n, d, l, m, iters, tol,
        "; Adam fed the engine's gradients; " + ("float64 reference given" if ref else "no float64 reference")
        if dtype == torch.float32 else ""))
    print("(scale: the engine's largest |value|; for a parameter its largest change since the start, as the\n"
          " update is what is compared)")
    print("%-7s %-13s %11s %11s %10s %15s" % ("kind", "what", "max |diff|", "scale", "relative", "engine f32 err"))
    worst, worst_at, ok = 0.0, "", True

    def t(v, shape=None):
        x = torch.tensor(v, dtype=torch.float64).to(dtype)
        return x if shape is None else x.reshape(shape)

    def cmp(kind, what, ours, theirs, exact=None, scale=None, ulps=0):
        """max |ours - theirs| against tol * scale (default: max |theirs|) + ulps rounding units of max |theirs|
        + 4 x the engine's own float32 error max |theirs - exact| (exact: its float64 result, when given)."""
        nonlocal worst, worst_at, ok
        ours, theirs = torch.as_tensor(ours, dtype=torch.float64), torch.as_tensor(theirs, dtype=torch.float64)
        diff = float((ours - theirs).abs().max())
        top = float(theirs.abs().max())
        s = top if scale is None else scale
        noise = None if exact is None else float((theirs - torch.as_tensor(exact, dtype=torch.float64).reshape(theirs.shape)).abs().max())
        rel = diff / s if s > 0 else diff
        if rel > worst:
            worst, worst_at = rel, kind + " " + what
        bad = not diff <= tol * s + ulps * torch.finfo(dtype).eps * top + 4 * (noise or 0.0)
        ok = ok and not bad
        print("%-7s %-13s %11.3e %11.3e %10.2e %15s%s" % (
            kind, what, diff, s, rel, "" if noise is None else "%.3e" % noise, "  FAIL" if bad else ""))

    def iterations(kind, what, ours, theirs, exact):
        nonlocal ok
        if ours != theirs and (exact is None or exact == theirs):
            print("%s: %s: FISTA ran %d iterations here, %d in the engine  FAIL" % (kind, what, ours, theirs))
            ok = False

    for ki, rec in enumerate(data["kinds"]):
        kind = rec["kind"].lower()
        rrec = ref["kinds"][ki] if ref else None
        R = (lambda *keys: None) if rrec is None else (lambda *keys: _get(rrec, keys))
        c = mnist_config(kind)
        for key, val in rec["config"].items():
            ours = c[{"lambda": "lambda_", "lr_D_halve_every": "halve_every"}.get(key, key)]
            if not math.isclose(ours, val, rel_tol=1e-12, abs_tol=0):
                print("%s: config %s is %r here but %r in the engine  FAIL" % (kind, key, ours, val))
                ok = False
        p0 = {k: t(v["data"], (v["rows"], v["cols"]) if k not in ("b", "b1") else (v["cols"],))
              for k, v in rec["params0"].items()}
        y = t(rec["y"], (n, d))
        model = Vdl(kind, n, d, l, m, dtype=dtype, params=p0, y=y)

        runs = {"fista": model.fista_run(iters)}
        with torch.no_grad():
            zE = model.encode(y) if model.c["encoder"] else None
        z0 = zE if zE is not None else torch.full((n, l), model.c["code_init"], dtype=dtype)
        runs["fista_tol"] = model.fista(y, zE, z0, 200, 1e-3)
        for name, (Z, it, e) in runs.items():
            cmp(kind, name + " z", Z, t(rec[name]["z"], (n, l)), R(name, "z"))
            cmp(kind, name + " E", e, rec[name]["energy"], R(name, "energy"))
            iterations(kind, name, it, rec[name]["iterations"], R(name, "iterations"))
        for i, st in enumerate(rec["steps"]):
            def grads(mdl):
                for k, v in mdl.p.items():
                    theirs = t(st["grads"][k]["data"], tuple(v.shape))
                    cmp(kind, "%d: d%s" % (i, k), v.grad, theirs, R("steps", i, "grads", k, "data"))
                    if dtype == torch.float32:
                        v.grad.copy_(theirs)

            s = model.train_step(iters, 0.0, before_update=grads)
            cmp(kind, "%d: Z*" % i, s["z"], t(st["z"], (n, l)), R("steps", i, "z"))
            for key, name in (("decoder_loss", "L_D"), ("encoder_loss", "L_E"), ("energy", "E")):
                cmp(kind, "%d: %s" % (i, name), s[key], st[key], R("steps", i, key))
            iterations(kind, "step %d" % i, s["iterations"], st["iterations"], R("steps", i, "iterations"))
            for k, v in model.p.items():
                theirs = t(st["params"][k]["data"], tuple(v.shape))
                moved = float((theirs.double() - p0[k].double()).abs().max())
                cmp(kind, "%d: %s" % (i, k), v.detach(), theirs, R("steps", i, "params", k, "data"), scale=moved, ulps=4)
        print("%-7s codes nonzero after the FISTA run: %.0f %%, FISTA iterations to the tolerance: %d" % (
            kind, 100 * float((runs["fista"][0] != 0).double().mean()), runs["fista_tol"][1]))
    print("# %s: largest relative difference %.2e (%s), %s" % (path, worst, worst_at, "ok" if ok else "FAILED"))
    return ok


def _get(rec, keys):
    for k in keys:
        rec = rec[k]
    return rec


def check(paths):
    """Every export; a float32 one uses a float64 export of the same sizes among them as its reference."""
    data = {p: load_export(p) for p in paths}
    ok = True
    for p, dat in data.items():
        ref = None
        if dat["dtype"] == "float32":
            ref = next((r for r in data.values() if r["dtype"] == "float64" and r["sizes"] == dat["sizes"]
                        and r["fista_iters"] == dat["fista_iters"]), None)
        ok = check_file(p, dat, ref) and ok
    return ok


# ------------------------------------------------------------------------------------------------------------------
# timing

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--kinds", default="sdl,vdl,sdl-nl,vdl-nl", help="comma-separated, or 'all': " + ",".join(KINDS))
    ap.add_argument("--modes", default="fista_iter,train_fixed", help="fista_iter, train_fixed, train")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--json")
    ap.add_argument("--check", nargs="+", metavar="FILE", help="compare with check_vdl's exports instead of timing")
    a = ap.parse_args()
    if a.check:
        sys.exit(0 if check(a.check) else 1)
    threads = [int(v) for v in a.threads.split(",")]
    kinds = KINDS if a.kinds == "all" else a.kinds.split(",")
    modes = a.modes.split(",")
    for k in kinds:
        if k not in KINDS:
            ap.error("unknown kind %r (one of %s)" % (k, ", ".join(KINDS)))
    for mode in modes:
        if mode not in ("fista_iter", "train_fixed", "train"):
            ap.error("unknown mode %r (fista_iter, train_fixed, train)" % mode)
    torch.manual_seed(0)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "cpu": cpu_model(),
        "torch": torch.__version__, "python": platform.python_version(),
        "openblas_core": BLAS.openblas_get_corename().decode() if BLAS else "unknown",
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "GLIBC_TUNABLES", "OMP_WAIT_POLICY", "OMP_NUM_THREADS")},
        "rounds": a.rounds, "min_time": a.min_time, "fista_iters": FIXED_ITERS,
    }
    print("# pt_vdl: torch %s, OpenBLAS core %s, env %s" % (meta["torch"], meta["openblas_core"], meta["env"]), file=sys.stderr)

    # One model per (mode, kind), as the engine builds one per benchmark: fista_iter's after one training iteration.
    models = {}
    for mode in modes:
        for k in kinds:
            mdl = Vdl(k)
            if mode == "fista_iter":
                mdl.train_step()
            models[(mode, k)] = mdl
    calls = {
        "fista_iter": lambda mdl: mdl.fista_run()[1],
        "train_fixed": lambda mdl: mdl.train_step(FIXED_ITERS, 0.0)["iterations"],
        "train": lambda mdl: mdl.train_step()["iterations"],
    }
    res = {}
    for r in range(a.rounds):
        for th in threads:
            set_threads(th)
            for (mode, k), mdl in models.items():
                its = []  # FISTA iterations of every call, warm-up first
                s, flt = time_round(lambda: its.append(calls[mode](mdl)), a.min_time)
                res.setdefault((mode, k, th), []).append((s, its[-len(s):], flt))
    rows = []
    for (mode, k, th), rounds in res.items():
        means = [statistics.fmean(s) * 1e3 for s, _, _ in rounds]
        ms = statistics.median(means)
        its = statistics.fmean(i for _, it, _ in rounds for i in it)
        row = dict(mode=mode, kind=k, threads=th, ms=ms, ms_rounds=means,
                   ms_call_median=statistics.median(statistics.median(s) * 1e3 for s, _, _ in rounds),
                   fista_iters=its, faults_per_call=statistics.median(f for _, _, f in rounds),
                   calls=sum(len(s) for s, _, _ in rounds))
        extra = ""
        if mode == "fista_iter":
            row["ms_per_iter"] = ms / its
            row["gflops"] = models[(mode, k)].fista_flops() * its / ms * 1e-6
            extra = "  %7.3f ms/iter  %6.1f GFLOP/s" % (row["ms_per_iter"], row["gflops"])
        rows.append(row)
        print("%-11s %-7s th=%d  %9.3f ms  fista_iters %5.1f%s  faults/call %.1f" % (
            mode, k, th, ms, its, extra, row["faults_per_call"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
