/// A super-resolution model ready to run: weights loaded and pre-transformed once.
///
/// A model is shared by all workers; each worker makes its own `SuperResolutionRunner`, which owns
/// the activations and workspaces planned for its tile size, so nothing is allocated per frame
/// and no state is shared between threads.
public protocol SuperResolutionModel: AnyObject, Sendable {
    /// A short name for logs and reports (`bicubic`, `edsr-x2`, a file stem).
    var name: String { get }
    /// The integer upscaling factor.
    var scale: Int { get }
    /// Multiply-accumulates x 2 per output pixel (0 for classical scalers); for `srd bench`.
    var flopsPerOutputPixel: Double { get }
    /// Per-worker state; call once per thread.
    func makeRunner() -> SuperResolutionRunner
    /// Per-worker state running network models in tiles of `tileSize` input pixels (nil: whole
    /// frames). Classical scalers ignore it.
    func makeRunner(tileSize: Int?) -> SuperResolutionRunner
    /// The same with a chosen backend, precision and thread count (`ExecutionSettings`).
    func makeRunner(tileSize: Int?, execution: ExecutionSettings) -> SuperResolutionRunner
    /// Input pixels a crop needs around the part that is kept for the kept output to equal
    /// whole-frame output there (regions run the model on crops).
    var cropMargin: Int { get }
    /// Crops start on multiples of this, as tiles do (pooling networks).
    var cropAlignment: Int { get }
    /// The precision `--precision auto` runs, as measured and recorded for this model's weights
    /// (`PrecisionRequest`); nil when none was recorded (auto then runs f32).
    var recordedPrecision: ComputePrecision? { get }
}

extension SuperResolutionModel {
    /// Classical kernels reach at most 3 input pixels (lanczos3); 4 leaves a pixel to spare.
    public var cropMargin: Int { 4 }
    public var cropAlignment: Int { 1 }
    public var recordedPrecision: ComputePrecision? { nil }
    public func makeRunner(tileSize: Int?) -> SuperResolutionRunner { makeRunner() }
    public func makeRunner(tileSize: Int?, execution: ExecutionSettings) -> SuperResolutionRunner { makeRunner(tileSize: tileSize) }
}

/// Per-worker execution state of a model. Not thread-safe: one per worker.
public protocol SuperResolutionRunner: AnyObject {
    /// Upscales an RGB image (3 planes, 0...1) by the model's scale. The result is not clamped.
    func upscale(_ rgb: PlanarImage) throws -> PlanarImage
}
