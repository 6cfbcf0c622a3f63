import Foundation

/// Full-reference image quality metrics on 0...255 planes, float64 throughout.
///
/// These are the primitives of `EvalProtocol`; they do no colour conversion, cropping or
/// rounding themselves. Identical inputs give PSNR = +infinity (MSE 0); see `EvalReport` for
/// how that is written to JSON.
public enum Metrics {
    /// Mean squared error over all samples of two equally sized planes.
    public static func mse(_ a: Plane, _ b: Plane) -> Double {
        mse([a], [b])
    }

    /// Mean squared error pooled over several channels (e.g. R, G, B): sum of squared
    /// differences over every sample of every channel, divided by the sample count.
    public static func mse(_ a: [Plane], _ b: [Plane]) -> Double {
        precondition(a.count == b.count && !a.isEmpty, "need the same non-zero number of channels")
        var sum = 0.0
        var n = 0
        for (pa, pb) in zip(a, b) {
            precondition(pa.width == pb.width && pa.height == pb.height,
                         "plane sizes differ: \(pa.width)x\(pa.height) vs \(pb.width)x\(pb.height)")
            pa.data.withUnsafeBufferPointer { x in
                pb.data.withUnsafeBufferPointer { y in
                    for i in 0..<x.count {
                        let d = x[i] - y[i]
                        sum += d * d
                    }
                }
            }
            n += pa.data.count
        }
        return n == 0 ? .nan : sum / Double(n)
    }

    /// Mean squared error of two flat sample arrays (any shape).
    public static func mse(_ a: [Double], _ b: [Double]) -> Double {
        mse(Plane(width: a.count, height: 1, data: a), Plane(width: b.count, height: 1, data: b))
    }

    /// PSNR = 10 log10(peak^2 / mse); +infinity when mse is 0.
    public static func psnr(mse: Double, peak: Double = 255) -> Double {
        mse == 0 ? .infinity : 10 * log10(peak * peak / mse)
    }

    /// PSNR of two planes.
    public static func psnr(_ a: Plane, _ b: Plane, peak: Double = 255) -> Double {
        psnr(mse: mse(a, b), peak: peak)
    }

    /// PSNR with the MSE pooled over channels (the usual "PSNR on RGB").
    public static func psnr(_ a: [Plane], _ b: [Plane], peak: Double = 255) -> Double {
        psnr(mse: mse(a, b), peak: peak)
    }

    /// PSNR of two flat sample arrays (any shape).
    public static func psnr(_ a: [Double], _ b: [Double], peak: Double = 255) -> Double {
        psnr(Plane(width: a.count, height: 1, data: a), Plane(width: b.count, height: 1, data: b), peak: peak)
    }

    /// SSIM (Wang et al. 2004): 11x11 Gaussian window with sigma 1.5, C1 = (0.01 peak)^2,
    /// C2 = (0.03 peak)^2, 'valid' filtering only; the mean of the (H-10)x(W-10) map.
    /// NaN when a side is shorter than the window.
    public static func ssim(_ a: Plane, _ b: Plane, peak: Double = 255) -> Double {
        let map = ssimMap(a, b, peak: peak)
        return map.data.isEmpty ? .nan : map.data.reduce(0, +) / Double(map.data.count)
    }

    /// SSIM of flat row-major arrays.
    public static func ssim(_ a: [Double], _ b: [Double], width: Int, height: Int, peak: Double = 255) -> Double {
        ssim(Plane(width: width, height: height, data: a), Plane(width: width, height: height, data: b), peak: peak)
    }

    /// The SSIM map ((H-10) x (W-10)) whose mean is `ssim`.
    public static func ssimMap(_ a: Plane, _ b: Plane, peak: Double = 255) -> Plane {
        precondition(a.width == b.width && a.height == b.height, "plane sizes differ")
        let g = gaussianKernel(size: 11, sigma: 1.5)
        let c1 = (0.01 * peak) * (0.01 * peak), c2 = (0.03 * peak) * (0.03 * peak)
        let mu1 = a.filteredValid(g), mu2 = b.filteredValid(g)
        let e11 = (a * a).filteredValid(g), e22 = (b * b).filteredValid(g), e12 = (a * b).filteredValid(g)
        var out = mu1
        for i in 0..<out.data.count {
            let m1 = mu1.data[i], m2 = mu2.data[i]
            let s11 = e11.data[i] - m1 * m1, s22 = e22.data[i] - m2 * m2, s12 = e12.data[i] - m1 * m2
            out.data[i] = ((2 * m1 * m2 + c1) * (2 * s12 + c2)) / ((m1 * m1 + m2 * m2 + c1) * (s11 + s22 + c2))
        }
        return out
    }

    /// UQI of flat row-major arrays.
    public static func uqi(_ a: [Double], _ b: [Double], width: Int, height: Int, window: Int = 8) -> Double {
        uqi(Plane(width: width, height: height, data: a), Plane(width: width, height: height, data: b), window: window)
    }

    /// Universal quality index (Wang & Bovik 2002, "A universal image quality index"):
    /// Q = 4 s_xy mu_x mu_y / ((s_x^2 + s_y^2)(mu_x^2 + mu_y^2)) per `window` x `window` block,
    /// sliding by one sample over the valid region (the paper uses 8x8), then the mean.
    ///
    /// Degenerate windows follow the authors' `img_qi.m`: when both variances are 0 but the
    /// means are not, Q = 2 mu_x mu_y / (mu_x^2 + mu_y^2); when both means and variances are 0,
    /// Q = 1. (A window with zero means but some variance keeps Q = 1 there too, as in img_qi.m.)
    /// Statistics use the population variance (divide by N), which leaves Q unchanged. A window
    /// variance sum within 1e-12 (relative) of 0 counts as 0, so flat non-integer windows are
    /// treated like flat integer ones.
    /// NaN when a side is shorter than the window.
    public static func uqi(_ a: Plane, _ b: Plane, window: Int = 8) -> Double {
        precondition(a.width == b.width && a.height == b.height, "plane sizes differ")
        precondition(window >= 1)
        let box = [Double](repeating: 1, count: window)
        let sa = a.filteredValid(box), sb = b.filteredValid(box)
        let saa = (a * a).filteredValid(box), sbb = (b * b).filteredValid(box), sab = (a * b).filteredValid(box)
        let n = Double(window * window)
        guard !sa.data.isEmpty else { return .nan }
        var total = 0.0
        for i in 0..<sa.data.count {
            let x = sa.data[i], y = sb.data[i]
            let sumMul = x * y
            let sqSumMul = x * x + y * y
            let numerator = 4 * (n * sab.data[i] - sumMul) * sumMul
            var den1 = n * (saa.data[i] + sbb.data[i]) - sqSumMul
            // Flat windows: cancellation leaves rounding noise instead of an exact 0 for
            // non-integer samples (integer samples sum exactly).
            if abs(den1) <= 1e-12 * n * (saa.data[i] + sbb.data[i]) { den1 = 0 }
            let den = den1 * sqSumMul
            var q = 1.0
            if den1 == 0 && sqSumMul != 0 { q = 2 * sumMul / sqSumMul }
            if den != 0 { q = numerator / den }
            total += q
        }
        return total / Double(sa.data.count)
    }
}
