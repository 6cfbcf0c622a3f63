/// FSRCNN with a sub-pixel output (OpenCV dnn_superres, Saafke/FSRCNN_Tensorflow): the
/// deconvolution is replaced by a 1x1 convolution to scale^2 * C channels and a pixel shuffle.
///
///     conv1 5x5 C->d, PReLU; conv2 1x1 d->s, PReLU; m x (conv 3x3 s->s, PReLU);
///     conv(3+m) 1x1 s->d, PReLU; conv(4+m) 1x1 d->scale^2*C; PixelShuffle(scale)
///
/// Hyper-parameters: d, s, m (56, 12, 4), padding_mode (zero: TF 'SAME'), shuffle_order
/// (`pytorch`, or `tf` for TensorFlow's depth_to_space channel order). PReLU slopes per channel or shared.
public enum FSRCNNSubpixel: Architecture {
    public static let name = "FSRCNN-subpixel"

    public static func parameters(for md: ModelDescription) throws -> [ParameterSpec] {
        let d = try md.int("d", 56), s = try md.int("s", 12), m = try md.int("m", 4), ch = md.color.channels
        var specs = Spec.conv("conv1", d, ch, 5) + Spec.prelu("prelu1", d, shared: false)
        specs += Spec.conv("conv2", s, d, 1) + Spec.prelu("prelu2", s, shared: false)
        for i in 3..<(3 + m) { specs += Spec.conv("conv\(i)", s, s, 3) + Spec.prelu("prelu\(i)", s, shared: false) }
        specs += Spec.conv("conv\(3 + m)", d, s, 1) + Spec.prelu("prelu\(3 + m)", d, shared: false)
        specs += Spec.conv("conv\(4 + m)", md.scale * md.scale * ch, d, 1)
        return specs
    }

    public static func build(_ md: ModelDescription, _ p: Parameters) throws -> Program {
        let m = try md.int("m", 4), padding = try md.paddingMode(.zeros)
        var b = ProgramBuilder(inputChannels: md.color.channels)
        var h = b.input
        for i in 1...(3 + m) {
            h = b(p.conv("conv\(i)", padding: padding), h)
            h = b(p.prelu("prelu\(i)"), h)
        }
        h = b(p.conv("conv\(4 + m)", padding: padding), h)
        h = b(try shuffle(md), h)
        return Program(b, output: h)
    }

    /// PixelShuffle in the channel order of the `shuffle_order` hyper-parameter.
    static func shuffle(_ md: ModelDescription) throws -> any Layer {
        switch try md.string("shuffle_order", "pytorch") {
        case "pytorch": return PixelShuffle(md.scale)
        case "tf": return PixelShuffle(md.scale, order: .tensorflow)
        case let o: throw md.invalid("shuffle_order '\(o)' (pytorch or tf)")
        }
    }
}
