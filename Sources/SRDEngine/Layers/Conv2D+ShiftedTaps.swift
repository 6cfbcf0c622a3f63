import COpenBLAS

/// Stride-1 convolution as one GEMM per kernel tap on the padded input, without im2col.
///
/// Shape legend: I input channels, O output channels, (hp, wp) padded input, (H', W') output,
/// T = kh*kw taps, d dilation.
///
/// For tap (a, b), output row y is `W_ab (O, I) x src[:, y + a*d, b*d ..< b*d + W']`, and the
/// source rows of that slice are `hp*wp` floats apart, so the padded input *is* the GEMM's B
/// matrix (ldb = hp*wp): no copy. Over a band of rr output rows the GEMM runs on the flat span
/// `(rr-1)*wp + W'` and the `wp - W'` columns between rows are computed and dropped. One row per
/// band writes straight into the output (ldc = H'*W'); several rows go through a scratch band.
///
/// Why: im2col writes and re-reads T x the input per layer (9 x 64 x 480 x 270 floats = 300 MB
/// for an EDSR layer at 480x270), far beyond cache; here each band's B slice stays in L2 across
/// the T GEMMs. Measured in docs/BENCHMARKS.md. For few input channels (an RGB head conv) the
/// per-tap GEMMs would have K = I = 3, so `forward` keeps im2col there.
extension Conv2D {
    /// Which kernel `forward` runs.
    public enum Algorithm: Sendable {
        /// Shifted taps for stride-1 convolutions with at least 8 input channels, else im2col.
        case automatic
        /// Always im2col + one GEMM (the original kernel).
        case im2col
        /// Shifted taps whenever the stride is 1.
        case shiftedTaps
    }

    /// Whether `forward` uses `forwardShiftedTaps` under `algorithm`.
    var usesShiftedTaps: Bool {
        guard stride == 1, kernelHeight * kernelWidth > 1 else { return false }
        switch algorithm {
        case .automatic: return inChannels >= 8
        case .im2col: return false
        case .shiftedTaps: return true
        }
    }

    /// Output columns per band: a band's B slice (I x columns) and C band (O x columns) stay in L2.
    static let shiftedTapsBandColumns = 1024

    /// Accumulates the convolution of the padded source `src` (I, hp, wp) onto `output`
    /// (O, H', W'), which already holds the bias.
    func forwardShiftedTaps(_ src: UnsafePointer<Float>, hp: Int, wp: Int, into output: FeatureMap, workspace: Workspace) {
        let outS = output.shape
        let taps = kernelHeight * kernelWidth, plane = outS.plane, k = inChannels * taps
        // Tap-major weights (T, O, I) from the PyTorch layout (O, I, kh, kw); per call, so that a
        // weight update (batch-norm folding, training) can never leave a stale copy behind.
        let tapWeights = workspace.scratch(.auxiliary, count: taps * outChannels * inChannels)
        weight.withUnsafeBufferPointer { w in
            for o in 0..<outChannels {
                for i in 0..<inChannels {
                    let from = w.baseAddress! + o * k + i * taps
                    for t in 0..<taps { tapWeights[(t * outChannels + o) * inChannels + i] = from[t] }
                }
            }
        }
        let rowsPerBand = max(1, min(outS.h, Self.shiftedTapsBandColumns / wp))
        // (O, (rr-1)*wp + W') when a band holds several rows.
        let band = rowsPerBand > 1 ? workspace.scratch(.columns, count: outChannels * ((rowsPerBand - 1) * wp + outS.w)) : nil
        var y0 = 0
        while y0 < outS.h {
            let rows = min(rowsPerBand, outS.h - y0)
            let span = (rows - 1) * wp + outS.w
            // With a scratch band the first tap overwrites it (beta 0); the output holds the bias.
            let (c, ldc) = band.map { ($0, span) } ?? (output.pointer + y0 * outS.w, plane)
            for a in 0..<kernelHeight {
                for b in 0..<kernelWidth {
                    let t = a * kernelWidth + b
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(span), Int32(inChannels),
                                1, tapWeights + t * outChannels * inChannels, Int32(inChannels),
                                src + (y0 + a * dilation) * wp + b * dilation, Int32(hp * wp),
                                band != nil && t == 0 ? 0 : 1, c, Int32(ldc))
                }
            }
            if let band {
                for o in 0..<outChannels {
                    for yy in 0..<rows {
                        let dst = output.channel(o) + (y0 + yy) * outS.w, from = band + o * span + yy * wp
                        for x in 0..<outS.w { dst[x] += from[x] }
                    }
                }
            }
            y0 += rows
        }
    }
}
