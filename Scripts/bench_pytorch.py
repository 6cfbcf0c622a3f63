#!/usr/bin/env python3
"""srd vs PyTorch on the same network, interleaved, medians of several rounds.

Called by Scripts/bench-vs-pytorch (which builds srd and installs torch). The machine this
project runs on is shared, so every configuration is measured once per round, rounds
alternate srd and torch, and the table reports medians plus the load average seen during
the run. Only the ratio within one run is meaningful.

The PyTorch network is EDSR-baseline exactly as srd builds it (Sources/SRDEngine/Models/EDSR.swift):
x255, sub_mean, head conv 3->64, 16 residual blocks (conv, ReLU, conv, + x), body conv, + head,
conv 64->256, PixelShuffle(2), conv 64->3, add_mean, /255. Random weights, float32, no_grad.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn


class ResBlock(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(f, f, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(f, f, 3, padding=1))

    def forward(self, x):
        return x + self.body(x)


class EDSRBaseline(nn.Module):
    def __init__(self, blocks=16, feats=64, scale=2, rgb_range=255.0, mean=(0.4488, 0.4371, 0.4040)):
        super().__init__()
        self.range = rgb_range
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1) * rgb_range)
        self.head = nn.Conv2d(3, feats, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(feats) for _ in range(blocks)], nn.Conv2d(feats, feats, 3, padding=1))
        self.tail = nn.Sequential(nn.Conv2d(feats, scale * scale * feats, 3, padding=1), nn.PixelShuffle(scale),
                                  nn.Conv2d(feats, 3, 3, padding=1))

    def forward(self, x):
        x = x * self.range - self.mean
        h = self.head(x)
        x = self.body(h) + h
        return (self.tail(x) + self.mean) / self.range


def time_torch(model, x, threads, iterations):
    """(wall, CPU) ms per frame over `iterations` timed runs, after one untimed warm-up."""
    torch.set_num_threads(threads)
    with torch.no_grad():
        model(x)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(iterations):
            model(x)
        return (time.perf_counter() - t0) * 1000 / iterations, (time.process_time() - c0) * 1000 / iterations


def time_srd(srd, args, env_extra, workers, iterations):
    """(wall ms per frame from `srd bench --json`, CPU ms per frame, OpenBLAS core name)."""
    env_extra = dict(env_extra)
    srd = env_extra.pop("_binary", srd)
    tile = env_extra.pop("_tile", "0")
    env = dict(os.environ, **env_extra)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [srd, "bench", "--arch", "edsr-baseline", "--scale", str(args.scale), "--size", args.size,
           "--iterations", str(iterations), "--workers", str(workers), "--tile", tile, "--json"]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    js = json.loads(out.strip().splitlines()[-1])
    # CPU time covers srd's one warm-up frame too (single worker; parallel workers skip it) and a
    # negligible model build, so per frame it is divided over all frames computed.
    frames = (iterations + 1) if workers <= 1 else iterations * workers
    return js["ms_per_frame"], cpu / frames, js.get("blas_core", "?")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--srd", default=".build/release/srd")
    p.add_argument("--size", default="480x270")
    p.add_argument("--scale", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--iterations", type=int, default=2, help="timed frames per measurement")
    p.add_argument("--coretypes", default="", help="comma-separated OPENBLAS_CORETYPE values to add for srd")
    p.add_argument("--no-parallel", action="store_true", help="skip the srd --workers N measurement")
    p.add_argument("--tiles", default="", help="comma-separated srd --tile sizes to add at 1 BLAS thread")
    p.add_argument("--baseline-srd", help="another srd binary (e.g. before an engine change) to time at 1 and all threads")
    p.add_argument("--only", default="", help="comma-separated subset of: srd1,torch1,srdN,torchN,parallel,baseline1,baselineN,coretypes,tiles")
    args = p.parse_args()
    w, h = (int(v) for v in args.size.lower().split("x"))
    cores = os.cpu_count() or 1

    torch.manual_seed(0)
    model = EDSRBaseline(scale=args.scale).eval()
    x = torch.rand(1, 3, h, w)
    gflop = 2 * sum(
        m.weight.numel() * (h * w * (args.scale ** 2 if m is model.tail[2] else 1))
        for m in model.modules() if isinstance(m, nn.Conv2d)) / 1e9

    # (label, kind, parameters)
    configs = [("srd1", "srd, 1 BLAS thread, whole frame", "srd", ({}, 1)),
               ("torch1", "torch, 1 thread", "torch", 1),
               ("srdN", f"srd, {cores} BLAS threads (--workers 0)", "srd", ({}, 0)),
               ("torchN", f"torch, {cores} threads", "torch", cores)]
    if not args.no_parallel and cores > 1:
        configs.append(("parallel", f"srd --workers {cores} (frame-parallel, aggregate)", "srd", ({}, cores)))
    if args.baseline_srd:
        configs.append(("baseline1", "baseline srd, 1 BLAS thread", "srd", ({"_binary": args.baseline_srd}, 1)))
        configs.append(("baselineN", f"baseline srd, {cores} BLAS threads", "srd", ({"_binary": args.baseline_srd}, 0)))
    for ct in filter(None, args.coretypes.split(",")):
        configs.append(("coretypes", f"srd, 1 thread, OPENBLAS_CORETYPE={ct}", "srd", ({"OPENBLAS_CORETYPE": ct}, 1)))
    for t in filter(None, args.tiles.split(",")):
        configs.append(("tiles", f"srd, 1 BLAS thread, --tile {t}", "srd", ({"_tile": t}, 1)))
    only = set(filter(None, args.only.split(",")))
    configs = [c[1:] for c in configs if not only or c[0] in only]

    results = {label: [] for label, _, _ in configs}
    cpu_results = {label: [] for label, _, _ in configs}
    cores_seen = {}
    loads = [os.getloadavg()[0]]
    for r in range(args.rounds):
        for label, kind, param in configs:
            if kind == "torch":
                ms, cpu = time_torch(model, x, param, args.iterations)
            else:
                env_extra, workers = param
                # Parallel workers do not warm up: give them two frames each so one is warm.
                its = args.iterations if workers <= 1 else max(args.iterations, 2)
                ms, cpu, cores_seen[label] = time_srd(args.srd, args, env_extra, workers, its)
            results[label].append(ms)
            cpu_results[label].append(cpu)
            loads.append(os.getloadavg()[0])
            print(f"  round {r + 1}: {label}: {ms:.0f} ms wall, {cpu:.0f} ms CPU", file=sys.stderr, flush=True)

    print(f"EDSR-baseline x{args.scale}, input {w}x{h}, {gflop:.1f} GFLOP/frame; "
          f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {cores} cores")
    print(f"load average (1 min) during run: min {min(loads):.2f}, median {statistics.median(loads):.2f}, max {max(loads):.2f}")
    print()
    print("| configuration | median wall ms/frame | GFLOP/s (wall) | median CPU ms/frame | wall runs (ms) |")
    print("|---|---:|---:|---:|---|")
    for label, _, _ in configs:
        med = statistics.median(results[label])
        core = f" [{cores_seen[label]}]" if label in cores_seen else ""
        runs = ", ".join(f"{v:.0f}" for v in results[label])
        print(f"| {label}{core} | {med:.0f} | {gflop / (med / 1000):.1f} | {statistics.median(cpu_results[label]):.0f} | {runs} |")
    print()
    print("CPU ms/frame is process CPU time (srd: including its warm-up frame, averaged); with one thread")
    print("it is the cost on a loaded machine that wall time cannot show, with N threads it is the total work.")


if __name__ == "__main__":
    main()
