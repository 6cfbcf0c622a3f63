/// A classical interpolation upscaler (MATLAB `imresize` semantics), usable wherever a model is.
public final class ClassicalScaler: SuperResolutionModel {
    public let name: String
    public let scale: Int
    public let kernel: ResizeKernel
    public let flopsPerOutputPixel: Double = 0

    /// Names accepted by `ModelLoader`: nearest, bilinear, bicubic, lanczos (lanczos3).
    public static let names: [String: ResizeKernel] = [
        "nearest": .nearest, "bilinear": .bilinear, "bicubic": .bicubic, "lanczos": .lanczos3, "lanczos3": .lanczos3,
    ]

    /// The names to show a user, one per kernel (aliases such as `lanczos3` left out).
    public static let primaryNames = ["nearest", "bilinear", "bicubic", "lanczos"]

    public init(kernel: ResizeKernel, scale: Int) {
        precondition(scale >= 1)
        self.kernel = kernel
        self.scale = scale
        self.name = kernel == .lanczos3 ? "lanczos" : kernel.rawValue
    }

    public func makeRunner() -> SuperResolutionRunner { Runner(kernel: kernel, scale: scale) }

    final class Runner: SuperResolutionRunner {
        let kernel: ResizeKernel
        let scale: Int
        init(kernel: ResizeKernel, scale: Int) {
            self.kernel = kernel
            self.scale = scale
        }

        func upscale(_ rgb: PlanarImage) throws -> PlanarImage {
            guard rgb.width > 0, rgb.height > 0 else { throw EngineError(.invalidInput, "empty image") }
            return rgb.resized(width: rgb.width * scale, height: rgb.height * scale, scale: Double(scale), kernel: kernel)
        }
    }
}
