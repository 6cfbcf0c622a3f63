import COpenBLAS

/// Transposed 2-D convolution (PyTorch `ConvTranspose2d`): `cblas_sgemm` to columns, then col2im.
///
///     full[o, y*s + a*d, x*s + b*d] += w[i, o, a, b] * in[i, y, x];   out = bias + full cropped by `padding`
///
/// Output size per axis: (H - 1)*s - 2*padding + d*(k - 1) + outputPadding + 1. A negative
/// `outputPadding` crops at the end as well (FSRCNN's exact alignment needs that for some scales).
/// The PyTorch weight `[I, O, kh, kw]` is transposed once at load into the GEMM matrix
/// `[O*kh*kw, I]`, so one GEMM per band of input rows yields every tap's contribution.
public struct TransposedConv2D: Layer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let stride: Int
    public let padding: Int
    public let outputPadding: Int
    public let dilation: Int
    /// (O*kh*kw, I) row-major, transposed from PyTorch's [I, O, kh, kw] at load.
    public let packedWeight: [Float]
    /// (O)
    public let bias: [Float]
    /// Largest column matrix (floats) one band may use.
    public var columnBudget = 1 << 21

    /// From PyTorch tensors: `weight` [I, O, kh, kw], `bias` [O] or nil.
    public init(weight: Tensor, bias: Tensor?, stride: Int, padding: Int = 0, outputPadding: Int = 0, dilation: Int = 1) {
        precondition(weight.rank == 4, "TransposedConv2D weight must be [I, O, kh, kw], got \(weight.shape)")
        inChannels = weight.shape[0]
        outChannels = weight.shape[1]
        kernelHeight = weight.shape[2]
        kernelWidth = weight.shape[3]
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        let taps = kernelHeight * kernelWidth
        var packed = [Float](repeating: 0, count: weight.count)
        for i in 0..<inChannels {
            for o in 0..<outChannels {
                for t in 0..<taps {
                    packed[(o * taps + t) * inChannels + i] = weight.data[(i * outChannels + o) * taps + t]
                }
            }
        }
        packedWeight = packed
        self.bias = bias?.data ?? [Float](repeating: 0, count: outChannels)
        precondition(self.bias.count == outChannels)
    }

    /// The weight back in PyTorch layout [I, O, kh, kw] (for saving).
    public var weightTensor: Tensor {
        let taps = kernelHeight * kernelWidth
        var w = [Float](repeating: 0, count: packedWeight.count)
        for i in 0..<inChannels {
            for o in 0..<outChannels {
                for t in 0..<taps { w[(i * outChannels + o) * taps + t] = packedWeight[(o * taps + t) * inChannels + i] }
            }
        }
        return Tensor(shape: [inChannels, outChannels, kernelHeight, kernelWidth], data: w)
    }

    public func outputShape(for input: Shape3) -> Shape3 {
        precondition(input.c == inChannels, "TransposedConv2D expects \(inChannels) channels, got \(input)")
        let h = (input.h - 1) * stride - 2 * padding + dilation * (kernelHeight - 1) + outputPadding + 1
        let w = (input.w - 1) * stride - 2 * padding + dilation * (kernelWidth - 1) + outputPadding + 1
        precondition(h > 0 && w > 0, "TransposedConv2D output would be empty for \(input)")
        return Shape3(outChannels, h, w)
    }

    public var geometry: LayerGeometry {
        // Output o reads inputs i with i*s + a*d - padding = o: within (d*(k-1) + padding)/s + 1 of o/s.
        let k = max(kernelHeight, kernelWidth)
        let reach = (dilation * (k - 1) + abs(padding) + abs(outputPadding)) / stride + 1
        return LayerGeometry(reach: reach, upscale: stride)
    }

    public func multiplyAccumulates(for input: Shape3) -> Double {
        Double(input.count) * Double(outChannels * kernelHeight * kernelWidth)
    }

    public func forward(_ input: FeatureMap, into output: FeatureMap, workspace: Workspace) {
        let inS = input.shape, outS = outputShape(for: input.shape)
        precondition(output.shape == outS, "TransposedConv2D output \(output.shape), expected \(outS)")
        precondition(input.pointer != output.pointer, "TransposedConv2D cannot run in place")
        for o in 0..<outChannels { output.channel(o).update(repeating: bias[o], count: outS.plane) }

        let m = outChannels * kernelHeight * kernelWidth
        let rowsPerBand = max(1, min(inS.h, columnBudget / max(1, m * inS.w)))
        let cols = workspace.scratch(.columns, count: m * rowsPerBand * inS.w)
        packedWeight.withUnsafeBufferPointer { w in
            var y0 = 0
            while y0 < inS.h {
                let rows = min(rowsPerBand, inS.h - y0)
                let bandN = rows * inS.w
                // cols (O*kh*kw, band) = W (O*kh*kw, I) x in (I, band)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(bandN), Int32(inChannels),
                            1, w.baseAddress, Int32(inChannels), input.pointer + y0 * inS.w, Int32(inS.plane),
                            0, cols, Int32(bandN))
                // col2im: scatter-add each tap's plane into the output.
                for o in 0..<outChannels {
                    let out = output.channel(o)
                    for a in 0..<kernelHeight {
                        for b in 0..<kernelWidth {
                            let row = cols + ((o * kernelHeight + a) * kernelWidth + b) * bandN
                            let xOff = b * dilation - padding
                            // x range with 0 <= x*s + xOff < W'
                            let xLo = max(0, (-xOff + stride - 1) / stride)
                            let xHi = min(inS.w, (outS.w - 1 - xOff) >= 0 ? (outS.w - 1 - xOff) / stride + 1 : 0)
                            if xLo >= xHi { continue }
                            for yy in 0..<rows {
                                let oy = (y0 + yy) * stride + a * dilation - padding
                                if oy < 0 || oy >= outS.h { continue }
                                let srow = row + yy * inS.w
                                let drow = out + oy * outS.w + xOff
                                for x in xLo..<xHi { drow[x * stride] += srow[x] }
                            }
                        }
                    }
                }
                y0 += rows
            }
        }
    }

    /// Naive reference: scatter every input sample through every tap.
    public func referenceForward(_ x: Tensor) -> Tensor {
        let s = x.shape3, o = outputShape(for: s)
        var acc = [Double](repeating: 0, count: o.count)
        let w = weightTensor
        for i in 0..<s.c {
            for iy in 0..<s.h {
                for ix in 0..<s.w {
                    let v = Double(x.data[(i * s.h + iy) * s.w + ix])
                    for oc in 0..<o.c {
                        for a in 0..<kernelHeight {
                            let oy = iy * stride + a * dilation - padding
                            if oy < 0 || oy >= o.h { continue }
                            for b in 0..<kernelWidth {
                                let ox = ix * stride + b * dilation - padding
                                if ox < 0 || ox >= o.w { continue }
                                let wv = w.data[((i * o.c + oc) * kernelHeight + a) * kernelWidth + b]
                                acc[(oc * o.h + oy) * o.w + ox] += v * Double(wv)
                            }
                        }
                    }
                }
            }
        }
        var y = Tensor(shape: [o.c, o.h, o.w])
        for oc in 0..<o.c {
            for j in 0..<o.plane { y.data[oc * o.plane + j] = Float(acc[oc * o.plane + j] + Double(bias[oc])) }
        }
        return y
    }
}
