/// FSRCNN (Dong et al. 2016), official release: convolutions on the LR Y channel and a 9x9
/// transposed convolution with stride = scale.
///
///     conv1 5x5 C->d, PReLU; conv2 1x1 d->s, PReLU; m x (conv 3x3 s->s, PReLU);
///     conv(3+m) 1x1 s->d, PReLU; replicate-pad 1; deconv 9x9 d->C stride = scale, cropped
///
/// Hyper-parameters: d, s, m (56, 12, 4); deconv_padding P (4 for x2/x4, 3 for x3: the output is
/// full[scale*r + P ..< scale*r + P + scale*H] of the deconvolution of the input replicate-padded
/// by r = deconv_input_replicate_pad (1) pixels); padding_mode (replicate).
public enum FSRCNN: Architecture {
    public static let name = "FSRCNN"

    struct Config {
        var d, s, m, deconvPadding, inputPad: Int
        var padding: PaddingMode
        init(_ md: ModelDescription) throws {
            d = try md.int("d", 56)
            s = try md.int("s", 12)
            m = try md.int("m", 4)
            deconvPadding = try md.int("deconv_padding", md.scale == 3 ? 3 : 4)
            inputPad = try md.int("deconv_input_replicate_pad", 1)
            padding = try md.paddingMode(.replicate)
        }
    }

    public static func parameters(for md: ModelDescription) throws -> [ParameterSpec] {
        let c = try Config(md), ch = md.color.channels
        var specs = Spec.conv("conv1", c.d, ch, 5) + Spec.prelu("prelu1", c.d, shared: true)
        specs += Spec.conv("conv2", c.s, c.d, 1) + Spec.prelu("prelu2", c.s, shared: true)
        for i in 3..<(3 + c.m) { specs += Spec.conv("conv\(i)", c.s, c.s, 3) + Spec.prelu("prelu\(i)", c.s, shared: true) }
        specs += Spec.conv("conv\(3 + c.m)", c.d, c.s, 1) + Spec.prelu("prelu\(3 + c.m)", c.d, shared: true)
        specs.append(ParameterSpec("deconv.weight", [[c.d, ch, 9, 9]], .uniform(fanIn: c.d * 81 / (md.scale * md.scale))))
        specs.append(ParameterSpec("deconv.bias", [[ch]], .uniform(fanIn: c.d * 81 / (md.scale * md.scale))))
        return specs
    }

    public static func build(_ md: ModelDescription, _ p: Parameters) throws -> Program {
        let c = try Config(md)
        var b = ProgramBuilder(inputChannels: md.color.channels)
        var h = b.input
        for i in 1...(3 + c.m) {
            h = b(p.conv("conv\(i)", padding: c.padding), h)
            h = b(p.prelu("prelu\(i)"), h)
        }
        let s = md.scale, k = p["deconv.weight"].shape[2]
        if c.inputPad > 0 { h = b(Pad2D(.replicate, c.inputPad), h) }
        // Crop s*r + P at the start and keep s*H samples: PyTorch padding s*r + P, output padding s + 2P - k.
        let deconv = TransposedConv2D(weight: p["deconv.weight"], bias: p["deconv.bias"], stride: s,
                                      padding: s * c.inputPad + c.deconvPadding,
                                      outputPadding: s + 2 * c.deconvPadding - k)
        h = b(deconv, h)
        return Program(b, output: h)
    }
}
