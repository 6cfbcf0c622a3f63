/// out = a + alpha * b: da = dout, db = alpha * dout.
extension Add {
    /// Writes (overwrites) the gradients of `a` and `b`; either may be nil when not needed.
    public func backward(outputGradient g: FeatureMap, aGradient: FeatureMap?, bGradient: FeatureMap?) {
        let n = g.shape.count
        if let ga = aGradient { ga.pointer.update(from: g.pointer, count: n) }
        if let gb = bGradient {
            if alpha == 1 {
                gb.pointer.update(from: g.pointer, count: n)
            } else {
                for i in 0..<n { gb.pointer[i] = alpha * g.pointer[i] }
            }
        }
    }
}
