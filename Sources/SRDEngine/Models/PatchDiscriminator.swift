/// The discriminator our SR-GAN trains against: a fully convolutional "patch" critic
/// (pix2pix's PatchGAN idea) that maps an HR image to a map of real/fake logits, one per
/// 8 x 8 block of pixels with a receptive field of 61 pixels.
///
///     conv0   3x3 C->F,    LeakyReLU(0.2)
///     down0   3x3/2 F->F,  LeakyReLU      (1/2)
///     conv1   3x3 F->2F,   LeakyReLU
///     down1   3x3/2 2F->2F, LeakyReLU     (1/4)
///     conv2   3x3 2F->4F,  LeakyReLU
///     down2   3x3/2 4F->4F, LeakyReLU     (1/8)
///     logits  3x3 4F->1
///
/// Why this shape and not the SRGAN paper's VGG-style classifier: the trainer runs samples
/// independently, so the network has no batch norm (the paper's discriminator has seven); a
/// fully convolutional critic judges local texture wherever it is and works on any patch size;
/// and its cost per sample stays below the generator's. Hyper-parameters: num_feat (32).
/// It is a training-time network: `ModelLoader` refuses it as a super-resolution model.
public enum PatchDiscriminator: Architecture {
    public static let name = "SRD-PatchDiscriminator"

    static let layers: [(name: String, inMul: Int, outMul: Int, stride: Int)] = [
        ("conv0", 0, 1, 1), ("down0", 1, 1, 2), ("conv1", 1, 2, 1), ("down1", 2, 2, 2),
        ("conv2", 2, 4, 1), ("down2", 4, 4, 2),
    ]

    public static func parameters(for md: ModelDescription) throws -> [ParameterSpec] {
        let f = try md.int("num_feat", 32), c = md.color.channels
        var specs: [ParameterSpec] = []
        for l in layers { specs += Spec.conv(l.name, f * l.outMul, l.inMul == 0 ? c : f * l.inMul, 3) }
        return specs + Spec.conv("logits", 1, 4 * f, 3)
    }

    public static func build(_ md: ModelDescription, _ p: Parameters) throws -> Program {
        var b = ProgramBuilder(inputChannels: md.color.channels)
        var h = b.input
        for l in layers {
            let conv = Conv2D(weight: p[l.name + ".weight"], bias: p.tensors[l.name + ".bias"], stride: l.stride, padding: 1)
            h = b.sequence([conv, LeakyReLU(slope: 0.2)], h)
        }
        h = b(p.conv("logits"), h)
        return Program(b, output: h)
    }
}
