import COpenBLAS

/// Convolution backward with the same im2col layout as the forward:
///
///     dW[O, K]  += dY[O, N] * cols[K, N]^T        (cblas_sgemm NoTrans, Trans)
///     db[o]     += sum_n dY[o, n]
///     dcols[K, N] = W[O, K]^T * dY[O, N]           (cblas_sgemm Trans, NoTrans)
///     dX = unpad(col2im(dcols))
///
/// Training patches are small, so the whole im2col matrix is built at once (no row bands).
/// Zero padding drops the border gradients; replicate padding adds them onto the edge samples
/// they were copied from (the adjoint of the copy).
extension Conv2D: DifferentiableLayer {
    public var parameterSizes: [Int] { [weight.count, bias.count] }

    public func backward(input: FeatureMap, output: FeatureMap, outputGradient: FeatureMap,
                         inputGradient: FeatureMap?, parameterGradients: [UnsafeMutablePointer<Float>],
                         workspace: Workspace) {
        let inS = input.shape, outS = outputGradient.shape
        let n = outS.plane, k = inChannels * kernelHeight * kernelWidth
        let dY = UnsafePointer(outputGradient.pointer)
        let gW = parameterGradients[0], gB = parameterGradients[1]
        for o in 0..<outChannels {
            let row = dY + o * n
            var s: Float = 0
            for i in 0..<n { s += row[i] }
            gB[o] += s
        }
        let pointwise = kernelHeight == 1 && kernelWidth == 1 && stride == 1 && paddingHeight == 0 && paddingWidth == 0
        let hp = inS.h + 2 * paddingHeight, wp = inS.w + 2 * paddingWidth

        // Columns of the forward input.
        let cols: UnsafePointer<Float>
        if pointwise {
            cols = UnsafePointer(input.pointer)
        } else {
            var src = UnsafePointer(input.pointer)
            if paddingHeight > 0 || paddingWidth > 0 {
                let p = workspace.scratch(.padded, count: inChannels * hp * wp)
                paddingMode.pad(input.pointer, inS, into: p, top: paddingHeight, bottom: paddingHeight,
                                left: paddingWidth, right: paddingWidth)
                src = UnsafePointer(p)
            }
            let c = workspace.scratch(.columns, count: k * n)
            im2col(src, hp: hp, wp: wp, out: outS, into: c)
            cols = UnsafePointer(c)
        }
        weight.withUnsafeBufferPointer { w in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(outChannels), Int32(k), Int32(n),
                        1, dY, Int32(n), cols, Int32(n), 1, gW, Int32(k))
            guard let gi = inputGradient else { return }
            if pointwise {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(n), Int32(outChannels),
                            1, w.baseAddress, Int32(k), dY, Int32(n), 0, gi.pointer, Int32(n))
                return
            }
            let dcols = workspace.scratch(.auxiliary, count: k * n)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(n), Int32(outChannels),
                        1, w.baseAddress, Int32(k), dY, Int32(n), 0, dcols, Int32(n))
            let padded = workspace.scratch(.padded, count: inChannels * hp * wp)
            padded.update(repeating: 0, count: inChannels * hp * wp)
            col2im(UnsafePointer(dcols), hp: hp, wp: wp, out: outS, into: padded)
            unpad(UnsafePointer(padded), hp: hp, wp: wp, into: gi)
        }
    }

    /// Row (i, a, b) of `cols` [K, H'*W'] holds in_padded[i, y*s + a*d, x*s + b*d].
    func im2col(_ src: UnsafePointer<Float>, hp: Int, wp: Int, out: Shape3, into cols: UnsafeMutablePointer<Float>) {
        let n = out.plane, wo = out.w
        for i in 0..<inChannels {
            let plane = src + i * hp * wp
            for a in 0..<kernelHeight {
                for b in 0..<kernelWidth {
                    var dst = cols + ((i * kernelHeight + a) * kernelWidth + b) * n
                    for y in 0..<out.h {
                        let srow = plane + (y * stride + a * dilation) * wp + b * dilation
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
    }

    /// The adjoint of `im2col`: adds every column entry back onto the padded sample it came from.
    func col2im(_ cols: UnsafePointer<Float>, hp: Int, wp: Int, out: Shape3, into padded: UnsafeMutablePointer<Float>) {
        let n = out.plane, wo = out.w
        for i in 0..<inChannels {
            let plane = padded + i * hp * wp
            for a in 0..<kernelHeight {
                for b in 0..<kernelWidth {
                    var src = cols + ((i * kernelHeight + a) * kernelWidth + b) * n
                    for y in 0..<out.h {
                        let drow = plane + (y * stride + a * dilation) * wp + b * dilation
                        if stride == 1 {
                            for x in 0..<wo { drow[x] += src[x] }
                        } else {
                            for x in 0..<wo { drow[x * stride] += src[x] }
                        }
                        src += wo
                    }
                }
            }
        }
    }

    /// The adjoint of the padding: the interior is copied; border samples are dropped (zeros) or
    /// added onto the clamped edge sample (replicate).
    func unpad(_ padded: UnsafePointer<Float>, hp: Int, wp: Int, into gi: FeatureMap) {
        let h = gi.shape.h, w = gi.shape.w, top = paddingHeight, left = paddingWidth
        for c in 0..<gi.shape.c {
            let src = padded + c * hp * wp, dst = gi.channel(c)
            for y in 0..<h { (dst + y * w).update(from: src + (y + top) * wp + left, count: w) }
            guard paddingMode == .replicate else { continue }
            for yp in 0..<hp {
                for xp in 0..<wp {
                    let y = yp - top, x = xp - left
                    if y >= 0 && y < h && x >= 0 && x < w { continue }
                    dst[min(max(y, 0), h - 1) * w + min(max(x, 0), w - 1)] += src[yp * wp + xp]
                }
            }
        }
    }
}
