/// The gradient of each window goes to its maximum (the first one in scan order on ties, as the
/// forward's strict comparison picks it).
extension MaxPool2D: DifferentiableLayer {
    public func backward(input: FeatureMap, output: FeatureMap, outputGradient: FeatureMap,
                         inputGradient: FeatureMap?, parameterGradients: [UnsafeMutablePointer<Float>],
                         workspace: Workspace) {
        guard let gi = inputGradient else { return }
        let s = input.shape, o = outputGradient.shape, k = kernel
        gi.pointer.update(repeating: 0, count: s.count)
        for c in 0..<s.c {
            let x = input.channel(c), g = outputGradient.channel(c), d = gi.channel(c)
            for oy in 0..<o.h {
                for ox in 0..<o.w {
                    var best = -Float.infinity, at = -1
                    for a in 0..<k {
                        for b in 0..<k {
                            let idx = (oy * stride + a) * s.w + ox * stride + b
                            if x[idx] > best || at < 0 { best = x[idx]; at = idx }
                        }
                    }
                    d[at] += g[oy * o.w + ox]
                }
            }
        }
    }
}
