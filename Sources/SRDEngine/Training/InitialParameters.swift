/// Starting weights for training: the architecture's seeded random initialisation (PyTorch's
/// default uniform +-1/sqrt(fan-in)), with per-architecture adjustments that make training start
/// from a sensible model:
/// * SRDFast: `skip` starts as the exact MATLAB bicubic upscaler (as sub-pixel kernels) and
///   `tail` is scaled down 10x, so step 0 already outputs (nearly) bicubic; PReLU slopes 0.25.
/// * EDSR/SRResNet-like residual nets keep the default (their residual scale handles depth);
///   an SRResNet or EDSR with the bilinear image skip (`residual=bilinear`) gets its output
///   convolution scaled down 10x, so step 0 is (nearly) bilinear upscaling.
/// * PatchDiscriminator: He initialisation for LeakyReLU(0.2) (weights x sqrt(6 / 1.04)). The
///   PyTorch default shrinks the signal about 3x per plain layer; seven of them leave logits
///   that hardly depend on the input and a critic that learns very slowly.
public enum InitialParameters {
    public static func make(for d: ModelDescription, seed: UInt64) throws -> [String: Tensor] {
        var t = try ModelLoader.randomParameters(for: d, seed: seed)
        for (k, v) in t where k.hasSuffix("act.weight") || k.hasSuffix("_act.weight") {
            t[k] = Tensor(shape: v.shape, repeating: 0.25)
        }
        let outputConv = [SRResNet.name: "conv_output", EDSR.name: "tail.1"][d.arch]
        if let outputConv, case .string("bilinear")? = d.hyperparameters["residual"], var out = t[outputConv + ".weight"] {
            // Start as (nearly) the bilinear upscale the output is added to.
            out.data = out.data.map { $0 * 0.1 }
            t[outputConv + ".weight"] = out
            if let b = t[outputConv + ".bias"] {
                // EDSR adds its mean shift after this convolution: cancel it, so the skip alone remains.
                let edsr = d.arch == EDSR.name ? try EDSR.Config(d) : nil
                t[outputConv + ".bias"] = Tensor(shape: b.shape, data: (0..<b.count).map { c in
                    edsr.map { -$0.mean[c] * $0.range } ?? 0
                })
            }
        }
        if d.arch == PatchDiscriminator.name {
            let gain = Float((6 / 1.04).squareRoot())
            for (k, v) in t where k.hasSuffix(".weight") && v.shape.count == 4 {
                t[k] = Tensor(shape: v.shape, data: v.data.map { $0 * gain })
            }
        }
        if d.arch == SRDFast.name {
            if var tail = t["tail.weight"] {
                tail.data = tail.data.map { $0 * 0.1 }
                t["tail.weight"] = tail
                t["tail.bias"] = Tensor(shape: [tail.shape[0]])
            }
            if let skip = t["skip.weight"] { t["skip.weight"] = bicubicSubPixel(shape: skip.shape, scale: d.scale) }
            if let b = t["skip.bias"] { t["skip.bias"] = Tensor(shape: b.shape) }
        }
        return t
    }

    /// A [C*s*s, C, k, k] convolution whose pixel-shuffled output is MATLAB bicubic upscaling by s
    /// (away from the borders): phase i samples at u = y + (i + 0.5)/s - 0.5.
    public static func bicubicSubPixel(shape: [Int], scale s: Int) -> Tensor {
        let c = shape[1], k = shape[2], half = k / 2
        var w = Tensor(shape: shape)
        func taps(_ phase: Int) -> [Double] {
            let u = (Double(phase) + 0.5) / Double(s) - 0.5
            let raw = (0..<k).map { ResizeKernel.cubic(u - Double($0 - half)) }
            let sum = raw.reduce(0, +)
            return raw.map { $0 / sum }
        }
        for ch in 0..<c {
            for i in 0..<s {
                for j in 0..<s {
                    let o = ch * s * s + i * s + j
                    let ty = taps(i), tx = taps(j)
                    for a in 0..<k {
                        for b in 0..<k {
                            w.data[((o * c + ch) * k + a) * k + b] = Float(ty[a] * tx[b])
                        }
                    }
                }
            }
        }
        return w
    }
}
