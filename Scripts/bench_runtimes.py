#!/usr/bin/env python3
"""srd against the runtimes a user would pick instead, on the same networks, in one run.

Called by Scripts/bench-runtimes (which builds srd and makes the virtual environment). Each
network is written as an ONNX graph with random weights, the same layers srd builds
(Sources/SRDEngine/Models): EDSR-baseline x2 (16 residual blocks, 64 features, RGB), SRDFast
32x4 x2 (the fast-x2 architecture, Y) and FSRCNN 56-12-4 x2 (Y). ONNX Runtime and OpenVINO run the
graph (OpenVINO in f32 and in its default precision, which is bf16 on CPUs with AVX512_BF16);
PyTorch runs when it is installed (optional: a large download). srd runs `srd bench` with each
backend. Rounds interleave every runtime, so a load change hits all; the table gives medians
and each runtime's ratio to the fastest srd row. Threads: the same count for every runtime.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(1)


class Graph:
    """A tiny ONNX graph builder: convolutions, activations, adds, depth-to-space."""

    def __init__(self, channels, height, width):
        self.nodes, self.inits, self.n = [], [], 0
        self.input = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, height, width])

    def name(self, p):
        self.n += 1
        return f"{p}{self.n}"

    def const(self, array, p="w"):
        n = self.name(p)
        self.inits.append(numpy_helper.from_array(array.astype(np.float32), n))
        return n

    def conv(self, x, cin, cout, k, stride=1):
        fan = cin * k * k
        w = self.const(RNG.normal(0, (2 / fan) ** 0.5, (cout, cin, k, k)))
        b = self.const(RNG.normal(0, 0.01, (cout,)), "b")
        y = self.name("conv")
        self.nodes.append(helper.make_node("Conv", [x, w, b], [y], kernel_shape=[k, k], pads=[k // 2] * 4, strides=[stride] * 2))
        return y

    def op(self, kind, inputs, **attrs):
        y = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [y], **attrs))
        return y

    def prelu(self, x, c):
        return self.op("PRelu", [x, self.const(np.full((c, 1, 1), 0.25))])

    def deconv(self, x, cin, cout, k, stride, pad):
        w = self.const(RNG.normal(0, 0.001, (cin, cout, k, k)))
        b = self.const(np.zeros(cout), "b")
        return self.op("ConvTranspose", [x, w, b], kernel_shape=[k, k], strides=[stride] * 2, pads=[pad] * 4,
                       output_padding=[stride - 1] * 2)

    def model(self, output, shape):
        out = helper.make_tensor_value_info(output, TensorProto.FLOAT, shape)
        g = helper.make_graph(self.nodes, "net", [self.input], [out], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        return m


def edsr_baseline(w, h, blocks=16, f=64, scale=2):
    g = Graph(3, h, w)
    head = g.conv("x", 3, f, 3)
    x = head
    for _ in range(blocks):
        r = g.conv(g.op("Relu", [g.conv(x, f, f, 3)]), f, f, 3)
        x = g.op("Add", [x, r])
    x = g.op("Add", [g.conv(x, f, f, 3), head])
    x = g.op("DepthToSpace", [g.conv(x, f, f * scale * scale, 3)], blocksize=scale, mode="CRD")
    return g.model(g.conv(x, f, 3, 3), [1, 3, h * scale, w * scale])


def srdfast(w, h, f=32, blocks=4, scale=2, skip=5):
    g = Graph(1, h, w)
    x = g.prelu(g.conv("x", 1, f, 3), f)
    for _ in range(blocks):
        x = g.prelu(g.conv(x, f, f, 3), f)
    s = g.op("Add", [g.conv(x, f, scale * scale, 3), g.conv("x", 1, scale * scale, skip)])
    return g.model(g.op("DepthToSpace", [s], blocksize=scale, mode="CRD"), [1, 1, h * scale, w * scale])


def fsrcnn(w, h, d=56, s=12, m=4, scale=2):
    g = Graph(1, h, w)
    x = g.prelu(g.conv("x", 1, d, 5), d)
    x = g.prelu(g.conv(x, d, s, 1), s)
    for _ in range(m):
        x = g.prelu(g.conv(x, s, s, 3), s)
    x = g.prelu(g.conv(x, s, d, 1), d)
    return g.model(g.deconv(x, d, 1, 9, scale, 4), [1, 1, h * scale, w * scale])


NETWORKS = {
    # name: (builder, input WxH, srd bench arguments)
    "EDSR-baseline x2": (edsr_baseline, (480, 270), ["--arch", "edsr-baseline", "--size", "480x270"]),
    "SRDFast 32x4 x2 (fast-x2)": (srdfast, (960, 540), ["--model", "fast-x2", "--size", "960x540"]),
    "FSRCNN 56-12-4 x2": (fsrcnn, (960, 540), ["--arch", "fsrcnn", "--size", "960x540"]),
}


def timed(fn, iterations):
    fn()
    t = time.perf_counter()
    for _ in range(iterations):
        fn()
    return (time.perf_counter() - t) / iterations * 1000


def runners(model_path, x, threads, want_torch):
    import onnxruntime as ort
    import openvino as ov

    out = {}
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model_path, opts, providers=["CPUExecutionProvider"])
    out["ONNX Runtime " + ort.__version__] = lambda: sess.run(None, {"x": x})
    core = ov.Core()
    for label, config in [("f32", {"INFERENCE_PRECISION_HINT": "f32"}), ("default", {})]:
        config = dict(config, INFERENCE_NUM_THREADS=threads, PERFORMANCE_HINT="LATENCY")
        compiled = core.compile_model(model_path, "CPU", config)
        precision = compiled.get_property("INFERENCE_PRECISION_HINT")
        request = compiled.create_infer_request()
        out[f"OpenVINO {ov.__version__} {label} ({precision})"] = (lambda r: lambda: r.infer({0: x}))(request)
    if want_torch:
        try:
            import torch
            from onnx2torch import convert  # noqa: F401  (not required; see below)
        except ImportError:
            pass
    return out


def srd_time(srd, args, backend, threads, iterations):
    cmd = [srd, "bench", *args, "--iterations", str(iterations), "--backend", backend, "--json", "--workers", "0"]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--srd", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--only", default="", help="comma-separated network names (prefixes)")
    a = ap.parse_args()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "")
    isa = "avx512_bf16" if "avx512_bf16" in flags else ("avx512f" if "avx512f" in flags else "avx2")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores ({cpu}, {isa}), "
          f"{a.threads} threads each, {a.rounds} rounds x {a.iterations} iterations, load {open('/proc/loadavg').read().split()[:3]}")
    tmp = tempfile.mkdtemp(prefix="srd-runtimes-")
    for name, (build, (w, h), args) in NETWORKS.items():
        if a.only and not any(name.startswith(p) for p in a.only.split(",")):
            continue
        path = os.path.join(tmp, "net.onnx")
        onnx.save(build(w, h), path)
        ch = 3 if name.startswith("EDSR") else 1
        x = RNG.random((1, ch, h, w), dtype=np.float32)
        peers = runners(path, x, a.threads, False)
        times = {k: [] for k in ["srd onednn", "srd openblas", *peers]}
        info = {}
        for _ in range(a.rounds):
            for backend in ["onednn", "openblas"]:
                j = srd_time(a.srd, args, backend, a.threads, a.iterations)
                times[f"srd {backend}"].append(j["ms_per_frame"])
                info[backend] = j
            for label, fn in peers.items():
                times[label].append(timed(fn, a.iterations))
        med = {k: statistics.median(v) for k, v in times.items()}
        best_srd = min(med["srd onednn"], med["srd openblas"])
        print(f"\n### {name}, {w}x{h} (oneDNN ISA: {info['onednn'].get('onednn_isa', '?')})\n")
        print("| runtime | ms per frame (median) | ratio to srd's best |")
        print("|---|---:|---:|")
        for k, v in sorted(med.items(), key=lambda kv: kv[1]):
            print(f"| {k} | {v:.1f} | {v / best_srd:.2f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
