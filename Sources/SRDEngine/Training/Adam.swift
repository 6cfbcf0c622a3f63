import Foundation

/// Adam (Kingma & Ba) with optional decoupled weight decay (AdamW), on one flat parameter vector.
///
/// Moments are float32 like the parameters; the bias corrections use the step count, which the
/// checkpoint stores, so a resumed run continues bit for bit.
public struct Adam: Sendable {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public var m: [Float]
    public var v: [Float]
    /// Updates applied so far.
    public var step: Int = 0

    public init(count: Int, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
    }

    /// One update of `parameters` from `gradient` at learning rate `lr`; `decays[i]` false
    /// exempts parameter i from weight decay (biases, PReLU slopes).
    public mutating func update(_ parameters: inout [Float], gradient: [Float], lr: Float, decays: [Bool]? = nil) {
        precondition(parameters.count == m.count && gradient.count == m.count)
        step += 1
        let b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
        let c1 = 1 - Float(pow(Double(b1), Double(step))), c2 = 1 - Float(pow(Double(b2), Double(step)))
        let stepSize = lr / c1, sc2 = 1 / c2.squareRoot()
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                parameters.withUnsafeMutableBufferPointer { p in
                    gradient.withUnsafeBufferPointer { g in
                        for i in 0..<p.count {
                            let gi = g[i]
                            m[i] = b1 * m[i] + (1 - b1) * gi
                            v[i] = b2 * v[i] + (1 - b2) * gi * gi
                            var delta = stepSize * m[i] / (v[i].squareRoot() * sc2 + eps)
                            if wd > 0 && (decays?[i] ?? true) { delta += lr * wd * p[i] }
                            p[i] -= delta
                        }
                    }
                }
            }
        }
    }
}
