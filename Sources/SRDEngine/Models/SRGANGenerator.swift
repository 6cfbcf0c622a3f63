/// The SRGAN generator as trained by leftthomas/SRGAN (key names from its `model.py`).
///
///     block1: conv9x9 3->F, PReLU
///     block2..block(R+1): x + bn2(conv2(prelu(bn1(conv1(x)))))          (R residual blocks)
///     block(R+2): conv3x3 F->F, PReLU
///     block(R+3): U x (conv3x3 F->4F, PixelShuffle(2), PReLU), conv9x9 F->3 on (block1 + block(R+2))
///     output: (tanh(x) + 1) / 2
///
/// Batch norms are folded into their convolutions at load. Hyper-parameters: num_feat (64),
/// num_res_blocks (5), upsample_blocks (log2 scale), bn_eps (1e-5).
public enum SRGANGenerator: Architecture {
    public static let name = "SRGAN-Generator"

    struct Config {
        var feat, blocks, ups: Int
        var eps: Float
        init(_ md: ModelDescription) throws {
            feat = try md.int("num_feat", 64)
            blocks = try md.int("num_res_blocks", 5)
            let stages = try Spec.subPixelStages(md)
            guard stages.allSatisfy({ $0 == 2 }) else { throw md.invalid("SRGAN-Generator upsamples by powers of 2 only") }
            ups = try md.int("upsample_blocks", stages.count)
            guard ups == stages.count else { throw md.invalid("upsample_blocks \(ups) does not give scale \(md.scale)") }
            eps = Float(try md.double("bn_eps", 1e-5))
            guard md.color == .rgb else { throw md.invalid("SRGAN-Generator is an RGB model") }
        }
    }

    public static func parameters(for md: ModelDescription) throws -> [ParameterSpec] {
        let c = try Config(md), f = c.feat
        var specs = Spec.conv("block1.0", f, 3, 9) + Spec.prelu("block1.1", f, shared: true)
        for n in 2...(c.blocks + 1) where c.blocks > 0 {
            specs += Spec.conv("block\(n).conv1", f, f, 3) + Spec.batchNorm("block\(n).bn1", f)
            specs += Spec.prelu("block\(n).prelu", f, shared: true)
            specs += Spec.conv("block\(n).conv2", f, f, 3) + Spec.batchNorm("block\(n).bn2", f)
        }
        specs += Spec.conv("block\(c.blocks + 2).0", f, f, 3) + Spec.prelu("block\(c.blocks + 2).1", f, shared: true)
        let last = "block\(c.blocks + 3)"
        for j in 0..<c.ups {
            specs += Spec.conv("\(last).\(j).conv", 4 * f, f, 3) + Spec.prelu("\(last).\(j).prelu", f, shared: true)
        }
        specs += Spec.conv("\(last).\(c.ups)", 3, f, 9)
        return specs
    }

    public static func build(_ md: ModelDescription, _ p: Parameters) throws -> Program {
        let c = try Config(md)
        var b = ProgramBuilder(inputChannels: 3)
        let b1 = b.sequence([p.conv("block1.0"), p.prelu("block1.1")], b.input)
        var h = b1
        for n in 2...(c.blocks + 1) where c.blocks > 0 {
            let r = b.sequence([p.conv("block\(n).conv1").folding(p.batchNorm("block\(n).bn1", eps: c.eps)),
                                p.prelu("block\(n).prelu"),
                                p.conv("block\(n).conv2").folding(p.batchNorm("block\(n).bn2", eps: c.eps))], h)
            h = b.add(h, r)
        }
        let b7 = b.sequence([p.conv("block\(c.blocks + 2).0"), p.prelu("block\(c.blocks + 2).1")], h)
        h = b.add(b1, b7)
        let last = "block\(c.blocks + 3)"
        for j in 0..<c.ups {
            h = b.sequence([p.conv("\(last).\(j).conv"), PixelShuffle(2), p.prelu("\(last).\(j).prelu")], h)
        }
        h = b.sequence([p.conv("\(last).\(c.ups)"), Tanh(), Affine(scale: 0.5, shift: 0.5)], h)
        return Program(b, output: h)
    }
}
