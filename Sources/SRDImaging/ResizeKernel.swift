import Foundation

/// Interpolation kernels for `PlanarImage.resized`, with MATLAB `imresize` semantics.
public enum ResizeKernel: String, Sendable, CaseIterable {
    case nearest
    case bilinear
    /// Keys cubic with a = -0.5: MATLAB's `bicubic`, the field's standard degradation.
    case bicubic
    /// Lanczos with 3 lobes (MATLAB `lanczos3`).
    case lanczos3

    /// Half-width of the kernel's support, in input pixels at scale 1.
    public var support: Double {
        switch self {
        case .nearest: return 0.5
        case .bilinear: return 1
        case .bicubic: return 2
        case .lanczos3: return 3
        }
    }

    /// The kernel's value at `x`.
    @inlinable public func weight(_ x: Double) -> Double {
        switch self {
        case .nearest:
            // MATLAB box: (-0.5 <= x) & (x < 0.5)
            return (x >= -0.5 && x < 0.5) ? 1 : 0
        case .bilinear:
            let a = abs(x)
            return a < 1 ? 1 - a : 0
        case .bicubic:
            return ResizeKernel.cubic(x)
        case .lanczos3:
            let a = abs(x)
            if a < 1e-12 { return 1 }
            if a >= 3 { return 0 }
            let px = Double.pi * x
            return 3 * sin(px) * sin(px / 3) / (px * px)
        }
    }

    /// Keys cubic convolution kernel, a = -0.5 (MATLAB `cubic`).
    @inlinable public static func cubic(_ x: Double) -> Double {
        let a = abs(x), a2 = a * a, a3 = a2 * a
        if a <= 1 { return 1.5 * a3 - 2.5 * a2 + 1 }
        if a <= 2 { return -0.5 * a3 + 2.5 * a2 - 4 * a + 2 }
        return 0
    }

    /// The same kernel's four taps for a sample at fractional position t in [0, 1) past a grid
    /// point: weights of the points at -1, 0, 1, 2 (cubic(t+1), cubic(t), cubic(1-t), cubic(2-t))
    /// as polynomials in t, in Float, without branches: for per-pixel warps on hot paths.
    @inline(__always) public static func cubicTaps(_ t: Float) -> (Float, Float, Float, Float) {
        let t2 = t * t, t3 = t2 * t
        return (-0.5 * t3 + t2 - 0.5 * t,
                1.5 * t3 - 2.5 * t2 + 1,
                -1.5 * t3 + 2 * t2 + 0.5 * t,
                0.5 * t3 - 0.5 * t2)
    }
}

/// Precomputed taps for resizing one axis: for each output index, the input indices and weights.
///
/// Follows MATLAB `imresize` (`contributions`): u = x/scale + 0.5(1 - 1/scale) (1-based), the
/// kernel is stretched by 1/scale when downscaling with antialiasing, weights are normalised to
/// sum 1, out-of-range indices mirror with the edge repeated, and all-zero tap columns are dropped.
public struct ResizeTaps: Sendable {
    public let outputLength: Int
    public let tapCount: Int
    /// (outputLength, tapCount) 0-based input indices.
    public let indices: [Int]
    /// (outputLength, tapCount) weights, rows sum to 1.
    public let weights: [Double]

    public init(inputLength: Int, outputLength: Int, scale: Double, kernel: ResizeKernel, antialias: Bool) {
        precondition(inputLength > 0 && outputLength > 0)
        let shrink = antialias && scale < 1
        let width = shrink ? kernel.support * 2 / scale : kernel.support * 2
        let p = Int(ceil(width)) + 2
        var idx = [Int](repeating: 0, count: outputLength * p)
        var wts = [Double](repeating: 0, count: outputLength * p)
        for x in 0..<outputLength {
            let u = Double(x + 1) / scale + 0.5 * (1 - 1 / scale)
            let left = Int(floor(u - width / 2))
            var sum = 0.0
            for j in 0..<p {
                let index1 = left + j // 1-based
                let d = u - Double(index1)
                let w = shrink ? scale * kernel.weight(scale * d) : kernel.weight(d)
                wts[x * p + j] = w
                sum += w
                // symmetric padding, 1-based: mirror with the edge pixel repeated
                var k = index1 - 1
                let period = 2 * inputLength
                k = ((k % period) + period) % period
                if k >= inputLength { k = period - 1 - k }
                idx[x * p + j] = k
            }
            if sum != 0 { for j in 0..<p { wts[x * p + j] /= sum } }
        }
        // Drop tap columns that are zero for every output (MATLAB: `any(weights, 1)`).
        var keep = [Int]()
        for j in 0..<p where (0..<outputLength).contains(where: { wts[$0 * p + j] != 0 }) { keep.append(j) }
        if keep.isEmpty { keep = [0] }
        let q = keep.count
        var idx2 = [Int](repeating: 0, count: outputLength * q)
        var wts2 = [Double](repeating: 0, count: outputLength * q)
        for x in 0..<outputLength {
            for (n, j) in keep.enumerated() {
                idx2[x * q + n] = idx[x * p + j]
                wts2[x * q + n] = wts[x * p + j]
            }
        }
        self.outputLength = outputLength
        self.tapCount = q
        self.indices = idx2
        self.weights = wts2
    }
}
