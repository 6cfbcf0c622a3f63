import ArgumentParser
import Foundation
import SRDEngine
import SRDPipeline
import SRDQuality

/// `srd eval --precisions f32,bf16,int8 [--record]`: the measurement behind `--precision auto`.
extension EvalCommand {
    /// One row of the table: the mode, its score on each dataset and its speed.
    struct PrecisionRow: Codable {
        var precision: String
        var psnr: [String: Double]
        var lossDB: Double
        var msPerFrame: Double
        var frame: String
    }

    /// Scores every mode on the datasets and times it on a random frame (960x540 for Y models,
    /// 480x270 for RGB ones, whole frame, all cores), then names the fastest mode whose Y-PSNR on
    /// the first dataset is within `PrecisionRequest.autoTolerance` of f32.
    func precisionTable(_ sr: SuperResolutionModel, modes: String, backend: ComputeBackend) throws {
        let requested = try modes.split(separator: ",").map { try PrecisionRequest.named(String($0)) }
        guard requested.first == .f32, !requested.contains(.auto) else {
            throw ValidationError("--precisions must start with f32 (the reference) and cannot contain auto")
        }
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let rgb = (sr as? NetworkModel)?.description.color == .rgb
        let (w, h) = rgb ? (480, 270) : (960, 540)
        var rows: [PrecisionRow] = []
        var reference: Double?
        for mode in requested {
            let precision = mode.resolve(for: sr, backend: backend)
            guard precision.runsNatively, backend == .onednn || precision == .f32 else {
                // It would run as f32 here: a row under its name would record f32's numbers.
                print("\(mode): skipped (this CPU or backend does not run it natively)")
                continue
            }
            let execution = ExecutionSettings(backend: backend, precision: precision, threads: threads)
            let runner = sr.makeRunner(tileSize: tile > 0 ? tile : nil, execution: execution)
            let report = try evaluate(label: "\(sr.name) \(mode)", save: false) { try runner.upscale($0) }
            let speed = try Engine.benchmark(sr, width: w, height: h, iterations: 3, tileSize: .some(nil), execution: execution)
            let psnr = Dictionary(uniqueKeysWithValues: report.datasets.map { ($0.name, $0.psnrY) })
            let first = report.datasets[0].psnrY
            if reference == nil { reference = first }
            rows.append(PrecisionRow(precision: mode.rawValue, psnr: psnr, lossDB: reference! - first,
                                     msPerFrame: speed.msPerFrame, frame: "\(w)x\(h)"))
        }
        let passing = rows.filter { $0.lossDB <= PrecisionRequest.autoTolerance }
        let auto = passing.min { $0.msPerFrame < $1.msPerFrame }!.precision
        let names = rows[0].psnr.keys.sorted()
        print("precision  " + names.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " ")
              + "  loss dB  ms/frame (\(rows[0].frame), \(backend.rawValue), \(OneDNN.isa), \(threads) threads)")
        for r in rows {
            print(r.precision.padding(toLength: 11, withPad: " ", startingAt: 0)
                  + names.map { String(format: "%-10.4f", r.psnr[$0]!) }.joined(separator: " ")
                  + String(format: "  %7.4f  %8.1f", r.lossDB, r.msPerFrame))
        }
        print("auto: \(auto) (the fastest mode within \(PrecisionRequest.autoTolerance) dB of f32 on \(URL(fileURLWithPath: datasets[0]).lastPathComponent))")
        guard record, let network = sr as? NetworkModel, let path = model else { return }
        let table = try JSONEncoder().encode(rows)
        try network.withMetadata([PrecisionRequest.metadataKey: auto,
                                  PrecisionRequest.tableMetadataKey: String(decoding: table, as: UTF8.self)])
            .write(to: URL(fileURLWithPath: path))
        print("recorded in \(path)")
    }
}
