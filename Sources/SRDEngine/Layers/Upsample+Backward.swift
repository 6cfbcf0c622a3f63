/// The adjoint of the interpolation: each output gradient sample is scattered back onto the input
/// samples it was computed from, with the same weights.
extension Upsample: DifferentiableLayer {
    public func backward(input: FeatureMap, output: FeatureMap, outputGradient: FeatureMap,
                         inputGradient: FeatureMap?, parameterGradients: [UnsafeMutablePointer<Float>],
                         workspace: Workspace) {
        guard let gi = inputGradient else { return }
        let s = input.shape, o = outputGradient.shape, r = factor
        gi.pointer.update(repeating: 0, count: s.count)
        switch mode {
        case .nearest:
            for c in 0..<s.c {
                let g = outputGradient.channel(c), d = gi.channel(c)
                for y in 0..<o.h {
                    let grow = g + y * o.w, drow = d + (y / r) * s.w
                    for x in 0..<o.w { drow[x / r] += grow[x] }
                }
            }
        case .bilinear:
            let xt = (0..<o.w).map { taps($0, s.w) }
            for c in 0..<s.c {
                let g = outputGradient.channel(c), d = gi.channel(c)
                for y in 0..<o.h {
                    let (y0, y1, ly) = taps(y, s.h)
                    let r0 = d + y0 * s.w, r1 = d + y1 * s.w, grow = g + y * o.w
                    for x in 0..<o.w {
                        let (x0, x1, lx) = xt[x]
                        let v = grow[x]
                        let top = v * (1 - ly), bot = v * ly
                        r0[x0] += top * (1 - lx)
                        r0[x1] += top * lx
                        r1[x0] += bot * (1 - lx)
                        r1[x1] += bot * lx
                    }
                }
            }
        }
    }
}
