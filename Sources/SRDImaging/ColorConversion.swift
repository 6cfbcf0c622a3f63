/// The luma/chroma formulas super-resolution models are trained with.
///
/// Models that run on one channel name their formula in their weight file's metadata
/// (`y_formula`), because a network trained on studio-range Y sees a different input range
/// than one trained on full-range Y.
public enum YFormula: String, Sendable, CaseIterable {
    /// MATLAB `rgb2ycbcr`: BT.601, studio range (Y 16...235). The evaluation protocol's Y.
    case bt601
    /// OpenCV `COLOR_BGR2YCrCb` / JPEG: BT.601 coefficients, full range.
    case jpeg

    /// (offset, row) for Y, Cb, Cr with R, G, B in 0...1 and outputs in 0...1 (i.e. value/255).
    var forward: [[Double]] {
        switch self {
        case .bt601:
            return [[16.0 / 255, 65.481 / 255, 128.553 / 255, 24.966 / 255],
                    [128.0 / 255, -37.797 / 255, -74.203 / 255, 112.0 / 255],
                    [128.0 / 255, 112.0 / 255, -93.786 / 255, -18.214 / 255]]
        case .jpeg:
            return [[0, 0.299, 0.587, 0.114],
                    [128.0 / 255, -0.168736, -0.331264, 0.5],
                    [128.0 / 255, 0.5, -0.418688, -0.081312]]
        }
    }
}

extension PlanarImage {
    /// RGB (0...1) to Y, Cb, Cr planes, each as value/255 (so bt601 Y spans 16/255...235/255).
    public func ycbcr(_ formula: YFormula) -> PlanarImage {
        precondition(channels == 3, "ycbcr needs RGB")
        let m = formula.forward
        var out = PlanarImage(width: width, height: height, channels: 3)
        let n = planeSize
        for i in 0..<n {
            let r = Double(data[i]), g = Double(data[n + i]), b = Double(data[2 * n + i])
            for k in 0..<3 {
                out.data[k * n + i] = Float(m[k][0] + m[k][1] * r + m[k][2] * g + m[k][3] * b)
            }
        }
        return out
    }

    /// Only the Y plane (value/255), computed in float64 per sample.
    public func luma(_ formula: YFormula) -> PlanarImage {
        precondition(channels == 3, "luma needs RGB")
        let m = formula.forward[0]
        var out = PlanarImage(width: width, height: height, channels: 1)
        let n = planeSize
        for i in 0..<n {
            out.data[i] = Float(m[0] + m[1] * Double(data[i]) + m[2] * Double(data[n + i]) + m[3] * Double(data[2 * n + i]))
        }
        return out
    }

    /// Y, Cb, Cr planes (value/255) back to RGB (0...1) with the exact inverse matrix; not clamped.
    public func rgb(fromYCbCr formula: YFormula) -> PlanarImage {
        precondition(channels == 3, "rgb(fromYCbCr:) needs 3 planes")
        return PlanarImage.rgb(y: plane(0), chroma: PlanarImage(width: width, height: height, channels: 2,
                                                                data: Array(data[planeSize...])), formula: formula)
    }

    /// RGB from a Y plane and a two-plane Cb/Cr image of the same size, without first stacking
    /// them into one YCbCr image: a Y model's 4K output then needs one RGB frame, not two
    /// (100 MB less per worker at 3840x2160). Same arithmetic as `rgb(fromYCbCr:)`.
    public static func rgb(y: PlanarImage, chroma: PlanarImage, formula: YFormula) -> PlanarImage {
        precondition(y.channels == 1 && chroma.channels == 2 && y.width == chroma.width && y.height == chroma.height,
                     "rgb(y:chroma:) needs a Y plane and Cb/Cr planes of one size")
        let f = formula.forward
        // Invert the 3x3 linear part.
        let a = [[f[0][1], f[0][2], f[0][3]], [f[1][1], f[1][2], f[1][3]], [f[2][1], f[2][2], f[2][3]]]
        let det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
        let inv: [[Double]] = [
            [(a[1][1] * a[2][2] - a[1][2] * a[2][1]) / det, (a[0][2] * a[2][1] - a[0][1] * a[2][2]) / det, (a[0][1] * a[1][2] - a[0][2] * a[1][1]) / det],
            [(a[1][2] * a[2][0] - a[1][0] * a[2][2]) / det, (a[0][0] * a[2][2] - a[0][2] * a[2][0]) / det, (a[0][2] * a[1][0] - a[0][0] * a[1][2]) / det],
            [(a[1][0] * a[2][1] - a[1][1] * a[2][0]) / det, (a[0][1] * a[2][0] - a[0][0] * a[2][1]) / det, (a[0][0] * a[1][1] - a[0][1] * a[1][0]) / det],
        ]
        var out = PlanarImage(width: y.width, height: y.height, channels: 3)
        let n = y.planeSize
        for i in 0..<n {
            let yv = Double(y.data[i]) - f[0][0], cb = Double(chroma.data[i]) - f[1][0], cr = Double(chroma.data[n + i]) - f[2][0]
            for k in 0..<3 {
                out.data[k * n + i] = Float(inv[k][0] * yv + inv[k][1] * cb + inv[k][2] * cr)
            }
        }
        return out
    }

    /// Each sample clamped to 0...1 and rounded half away from zero to the nearest of 256
    /// levels (MATLAB `uint8()`, what an 8-bit PNG stores); NaN becomes 0.
    public func quantized8() -> PlanarImage {
        var out = self
        out.data.withUnsafeMutableBufferPointer { d in
            for i in 0..<d.count { d[i] = Float(Double(Quantization.uint8(d[i])) / 255) }
        }
        return out
    }
}
