/// Batch normalisation in training mode: statistics of the batch, not the running ones.
///
///     mean_c, var_c over (batch, y, x) (biased variance, as PyTorch normalises with)
///     xhat = (x - mean_c) / sqrt(var_c + eps);  y = weight_c * xhat + bias_c
///     dbias_c = sum g;  dweight_c = sum g * xhat
///     dx = weight_c / sqrt(var_c + eps) * (g - mean(g) - xhat * mean(g * xhat))
///
/// It couples the samples of a batch, so it works on the whole batch at once (the per-sample
/// `Trainer` graph does not use it yet: see docs/TRAINING.md). The running statistics update with
/// PyTorch's momentum rule and unbiased variance.
extension BatchNorm2D {
    /// The batch statistics a training forward used (needed by `trainingBackward`).
    public struct BatchStatistics: Sendable {
        public var mean: [Float]
        /// Biased variance (divided by n).
        public var variance: [Float]
        /// Samples per channel over the batch.
        public var count: Int
    }

    /// Normalises every map of `batch` with the batch's per-channel statistics into `outputs`.
    public func trainingForward(_ batch: [FeatureMap], into outputs: [FeatureMap]) -> BatchStatistics {
        let c = weight.count, plane = batch[0].shape.plane
        let n = batch.count * plane
        var mean = [Float](repeating: 0, count: c), variance = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            var s = 0.0, s2 = 0.0
            for x in batch {
                let p = x.channel(ch)
                for j in 0..<plane { s += Double(p[j]) }
            }
            let m = s / Double(n)
            for x in batch {
                let p = x.channel(ch)
                for j in 0..<plane { let d = Double(p[j]) - m; s2 += d * d }
            }
            mean[ch] = Float(m)
            variance[ch] = Float(s2 / Double(n))
            let inv = 1 / (variance[ch] + eps).squareRoot()
            for (x, y) in zip(batch, outputs) {
                let p = x.channel(ch), q = y.channel(ch)
                for j in 0..<plane { q[j] = (p[j] - mean[ch]) * inv * weight[ch] + bias[ch] }
            }
        }
        return BatchStatistics(mean: mean, variance: variance, count: n)
    }

    /// Gradients for a `trainingForward`: input gradients written over `inputGradients`, weight
    /// and bias gradients added into `weightGradient` / `biasGradient`.
    public func trainingBackward(_ batch: [FeatureMap], statistics st: BatchStatistics, outputGradients: [FeatureMap],
                                 inputGradients: [FeatureMap], weightGradient: UnsafeMutablePointer<Float>,
                                 biasGradient: UnsafeMutablePointer<Float>) {
        let plane = batch[0].shape.plane, n = Float(st.count)
        for ch in 0..<weight.count {
            let inv = 1 / (st.variance[ch] + eps).squareRoot(), m = st.mean[ch]
            var sg: Float = 0, sgx: Float = 0
            for (x, g) in zip(batch, outputGradients) {
                let p = x.channel(ch), q = g.channel(ch)
                for j in 0..<plane { sg += q[j]; sgx += q[j] * (p[j] - m) * inv }
            }
            biasGradient[ch] += sg
            weightGradient[ch] += sgx
            let k = weight[ch] * inv, mg = sg / n, mgx = sgx / n
            for (i, x) in batch.enumerated() {
                let p = x.channel(ch), q = outputGradients[i].channel(ch), d = inputGradients[i].channel(ch)
                for j in 0..<plane { d[j] = k * (q[j] - mg - (p[j] - m) * inv * mgx) }
            }
        }
    }

    /// The running statistics after one training batch (PyTorch: momentum 0.1, unbiased variance).
    public func updatingRunningStatistics(with st: BatchStatistics, momentum: Float = 0.1) -> BatchNorm2D {
        let c = weight.count
        let unbiased = (0..<c).map { st.variance[$0] * Float(st.count) / Float(max(st.count - 1, 1)) }
        let mean = (0..<c).map { (1 - momentum) * runningMean[$0] + momentum * st.mean[$0] }
        let variance = (0..<c).map { (1 - momentum) * runningVar[$0] + momentum * unbiased[$0] }
        return BatchNorm2D(weight: Tensor(shape: [c], data: weight), bias: Tensor(shape: [c], data: bias),
                           runningMean: Tensor(shape: [c], data: mean), runningVar: Tensor(shape: [c], data: variance), eps: eps)
    }
}
