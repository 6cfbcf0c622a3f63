import ArgumentParser
import Foundation
import SRDEngine
import SRDMedia
import SRDPipeline
import SRDQuality

/// `srd eval`: image-set quality under the field's protocol (../shared/docs/EVAL-PROTOCOL.md):
/// modcrop, MATLAB bicubic LR rounded to 8 bits, SR rounded to 8 bits, shave `scale`, BT.601 Y,
/// PSNR per image then the mean, SSIM with the 11x11 Gaussian window.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure PSNR/SSIM on image sets under the standard protocol.")

    @Option(name: .customLong("dataset"), help: "Folder of high-resolution images (repeatable).")
    var datasets: [String]

    @Option(help: "Upscaling factor.")
    var scale: Int

    @Option(help: "Model: a shipped model name, a .safetensors file, or a classical scaler.")
    var model: String?

    @Option(help: "Classical method instead of a model: nearest, bilinear, bicubic, lanczos.")
    var method: String?

    @Option(name: .customLong("save-dir"), help: "Also write every SR image as PNG here (one folder per dataset).")
    var saveDir: String?

    @Option(help: "Tile size in input pixels for networks (0 = whole image).")
    var tile: Int = 0

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "Convolution backend: onednn, openblas, or auto.")
    var backend: String = "auto"

    @Option(help: "Arithmetic: f32, bf16, int8 (needs `srd calibrate`), or auto (the mode recorded for the model).")
    var precision: String = "f32"

    @Option(help: "Score and time each of these precisions (e.g. f32,bf16,int8) and print the precision table; the first --dataset decides.")
    var precisions: String?

    @Flag(help: "With --precisions: write the table and the auto choice into the model's .safetensors file.")
    var record = false

    @Option(name: .customLong("degrade-codec"),
            help: "Encode and decode each low-resolution image with this codec first, e.g. libx264:crf=28 or libx264:crf=18-35 (CRF drawn per image).")
    var degradeCodec: String?

    func validate() throws {
        if let degradeCodec { _ = try CodecDegradation(parsing: degradeCodec) }
        if (model == nil) == (method == nil) { throw ValidationError("give exactly one of --model or --method") }
        if record && (precisions == nil || !(model ?? "").hasSuffix(".safetensors")) {
            throw ValidationError("--record needs --precisions and a .safetensors --model")
        }
        if datasets.isEmpty { throw ValidationError("give at least one --dataset") }
    }

    func run() throws {
        SRD.quietLibav()
        Engine.setBLASThreads(ProcessInfo.processInfo.activeProcessorCount)
        do {
            let name = model ?? method!
            let sr = try ModelResolver.load(name, scale: scale)
            let chosenBackend = try ComputeBackend.named(backend)
            if let precisions {
                try precisionTable(sr, modes: precisions, backend: chosenBackend)
                return
            }
            let execution = ExecutionSettings(backend: chosenBackend,
                                              precision: try PrecisionRequest.named(precision).resolve(for: sr, backend: chosenBackend),
                                              threads: ProcessInfo.processInfo.activeProcessorCount)
            let runner = sr.makeRunner(tileSize: tile > 0 ? tile : nil, execution: execution)
            let report = try evaluate(label: sr.name) { try runner.upscale($0) }
            if json {
                FileHandle.standardOutput.write(try report.jsonData())
                print()
                return
            }
            var baseline: EvalReport?
            if name.lowercased() != "bicubic" {
                let bicubic = try ModelLoader.load("bicubic", scale: scale).makeRunner()
                baseline = try evaluate(label: "bicubic", save: false) { try bicubic.upscale($0) }
            }
            print(report.renderTable(baseline: baseline))
        } catch {
            FileHandle.standardError.write("srd: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(WorkerExitCode.code(for: error))
        }
    }

    func evaluate(label: String, save: Bool = true, _ upscale: @escaping (PlanarImage) throws -> PlanarImage) throws -> EvalReport {
        var results: [DatasetResult] = []
        for dataset in datasets {
            let setName = URL(fileURLWithPath: dataset).lastPathComponent
            var observe: ((ImageResult, PlanarImage) throws -> Void)?
            if save, let saveDir {
                let folder = (saveDir as NSString).appendingPathComponent(setName)
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                observe = { row, image in
                    try ImageIO.writePNG(image, to: (folder as NSString).appendingPathComponent(row.name + ".png"))
                }
            }
            let evaluator = DatasetEvaluator(load: ImageIO.read, observe: observe)
            results.append(try evaluator.evaluate(directory: dataset, name: setName, scale: scale,
                                                  upscale: try compressedFirst(upscale)))
        }
        return EvalReport(scale: scale, model: label, datasets: results)
    }

    /// With `--degrade-codec`: the protocol's LR image through the encoder and back before
    /// `upscale` (the n-th image of a run draws its CRF from seed n, so every method and mode
    /// sees the same compressed pictures).
    private func compressedFirst(_ upscale: @escaping (PlanarImage) throws -> PlanarImage) throws -> (PlanarImage) throws -> PlanarImage {
        guard let degradeCodec else { return upscale }
        let codec = try CodecDegradation(parsing: degradeCodec)
        final class Counter: @unchecked Sendable { var next: UInt64 = 0 }
        let counter = Counter()
        return { lr in
            defer { counter.next += 1 }
            return try upscale(try codec.roundTrip(lr, crf: codec.crf(seed: counter.next)).image)
        }
    }
}
