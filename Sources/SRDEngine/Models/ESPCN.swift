/// ESPCN (Shi et al. 2016), as exported by OpenCV dnn_superres (fannymonori/TF-ESPCN).
///
///     conv1 5x5 C->n1, ReLU; conv2 3x3 n1->n2, ReLU; conv3 3x3 n2->scale^2*C; PixelShuffle; tanh
///
/// Hyper-parameters: n1, n2 (64, 32), activation (`relu` | `tanh`, hidden layers),
/// output_activation (`tanh` as exported | `sigmoid` | `none`), shuffle_order (`pytorch` | `tf`),
/// padding_mode (zero).
public enum ESPCN: Architecture {
    public static let name = "ESPCN"

    public static func parameters(for md: ModelDescription) throws -> [ParameterSpec] {
        let n1 = try md.int("n1", 64), n2 = try md.int("n2", 32), ch = md.color.channels
        return Spec.conv("conv1", n1, ch, 5) + Spec.conv("conv2", n2, n1, 3) + Spec.conv("conv3", md.scale * md.scale * ch, n2, 3)
    }

    public static func build(_ md: ModelDescription, _ p: Parameters) throws -> Program {
        let padding = try md.paddingMode(.zeros)
        let act: any Layer
        switch try md.string("activation", "relu") {
        case "relu": act = ReLU()
        case "tanh": act = Tanh()
        case let a: throw md.invalid("activation '\(a)' (relu or tanh)")
        }
        var b = ProgramBuilder(inputChannels: md.color.channels)
        var h = b.sequence([p.conv("conv1", padding: padding), act, p.conv("conv2", padding: padding), act,
                            p.conv("conv3", padding: padding), try FSRCNNSubpixel.shuffle(md)], b.input)
        switch try md.string("output_activation", "tanh") {
        case "tanh": h = b(Tanh(), h)
        case "sigmoid": h = b(Sigmoid(), h)
        case "none": break
        case let a: throw md.invalid("output_activation '\(a)' (tanh, sigmoid or none)")
        }
        return Program(b, output: h)
    }
}
