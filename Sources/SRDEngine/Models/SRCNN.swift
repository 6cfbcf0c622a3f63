/// SRCNN (Dong et al. 2014): three convolutions on the bicubic-upscaled Y channel.
///
///     conv1 f1xf1 C->n1, ReLU; conv2 f2xf2 n1->n2, ReLU; conv3 f3xf3 n2->C
///
/// Hyper-parameters: f1, f2, f3, n1, n2 (9, 5, 5, 64, 32), padding_mode (replicate: the official
/// MATLAB test code's 'same' rule). Output has the input's size (`input` = bicubic_upscaled).
public enum SRCNN: Architecture {
    public static let name = "SRCNN"

    struct Config {
        var f1, f2, f3, n1, n2: Int
        var padding: PaddingMode
        init(_ d: ModelDescription) throws {
            f1 = try d.int("f1", 9)
            f2 = try d.int("f2", 5)
            f3 = try d.int("f3", 5)
            n1 = try d.int("n1", 64)
            n2 = try d.int("n2", 32)
            padding = try d.paddingMode(.replicate)
            guard [f1, f2, f3].allSatisfy({ $0 % 2 == 1 }) else { throw d.invalid("kernel sizes must be odd") }
            guard d.input == .bicubicUpscaled else { throw d.invalid("SRCNN needs input = bicubic_upscaled") }
        }
    }

    public static func parameters(for d: ModelDescription) throws -> [ParameterSpec] {
        let c = try Config(d), ch = d.color.channels
        return Spec.conv("conv1", c.n1, ch, c.f1) + Spec.conv("conv2", c.n2, c.n1, c.f2) + Spec.conv("conv3", ch, c.n2, c.f3)
    }

    public static func build(_ d: ModelDescription, _ p: Parameters) throws -> Program {
        let c = try Config(d)
        var b = ProgramBuilder(inputChannels: d.color.channels)
        let y = b.sequence([p.conv("conv1", padding: c.padding), ReLU(),
                            p.conv("conv2", padding: c.padding), ReLU(),
                            p.conv("conv3", padding: c.padding)], b.input)
        return Program(b, output: y)
    }
}
