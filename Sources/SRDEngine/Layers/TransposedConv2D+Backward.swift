/// Transposed convolution backward, from the defining scatter (the adjoint of each term):
///
///     out[o, y*s + a*d - p, x*s + b*d - p] += w[i, o, a, b] * in[i, y, x]
///     => din[i, y, x] += w[i, o, a, b] * dout[o, .., ..];  dw[i, o, a, b] += in[i, y, x] * dout[o, .., ..]
///
/// Direct loops: the one network that uses this layer (FSRCNN) has a single small deconvolution
/// at the output, so a GEMM formulation would not pay for its code. Weight gradients are in
/// PyTorch's [I, O, kh, kw] layout, like the tensors the model is built from.
extension TransposedConv2D: DifferentiableLayer {
    public var parameterSizes: [Int] { [packedWeight.count, bias.count] }

    public func backward(input: FeatureMap, output: FeatureMap, outputGradient: FeatureMap,
                         inputGradient: FeatureMap?, parameterGradients: [UnsafeMutablePointer<Float>],
                         workspace: Workspace) {
        let s = input.shape, o = outputGradient.shape, taps = kernelHeight * kernelWidth
        let gW = parameterGradients[0], gB = parameterGradients[1]
        for oc in 0..<o.c {
            let g = outputGradient.channel(oc)
            var sum: Float = 0
            for j in 0..<o.plane { sum += g[j] }
            gB[oc] += sum
        }
        if let gi = inputGradient { gi.pointer.update(repeating: 0, count: s.count) }
        for i in 0..<s.c {
            let x = input.channel(i)
            for oc in 0..<o.c {
                let g = outputGradient.channel(oc)
                for a in 0..<kernelHeight {
                    for b in 0..<kernelWidth {
                        let t = a * kernelWidth + b
                        let wv = packedWeight[(oc * taps + t) * inChannels + i]
                        var dw: Float = 0
                        for iy in 0..<s.h {
                            let oy = iy * stride + a * dilation - padding
                            if oy < 0 || oy >= o.h { continue }
                            for ix in 0..<s.w {
                                let ox = ix * stride + b * dilation - padding
                                if ox < 0 || ox >= o.w { continue }
                                let gv = g[oy * o.w + ox]
                                dw += x[iy * s.w + ix] * gv
                                if let gi = inputGradient { gi.channel(i)[iy * s.w + ix] += wv * gv }
                            }
                        }
                        gW[(i * o.c + oc) * taps + t] += dw
                    }
                }
            }
        }
    }
}
