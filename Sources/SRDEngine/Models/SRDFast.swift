/// SRDFast: our own small network for real-time-ish CPU upscaling, trained by `srd train`.
///
///     x (LR, C = 1 for Y or 3 for RGB)
///     h = PReLU(head: conv3x3 C->F)
///     h = PReLU(body.i: conv3x3 F->F)                       i < blocks
///     out = PixelShuffle(r)(tail(h): conv3x3 F->r^2 C  +  skip(x): conv kxk C->r^2 C)
///
/// Everything runs at the low resolution (cheap), and `skip` is a learned linear upscaler (its
/// k x k kernels are initialised to MATLAB bicubic), so the body only learns the residual detail
/// over an interpolation, which trains much faster than learning the whole image.
///
/// Hyper-parameters: channels (32), blocks (4), skip_kernel (5). PReLU slopes per channel.
/// Tensors: head, body.<i>, tail, skip (`.weight`, `.bias`), head_act, body.<i>.act (`.weight`).
public enum SRDFast: Architecture {
    public static let name = "SRDFast"

    public static func parameters(for md: ModelDescription) throws -> [ParameterSpec] {
        let f = try md.int("channels", 32), blocks = try md.int("blocks", 4), k = try md.int("skip_kernel", 5)
        let c = md.color.channels, r2 = md.scale * md.scale * c
        guard f > 0, blocks >= 0, k % 2 == 1 else { throw md.invalid("channels > 0, blocks >= 0 and an odd skip_kernel") }
        var specs = Spec.conv("head", f, c, 3) + Spec.prelu("head_act", f, shared: false)
        for i in 0..<blocks { specs += Spec.conv("body.\(i)", f, f, 3) + Spec.prelu("body.\(i).act", f, shared: false) }
        specs += Spec.conv("tail", r2, f, 3) + Spec.conv("skip", r2, c, k)
        return specs
    }

    public static func build(_ md: ModelDescription, _ p: Parameters) throws -> Program {
        let blocks = try md.int("blocks", 4)
        var b = ProgramBuilder(inputChannels: md.color.channels)
        var h = b.sequence([p.conv("head"), p.prelu("head_act")], b.input)
        for i in 0..<blocks { h = b.sequence([p.conv("body.\(i)"), p.prelu("body.\(i).act")], h) }
        let t = b(p.conv("tail"), h)
        let s = b(p.conv("skip"), b.input)
        let sum = b.add(t, s)
        let out = b(PixelShuffle(md.scale), sum)
        return Program(b, output: out)
    }
}
