/// SRResNet, the SRGAN paper's generator (Ledig et al. 2017): conv-BN-PReLU residual blocks and
/// sub-pixel upsampling, linear output.
///
///     conv_input 9x9 3->F, prelu_input
///     residual.i: x + bn2(conv2(prelu(bn1(conv1(x)))))                   (i < num_res_blocks)
///     conv_mid 3x3 + bn_mid, + the conv_input output
///     upscale.j: conv 3x3 F->r^2 F, PixelShuffle(r), PReLU               (r = 2, 2 for x4; 3 for x3)
///     conv_output 9x9 F->3
///
/// Hyper-parameters: num_feat (64), num_res_blocks (16), batch_norm (true; false drops every bn
/// tensor), bn_eps (1e-5), residual (`none` as published; `bilinear` adds the bilinearly
/// upscaled input to the output, so the network learns only the missing detail: our choice
/// for training on two CPU cores, where the published form spends its first thousands of
/// steps learning to upscale at all). Batch norms are folded into their convolutions at load.
public enum SRResNet: Architecture {
    public static let name = "SRResNet"

    struct Config {
        var feat, blocks: Int
        var bn: Bool
        var residual: String
        var eps: Float
        var stages: [Int]
        init(_ md: ModelDescription) throws {
            feat = try md.int("num_feat", 64)
            blocks = try md.int("num_res_blocks", 16)
            bn = try md.bool("batch_norm", true)
            residual = try md.string("residual", "none")
            guard ["none", "bilinear"].contains(residual) else { throw md.invalid("residual '\(residual)' (none or bilinear)") }
            eps = Float(try md.double("bn_eps", 1e-5))
            stages = try Spec.subPixelStages(md)
            guard md.color == .rgb else { throw md.invalid("SRResNet is an RGB model") }
        }
    }

    public static func parameters(for md: ModelDescription) throws -> [ParameterSpec] {
        let c = try Config(md), f = c.feat
        var specs = Spec.conv("conv_input", f, 3, 9) + Spec.prelu("prelu_input", f, shared: false)
        for i in 0..<c.blocks {
            specs += Spec.conv("residual.\(i).conv1", f, f, 3)
            if c.bn { specs += Spec.batchNorm("residual.\(i).bn1", f) }
            specs += Spec.prelu("residual.\(i).prelu", f, shared: false)
            specs += Spec.conv("residual.\(i).conv2", f, f, 3)
            if c.bn { specs += Spec.batchNorm("residual.\(i).bn2", f) }
        }
        specs += Spec.conv("conv_mid", f, f, 3)
        if c.bn { specs += Spec.batchNorm("bn_mid", f) }
        for (j, r) in c.stages.enumerated() {
            specs += Spec.conv("upscale.\(j).conv", r * r * f, f, 3) + Spec.prelu("upscale.\(j).prelu", f, shared: false)
        }
        specs += Spec.conv("conv_output", 3, f, 9)
        return specs
    }

    public static func build(_ md: ModelDescription, _ p: Parameters) throws -> Program {
        let c = try Config(md)
        func convBN(_ conv: String, _ bn: String) -> Conv2D {
            c.bn ? p.conv(conv).folding(p.batchNorm(bn, eps: c.eps)) : p.conv(conv)
        }
        var b = ProgramBuilder(inputChannels: 3)
        let head = b.sequence([p.conv("conv_input"), p.prelu("prelu_input")], b.input)
        var h = head
        for i in 0..<c.blocks {
            let r = b.sequence([convBN("residual.\(i).conv1", "residual.\(i).bn1"), p.prelu("residual.\(i).prelu"),
                                convBN("residual.\(i).conv2", "residual.\(i).bn2")], h)
            h = b.add(h, r)
        }
        h = b.add(b(convBN("conv_mid", "bn_mid"), h), head)
        for (j, r) in c.stages.enumerated() {
            h = b.sequence([p.conv("upscale.\(j).conv"), PixelShuffle(r), p.prelu("upscale.\(j).prelu")], h)
        }
        h = b(p.conv("conv_output"), h)
        if c.residual == "bilinear" {
            h = b.add(h, b(Upsample(factor: md.scale, mode: .bilinear), b.input))
        }
        return Program(b, output: h)
    }
}
