import Foundation

extension PlanarImage {
    /// Resizes with MATLAB `imresize` semantics (see `ResizeTaps`), one axis at a time: the axis
    /// with the smaller scale first, rows (height) first when the scales are equal. Arithmetic is
    /// float64 and nothing is rounded or clamped: callers that need MATLAB's uint8 behaviour round
    /// the result themselves.
    ///
    /// - Parameters:
    ///   - width, height: the output size.
    ///   - scale: the nominal scale factor (MATLAB's `scale` argument); defaults to
    ///     width / self.width, which is exact for integer factors.
    ///   - kernel: interpolation kernel.
    ///   - antialias: widen the kernel when downscaling (MATLAB's default).
    public func resized(width outW: Int, height outH: Int, scale: Double? = nil,
                        kernel: ResizeKernel = .bicubic, antialias: Bool = true) -> PlanarImage {
        let sx = scale ?? Double(outW) / Double(width)
        let sy = scale ?? Double(outH) / Double(height)
        if sy <= sx {
            return resizedRows(outH, scale: sy, kernel: kernel, antialias: antialias)
                .resizedColumns(outW, scale: sx, kernel: kernel, antialias: antialias)
        } else {
            return resizedColumns(outW, scale: sx, kernel: kernel, antialias: antialias)
                .resizedRows(outH, scale: sy, kernel: kernel, antialias: antialias)
        }
    }

    /// Resizes by an integer or fractional factor: output size = ceil(size * factor) (MATLAB).
    public func resized(by factor: Double, kernel: ResizeKernel = .bicubic, antialias: Bool = true) -> PlanarImage {
        // ceil, tolerant of float error in factors like 1/3
        let w = Int((Double(width) * factor - 1e-9).rounded(.up))
        let h = Int((Double(height) * factor - 1e-9).rounded(.up))
        return resized(width: max(w, 1), height: max(h, 1), scale: factor, kernel: kernel, antialias: antialias)
    }

    private func resizedRows(_ outH: Int, scale: Double, kernel: ResizeKernel, antialias: Bool) -> PlanarImage {
        if outH == height && scale == 1 { return self }
        let taps = ResizeTaps(inputLength: height, outputLength: outH, scale: scale, kernel: kernel, antialias: antialias)
        var out = PlanarImage(width: width, height: outH, channels: channels)
        let q = taps.tapCount
        var acc = [Double](repeating: 0, count: width)
        data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    let plane = c * height * width
                    for y in 0..<outH {
                        for i in 0..<width { acc[i] = 0 }
                        for t in 0..<q {
                            let w = taps.weights[y * q + t]
                            if w == 0 { continue }
                            let row = plane + taps.indices[y * q + t] * width
                            for i in 0..<width { acc[i] += w * Double(src[row + i]) }
                        }
                        let o = (c * outH + y) * width
                        for i in 0..<width { dst[o + i] = Float(acc[i]) }
                    }
                }
            }
        }
        return out
    }

    private func resizedColumns(_ outW: Int, scale: Double, kernel: ResizeKernel, antialias: Bool) -> PlanarImage {
        if outW == width && scale == 1 { return self }
        let taps = ResizeTaps(inputLength: width, outputLength: outW, scale: scale, kernel: kernel, antialias: antialias)
        var out = PlanarImage(width: outW, height: height, channels: channels)
        let q = taps.tapCount
        data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                taps.indices.withUnsafeBufferPointer { ix in
                    taps.weights.withUnsafeBufferPointer { wt in
                        for r in 0..<(channels * height) {
                            let row = r * width
                            let o = r * outW
                            for x in 0..<outW {
                                var s = 0.0
                                for t in 0..<q { s += wt[x * q + t] * Double(src[row + ix[x * q + t]]) }
                                dst[o + x] = Float(s)
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
