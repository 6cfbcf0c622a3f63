import Foundation

/// A neural super-resolution model: a planned `Program` plus how it consumes colour.
///
/// RGB models run on the RGB frame. Y models convert with the model's `YFormula`, run on Y (for
/// `input` = bicubic_upscaled, on the MATLAB-bicubic-upscaled Y), upscale Cb and Cr with MATLAB
/// bicubic, and convert back (the reference pipeline in shared/weights/README.md).
public final class NetworkModel: SuperResolutionModel {
    public let name: String
    public let scale: Int
    public let description: ModelDescription
    public let program: Program
    /// The tensors the model was built from (before batch-norm folding), for saving.
    public let parameters: Parameters
    public let flopsPerOutputPixel: Double
    /// Tile size (input pixels of the network) that `makeRunner()` uses; nil runs whole frames.
    public let defaultTileSize: Int?
    /// Activation ranges for int8 inference, when the weight file has them.
    public let int8Calibration: Int8Calibration?

    public init(description: ModelDescription, program: Program, parameters: Parameters, defaultTileSize: Int? = TiledExecutor.defaultTileSize) {
        Engine.configureDefaults()
        self.name = description.name
        self.scale = description.scale
        self.description = description
        self.program = program
        self.parameters = parameters
        self.defaultTileSize = defaultTileSize
        int8Calibration = Int8Calibration(metadata: description.extraMetadata)
        // FLOPs at a reference size (exact per pixel for sizes that are multiples of the alignment).
        let side = 24 * max(program.alignment, 1)
        let outPixels = Double(side * side * description.scale * description.scale)
        let netSide = description.input == .bicubicUpscaled ? side * description.scale : side
        flopsPerOutputPixel = 2 * program.multiplyAccumulates(height: netSide, width: netSide) / outPixels
    }

    public func makeRunner() -> SuperResolutionRunner { NetworkRunner(model: self, tileSize: defaultTileSize) }

    /// The receptive radius, plus the bicubic support (2 input pixels, and 2 to spare) of the
    /// chroma upscale of Y models and of their bicubic-upscaled input.
    public var cropMargin: Int { program.receptiveRadius + 4 }
    public var cropAlignment: Int { max(1, program.alignment) }

    public var recordedPrecision: ComputePrecision? {
        description.extraMetadata[PrecisionRequest.metadataKey].flatMap(ComputePrecision.init(rawValue:))
    }

    public func makeRunner(tileSize: Int?) -> SuperResolutionRunner { NetworkRunner(model: self, tileSize: tileSize) }

    public func makeRunner(tileSize: Int?, execution: ExecutionSettings) -> SuperResolutionRunner {
        NetworkRunner(model: self, tileSize: tileSize, execution: execution)
    }

    /// The model's weights and metadata as a safetensors file.
    public func write(to url: URL) throws {
        try SafeTensors.write(tensors: parameters.tensors, metadata: description.metadata, to: url)
    }
}

/// Per-worker state of a `NetworkModel`: a tiled executor with its own workspace.
public final class NetworkRunner: SuperResolutionRunner {
    public let model: NetworkModel
    public let executor: TiledExecutor

    public init(model: NetworkModel, tileSize: Int?, execution: ExecutionSettings = .default) {
        self.model = model
        executor = TiledExecutor(program: model.program, tileSize: tileSize, execution: execution, calibration: model.int8Calibration)
    }

    public func upscale(_ rgb: PlanarImage) throws -> PlanarImage {
        guard rgb.channels == 3, rgb.width > 0, rgb.height > 0 else {
            throw EngineError(.invalidInput, "\(model.name): expected a non-empty RGB image, got \(rgb.channels)x\(rgb.height)x\(rgb.width)")
        }
        let s = model.scale, ow = rgb.width * s, oh = rgb.height * s
        switch model.description.color {
        case .rgb:
            return executor.run(rgb)
        case .y(let formula):
            // Chroma first, so the input-size YCbCr copy is gone before the network's buffers
            // and the output-size planes exist (peak memory per worker at 4K output).
            var y: PlanarImage
            let chroma: PlanarImage
            do {
                let ycc = rgb.ycbcr(formula)
                y = ycc.plane(0)
                chroma = PlanarImage(width: rgb.width, height: rgb.height, channels: 2, data: Array(ycc.data[ycc.planeSize...]))
                    .resized(width: ow, height: oh, scale: Double(s), kernel: .bicubic)
            }
            if model.description.input == .bicubicUpscaled {
                y = y.resized(width: ow, height: oh, scale: Double(s), kernel: .bicubic)
            }
            let yOut = executor.run(y)
            return PlanarImage.rgb(y: yOut, chroma: chroma, formula: formula)
        }
    }
}
