import SRDKernelsDNNL

/// A `Program` compiled for the oneDNN backend and one input shape (ncnn's `create_pipeline`):
/// convolution kernels made and weights re-laid once, activations fused, buffers planned.
///
/// Activations stay NHWC from the first layer to the last: one conversion in, one out per tile.
/// A convolution absorbs the ReLU / LeakyReLU / PReLU that follows it and the residual add after
/// that (a + alpha * conv), as oneDNN post-ops, so EDSR's residual block is two kernels. Pixel
/// shuffle, padding, concatenation, standalone activations and adds run on NHWC here; a
/// replicate-padded convolution pads explicitly, then runs unpadded; a transposed convolution
/// is oneDNN's deconvolution; any other layer (mean shift, upsampling, pooling) runs its NCHW
/// kernel between two conversions. The result equals `Program.forward` up to float summation
/// order (OneDNNBackendTests).
///
/// In bf16 (on CPUs with AVX512_BF16) convolutions take bf16 sources and weights and accumulate
/// in f32. A value whose every reader is a bf16 convolution is stored in bf16 (half the memory
/// traffic); any other value stays f32, and a convolution reading one converts it into its own
/// bf16 copy. So a chain of convolutions passes bf16 along and only its ends convert.
final class OneDNNPlan {
    /// A convolution whose kernel is made once every value's element type is known (bf16 plans).
    enum ConvSpec {
        case conv(Conv2D, input: Shape3, post: srd_dnnl_post_ops, slopes: [Float])
        case deconv(TransposedConv2D, input: Shape3)
    }

    enum Op {
        case conv(OpaquePointer, input: Int, skip: Int?, output: Int)
        case pendingConv(ConvSpec, input: Int, skip: Int?, output: Int)
        case relu(slope: Float, input: Int, output: Int)
        case prelu(slopes: [Float], input: Int, output: Int)
        /// PReLU writing the u8 source of the int8 convolution that reads it.
        case preluU8(slopes: [Float], input: Int, output: Int, scale: Float, zero: Int32)
        case add(alpha: Float, Int, Int, output: Int)
        case shuffle(PixelShuffle, input: Int, output: Int)
        case pad(Pad2D, input: Int, output: Int)
        case concat([Int], output: Int)
        case planar(any Layer, input: Int, output: Int)
    }

    /// The (aligned) input shape the plan was made for.
    let inputShape: Shape3
    let outputShape: Shape3
    /// What oneDNN chose for each convolution, for `srd bench` and tests.
    var implementations: [String] = []
    var ops: [Op] = []
    /// Shapes of the program's values, then of values the plan adds (padded copies).
    var shapes: [Shape3]
    let outputValue: Int
    private let threads: Int
    /// Buffer of each value (NHWC); -1 for values fused away. Buffers are the run's `Workspace`
    /// activation buffers 0..<bufferCount (the last is the input's), so the plans of one
    /// executor's tile shapes share one set of memory instead of each holding its own: they never
    /// run at once (about 0.5 GB less per worker at 4K output with four tile shapes).
    private var bufferOf: [Int]
    private var bufferCount = 0
    /// Floats in the largest value, padded copies the plan adds included; every activation
    /// buffer is asked for that much.
    private var largest = 1
    /// Whether a layer runs on its NCHW kernel (it then needs two planar buffers).
    private var hasPlanarOps = false
    private let fallbackWorkspace = Workspace()

    /// int8 plans: the weight file's activation ranges (nil: every layer in f32).
    private let calibration: Int8Calibration?

    /// - Throws: `EngineError(.invalidInput)` naming the layer oneDNN could not make a kernel for.
    init(program: Program, input: Shape3, precision: ComputePrecision, threads: Int, calibration: Int8Calibration? = nil) throws {
        inputShape = input
        shapes = program.shapes(for: input)
        outputValue = program.outputValue
        outputShape = shapes[program.outputValue]
        self.threads = threads
        self.calibration = calibration
        bufferOf = []
        srd_dnnl_set_thread_count(Int32(threads))
        var compiled = false
        if precision == .bf16 && OneDNN.hasBF16 {
            let programShapes = shapes
            do {
                try compile(program.steps, precision: .bf16)
                try makePendingKernels()
                compiled = true
            } catch {
                // A layer without a bf16 kernel here: the whole plan in f32 (`implementations`
                // says so).
                destroyKernels()
                shapes = programShapes
                implementations.removeAll()
            }
        }
        if !compiled {
            do {
                try compile(program.steps, precision: precision == .int8 && calibration != nil ? .int8 : .f32)
            } catch {
                destroyKernels()
                throw error
            }
        }
        // After compiling: it adds the padded copies' shapes.
        largest = shapes.map(\.count).max() ?? 1
        bufferOf = [Int](repeating: -1, count: shapes.count)
        planBuffers()
        hasPlanarOps = ops.contains { if case .planar = $0 { return true } else { return false } }
    }

    deinit {
        destroyKernels()
    }

    private func destroyKernels() {
        for op in ops { if case .conv(let k, _, _, _) = op { srd_dnnl_conv_destroy(k) } }
        ops.removeAll()
    }

    // MARK: Compile

    private func compile(_ steps: [Step], precision: ComputePrecision) throws {
        var readers = [Int](repeating: 0, count: shapes.count)
        for s in steps { for v in s.inputs { readers[v] += 1 } }
        readers[outputValue] += 1
        var i = 0
        while i < steps.count {
            let step = steps[i]
            i += 1
            switch step {
            case .layer(var conv as Conv2D, var x, let convOut):
                // int8 where the weight file calibrated this convolution's input (step i - 1).
                let quantized = precision == .int8 && Int8Calibration.quantizes(conv) ? calibration?.ranges[i - 1] : nil
                if conv.paddingMode != .zeros && (conv.paddingHeight > 0 || conv.paddingWidth > 0) {
                    // oneDNN pads with zeros only: replicate into a padded copy, then no padding.
                    let pad = Pad2D(conv.paddingMode, top: conv.paddingHeight, bottom: conv.paddingHeight,
                                    left: conv.paddingWidth, right: conv.paddingWidth)
                    shapes.append(pad.outputShape(for: shapes[x]))
                    readers.append(1)
                    ops.append(.pad(pad, input: x, output: shapes.count - 1))
                    x = shapes.count - 1
                    conv = conv.withoutPadding()
                }
                var post = srd_dnnl_post_ops()
                var slopes: [Float] = []
                var out = convOut
                var activation: (step: Step, output: Int)?
                // conv -> activation, when the activation is the convolution's only reader.
                if i < steps.count, readers[out] == 1, case .layer(let act, let a, let o2) = steps[i], a == out {
                    if act is ReLU {
                        post.activation = 1; post.relu_slope = 0
                    } else if let leaky = act as? LeakyReLU {
                        post.activation = 1; post.relu_slope = leaky.slope
                    } else if let prelu = act as? PReLU {
                        post.activation = 2; slopes = prelu.slopes
                    }
                    if post.activation != 0 { activation = (steps[i], o2); out = o2; i += 1 }
                }
                // ... -> skip + alpha * result, when the add is the result's only reader.
                var skip: Int?
                var addStep: Step?
                if i < steps.count, readers[out] == 1, case .add(let add, let a, let b, let o3) = steps[i] {
                    if b == out, a != out {
                        skip = a; post.skip_scale = add.alpha
                    } else if a == out, b != out, add.alpha == 1 {
                        skip = b; post.skip_scale = 1
                    }
                    if skip != nil { post.add_skip = 1; addStep = steps[i]; out = o3; i += 1 }
                }
                if precision == .bf16 {
                    // oneDNN 2.6 has no fast bf16 kernel for some fusions (PReLU after a
                    // 1-channel input): then unfused in bf16, else this layer in f32.
                    if probeBF16(.conv(conv, input: shapes[x], post: post, slopes: slopes)) {
                        ops.append(.pendingConv(.conv(conv, input: shapes[x], post: post, slopes: slopes), input: x, skip: skip, output: out))
                        continue
                    }
                    if post.activation == 2, probeBF16(.conv(conv, input: shapes[x], post: srd_dnnl_post_ops(), slopes: [])) {
                        ops.append(.pendingConv(.conv(conv, input: shapes[x], post: srd_dnnl_post_ops(), slopes: []),
                                                input: x, skip: nil, output: convOut))
                        appendUnfusedTail(slopes: slopes, input: convOut, activationOutput: activation!.output, add: addStep)
                        continue
                    }
                }
                // An int8 convolution whose input is a standalone PReLU's output, read by nothing
                // else: the PReLU writes the u8 source itself (one pass, a quarter of the bytes).
                let preluBefore: (slopes: [Float], input: Int)?
                if quantized != nil, readers[x] == 1, case .prelu(let s, let a, let o)? = ops.last, o == x {
                    preluBefore = (s, a)
                } else {
                    preluBefore = nil
                }
                var made = try makeFastest(conv, input: shapes[x], post: post, slopes: slopes, int8: quantized,
                                           u8Source: preluBefore != nil)
                let unfuse = post.activation == 2 && lastIsReference
                if unfuse {
                    // No fast kernel takes PReLU as a post-op (oneDNN 2.6, f32 and int8):
                    // the convolution alone, then the PReLU and the add as steps of their own.
                    discardLast(made.kernel)
                    made = try makeFastest(conv, input: shapes[x], post: srd_dnnl_post_ops(), slopes: [], int8: quantized,
                                           u8Source: preluBefore != nil)
                }
                if made.u8Source, let p = preluBefore, let range = quantized {
                    ops[ops.count - 1] = .preluU8(slopes: p.slopes, input: p.input, output: x, scale: range.scale, zero: range.zeroPoint)
                }
                if unfuse {
                    ops.append(.conv(made.kernel, input: x, skip: nil, output: convOut))
                    appendUnfusedTail(slopes: slopes, input: convOut, activationOutput: activation!.output, add: addStep)
                } else {
                    ops.append(.conv(made.kernel, input: x, skip: skip, output: out))
                }
            case .layer(let deconv as TransposedConv2D, let x, let o)
                where deconv.padding - deconv.outputPadding >= 0:
                if precision == .bf16, probeBF16(.deconv(deconv, input: shapes[x])) {
                    ops.append(.pendingConv(.deconv(deconv, input: shapes[x]), input: x, skip: nil, output: o))
                } else {
                    ops.append(.conv(try makeTransposedConvolution(deconv, input: shapes[x], precision: .f32),
                                     input: x, skip: nil, output: o))
                }
            case .layer(is ReLU, let x, let o):
                ops.append(.relu(slope: 0, input: x, output: o))
            case .layer(let l as LeakyReLU, let x, let o):
                ops.append(.relu(slope: l.slope, input: x, output: o))
            case .layer(let l as PReLU, let x, let o):
                ops.append(.prelu(slopes: l.slopes, input: x, output: o))
            case .layer(let l as PixelShuffle, let x, let o):
                ops.append(.shuffle(l, input: x, output: o))
            case .layer(let l as Pad2D, let x, let o):
                ops.append(.pad(l, input: x, output: o))
            case .layer(let l, let x, let o):
                ops.append(.planar(l, input: x, output: o))
            case .add(let add, let a, let b, let o):
                ops.append(.add(alpha: add.alpha, a, b, output: o))
            case .concat(let xs, let o):
                ops.append(.concat(xs, output: o))
            }
        }
    }

    /// The PReLU (and the residual add after it) that a convolution could not take as post-ops,
    /// as steps of their own after it.
    private func appendUnfusedTail(slopes: [Float], input: Int, activationOutput: Int, add: Step?) {
        ops.append(.prelu(slopes: slopes, input: input, output: activationOutput))
        if case .add(let a, let x, let y, let o)? = add { ops.append(.add(alpha: a.alpha, x, y, output: o)) }
    }

    // MARK: Buffers

    /// Liveness over the fused ops: a value's buffer is free after its last reader. Pointwise
    /// ops and adds may write over an input that dies there; a convolution never writes over
    /// its input or its skip operand.
    private func planBuffers() {
        var lastUse = [Int](repeating: -1, count: shapes.count)
        for (i, op) in ops.enumerated() { for v in inputs(op) { lastUse[v] = i } }
        lastUse[outputValue] = ops.count
        var free: [Int] = []
        for (i, op) in ops.enumerated() {
            let o = output(op)
            let dying = inputs(op).filter { $0 != 0 && lastUse[$0] == i }
            var chosen: Int?
            switch op {
            case .relu(_, let x, _), .prelu(_, let x, _): if dying.contains(x) { chosen = bufferOf[x] }
            case .add(_, let a, let b, _):
                if dying.contains(a) { chosen = bufferOf[a] } else if dying.contains(b) { chosen = bufferOf[b] }
            default: break
            }
            if chosen == nil {
                if let f = free.popLast() { chosen = f } else { chosen = bufferCount; bufferCount += 1 }
            }
            bufferOf[o] = chosen!
            for v in Set(dying) where bufferOf[v] != bufferOf[o] { free.append(bufferOf[v]) }
        }
        // The input's own NHWC buffer.
        bufferOf[0] = bufferCount
        bufferCount += 1
    }

    func inputs(_ op: Op) -> [Int] {
        switch op {
        case .conv(_, let x, let s, _), .pendingConv(_, let x, let s, _): return [x] + (s.map { [$0] } ?? [])
        case .relu(_, let x, _), .prelu(_, let x, _), .preluU8(_, let x, _, _, _), .shuffle(_, let x, _), .pad(_, let x, _),
             .planar(_, let x, _): return [x]
        case .add(_, let a, let b, _): return [a, b]
        case .concat(let xs, _): return xs
        }
    }

    private func output(_ op: Op) -> Int {
        switch op {
        case .conv(_, _, _, let o), .pendingConv(_, _, _, let o), .relu(_, _, let o), .prelu(_, _, let o),
             .preluU8(_, _, let o, _, _), .add(_, _, _, let o),
             .shuffle(_, _, let o), .pad(_, _, let o), .concat(_, let o), .planar(_, _, let o): return o
        }
    }

    // MARK: Run

    /// Runs on an NCHW input of `inputShape`; the NCHW result lives in the plan until the next run.
    /// Runs the plan on `input` with the activation buffers of `workspace` (the caller's, not
    /// used by anything else during the call). The result lives in `workspace` until its next use.
    func forward(_ input: FeatureMap, workspace: Workspace) -> FeatureMap {
        precondition(input.shape == inputShape, "plan for \(inputShape) run on \(input.shape)")
        srd_dnnl_set_thread_count(Int32(threads))
        let inputBuffer = bufferOf[0]
        let buffers = (0..<bufferCount).map { workspace.buffer($0, count: $0 == inputBuffer ? max(inputShape.count, 1) : largest) }
        let planarIn = hasPlanarOps ? workspace.buffer(bufferCount, count: largest) : buffers[0]
        let planarOut = hasPlanarOps ? workspace.buffer(bufferCount + 1, count: largest) : buffers[0]
        let result = workspace.buffer(bufferCount + 2, count: outputShape.count)
        NHWC.fromPlanar(input.pointer, inputShape, into: buffers[bufferOf[0]])
        var message = [CChar](repeating: 0, count: 512)
        for op in ops {
            let o = output(op)
            let dst = buffers[bufferOf[o]]
            switch op {
            case .conv(let kernel, let x, let skip, _):
                let rc = srd_dnnl_conv_execute(kernel, buffers[bufferOf[x]], dst, skip.map { UnsafePointer(buffers[bufferOf[$0]]) },
                                               &message, Int32(message.count))
                precondition(rc == 0, "oneDNN convolution failed: \(String(cString: message))")
            case .pendingConv:
                preconditionFailure("OneDNNPlan: a convolution without its kernel")
            case .relu(let slope, let x, _):
                NHWC.relu(buffers[bufferOf[x]], slope: slope, count: shapes[o].count, into: dst, threads: threads)
            case .prelu(let slopes, let x, _):
                NHWC.prelu(buffers[bufferOf[x]], slopes: slopes, shapes[o], into: dst, threads: threads)
            case .preluU8(let slopes, let x, _, let scale, let zero):
                // The buffer holds bytes here: its one reader is an int8 kernel made for a u8 source.
                NHWC.preluU8(buffers[bufferOf[x]], slopes: slopes, shapes[o], scale: scale, zero: zero,
                             into: UnsafeMutableRawPointer(dst).assumingMemoryBound(to: UInt8.self), threads: threads)
            case .add(let alpha, let a, let b, _):
                NHWC.add(buffers[bufferOf[a]], buffers[bufferOf[b]], alpha: alpha, count: shapes[o].count, into: dst, threads: threads)
            case .shuffle(let layer, let x, _):
                NHWC.pixelShuffle(layer, buffers[bufferOf[x]], shapes[x], into: dst)
            case .pad(let layer, let x, _):
                NHWC.pad(layer, buffers[bufferOf[x]], shapes[x], into: dst)
            case .concat(let xs, _):
                NHWC.concat(xs.map { (UnsafePointer(buffers[bufferOf[$0]]), shapes[$0].c) }, pixels: shapes[o].plane, into: dst)
            case .planar(let layer, let x, _):
                NHWC.toPlanar(buffers[bufferOf[x]], shapes[x], into: planarIn)
                layer.forward(FeatureMap(planarIn, shapes[x]), into: FeatureMap(planarOut, shapes[o]), workspace: fallbackWorkspace)
                NHWC.fromPlanar(planarOut, shapes[o], into: dst)
            }
        }
        NHWC.toPlanar(buffers[bufferOf[outputValue]], outputShape, into: result)
        return FeatureMap(result, outputShape)
    }
}
