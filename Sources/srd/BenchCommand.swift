import ArgumentParser
import Foundation
import SRDEngine
import SRDPipeline

/// `srd bench`: how fast a model runs on this CPU, in ms per frame and achieved GFLOP/s.
///
/// With `--workers N` it runs N frame-parallel workers (one runner and one BLAS thread each,
/// as the pipeline does) and reports the aggregate rate, which is how the default worker count
/// was chosen.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time a model on random frames.")

    @Option(help: "A model: shipped name, .safetensors file, or classical scaler.")
    var model: String?

    @Option(help: "A named architecture with random weights: \(ModelLoader.randomConfigurations.keys.sorted().joined(separator: ", ")).")
    var arch: String?

    @Option(help: "Upscaling factor.")
    var scale: Int = 2

    @Option(help: "Input frame size WxH.")
    var size: String = "480x270"

    @Option(help: "Timed iterations per worker.")
    var iterations: Int = 5

    @Option(help: "Parallel workers, each with one BLAS thread (0 = one worker using all cores in BLAS).")
    var workers: Int = 0

    @Option(help: "Tile size in input pixels (0 = whole frame).")
    var tile: Int = 0

    @Option(help: "Convolution backend: onednn, openblas, or auto (the faster one that can run here).")
    var backend: String = "auto"

    @Option(help: "Arithmetic: f32, bf16 (oneDNN; needs AVX512_BF16, else it computes in f32), or auto (the mode recorded for the model, else f32).")
    var precision: String = "auto"

    @Flag(help: "Print {\"ms_per_frame\", \"gflop_per_frame\", \"gflops\"} as JSON.")
    var json = false

    func validate() throws {
        if (model == nil) == (arch == nil) { throw ValidationError("give exactly one of --model or --arch") }
        guard parsedSize != nil else { throw ValidationError("--size must look like 480x270") }
    }

    var parsedSize: (Int, Int)? {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        return parts.count == 2 && parts[0] > 0 && parts[1] > 0 ? (parts[0], parts[1]) : nil
    }

    func run() throws {
        let (w, h) = parsedSize!
        let threads = ProcessInfo.processInfo.activeProcessorCount
        Engine.setBLASThreads(workers == 0 ? threads : 1)
        let sr = try ModelResolver.load(arch.map { "random:\($0)" } ?? model!, scale: scale)
        let tileSize: Int?? = tile > 0 ? .some(tile) : .some(nil)
        let flopsPerFrame = sr.flopsPerOutputPixel * Double(w * h * scale * scale)
        let chosenBackend = try ComputeBackend.named(backend)
        let precisionMode = try PrecisionRequest.named(precision).resolve(for: sr, backend: chosenBackend)
        let execution = ExecutionSettings(backend: chosenBackend, precision: precisionMode,
                                          threads: workers == 0 ? threads : ExecutionSettings.threadsPerWorker(workers))
        var msPerFrame: Double
        var detail: String
        if workers <= 1 {
            let result = try Engine.benchmark(sr, width: w, height: h, iterations: iterations, tileSize: tileSize, execution: execution)
            msPerFrame = result.msPerFrame
            detail = result.description
        } else {
            // N workers in parallel; aggregate ms per frame = wall / frames.
            let group = DispatchGroup()
            final class Failures: @unchecked Sendable { let lock = NSLock(); var errors: [Error] = [] }
            let failures = Failures()
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<workers {
                DispatchQueue.global().async(group: group) {
                    do { _ = try Engine.benchmark(sr, width: w, height: h, iterations: iterations, warmup: 0, tileSize: tileSize, execution: execution) }
                    catch { failures.lock.lock(); failures.errors.append(error); failures.lock.unlock() }
                }
            }
            group.wait()
            if let error = failures.errors.first { throw error }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            msPerFrame = seconds * 1000 / Double(workers * iterations)
            detail = String(format: "%@ %dx%d: %.1f ms/frame aggregate over %d workers (OpenBLAS %@, 1 thread each)",
                            sr.name, w, h, msPerFrame, workers, Engine.blasCoreName)
        }
        let gflops = flopsPerFrame / (msPerFrame / 1000) / 1e9
        if json {
            let object: [String: Any] = ["ms_per_frame": msPerFrame, "gflop_per_frame": flopsPerFrame / 1e9, "gflops": gflops,
                                         "model": sr.name, "size": [w, h], "scale": scale, "workers": max(workers, 1),
                                         "blas_core": Engine.blasCoreName, "backend": execution.backend.rawValue,
                                         "precision": execution.precision.rawValue, "threads_per_worker": execution.threads,
                                         "onednn_isa": OneDNN.isa]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(detail + " [\(execution.backend.rawValue), \(execution.precision.rawValue), oneDNN \(OneDNN.version) \(OneDNN.isa)]")
            print(String(format: "  %.2f GFLOP/frame, %.1f GFLOP/s, %.2f frames/s", flopsPerFrame / 1e9, gflops, 1000 / msPerFrame))
        }
    }
}
