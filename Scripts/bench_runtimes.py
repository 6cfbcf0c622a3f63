#!/usr/bin/env python3
"""srd against the runtimes a user would pick instead, on the same networks, in one run.

Called by Scripts/bench-runtimes (which builds srd and makes the virtual environment). Each
network is written as an ONNX graph with random weights, the same layers srd builds
(Sources/SRDEngine/Models): EDSR-baseline x2 (16 residual blocks, 64 features, RGB), SRDFast
32x4 x2 (the fast-x2 architecture, Y) and FSRCNN 56-12-4 x2 (Y). ONNX Runtime and OpenVINO run the
graph (OpenVINO in f32 and in its default precision, which is bf16 on CPUs with AVX512_BF16);
PyTorch runs the same graph through torch.nn.functional (`TorchGraph`), in f32 and under bf16
autocast (channels-last, inference mode). srd runs `srd bench` with each backend and, on
oneDNN, each `--precisions` value (int8 and auto use the weight file's calibration and recorded
choice, so the random-weight EDSR runs those in f32). Rounds interleave every runtime, so a load
change hits all; the table gives medians and each runtime's ratio to the fastest srd row.
Threads: the same count for every runtime.
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


class TorchGraph:
    """Runs one of the ONNX graphs above in PyTorch (torch.nn.functional, channels-last, no
    gradients): the same weights and layers, without a converter package."""

    def __init__(self, model, torch):
        self.torch, self.F = torch, torch.nn.functional
        self.consts = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
        self.nodes = list(model.graph.node)
        self.output = model.graph.output[0].name

    def __call__(self, x):
        F, v = self.F, dict(self.consts)
        v["x"] = x
        with self.torch.inference_mode():
            for n in self.nodes:
                a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
                i = [v[k] for k in n.input]
                if n.op_type == "Conv":
                    y = F.conv2d(i[0], i[1], i[2], stride=a["strides"][0], padding=a["pads"][0])
                elif n.op_type == "ConvTranspose":
                    y = F.conv_transpose2d(i[0], i[1], i[2], stride=a["strides"][0], padding=a["pads"][0],
                                           output_padding=a["output_padding"][0])
                elif n.op_type == "PRelu":
                    y = F.prelu(i[0], i[1].reshape(-1))
                elif n.op_type == "Relu":
                    y = F.relu(i[0])
                elif n.op_type == "Add":
                    y = i[0] + i[1]
                elif n.op_type == "DepthToSpace":
                    y = F.pixel_shuffle(i[0], a["blocksize"])
                else:
                    raise ValueError(f"TorchGraph: no {n.op_type}")
                v[n.output[0]] = y
            return v[self.output]


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
        ran = {"float32": "f32", "bfloat16": "bf16", "float16": "f16"}.get(str(precision).split("'")[1] if "'" in str(precision) else str(precision), str(precision))
        out[f"OpenVINO {ov.__version__.split('-')[0]} {label} (ran {ran})"] = (lambda r: lambda: r.infer({0: x}))(request)
    if want_torch:
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None:
            torch.set_num_threads(threads)
            net = TorchGraph(onnx.load(model_path), torch)
            tx = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
            out[f"PyTorch {torch.__version__.split('+')[0]} f32"] = lambda: net(tx)
            def bf16():
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return net(tx)
            out[f"PyTorch {torch.__version__.split('+')[0]} bf16 autocast"] = bf16
    return out


def srd_time(srd, args, backend, precision, threads, iterations):
    cmd = [srd, "bench", *args, "--iterations", str(iterations), "--backend", backend, "--precision", precision,
           "--json", "--workers", "0"]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--srd", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--precisions", default="f32,bf16,auto", help="srd bench --precision values for oneDNN")
    ap.add_argument("--no-torch", action="store_true", help="leave PyTorch out even when installed")
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
        peers = runners(path, x, a.threads, not a.no_torch)
        configs = [("onednn", p) for p in a.precisions.split(",")] + [("openblas", "f32")]
        times = {f"srd {b} {p}": [] for b, p in configs}
        times.update({k: [] for k in peers})
        info = {}
        for _ in range(a.rounds):
            for backend, precision in configs:
                j = srd_time(a.srd, args, backend, precision, a.threads, a.iterations)
                times[f"srd {backend} {precision}"].append(j["ms_per_frame"])
                info[backend] = j
            for label, fn in peers.items():
                times[label].append(timed(fn, a.iterations))
        med = {k: statistics.median(v) for k, v in times.items()}
        best_srd = min(v for k, v in med.items() if k.startswith("srd "))
        print(f"\n### {name}, {w}x{h} (oneDNN ISA: {info['onednn'].get('onednn_isa', '?')})\n")
        print("| runtime | ms per frame (median) | ratio to srd's best |")
        print("|---|---:|---:|")
        for k, v in sorted(med.items(), key=lambda kv: kv[1]):
            print(f"| {k} | {v:.1f} | {v / best_srd:.2f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
