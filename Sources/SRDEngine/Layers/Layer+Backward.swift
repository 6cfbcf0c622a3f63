/// A layer that can also run backwards, for training.
///
/// `backward` gets the forward pass's input and output (the training graph keeps every
/// activation), the loss gradient with respect to the output, and returns:
/// * the gradient with respect to the input, written over `inputGradient` (nil when nobody needs
///   it, e.g. for the first layer, which saves the most expensive GEMM of a convolution);
/// * the gradients of its parameter tensors, *added* into `parameterGradients` (one pointer per
///   tensor in `parameterSizes` order), so a batch accumulates sample by sample.
/// It may use the workspace's scratch areas and never changes the layer.
public protocol DifferentiableLayer: Layer {
    /// Element counts of the trainable tensors, in the order `backward` fills them (empty: none).
    var parameterSizes: [Int] { get }
    func backward(input: FeatureMap, output: FeatureMap, outputGradient: FeatureMap,
                  inputGradient: FeatureMap?, parameterGradients: [UnsafeMutablePointer<Float>],
                  workspace: Workspace)
}

extension DifferentiableLayer {
    public var parameterSizes: [Int] { [] }
}

/// Element-wise layers whose derivative is a function of (x, y) sample by sample.
protocol PointwiseDerivative: DifferentiableLayer, PointwiseLayer {
    /// dy/dx at input `x` with output `y`, for channel `channel`.
    func derivative(x: Float, y: Float, channel: Int) -> Float
}

extension PointwiseDerivative {
    public func backward(input: FeatureMap, output: FeatureMap, outputGradient: FeatureMap,
                         inputGradient: FeatureMap?, parameterGradients: [UnsafeMutablePointer<Float>],
                         workspace: Workspace) {
        guard let gi = inputGradient else { return }
        let n = input.shape.plane
        for c in 0..<input.shape.c {
            let x = input.channel(c), y = output.channel(c), g = outputGradient.channel(c), d = gi.channel(c)
            for i in 0..<n { d[i] = g[i] * derivative(x: x[i], y: y[i], channel: c) }
        }
    }
}
