import SRDKernelsDNNL

/// Making the plan's oneDNN kernels: the fastest kind this CPU has for each convolution (int8
/// where calibrated, bf16 where the plan is bf16, else f32), probes, and the late creation of a
/// bf16 plan's kernels once every value's element type is known.
extension OneDNNPlan {
    /// Whether the kernel made last is oneDNN's reference (slow, generic) implementation.
    var lastIsReference: Bool { implementations.last?.hasPrefix("ref") == true }

    /// Frees the kernel made last and forgets its implementation.
    func discardLast(_ kernel: OpaquePointer) {
        srd_dnnl_conv_destroy(kernel)
        implementations.removeLast()
    }

    /// The int8 kernel when `int8` is given and oneDNN has a fast one (with this fusion) on this
    /// CPU, else the f32 kernel. With `u8Source` the int8 kernel reads an already quantized
    /// source; `u8Source` in the result says whether the kernel made is that one.
    func makeFastest(_ conv: Conv2D, input: Shape3, post: srd_dnnl_post_ops, slopes: [Float],
                     int8: Int8Calibration.Range?, u8Source: Bool = false) throws -> (kernel: OpaquePointer, u8Source: Bool) {
        if let int8, let kernel = try? makeConvolution(conv, input: input, post: post, slopes: slopes, precision: .int8,
                                                         int8: int8, u8Source: u8Source) {
            if !lastIsReference { return (kernel, u8Source) }
            discardLast(kernel)
        }
        return (try makeConvolution(conv, input: input, post: post, slopes: slopes, precision: .f32), false)
    }

    /// Whether oneDNN makes a fast (non-reference) bf16 kernel for `spec`; the probe is freed.
    func probeBF16(_ spec: ConvSpec) -> Bool {
        let kernel: OpaquePointer?
        switch spec {
        case .conv(let conv, let input, let post, let slopes):
            kernel = try? makeConvolution(conv, input: input, post: post, slopes: slopes, precision: .bf16)
        case .deconv(let deconv, let input):
            kernel = try? makeTransposedConvolution(deconv, input: input, precision: .bf16)
        }
        guard let kernel else { return false }
        defer { discardLast(kernel) }
        return !lastIsReference
    }

    /// bf16 plans: each value's element type from all its readers, then the kernels.
    /// - Throws: when a kernel cannot be made in bf16, or only as oneDNN's slow reference one.
    func makePendingKernels() throws {
        var onlyConvReaders = [Bool](repeating: true, count: shapes.count)
        var producedByConv = [Bool](repeating: false, count: shapes.count)
        onlyConvReaders[outputValue] = false
        for op in ops {
            if case .pendingConv(.conv, _, _, let o) = op {
                producedByConv[o] = true
            } else {
                for v in inputs(op) { onlyConvReaders[v] = false }
            }
        }
        let isBF16 = (0..<shapes.count).map { onlyConvReaders[$0] && producedByConv[$0] }
        for (index, op) in ops.enumerated() {
            guard case .pendingConv(let spec, let x, let skip, let o) = op else { continue }
            let types = (isBF16[x] ? SRD_DNNL_SRC_BF16 : 0) | (isBF16[o] ? SRD_DNNL_DST_BF16 : 0)
                | (skip.map { isBF16[$0] } == true ? SRD_DNNL_SKIP_BF16 : 0)
            let kernel: OpaquePointer
            switch spec {
            case .conv(let conv, let input, let post, let slopes):
                kernel = try makeConvolution(conv, input: input, post: post, slopes: slopes, precision: .bf16, types: Int32(types))
            case .deconv(let deconv, let input):
                kernel = try makeTransposedConvolution(deconv, input: input, precision: .bf16, types: Int32(types))
            }
            ops[index] = .conv(kernel, input: x, skip: skip, output: o)
            if lastIsReference {
                throw EngineError(.invalidInput, "oneDNN has only a reference bf16 kernel for a layer here")
            }
        }
    }

    /// `int8` (the input's range) is required for `.int8`; `u8Source` is an int8 kernel whose
    /// caller passes the source already quantized.
    func makeConvolution(_ conv: Conv2D, input: Shape3, post: srd_dnnl_post_ops, slopes: [Float],
                         precision: ComputePrecision, types: Int32 = 0, int8: Int8Calibration.Range? = nil,
                         u8Source: Bool = false) throws -> OpaquePointer {
        precondition(precision != .int8 || int8 != nil, "an int8 convolution needs its input's range")
        var message = [CChar](repeating: 0, count: 512)
        let mode = Self.mode(precision)
        let flags = types | (u8Source ? Int32(SRD_DNNL_SRC_U8) : 0)
        let made: OpaquePointer? = conv.weight.withUnsafeBufferPointer { w in
            conv.bias.withUnsafeBufferPointer { b in
                slopes.withUnsafeBufferPointer { s in
                    var p = post
                    p.prelu_slopes = s.baseAddress
                    p.prelu_count = Int32(s.count)
                    return srd_dnnl_conv_create(
                        Int32(conv.inChannels), Int32(conv.outChannels), Int32(input.h), Int32(input.w),
                        Int32(conv.kernelHeight), Int32(conv.kernelWidth), Int32(conv.stride),
                        Int32(conv.paddingHeight), Int32(conv.paddingWidth), Int32(conv.dilation),
                        w.baseAddress, b.baseAddress, p, mode, flags, int8?.scale ?? 1, int8?.zeroPoint ?? 0,
                        &message, Int32(message.count))
                }
            }
        }
        guard let kernel = made else {
            throw EngineError(.invalidInput, "oneDNN: no kernel for a \(conv.kernelHeight)x\(conv.kernelWidth) convolution \(conv.inChannels)->\(conv.outChannels) on \(input.h)x\(input.w): \(String(cString: message))")
        }
        implementations.append(String(cString: srd_dnnl_conv_implementation(kernel)))
        return kernel
    }

    func makeTransposedConvolution(_ layer: TransposedConv2D, input: Shape3, precision: ComputePrecision,
                                   types: Int32 = 0) throws -> OpaquePointer {
        precondition(precision != .int8, "transposed convolutions have no int8 kernels here")
        var message = [CChar](repeating: 0, count: 512)
        let mode = Self.mode(precision)
        let p = Int32(layer.padding), end = Int32(layer.padding - layer.outputPadding)
        let made: OpaquePointer? = layer.weightTensor.data.withUnsafeBufferPointer { w in
            layer.bias.withUnsafeBufferPointer { b in
                srd_dnnl_deconv_create(Int32(layer.inChannels), Int32(layer.outChannels), Int32(input.h), Int32(input.w),
                                       Int32(layer.kernelHeight), Int32(layer.kernelWidth), Int32(layer.stride),
                                       p, p, end, end, Int32(layer.dilation), w.baseAddress, b.baseAddress, mode,
                                       types, &message, Int32(message.count))
            }
        }
        guard let kernel = made else {
            throw EngineError(.invalidInput, "oneDNN: no kernel for a \(layer.kernelHeight)x\(layer.kernelWidth) transposed convolution \(layer.inChannels)->\(layer.outChannels) on \(input.h)x\(input.w): \(String(cString: message))")
        }
        implementations.append(String(cString: srd_dnnl_conv_implementation(kernel)))
        return kernel
    }

    private static func mode(_ precision: ComputePrecision) -> Int32 {
        switch precision {
        case .f32: return Int32(SRD_DNNL_F32)
        case .bf16: return Int32(SRD_DNNL_BF16)
        case .int8: return Int32(SRD_DNNL_INT8)
        }
    }
}
