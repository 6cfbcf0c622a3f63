import ArgumentParser
import Foundation
import SRDMedia
import SRDPipeline

/// `srd worker REQUEST.json`: one unit of a daemon job (a whole file, a segment plan, a segment,
/// or the join), described by a typed `WorkerRequest` that `srd serve` wrote. Progress and the
/// result go to stdout as `WorkerEvent` JSON lines; the exit code follows `WorkerExitCode`.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one unit of a daemon job from a request file (used by srd serve).")

    @Argument(help: "The request: a JSON file written by srd serve.")
    var request: String

    func run() throws {
        SRD.quietLibav()
        do {
            let request = try WorkerRequest.decode(Data(contentsOf: URL(fileURLWithPath: request)))
            try Self.perform(request)
        } catch {
            let message = "\(error)".replacingOccurrences(of: "\n", with: " ")
            WorkerEvent.error(message).print()
            FileHandle.standardError.write("srd: error: \(message)\n".data(using: .utf8)!)
            throw ExitCode(WorkerExitCode.code(for: error))
        }
    }

    static func perform(_ request: WorkerRequest) throws {
        var overrides = UpscaleOverrides()
        overrides.workers = request.workers
        var options = try UpscaleOptions.resolve(input: request.input, output: request.output,
                                                 pipeline: request.pipeline, overrides: overrides)
        options.metricsDirectory = request.metricsDirectory
        options.progress = .json
        options.maxWidth = request.maxWidth
        options.maxHeight = request.maxHeight
        options.maxDurationSeconds = request.maxDurationSeconds
        let summary: JobSummary
        switch request.task {
        case .plan(let seconds):
            // An input that cannot be planned (unreadable, damaged) runs as one whole-file unit,
            // which reports its problem exactly as a single pass always has.
            let warmup = WorkerRequest.warmupFrames(temporal: options.temporal)
            let plan = (try? SegmentPlanner.plan(path: request.input, segmentSeconds: seconds, warmupFrames: warmup))
                ?? SegmentPlan(segments: [], totalFrames: 0, uncutReason: "the input could not be read for planning")
            WorkerEvent.plan(plan).print()
            return
        case .whole:
            summary = try UpscaleJob(options: options).run()
        case .segment(let work):
            options.segment = work
            summary = try UpscaleJob(options: options).run()
        case .join(let segments, let metrics):
            summary = try SegmentJoinJob(options: options, segments: segments, metrics: metrics).run()
        }
        let data = try JSONEncoder().encode(summary)
        WorkerEvent.done(output: summary.output, summary: String(decoding: data, as: UTF8.self)).print()
    }
}
