/// The shuffle is a permutation, so the input gradient is the output gradient un-shuffled.
extension PixelShuffle: DifferentiableLayer {
    public func backward(input: FeatureMap, output: FeatureMap, outputGradient: FeatureMap,
                         inputGradient: FeatureMap?, parameterGradients: [UnsafeMutablePointer<Float>],
                         workspace: Workspace) {
        guard let gi = inputGradient else { return }
        let o = outputGradient.shape, r = factor, h = input.shape.h, w = input.shape.w
        for c in 0..<o.c {
            for i in 0..<r {
                for j in 0..<r {
                    let dst = gi.channel(sourceChannel(c, i, j, channels: o.c))
                    let src = outputGradient.channel(c)
                    for y in 0..<h {
                        let d = dst + y * w
                        let s = src + (r * y + i) * o.w + j
                        for x in 0..<w { d[x] = s[r * x] }
                    }
                }
            }
        }
    }
}
