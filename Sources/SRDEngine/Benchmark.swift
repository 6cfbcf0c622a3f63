import Foundation

/// Timing of a runner on frames of one size.
public struct BenchmarkResult: Sendable, CustomStringConvertible {
    public let model: String
    public let width: Int
    public let height: Int
    public let iterations: Int
    /// Wall time per frame in milliseconds (mean over the timed iterations).
    public let msPerFrame: Double
    /// Network arithmetic rate: flopsPerOutputPixel x output pixels / time per frame.
    public let gflopsPerSecond: Double
    public let blasCore: String
    public let blasThreads: Int

    public var description: String {
        String(format: "%@ %dx%d: %.1f ms/frame, %.1f GFLOP/s (%d iterations, OpenBLAS %@, %d thread(s))",
               model, width, height, msPerFrame, gflopsPerSecond, iterations, blasCore, blasThreads)
    }
}

extension Engine {
    /// Times `iterations` upscales of a seeded random `width` x `height` RGB frame with a new
    /// runner of `model` (after `warmup` untimed ones, which also warm the runner's workspace).
    ///
    /// - Parameters:
    ///   - tileSize: `.none` uses the model's default tiling, `.some(nil)` whole frames.
    ///   - execution: backend, precision and threads (nil: the default); used with `tileSize`.
    public static func benchmark(_ model: SuperResolutionModel, width: Int, height: Int, iterations: Int = 5,
                                 warmup: Int = 1, tileSize: Int?? = .none, execution: ExecutionSettings? = nil,
                                 seed: UInt64 = 1) throws -> BenchmarkResult {
        let runner: SuperResolutionRunner
        if let t = tileSize {
            runner = execution.map { model.makeRunner(tileSize: t, execution: $0) } ?? model.makeRunner(tileSize: t)
        } else {
            runner = model.makeRunner()
        }
        let frame = Tensor.random(shape: [3, height, width], in: 0...1, seed: seed).planarImage
        return try benchmark(runner: runner, model: model, frame: frame, iterations: iterations, warmup: warmup)
    }

    /// Times `iterations` upscales of `frame` by an existing runner of `model`.
    public static func benchmark(runner: SuperResolutionRunner, model: SuperResolutionModel, frame: PlanarImage,
                                 iterations: Int = 5, warmup: Int = 1) throws -> BenchmarkResult {
        for _ in 0..<warmup { _ = try runner.upscale(frame) }
        let n = max(iterations, 1)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<n { _ = try runner.upscale(frame) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(n)
        let outPixels = Double(frame.width * frame.height * model.scale * model.scale)
        return BenchmarkResult(model: model.name, width: frame.width, height: frame.height, iterations: n,
                               msPerFrame: seconds * 1000, gflopsPerSecond: model.flopsPerOutputPixel * outPixels / seconds / 1e9,
                               blasCore: blasCoreName, blasThreads: blasThreads)
    }
}
