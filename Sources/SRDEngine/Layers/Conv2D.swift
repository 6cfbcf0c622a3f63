import COpenBLAS

/// 2-D convolution (cross-correlation, PyTorch `Conv2d`): im2col in row bands + `cblas_sgemm`.
///
///     out[o, y, x] = bias[o] + sum_{i, a, b} w[o, i, a, b] * in_padded[i, y*s + a*d, x*s + b*d]
///
/// The PyTorch weight `[O, I, kh, kw]` is already the row-major GEMM matrix `[O, I*kh*kw]` that
/// multiplies the im2col matrix `[I*kh*kw, H'*W']` whose rows are ordered (i, a, b), so the
/// weights are used as loaded. The input is padded once into scratch (no bounds tests in the
/// copy loop), and im2col runs over bands of output rows so its matrix stays within
/// `columnBudget` floats whatever the tile size. A 1x1 stride-1 convolution skips im2col, and a
/// stride-1 convolution with many input channels runs one GEMM per tap instead
/// (Conv2D+ShiftedTaps.swift).
public struct Conv2D: Layer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let stride: Int
    /// Rows added above and below / columns added left and right.
    public let paddingHeight: Int
    public let paddingWidth: Int
    public let dilation: Int
    public let paddingMode: PaddingMode
    /// (O, I*kh*kw) row-major: the PyTorch layout, also the GEMM layout.
    public private(set) var weight: [Float]
    /// (O)
    public private(set) var bias: [Float]
    /// Largest im2col matrix (floats) one band may use.
    public var columnBudget = 1 << 21
    /// The kernel `forward` runs (Conv2D+ShiftedTaps.swift); `.automatic` picks by shape.
    public var algorithm = Algorithm.automatic

    /// A convolution from PyTorch tensors: `weight` [O, I, kh, kw], `bias` [O] or nil.
    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int? = nil, dilation: Int = 1,
                paddingMode: PaddingMode = .zeros) {
        precondition(weight.rank == 4, "Conv2D weight must be [O, I, kh, kw], got \(weight.shape)")
        outChannels = weight.shape[0]
        inChannels = weight.shape[1]
        kernelHeight = weight.shape[2]
        kernelWidth = weight.shape[3]
        self.stride = stride
        self.dilation = dilation
        // Default: 'same' for odd kernels at stride 1.
        paddingHeight = padding ?? (dilation * (kernelHeight - 1) / 2)
        paddingWidth = padding ?? (dilation * (kernelWidth - 1) / 2)
        self.paddingMode = paddingMode
        self.weight = weight.data
        if let bias {
            precondition(bias.count == outChannels, "Conv2D bias has \(bias.count) values for \(outChannels) outputs")
            self.bias = bias.data
        } else {
            self.bias = [Float](repeating: 0, count: outChannels)
        }
    }

    /// The same convolution with no padding (for a caller that pads the input itself).
    public func withoutPadding() -> Conv2D {
        var c = Conv2D(weight: weightTensor, bias: Tensor(shape: [outChannels], data: bias), stride: stride, padding: 0,
                       dilation: dilation, paddingMode: .zeros)
        c.columnBudget = columnBudget
        c.algorithm = algorithm
        return c
    }

    /// The weight as a PyTorch tensor [O, I, kh, kw].
    public var weightTensor: Tensor { Tensor(shape: [outChannels, inChannels, kernelHeight, kernelWidth], data: weight) }

    /// Multiplies output channel o's weights and bias by `scale[o]` and adds `shift[o]` to its bias
    /// (how a following batch norm is folded in).
    public mutating func scaleOutputs(by scale: [Float], shift: [Float]) {
        precondition(scale.count == outChannels && shift.count == outChannels)
        let k = inChannels * kernelHeight * kernelWidth
        for o in 0..<outChannels {
            for j in 0..<k { weight[o * k + j] *= scale[o] }
            bias[o] = bias[o] * scale[o] + shift[o]
        }
    }

    public func outputShape(for input: Shape3) -> Shape3 {
        precondition(input.c == inChannels, "Conv2D expects \(inChannels) channels, got \(input)")
        let h = (input.h + 2 * paddingHeight - dilation * (kernelHeight - 1) - 1) / stride + 1
        let w = (input.w + 2 * paddingWidth - dilation * (kernelWidth - 1) - 1) / stride + 1
        precondition(h > 0 && w > 0, "Conv2D input \(input) too small for a \(kernelHeight)x\(kernelWidth) kernel")
        return Shape3(outChannels, h, w)
    }

    public var geometry: LayerGeometry {
        let reach = max(paddingHeight, paddingWidth,
                        dilation * (kernelHeight - 1) - paddingHeight, dilation * (kernelWidth - 1) - paddingWidth)
        return LayerGeometry(reach: reach, downscale: stride)
    }

    public func multiplyAccumulates(for input: Shape3) -> Double {
        let o = outputShape(for: input)
        return Double(o.count) * Double(inChannels * kernelHeight * kernelWidth)
    }

    public func forward(_ input: FeatureMap, into output: FeatureMap, workspace: Workspace) {
        let inS = input.shape, outS = outputShape(for: input.shape)
        precondition(output.shape == outS, "Conv2D output \(output.shape), expected \(outS)")
        precondition(input.pointer != output.pointer, "Conv2D cannot run in place")
        let n = outS.plane
        // Bias first; the GEMMs accumulate onto it (beta = 1).
        for o in 0..<outChannels { output.channel(o).update(repeating: bias[o], count: n) }

        let k = inChannels * kernelHeight * kernelWidth
        if kernelHeight == 1 && kernelWidth == 1 && stride == 1 && paddingHeight == 0 && paddingWidth == 0 {
            weight.withUnsafeBufferPointer { w in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(n), Int32(k),
                            1, w.baseAddress, Int32(k), input.pointer, Int32(n), 1, output.pointer, Int32(n))
            }
            return
        }

        // Padded source: (I, hp, wp).
        var src = UnsafePointer(input.pointer)
        let hp = inS.h + 2 * paddingHeight, wp = inS.w + 2 * paddingWidth
        if paddingHeight > 0 || paddingWidth > 0 {
            let p = workspace.scratch(.padded, count: inChannels * hp * wp)
            paddingMode.pad(input.pointer, inS, into: p, top: paddingHeight, bottom: paddingHeight,
                            left: paddingWidth, right: paddingWidth)
            src = UnsafePointer(p)
        }
        if usesShiftedTaps {
            forwardShiftedTaps(src, hp: hp, wp: wp, into: output, workspace: workspace)
            return
        }

        let wo = outS.w
        let rowsPerBand = max(1, min(outS.h, columnBudget / max(1, k * wo)))
        let cols = workspace.scratch(.columns, count: k * rowsPerBand * wo)
        weight.withUnsafeBufferPointer { w in
            var y0 = 0
            while y0 < outS.h {
                let rows = min(rowsPerBand, outS.h - y0)
                let bandN = rows * wo
                // im2col: row (i, a, b) of cols holds in_padded[i, y*s + a*d, x*s + b*d] for the band.
                for i in 0..<inChannels {
                    let plane = src + i * hp * wp
                    for a in 0..<kernelHeight {
                        for b in 0..<kernelWidth {
                            let r = (i * kernelHeight + a) * kernelWidth + b
                            var dst = cols + r * bandN
                            for yy in 0..<rows {
                                let srow = plane + ((y0 + yy) * stride + a * dilation) * wp + b * dilation
                                if stride == 1 {
                                    dst.update(from: srow, count: wo)
                                } else {
                                    for x in 0..<wo { dst[x] = srow[x * stride] }
                                }
                                dst += wo
                            }
                        }
                    }
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(bandN), Int32(k),
                            1, w.baseAddress, Int32(k), cols, Int32(bandN), 1, output.pointer + y0 * wo, Int32(n))
                y0 += rows
            }
        }
    }

    /// Naive reference: the defining sum, with padding by index test (zeros) or clamping (replicate).
    public func referenceForward(_ x: Tensor) -> Tensor {
        let s = x.shape3, o = outputShape(for: s)
        var y = Tensor(shape: [o.c, o.h, o.w])
        for oc in 0..<o.c {
            for oy in 0..<o.h {
                for ox in 0..<o.w {
                    var acc = Double(bias[oc])
                    for ic in 0..<s.c {
                        for a in 0..<kernelHeight {
                            for b in 0..<kernelWidth {
                                var iy = oy * stride + a * dilation - paddingHeight
                                var ix = ox * stride + b * dilation - paddingWidth
                                if iy < 0 || iy >= s.h || ix < 0 || ix >= s.w {
                                    if paddingMode == .zeros { continue }
                                    iy = min(max(iy, 0), s.h - 1)
                                    ix = min(max(ix, 0), s.w - 1)
                                }
                                let wv = weight[((oc * inChannels + ic) * kernelHeight + a) * kernelWidth + b]
                                acc += Double(wv) * Double(x.data[(ic * s.h + iy) * s.w + ix])
                            }
                        }
                    }
                    y.data[(oc * o.h + oy) * o.w + ox] = Float(acc)
                }
            }
        }
        return y
    }
}
