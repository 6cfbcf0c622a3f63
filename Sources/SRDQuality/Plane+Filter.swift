import Foundation

/// 'valid' separable filtering: the building block of SSIM and UQI's local statistics.
///
/// Only windows that lie fully inside the plane are computed (no padding), as the protocol's
/// SSIM and Wang & Bovik's UQI specify, so the output is (H - k + 1) x (W - k + 1).
extension Plane {
    /// Correlates with `kernel` along rows and columns (the 2-D window is outer(kernel, kernel)),
    /// keeping only the valid region. Arithmetic is float64.
    func filteredValid(_ kernel: [Double]) -> Plane {
        let k = kernel.count
        let ow = width - k + 1, oh = height - k + 1
        guard ow > 0, oh > 0 else { return Plane(width: max(ow, 0), height: max(oh, 0), data: []) }
        // columns first (vertical pass over full width), then rows; output rows are independent
        let w = width
        var out = [Double](repeating: 0, count: oh * ow)
        // raw pointers throughout: this loop is most of a benchmark run, also in debug builds
        data.withUnsafeBufferPointer { srcBuf in
            out.withUnsafeMutableBufferPointer { dstBuf in
                kernel.withUnsafeBufferPointer { kBuf in
                    let src = srcBuf.baseAddress!, dst = dstBuf.baseAddress!, kp = kBuf.baseAddress!
                    Parallel.rows(oh, costPerRow: (w + ow) * k) { range in
                        let tmp = UnsafeMutablePointer<Double>.allocate(capacity: w)
                        defer { tmp.deallocate() }
                        for y in range {
                            tmp.update(repeating: 0, count: w)
                            for t in 0..<k {
                                let wt = kp[t]
                                let s = src + (y + t) * w
                                for x in 0..<w { tmp[x] += wt * s[x] }
                            }
                            let o = dst + y * ow
                            for x in 0..<ow {
                                var acc = 0.0
                                let s = tmp + x
                                for t in 0..<k { acc += kp[t] * s[t] }
                                o[x] = acc
                            }
                        }
                    }
                }
            }
        }
        return Plane(width: ow, height: oh, data: out)
    }

    /// Element-wise product.
    static func * (a: Plane, b: Plane) -> Plane {
        precondition(a.width == b.width && a.height == b.height, "plane sizes differ")
        var out = a.data
        b.data.withUnsafeBufferPointer { bb in
            for i in 0..<out.count { out[i] *= bb[i] }
        }
        return Plane(width: a.width, height: a.height, data: out)
    }
}

/// The normalised 1-D Gaussian whose outer product is SSIM's window.
func gaussianKernel(size: Int, sigma: Double) -> [Double] {
    let c = Double(size - 1) / 2
    let g = (0..<size).map { i -> Double in
        let x = Double(i) - c
        return exp(-(x * x) / (2 * sigma * sigma))
    }
    let s = g.reduce(0, +)
    return g.map { $0 / s }
}
