/// One sample's loss and parameter gradient, outside the batched `Trainer` (gradient checks,
/// custom losses).
extension TrainableNetwork {
    /// The network output for `input` ([C, H, W]) with the current parameters.
    public func forward(_ input: Tensor) throws -> Tensor {
        let (program, _) = try program()
        let exec = GraphExecutor()
        return input.data.withUnsafeBufferPointer { exec.forward(program, input: $0.baseAddress!, shape: input.shape3).toTensor() }
    }

    /// sum(weights * network(input)) and its gradient with respect to every parameter (in
    /// `values` order): the building block of any loss, since `weights` is d(loss)/d(output).
    public func weightedSumGradient(input: Tensor, weights: Tensor) throws -> (value: Double, gradient: [Float]) {
        let (program, bindings) = try program()
        let exec = GraphExecutor()
        var gradient = [Float](repeating: 0, count: parameterCount)
        var value = 0.0
        input.data.withUnsafeBufferPointer { x in
            let out = exec.forward(program, input: x.baseAddress!, shape: input.shape3)
            precondition(out.shape.count == weights.count, "weights \(weights.shape) for output \(out.shape)")
            for i in 0..<weights.count { value += Double(weights.data[i]) * Double(out.pointer[i]) }
            weights.data.withUnsafeBufferPointer { w in
                gradient.withUnsafeMutableBufferPointer { g in
                    exec.backward(program, bindings: bindings, offsets: offsets, outputGradient: w.baseAddress!,
                                  parameterGradient: g.baseAddress!)
                }
            }
        }
        return (value, gradient)
    }
}
