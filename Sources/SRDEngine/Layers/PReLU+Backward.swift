/// dx = dy * (x >= 0 ? 1 : a); da += sum over x < 0 of dy * x (all channels into one slope when shared).
extension PReLU: DifferentiableLayer {
    public var parameterSizes: [Int] { [slopes.count] }

    public func backward(input: FeatureMap, output: FeatureMap, outputGradient: FeatureMap,
                         inputGradient: FeatureMap?, parameterGradients: [UnsafeMutablePointer<Float>],
                         workspace: Workspace) {
        let n = input.shape.plane
        let ga = parameterGradients[0]
        for c in 0..<input.shape.c {
            let a = isShared ? slopes[0] : slopes[c]
            let x = input.channel(c), g = outputGradient.channel(c)
            var acc: Float = 0
            if let gi = inputGradient {
                let d = gi.channel(c)
                for i in 0..<n {
                    let v = x[i]
                    if v >= 0 { d[i] = g[i] } else { d[i] = g[i] * a; acc += g[i] * v }
                }
            } else {
                for i in 0..<n where x[i] < 0 { acc += g[i] * x[i] }
            }
            ga[isShared ? 0 : c] += acc
        }
    }
}
