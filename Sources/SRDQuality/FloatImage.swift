import Foundation

/// A one-plane Float image with the two OpenCV operations Farneback's pyramid needs, done the
/// way OpenCV does them for 32-bit float input (so flows agree with `cv2`).
struct FloatImage {
    var width: Int
    var height: Int
    var data: [Float]

    /// `cv::GaussianBlur(src, dst, Size(ksize, ksize), sigma, sigma)` (BORDER_REFLECT_101)
    /// followed by `cv::resize(dst, Size(ow, oh), INTER_LINEAR)`, computing the blur only at the
    /// rows and columns the resize reads (a quarter of them for a 1/8 level): the result is the
    /// same as blurring everything first.
    func blurredAndResized(ksize: Int, sigma: Double, width ow: Int, height oh: Int) -> FloatImage {
        let k = FloatImage.gaussianKernel(ksize, sigma)
        let r = ksize / 2
        let (xi, xa) = FloatImage.linearTaps(width, ow)
        let (yi, ya) = FloatImage.linearTaps(height, oh)
        // the source columns and rows the bilinear resize reads, and their compact positions
        let cols = FloatImage.readPositions(xi, width), rows = FloatImage.readPositions(yi, height)
        var colSlot = [Int](repeating: -1, count: width), rowSlot = [Int](repeating: -1, count: height)
        for (j, c) in cols.enumerated() { colSlot[c] = j }
        for (j, c) in rows.enumerated() { rowSlot[c] = j }
        let nc = cols.count, nr = rows.count
        // horizontal pass at every row, only at the needed columns: (height, nc)
        let xIndex = (0..<(width + 2 * r)).map { reflect101($0 - r, width) }
        var hpass = [Float](repeating: 0, count: height * nc)
        data.withUnsafeBufferPointer { src in
            hpass.withUnsafeMutableBufferPointer { dst in
                Parallel.rows(height, costPerRow: nc * ksize) { range in
                    for y in range {
                        let o = y * width
                        for (j, c) in cols.enumerated() {
                            var s: Float = 0
                            for t in 0..<ksize { s += k[t] * src[o + xIndex[c + t]] }
                            dst[y * nc + j] = s
                        }
                    }
                }
            }
        }
        // vertical pass only at the needed rows: (nr, nc)
        var grid = [Float](repeating: 0, count: nr * nc)
        hpass.withUnsafeBufferPointer { src in
            grid.withUnsafeMutableBufferPointer { dst in
                Parallel.rows(nr, costPerRow: nc * ksize) { range in
                    for j in range {
                        let o = j * nc
                        for t in 0..<ksize {
                            let w = k[t]
                            let s = reflect101(rows[j] - r + t, height) * nc
                            for i in 0..<nc { dst[o + i] += w * src[s + i] }
                        }
                    }
                }
            }
        }
        // bilinear resize from the compact grid
        var out = [Float](repeating: 0, count: ow * oh)
        for y in 0..<oh {
            let y0 = rowSlot[yi[y]], y1 = rowSlot[min(yi[y] + 1, height - 1)], b = ya[y]
            for x in 0..<ow {
                let x0 = colSlot[xi[x]], x1 = colSlot[min(xi[x] + 1, width - 1)], a = xa[x]
                let top = grid[y0 * nc + x0] * (1 - a) + grid[y0 * nc + x1] * a
                let bot = grid[y1 * nc + x0] * (1 - a) + grid[y1 * nc + x1] * a
                out[y * ow + x] = top * (1 - b) + bot * b
            }
        }
        return FloatImage(width: ow, height: oh, data: out)
    }

    /// Sorted source indices read by taps `idx` (each tap reads idx and idx + 1, clamped).
    static func readPositions(_ idx: [Int], _ n: Int) -> [Int] {
        var used = [Bool](repeating: false, count: n)
        for i in idx {
            used[i] = true
            used[min(i + 1, n - 1)] = true
        }
        return (0..<n).filter { used[$0] }
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
        data.withUnsafeBufferPointer { src in
            for y in 0..<oh {
                let y0 = yi[y], y1 = min(y0 + 1, height - 1), b = ya[y]
                for x in 0..<ow {
                    let x0 = xi[x], x1 = min(x0 + 1, width - 1), a = xa[x]
                    let top = src[y0 * width + x0] * (1 - a) + src[y0 * width + x1] * a
                    let bot = src[y1 * width + x0] * (1 - a) + src[y1 * width + x1] * a
                    out[y * ow + x] = top * (1 - b) + bot * b
                }
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
