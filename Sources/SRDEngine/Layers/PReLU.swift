/// Parametric ReLU: y = max(x, 0) + a * min(x, 0), with one slope shared by all channels
/// (PyTorch `PReLU()`, weight [1]) or one per channel (`PReLU(C)`, weight [C]).
public struct PReLU: PointwiseLayer {
    /// (1) or (C)
    public let slopes: [Float]

    public init(slopes: Tensor) {
        precondition(slopes.count >= 1, "PReLU needs at least one slope")
        self.slopes = slopes.data
    }

    public var isShared: Bool { slopes.count == 1 }

    public func outputShape(for input: Shape3) -> Shape3 {
        precondition(isShared || input.c == slopes.count, "PReLU with \(slopes.count) slopes on \(input)")
        return input
    }

    public func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        let a = isShared ? slopes[0] : slopes[channel]
        for i in 0..<count { let v = x[i]; y[i] = v >= 0 ? v : v * a }
    }

    /// Naive reference from the defining formula.
    public func referenceForward(_ x: Tensor) -> Tensor {
        let s = x.shape3
        var y = x
        for c in 0..<s.c {
            let a = isShared ? slopes[0] : slopes[c]
            for j in 0..<s.plane {
                let v = x.data[c * s.plane + j]
                y.data[c * s.plane + j] = max(v, 0) + a * min(v, 0)
            }
        }
        return y
    }
}
