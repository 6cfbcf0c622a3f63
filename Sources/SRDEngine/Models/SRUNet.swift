/// SR-U-Net: a U-Net body at LR resolution followed by a sub-pixel upsampling stage.
///
///     enc.l: conv1, act, conv2, act at F*2^l channels; max-pool 2 between levels  (l < depth)
///     mid:   conv1, act, conv2, act at F*2^depth
///     dec.l: up x2 (bilinear | nearest, then 1x1 conv `dec.l.up`; or a 2x2 transposed conv
///            `dec.l.up`) to F*2^l; concat with enc.l's output; conv1, act, conv2, act
///     tail:  conv3x3 F->3*scale^2 (`tail`), PixelShuffle(scale); + bilinear x scale of the input
///
/// Key names: `enc{l}.conv1`, `enc{l}.conv2`, `mid.conv1`, `mid.conv2`, `dec{l}.up`, `dec{l}.conv1`,
/// `dec{l}.conv2`, `tail`; all with `.weight` / `.bias`. Hyper-parameters: num_feat (32), depth (2),
/// upsample (`bilinear` | `nearest` | `transposed`), act (`leakyrelu` slope 0.2 | `relu`),
/// residual (`bilinear` | `none`). Inputs are replicate-padded to a multiple of 2^depth.
public enum SRUNet: Architecture {
    public static let name = "SR-U-Net"

    struct Config {
        var feat, depth: Int
        var upsample, act, residual: String
        init(_ md: ModelDescription) throws {
            feat = try md.int("num_feat", 32)
            depth = try md.int("depth", 2)
            upsample = try md.string("upsample", "bilinear")
            act = try md.string("act", "leakyrelu")
            residual = try md.string("residual", "bilinear")
            guard depth >= 0 && depth <= 6 else { throw md.invalid("depth \(depth) (0...6)") }
            guard ["bilinear", "nearest", "transposed"].contains(upsample) else { throw md.invalid("upsample '\(upsample)'") }
            guard ["leakyrelu", "relu"].contains(act) else { throw md.invalid("act '\(act)'") }
            guard ["bilinear", "none"].contains(residual) else { throw md.invalid("residual '\(residual)'") }
        }
        func width(_ l: Int) -> Int { feat << l }
    }

    public static func parameters(for md: ModelDescription) throws -> [ParameterSpec] {
        let c = try Config(md), ch = md.color.channels
        var specs: [ParameterSpec] = []
        var inC = ch
        for l in 0..<c.depth {
            specs += Spec.conv("enc\(l).conv1", c.width(l), inC, 3) + Spec.conv("enc\(l).conv2", c.width(l), c.width(l), 3)
            inC = c.width(l)
        }
        specs += Spec.conv("mid.conv1", c.width(c.depth), inC, 3) + Spec.conv("mid.conv2", c.width(c.depth), c.width(c.depth), 3)
        for l in stride(from: c.depth - 1, through: 0, by: -1) {
            if c.upsample == "transposed" {
                specs += [ParameterSpec("dec\(l).up.weight", [[c.width(l + 1), c.width(l), 2, 2]], .uniform(fanIn: c.width(l + 1))),
                          ParameterSpec("dec\(l).up.bias", [[c.width(l)]], .uniform(fanIn: c.width(l + 1)))]
            } else {
                specs += Spec.conv("dec\(l).up", c.width(l), c.width(l + 1), 1)
            }
            specs += Spec.conv("dec\(l).conv1", c.width(l), 2 * c.width(l), 3) + Spec.conv("dec\(l).conv2", c.width(l), c.width(l), 3)
        }
        specs += Spec.conv("tail", ch * md.scale * md.scale, c.depth == 0 ? c.width(0) : c.width(0), 3)
        return specs
    }

    public static func build(_ md: ModelDescription, _ p: Parameters) throws -> Program {
        let c = try Config(md)
        let act: any Layer = c.act == "relu" ? ReLU() : LeakyReLU(slope: 0.2)
        var b = ProgramBuilder(inputChannels: md.color.channels)
        func block(_ prefix: String, _ x: Value) -> Value {
            b.sequence([p.conv(prefix + ".conv1"), act, p.conv(prefix + ".conv2"), act], x)
        }
        var skips: [Value] = []
        var h = b.input
        for l in 0..<c.depth {
            h = block("enc\(l)", h)
            skips.append(h)
            h = b(MaxPool2D(kernel: 2), h)
        }
        h = block("mid", h)
        for l in stride(from: c.depth - 1, through: 0, by: -1) {
            if c.upsample == "transposed" {
                h = b(TransposedConv2D(weight: p["dec\(l).up.weight"], bias: p["dec\(l).up.bias"], stride: 2), h)
            } else {
                h = b.sequence([Upsample(factor: 2, mode: c.upsample == "nearest" ? .nearest : .bilinear), p.conv("dec\(l).up")], h)
            }
            h = block("dec\(l)", b.concat([skips[l], h]))
        }
        h = b.sequence([p.conv("tail"), PixelShuffle(md.scale)], h)
        if c.residual == "bilinear" {
            h = b.add(h, b(Upsample(factor: md.scale, mode: .bilinear), b.input))
        }
        return Program(b, output: h)
    }
}
