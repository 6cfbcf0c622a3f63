/// Concatenation backward: each input's gradient is its block of the output gradient.
extension Concat {
    /// Writes (overwrites) each non-nil input gradient from its channel block of `g`.
    public func backward(outputGradient g: FeatureMap, inputGradients: [FeatureMap?], shapes: [Shape3]) {
        var src = UnsafePointer(g.pointer)
        for (gi, s) in zip(inputGradients, shapes) {
            if let gi { gi.pointer.update(from: src, count: s.count) }
            src += s.count
        }
    }
}
