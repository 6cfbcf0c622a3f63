/// EDSR (Lim et al. 2017), with the official PyTorch key names (sanghyun-son/EDSR-PyTorch).
///
///     sub_mean; head.0 conv3x3 3->F
///     body.i: x + res_scale * body.i.body.2(ReLU(body.i.body.0(x)))     (i < n_resblocks)
///     body.(n_resblocks) conv3x3, + the head output
///     tail.0.(2j): conv3x3 F->r^2 F, PixelShuffle(r)                      (r = 2, 2 for x4; 3 for x3)
///     tail.1 conv3x3 F->3; add_mean
///
/// Hyper-parameters: n_resblocks (16), n_feats (64), res_scale (1; the full model uses 32, 256,
/// 0.1), rgb_range (255 as in the official models: the input is scaled to 0...255 and the output
/// back), rgb_mean (DIV2K's mean, as "r,g,b"), residual (`none` as published; `bilinear` adds the
/// bilinearly upscaled input to the output so the network learns only the missing detail, which
/// converges much faster on a CPU budget: see docs/models/edsr-x2.md). The mean shifts carry no tensors: strip
/// `sub_mean.*` / `add_mean.*` when converting an official checkpoint.
public enum EDSR: Architecture {
    public static let name = "EDSR"

    struct Config {
        var blocks, feats: Int
        var resScale, range: Float
        var mean: [Float]
        var stages: [Int]
        var residual: String
        init(_ md: ModelDescription) throws {
            blocks = try md.int("n_resblocks", 16)
            feats = try md.int("n_feats", 64)
            resScale = Float(try md.double("res_scale", 1))
            range = Float(try md.double("rgb_range", 255))
            let m = try md.string("rgb_mean", "0.4488,0.4371,0.4040").split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard m.count == 3 else { throw md.invalid("rgb_mean must be three numbers 'r,g,b'") }
            mean = m
            stages = try Spec.subPixelStages(md)
            residual = try md.string("residual", "none")
            guard ["none", "bilinear"].contains(residual) else { throw md.invalid("residual '\(residual)' (none or bilinear)") }
            guard md.color == .rgb else { throw md.invalid("EDSR is an RGB model") }
        }
    }

    public static func parameters(for md: ModelDescription) throws -> [ParameterSpec] {
        let c = try Config(md), f = c.feats
        var specs = Spec.conv("head.0", f, 3, 3)
        for i in 0..<c.blocks { specs += Spec.conv("body.\(i).body.0", f, f, 3) + Spec.conv("body.\(i).body.2", f, f, 3) }
        specs += Spec.conv("body.\(c.blocks)", f, f, 3)
        for (j, r) in c.stages.enumerated() { specs += Spec.conv("tail.0.\(2 * j)", r * r * f, f, 3) }
        specs += Spec.conv("tail.1", 3, f, 3)
        return specs
    }

    public static func build(_ md: ModelDescription, _ p: Parameters) throws -> Program {
        let c = try Config(md)
        var b = ProgramBuilder(inputChannels: 3)
        var x = b.input
        if c.range != 1 { x = b(Affine(scale: c.range), x) }
        let head = b.sequence([MeanShift(mean: c.mean, range: c.range, sign: -1), p.conv("head.0")], x)
        var h = head
        for i in 0..<c.blocks {
            let r = b.sequence([p.conv("body.\(i).body.0"), ReLU(), p.conv("body.\(i).body.2")], h)
            h = b.add(h, r, alpha: c.resScale)
        }
        h = b.add(b(p.conv("body.\(c.blocks)"), h), head)
        for (j, r) in c.stages.enumerated() { h = b.sequence([p.conv("tail.0.\(2 * j)"), PixelShuffle(r)], h) }
        h = b.sequence([p.conv("tail.1"), MeanShift(mean: c.mean, range: c.range, sign: 1)], h)
        if c.range != 1 { h = b(Affine(scale: 1 / c.range), h) }
        if c.residual == "bilinear" { h = b.add(h, b(Upsample(factor: md.scale, mode: .bilinear), b.input)) }
        return Program(b, output: h)
    }
}
