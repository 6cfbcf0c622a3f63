/// Runs a `Program` forward with every activation kept, and backward through it, for one sample.
///
/// One executor per worker thread: it owns its activation and gradient buffers (grown to the
/// patch size once) and a workspace for the layers' scratch areas. Parameter gradients are added
/// into the worker's own gradient vector, so workers never share memory during a step.
final class GraphExecutor {
    private let workspace = Workspace()
    private var activations: [UnsafeMutablePointer<Float>] = []
    private var gradients: [UnsafeMutablePointer<Float>] = []
    private var capacity: [Int] = []
    private var temp: UnsafeMutablePointer<Float>
    private var tempCapacity = 0
    private var shapes: [Shape3] = []

    init() { temp = .allocate(capacity: 1) }

    deinit {
        for p in activations { p.deallocate() }
        for p in gradients { p.deallocate() }
        temp.deallocate()
    }

    private func reserve(_ program: Program, input: Shape3) {
        shapes = program.shapes(for: input)
        while activations.count < shapes.count {
            activations.append(.allocate(capacity: 1))
            gradients.append(.allocate(capacity: 1))
            capacity.append(1)
        }
        for (v, s) in shapes.enumerated() where capacity[v] < s.count {
            activations[v].deallocate()
            gradients[v].deallocate()
            activations[v] = .allocate(capacity: s.count)
            gradients[v] = .allocate(capacity: s.count)
            capacity[v] = s.count
        }
        let largest = shapes.map(\.count).max() ?? 1
        if tempCapacity < largest {
            temp.deallocate()
            temp = .allocate(capacity: largest)
            tempCapacity = largest
        }
    }

    private func map(_ v: Int) -> FeatureMap { FeatureMap(activations[v], shapes[v]) }
    private func grad(_ v: Int) -> FeatureMap { FeatureMap(gradients[v], shapes[v]) }

    /// Forward pass on `input` (copied in); returns the output map (valid until the next call).
    func forward(_ program: Program, input: UnsafePointer<Float>, shape: Shape3) -> FeatureMap {
        precondition(shape.h % program.alignment == 0 && shape.w % program.alignment == 0,
                     "training patches must be multiples of the network's alignment \(program.alignment)")
        reserve(program, input: shape)
        activations[0].update(from: input, count: shape.count)
        for step in program.steps {
            let out = map(step.output)
            switch step {
            case .layer(let l, let x, _): l.forward(map(x), into: out, workspace: workspace)
            case .add(let op, let a, let b, _): op.forward(map(a), map(b), into: out)
            case .concat(let xs, _): Concat().forward(xs.map { map($0) }, into: out)
            }
        }
        return map(program.outputValue)
    }

    /// Backward pass after `forward`: `outputGradient` is d(loss)/d(output); parameter gradients
    /// are added into `parameterGradient` at `offsets[binding]`. With `inputGradient`, d(loss)/d(input)
    /// is written there too (a GAN's generator learns through its discriminator this way).
    /// Activations are left as they are, so one forward pass can serve several backward passes.
    func backward(_ program: Program, bindings: [[Int]], offsets: [Int], outputGradient: UnsafePointer<Float>,
                  parameterGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>? = nil) {
        var has = [Bool](repeating: false, count: shapes.count)
        gradients[program.outputValue].update(from: outputGradient, count: shapes[program.outputValue].count)
        has[program.outputValue] = true
        // Hands out a destination for input v's gradient: its own buffer the first time, else the
        // temp buffer, which `settle` then adds in.
        func target(_ v: Int) -> (FeatureMap?, Bool) {
            if v == 0 && inputGradient == nil { return (nil, false) }
            if !has[v] { has[v] = true; return (grad(v), false) }
            return (FeatureMap(temp, shapes[v]), true)
        }
        func settle(_ v: Int, _ accumulate: Bool) {
            guard accumulate else { return }
            let g = gradients[v], n = shapes[v].count
            for i in 0..<n { g[i] += temp[i] }
        }
        for (index, step) in program.steps.enumerated().reversed() {
            let o = step.output
            guard has[o] else { continue }
            let g = grad(o)
            switch step {
            case .layer(let l, let x, _):
                let layer = l as! any DifferentiableLayer
                let ptrs = bindings[index].map { parameterGradient + offsets[$0] }
                let (dst, acc) = target(x)
                layer.backward(input: map(x), output: map(o), outputGradient: g, inputGradient: dst,
                               parameterGradients: ptrs, workspace: workspace)
                if dst != nil { settle(x, acc) }
            case .add(let op, let a, let b, _):
                let (da, accA) = target(a)
                op.backward(outputGradient: g, aGradient: da, bGradient: nil)
                if da != nil { settle(a, accA) }
                let (db, accB) = target(b)
                op.backward(outputGradient: g, aGradient: nil, bGradient: db)
                if db != nil { settle(b, accB) }
            case .concat(let xs, _):
                var offset = 0
                for x in xs {
                    let s = shapes[x]
                    let (dst, acc) = target(x)
                    if let dst { dst.pointer.update(from: g.pointer + offset, count: s.count) }
                    if dst != nil { settle(x, acc) }
                    offset += s.count
                }
            }
        }
        if let inputGradient {
            if has[0] { inputGradient.update(from: gradients[0], count: shapes[0].count) } else { inputGradient.update(repeating: 0, count: shapes[0].count) }
        }
    }
}
