/// Pixel losses on a batch: the mean over every sample of every patch.
public enum PixelLoss: String, Sendable, CaseIterable {
    /// Mean absolute error (sharper results than MSE for SR; EDSR's choice).
    case l1
    /// Mean squared error (what PSNR measures).
    case mse

    /// Adds this sample's loss terms (unnormalised sum) and writes d(loss)/d(output) for a mean
    /// over `totalCount` samples of the whole batch into `gradient`.
    public func evaluate(output: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int, totalCount: Int,
                         gradient: UnsafeMutablePointer<Float>) -> Double {
        let inv = 1 / Float(totalCount)
        var sum = 0.0
        switch self {
        case .l1:
            for i in 0..<count {
                let d = output[i] - target[i]
                sum += Double(abs(d))
                gradient[i] = d > 0 ? inv : (d < 0 ? -inv : 0)
            }
        case .mse:
            for i in 0..<count {
                let d = output[i] - target[i]
                sum += Double(d * d)
                gradient[i] = 2 * d * inv
            }
        }
        return sum
    }
}
