/// SRVGGNetCompact (Real-ESRGAN's compact model, realesr-animevideov3): a plain VGG-style body at
/// LR, a pixel shuffle, and the nearest-upsampled input added as a residual.
///
///     body.0 conv3x3 in->F, body.1 act; body.2k conv3x3 F->F, body.2k+1 act (k = 1..num_conv);
///     body.(2*num_conv+2) conv3x3 F->out*scale^2; PixelShuffle(scale); + nearest x scale of the input
///
/// Hyper-parameters (Real-ESRGAN's names): num_in_ch, num_out_ch (3), num_feat (64), num_conv (16),
/// upscale (= scale), act_type (`prelu` per channel | `relu` | `leakyrelu` with slope 0.1).
public enum SRVGGNetCompact: Architecture {
    public static let name = "SRVGGNetCompact"

    struct Config {
        var inCh, outCh, feat, convs: Int
        var act: String
        init(_ md: ModelDescription) throws {
            inCh = try md.int("num_in_ch", md.color.channels)
            outCh = try md.int("num_out_ch", md.color.channels)
            feat = try md.int("num_feat", 64)
            convs = try md.int("num_conv", 16)
            act = try md.string("act_type", "prelu")
            let up = try md.int("upscale", md.scale)
            guard up == md.scale else { throw md.invalid("hyperparameter upscale \(up) differs from scale \(md.scale)") }
            guard inCh == md.color.channels && outCh == inCh else {
                throw md.invalid("num_in_ch/num_out_ch \(inCh)/\(outCh) do not match color \(md.color)")
            }
            guard ["prelu", "relu", "leakyrelu"].contains(act) else { throw md.invalid("act_type '\(act)'") }
        }
    }

    public static func parameters(for md: ModelDescription) throws -> [ParameterSpec] {
        let c = try Config(md)
        var specs = Spec.conv("body.0", c.feat, c.inCh, 3)
        if c.act == "prelu" { specs += Spec.prelu("body.1", c.feat, shared: false) }
        for k in 1...max(c.convs, 1) where c.convs > 0 {
            specs += Spec.conv("body.\(2 * k)", c.feat, c.feat, 3)
            if c.act == "prelu" { specs += Spec.prelu("body.\(2 * k + 1)", c.feat, shared: false) }
        }
        specs += Spec.conv("body.\(2 * c.convs + 2)", c.outCh * md.scale * md.scale, c.feat, 3)
        return specs
    }

    public static func build(_ md: ModelDescription, _ p: Parameters) throws -> Program {
        let c = try Config(md)
        func act(_ i: Int) -> any Layer {
            switch c.act {
            case "prelu": return p.prelu("body.\(i)")
            case "relu": return ReLU()
            default: return LeakyReLU(slope: 0.1)
            }
        }
        var b = ProgramBuilder(inputChannels: c.inCh)
        var h = b(p.conv("body.0"), b.input)
        h = b(act(1), h)
        for k in 1...max(c.convs, 1) where c.convs > 0 {
            h = b(p.conv("body.\(2 * k)"), h)
            h = b(act(2 * k + 1), h)
        }
        h = b(p.conv("body.\(2 * c.convs + 2)"), h)
        h = b(PixelShuffle(md.scale), h)
        let base = b(Upsample(factor: md.scale, mode: .nearest), b.input)
        let out = b.add(h, base)
        return Program(b, output: out)
    }
}
