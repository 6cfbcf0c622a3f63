/// A value (feature map) in a `Program`: the input is value 0, every step makes a new one.
public struct Value: Hashable, Sendable {
    public let id: Int
}

/// One operation of a program, reading and writing values by id.
public enum Step: Sendable {
    case layer(any Layer, input: Int, output: Int)
    case add(Add, Int, Int, output: Int)
    case concat([Int], output: Int)

    var inputs: [Int] {
        switch self {
        case .layer(_, let i, _): return [i]
        case .add(_, let a, let b, _): return [a, b]
        case .concat(let xs, _): return xs
        }
    }

    var output: Int {
        switch self {
        case .layer(_, _, let o), .add(_, _, _, let o), .concat(_, let o): return o
        }
    }
}

/// Records a network as a list of steps on values (SSA: each step defines a new value).
///
/// Architectures are written as plain Swift against the builder (`h = b(conv, h)`), which keeps
/// residual and skip connections readable and gives the `Program` the whole data flow to plan
/// buffers and derive tiling margins from.
public struct ProgramBuilder {
    public private(set) var steps: [Step] = []
    public let inputChannels: Int
    private var nextID = 1

    public init(inputChannels: Int) { self.inputChannels = inputChannels }

    /// The network input.
    public var input: Value { Value(id: 0) }

    /// Applies a one-input layer.
    public mutating func callAsFunction(_ layer: any Layer, _ x: Value) -> Value {
        let v = fresh()
        steps.append(.layer(layer, input: x.id, output: v.id))
        return v
    }

    /// Applies several layers in sequence.
    public mutating func sequence(_ layers: [any Layer], _ x: Value) -> Value {
        var h = x
        for l in layers { h = self(l, h) }
        return h
    }

    /// a + alpha * b.
    public mutating func add(_ a: Value, _ b: Value, alpha: Float = 1) -> Value {
        let v = fresh()
        steps.append(.add(Add(alpha: alpha), a.id, b.id, output: v.id))
        return v
    }

    /// Channel concatenation.
    public mutating func concat(_ xs: [Value]) -> Value {
        let v = fresh()
        steps.append(.concat(xs.map(\.id), output: v.id))
        return v
    }

    private mutating func fresh() -> Value {
        defer { nextID += 1 }
        return Value(id: nextID)
    }
}

/// An immutable, planned network: steps, buffer assignment, and tiling geometry.
///
/// Buffers are assigned once from value lifetimes: a value's buffer returns to a free list after
/// its last reader, and element-wise steps (activations, adds) write over an input that dies at
/// that step. A x4 EDSR therefore runs in four activation buffers whatever its depth.
/// `keepAllActivations` gives every value its own buffer (training reads them in backward).
public final class Program: Sendable {
    public let steps: [Step]
    public let inputChannels: Int
    public let outputValue: Int
    public let valueCount: Int
    /// Physical workspace buffer of each value (-1 for the input, which the caller owns).
    let bufferOf: [Int]
    public let bufferCount: Int
    /// Output size / input size; 0 for a network that shrinks its input (a patch discriminator).
    public let scale: Int
    /// Input height and width must be multiples of this (pooling); `forward` pads to it.
    public let alignment: Int
    /// Input pixels an output pixel can depend on, on each side (rounded up, plus one for safety).
    public let receptiveRadius: Int

    public init(_ builder: ProgramBuilder, output: Value, keepAllActivations: Bool = false) {
        steps = builder.steps
        inputChannels = builder.inputChannels
        outputValue = output.id
        valueCount = (steps.map(\.output).max() ?? 0) + 1

        // Lifetimes.
        var lastUse = [Int](repeating: -1, count: valueCount)
        for (i, s) in steps.enumerated() { for v in s.inputs { lastUse[v] = i } }
        lastUse[output.id] = steps.count
        var buf = [Int](repeating: -1, count: valueCount)
        var free: [Int] = []
        var count = 0
        for (i, s) in steps.enumerated() {
            let o = s.output
            var reuse: Int?
            if !keepAllActivations {
                let dying = s.inputs.filter { $0 != 0 && lastUse[$0] == i }
                switch s {
                case .layer(let l, let x, _) where l.isElementwise && dying.contains(x): reuse = buf[x]
                case .add(_, let a, let b, _):
                    if dying.contains(a) { reuse = buf[a] } else if dying.contains(b) { reuse = buf[b] }
                default: break
                }
            }
            if let r = reuse {
                buf[o] = r
            } else if let f = free.popLast() {
                buf[o] = f
            } else {
                buf[o] = count
                count += 1
            }
            if !keepAllActivations {
                for v in Set(s.inputs) where v != 0 && lastUse[v] == i && buf[v] != buf[o] { free.append(buf[v]) }
                if lastUse[o] < 0 { free.append(buf[o]) } // never read
            }
        }
        bufferOf = buf
        bufferCount = count

        // Geometry: per value, the reach in input pixels and the size ratio (num / den).
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        var radius = [Double](repeating: 0, count: valueCount)
        var num = [Int](repeating: 1, count: valueCount), den = [Int](repeating: 1, count: valueCount)
        var align = 1
        for s in steps {
            let o = s.output
            switch s {
            case .layer(let l, let x, _):
                let g = l.geometry
                radius[o] = radius[x] + Double(g.reach) * Double(den[x]) / Double(num[x])
                var n = num[x] * g.upscale, d = den[x] * g.downscale
                let k = gcd(n, d)
                n /= k
                d /= k
                num[o] = n
                den[o] = d
                align = align / gcd(align, d) * d
            default:
                let ins = s.inputs
                radius[o] = ins.map { radius[$0] }.max()!
                num[o] = num[ins[0]]
                den[o] = den[ins[0]]
                precondition(ins.allSatisfy { num[$0] * den[ins[0]] == num[ins[0]] * den[$0] },
                             "step \(s) combines maps of different scales")
            }
        }
        // An upscaler's output is an integer multiple of its input; a critic (a GAN's patch
        // discriminator) shrinks it by an integer factor instead, and reports scale 0.
        precondition(den[output.id] == 1 || num[output.id] == 1, "network output is not an integer multiple or fraction of its input size")
        scale = den[output.id] == 1 ? num[output.id] : 0
        alignment = align
        receptiveRadius = Int(radius[output.id].rounded(.up)) + 1
    }

    /// Shapes of every value for an input shape (already aligned).
    public func shapes(for input: Shape3) -> [Shape3] {
        var shapes = [Shape3](repeating: Shape3(0, 0, 0), count: valueCount)
        shapes[0] = input
        for s in steps {
            switch s {
            case .layer(let l, let x, let o): shapes[o] = l.outputShape(for: shapes[x])
            case .add(_, let a, let b, let o):
                precondition(shapes[a] == shapes[b], "add of \(shapes[a]) and \(shapes[b])")
                shapes[o] = shapes[a]
            case .concat(let xs, let o): shapes[o] = Concat().outputShape(for: xs.map { shapes[$0] })
            }
        }
        return shapes
    }

    /// Multiply-accumulates of one run on a `height` x `width` input.
    public func multiplyAccumulates(height: Int, width: Int) -> Double {
        let h = (height + alignment - 1) / alignment * alignment, w = (width + alignment - 1) / alignment * alignment
        let shapes = self.shapes(for: Shape3(inputChannels, h, w))
        var total = 0.0
        for s in steps {
            if case .layer(let l, let x, _) = s { total += l.multiplyAccumulates(for: shapes[x]) }
        }
        return total
    }

    /// Runs the program. The result is `scale` x the aligned input size (the caller crops the
    /// bottom/right alignment padding) and lives in `workspace` until its next use.
    /// `inspectConvolution` sees the input of every `Conv2D` step (by step index) before it
    /// runs (int8 calibration).
    public func forward(_ input: FeatureMap, workspace ws: Workspace,
                        inspectConvolution: ((Int, FeatureMap) -> Void)? = nil) -> FeatureMap {
        let x0 = aligned(input, workspace: ws)
        let shapes = self.shapes(for: x0.shape)
        var maps = [FeatureMap](repeating: x0, count: valueCount)
        for (index, s) in steps.enumerated() {
            let o = s.output
            if let inspectConvolution, case .layer(is Conv2D, let x, _) = s { inspectConvolution(index, maps[x]) }
            let out = FeatureMap(ws.buffer(bufferOf[o], count: shapes[o].count), shapes[o])
            maps[o] = out
            switch s {
            case .layer(let l, let x, _): l.forward(maps[x], into: out, workspace: ws)
            case .add(let op, let a, let b, _): op.forward(maps[a], maps[b], into: out)
            case .concat(let xs, _): Concat().forward(xs.map { maps[$0] }, into: out)
            }
        }
        return maps[outputValue]
    }

    /// `input` replicated out to the alignment at the bottom and right (into the workspace's
    /// `.aligned` scratch), or `input` itself when it is aligned already. Every backend runs this.
    public func aligned(_ input: FeatureMap, workspace ws: Workspace) -> FeatureMap {
        precondition(input.shape.c == inputChannels, "network expects \(inputChannels) channels, got \(input.shape)")
        let h = input.shape.h, w = input.shape.w
        let ha = (h + alignment - 1) / alignment * alignment, wa = (w + alignment - 1) / alignment * alignment
        guard ha != h || wa != w else { return input }
        let shape = Shape3(inputChannels, ha, wa)
        let p = ws.scratch(.aligned, count: shape.count)
        PaddingMode.replicate.pad(input.pointer, input.shape, into: p, top: 0, bottom: ha - h, left: 0, right: wa - w)
        return FeatureMap(p, shape)
    }

    /// Runs on a whole tensor `[C, H, W]` / `[1, C, H, W]` with a fresh workspace, cropped to scale x input.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let ws = Workspace()
        let s = x.shape3
        let p = ws.scratch(.tileInput, count: s.count)
        x.data.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: s.count) }
        let y = forward(FeatureMap(p, s), workspace: ws)
        let oh = s.h * scale, ow = s.w * scale
        var out = Tensor(shape: [y.shape.c, oh, ow])
        out.data.withUnsafeMutableBufferPointer { d in
            for c in 0..<y.shape.c {
                for row in 0..<oh {
                    (d.baseAddress! + (c * oh + row) * ow).update(from: y.channel(c) + row * y.shape.w, count: ow)
                }
            }
        }
        return out
    }
}
