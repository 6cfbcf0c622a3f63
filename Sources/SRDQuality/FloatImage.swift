import Foundation

/// A one-plane Float image with the two OpenCV operations Farneback's pyramid needs, done the
/// way OpenCV does them for 32-bit float input (so flows agree with `cv2`).
struct FloatImage {
    var width: Int
    var height: Int
    var data: [Float]

    /// `cv::GaussianBlur(src, dst, Size(ksize, ksize), sigma, sigma)` with the default
    /// BORDER_REFLECT_101. sigma <= 0 takes OpenCV's fixed small kernels (ksize 3: 1/4, 1/2, 1/4).
    func gaussianBlurred(ksize: Int, sigma: Double) -> FloatImage {
        let k = FloatImage.gaussianKernel(ksize, sigma)
        let r = ksize / 2
        let xIndex = (0..<(width + 2 * r)).map { reflect101($0 - r, width) }
        let yIndex = (0..<(height + 2 * r)).map { reflect101($0 - r, height) }
        var rows = [Float](repeating: 0, count: width * height)
        data.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let o = y * width
                    for x in 0..<width {
                        var s: Float = 0
                        for t in 0..<ksize { s += k[t] * src[o + xIndex[x + t]] }
                        dst[o + x] = s
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: width * height)
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let o = y * width
                    for t in 0..<ksize {
                        let w = k[t]
                        let s = yIndex[y + t] * width
                        for x in 0..<width { dst[o + x] += w * src[s + x] }
                    }
                }
            }
        }
        return FloatImage(width: width, height: height, data: out)
    }

    /// `cv::getGaussianKernel(n, sigma, CV_32F)`.
    static func gaussianKernel(_ n: Int, _ sigma: Double) -> [Float] {
        let small: [Int: [Double]] = [1: [1], 3: [0.25, 0.5, 0.25], 5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
                                      7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125]]
        if sigma <= 0, let fixed = small[n] { return fixed.map { Float($0) } }
        let s = sigma > 0 ? sigma : ((Double(n) - 1) * 0.5 - 1) * 0.3 + 0.8
        let scale2 = -0.5 / (s * s)
        var v = (0..<n).map { i -> Double in
            let x = Double(i) - Double(n - 1) * 0.5
            return exp(scale2 * x * x)
        }
        let sum = v.reduce(0, +)
        v = v.map { $0 / sum }
        return v.map { Float($0) }
    }

    /// `cv::resize(src, dst, Size(w, h), 0, 0, INTER_LINEAR)`: source coordinate
    /// (d + 0.5) * (in / out) - 0.5, clamped to the edges.
    func resizedLinear(width ow: Int, height oh: Int) -> FloatImage {
        if ow == width && oh == height { return self }
        let (xi, xa) = FloatImage.linearTaps(width, ow)
        let (yi, ya) = FloatImage.linearTaps(height, oh)
        var out = [Float](repeating: 0, count: ow * oh)
        var rowA = [Float](repeating: 0, count: ow), rowB = [Float](repeating: 0, count: ow)
        data.withUnsafeBufferPointer { src in
            for y in 0..<oh {
                let y0 = yi[y], y1 = min(y0 + 1, height - 1)
                for x in 0..<ow {
                    let x0 = xi[x], x1 = min(x0 + 1, width - 1), a = xa[x]
                    rowA[x] = src[y0 * width + x0] * (1 - a) + src[y0 * width + x1] * a
                    rowB[x] = src[y1 * width + x0] * (1 - a) + src[y1 * width + x1] * a
                }
                let b = ya[y]
                for x in 0..<ow { out[y * ow + x] = rowA[x] * (1 - b) + rowB[x] * b }
            }
        }
        return FloatImage(width: ow, height: oh, data: out)
    }

    /// For each output index: the left source index and the weight of the right one.
    static func linearTaps(_ inLen: Int, _ outLen: Int) -> ([Int], [Float]) {
        let scale = 1 / (Double(outLen) / Double(inLen))
        var idx = [Int](repeating: 0, count: outLen), w = [Float](repeating: 0, count: outLen)
        for d in 0..<outLen {
            let f = Float((Double(d) + 0.5) * scale - 0.5)
            var s = Int(f.rounded(.down))
            var a = f - Float(s)
            if s < 0 { s = 0; a = 0 }
            if s >= inLen - 1 { s = inLen - 1; a = 0 }
            idx[d] = s
            w[d] = a
        }
        return (idx, w)
    }
}

/// BORDER_REFLECT_101: ... 2 1 | 0 1 2 ... n-1 | n-2 n-3 ...
@inline(__always)
func reflect101(_ i: Int, _ n: Int) -> Int {
    if n == 1 { return 0 }
    var i = i
    while i < 0 || i >= n {
        if i < 0 { i = -i }
        if i >= n { i = 2 * (n - 1) - i }
    }
    return i
}
