import Foundation
import SRDEngine
import SRDMedia
import SRDQuality

/// One video through the pipeline: decode -> worker pool -> in-order reassembly -> (temporal
/// stage) -> encode, all overlapping.
///
/// Threads: the caller's thread demuxes and decodes (`decode`); `WorkerPool` runs the network on
/// Dispatch and, where nothing later needs float samples, converts each result to the encoder's
/// pixel format; `OutputStage`'s thread takes results in order, smooths, measures and encodes. A
/// bounded `OrderedBuffer` of compact frames keeps memory flat. The output goes to a hidden
/// temporary name beside the target and is renamed into place only after the trailer is written
/// and the file is fsynced, so a failed or killed job never leaves a partial OUTPUT.
public final class UpscaleJob: @unchecked Sendable {
    public let options: UpscaleOptions
    private let catalog: PresetCatalog

    public init(options: UpscaleOptions, catalog: PresetCatalog = .standard()) {
        self.options = options
        self.catalog = catalog
    }

    /// What the consumer receives, in order.
    enum Processed {
        case frame(ProcessedFrame)
        case packet(PassthroughPacket)
    }

    /// Runs the job to completion and returns its summary. Throws with a one-line reason on
    /// any failure, after removing the partial output.
    @discardableResult
    public func run() throws -> JobSummary {
        let started = Date()
        try validateInput()
        let model = try loadModel()
        let segment = options.segment
        let reader = try MediaReader(path: options.input, streams: segment == nil ? .all : .videoOnly)
        try checkLimits(reader.video)
        if let segment { try checkSegment(segment) }
        if let s = segment?.segment, s.index > 0 { try reader.seek(toPTS: s.seekPTS) }
        let plan = try FramePlan(options: options, video: reader.video, model: model)
        let referenceReader: MediaReader? = try {
            if case let .file(path) = options.reference { return try MediaReader(path: path) }
            return nil
        }()
        if case let .rects(rects)? = options.regions?.request, let fixed = plan.fixedRegion {
            let w = fixed.map.width, h = fixed.map.height
            guard !fixed.map.isEmpty else {
                throw PipelineError.invalidArgument("--region \(rects.map(\.description).joined(separator: " ")) lies outside the \(w)x\(h) frame the network sees")
            }
        }
        let maskReader: MediaReader? = try {
            if case let .mask(path)? = options.regions?.request { return try MediaReader(path: path) }
            return nil
        }()
        let target = OutputTarget(output: options.output)
        // A segment is encoded as the joined file's container needs it.
        let final = segment.map { OutputTarget(output: $0.finalOutput) } ?? target
        try final.validate(video: reader.video, encode: options.encode)
        let encode = final.encodeSettings(options.encode, reader: reader, codecGiven: options.codecGiven)
        try target.prepare()
        let writer: MediaWriter
        do {
            writer = try MediaWriter(path: target.writePath, reader: reader, width: plan.outputWidth,
                                     height: plan.outputHeight, settings: encode,
                                     role: segment == nil ? .complete : .segment(finalFormat: encode.formatName ?? "matroska"))
        } catch {
            target.discard()
            throw error
        }
        let total = segment?.segment.frames ?? (reader.video.estimatedFrameCount > 0 ? reader.video.estimatedFrameCount : nil)
        let metrics: MetricsRecorder
        let packers: WorkerLocal<FramePacker>
        do {
            metrics = try MetricsRecorder(directory: options.resolvedMetricsDirectory, options: options,
                                          plan: plan, modelName: model.name)
            packers = WorkerLocal(plan.packsOutput ? try (0..<options.workers).map { _ in try writer.makePacker() } : [])
        } catch {
            writer.close()
            target.discard()
            throw error
        }
        let buffer = OrderedBuffer<Processed>(maxFramesInFlight: max(2, options.workers * 2 + 1))
        let pool = WorkerPool(model: model, workers: options.workers, tile: options.tile, execution: plan.execution)
        let progress = ProgressPrinter(style: options.progress)
        let output = OutputStage(plan: plan, writer: writer, metrics: metrics, progress: progress, total: total)
        output.start(buffer)
        let producerError = decode(reader, referenceReader: referenceReader, maskReader: maskReader, into: buffer) { work, slot in
            pool.submit { runner in
                do {
                    let frame = try packers.with { try plan.process(work, runner: runner, packer: $0) }
                    buffer.complete(slot, with: .frame(frame))
                } catch {
                    buffer.fail(error)
                }
            }
        }
        pool.waitUntilIdle()
        buffer.finish()
        output.wait()

        // A truncated or damaged input is an error unless the caller accepts best effort.
        let complete = producerError == nil && output.error == nil && buffer.error == nil
        let shortfall = !complete ? nil
            : segment.map { Self.shortfall(of: $0.segment, written: output.framesWritten, reader: reader) } ?? reader.shortfall
        let damage: Error? = shortfall.flatMap { options.acceptDamaged ? nil : PipelineError.damagedInput($0.description) }
        if let error = producerError ?? output.error ?? buffer.error ?? damage {
            writer.close()
            target.discard()
            throw error
        }
        do {
            try writer.finish()
            // A segment's timestamps first: whenever the segment file exists, they do too.
            try writer.segmentTimestamps?.write(for: options.output)
            try target.commit()
        } catch {
            target.discard()
            throw error
        }
        let frames = output.framesWritten
        progress.report(JobProgress(framesDone: frames, framesTotal: frames, fps: Double(frames) / max(Date().timeIntervalSince(started), 1e-9), etaSeconds: 0), final: true)
        return try metrics.finish(wallSeconds: Date().timeIntervalSince(started),
                                  warnings: reader.warnings + writer.warnings + (shortfall.map { ["\($0) (accepted: --accept-damaged)"] } ?? []),
                                  output: options.output, damage: shortfall,
                                  encoder: "\(encode.codec) \(writer.pixelFormat)" + (reader.video.hdr != nil ? " (HDR10 metadata copied)" : ""))
    }

    // MARK: - Steps

    /// The producer, on the caller's thread: demuxes and decodes, passes packets through in order
    /// and hands each frame (with its reference frame and, for the temporal stage, the previous
    /// input) to `submit` with its reserved slot. Returns the error that stopped it, if any.
    private func decode(_ reader: MediaReader, referenceReader: MediaReader?, maskReader: MediaReader?,
                        into buffer: OrderedBuffer<Processed>, submit: (FrameWork, Int) -> Void) -> Error? {
        do {
            var d0 = Date()
            var previousInput: PlanarImage?
            // A mask video gives one mask per frame; a picture (or a shorter video) keeps its last.
            var mask: PlanarImage?
            let segment = options.segment?.segment
            // In a segment, frames are numbered as in the whole video.
            var index = segment.map { $0.firstFrame - $0.warmupFrames } ?? 0
            var first = true
            while buffer.error == nil, let item = try reader.next() {
                switch item {
                case let .packet(packet):
                    buffer.append(.packet(packet))
                case var .frame(decoded):
                    if let segment, segment.index > 0 {
                        if first, decoded.pts > segment.warmupPTS {
                            throw PipelineError.invalidArgument("\(options.input): seeking to segment \(segment.index) landed after its start (frame at \(decoded.pts), wanted \(segment.warmupPTS)); this container cannot be cut exactly")
                        }
                        first = false
                        if decoded.pts < segment.warmupPTS { continue }
                    }
                    if let end = segment?.endPTS, decoded.pts >= end { return nil }
                    let warmup = segment.map { decoded.pts < $0.startPTS } ?? false
                    if segment != nil { decoded.index = index; index += 1 }
                    let decodeMs = Date().timeIntervalSince(d0) * 1000
                    var reference: PlanarImage?
                    if let referenceReader {
                        reference = try Self.nextVideoFrame(referenceReader, index: decoded.index)
                    }
                    guard let slot = buffer.reserveFrame() else { return nil }
                    if let maskReader {
                        while let next = try maskReader.next() {
                            if case let .frame(frame) = next { mask = frame.image; break }
                        }
                    }
                    let work = FrameWork(index: decoded.index, pts: decoded.pts, duration: decoded.duration,
                                         input: decoded.image, reference: reference,
                                         previousInput: options.temporal > 0 ? previousInput : nil, decodeMs: decodeMs,
                                         regionMask: mask, warmup: warmup)
                    previousInput = options.temporal > 0 ? decoded.image : nil
                    submit(work, slot)
                }
                d0 = Date()
            }
            return nil
        } catch {
            buffer.fail(error)
            return error
        }
    }

    private func validateInput() throws {
        let path = options.input
        let isPattern = path.contains("%")
        if !isPattern {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
                throw PipelineError.inputMissing(path)
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if size == 0 { throw PipelineError.inputEmpty(path) }
        }
        let dir = URL(fileURLWithPath: options.output).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw PipelineError.outputNotWritable(options.output, "folder \(dir) does not exist")
        }
        guard access(dir, W_OK) == 0 else {
            throw PipelineError.outputNotWritable(options.output, "folder \(dir) is not writable")
        }
        guard (1...8).contains(options.scale) else {
            throw PipelineError.unsupportedScale(options.scale, model: options.model, supported: "1 to 8")
        }
        guard options.workers >= 1 else { throw PipelineError.badPreset("--workers", "must be at least 1") }
    }

    /// A segment reads only its own part of the input: inputs that must be read alongside it
    /// frame by frame (a reference video, a mask video) are for whole-file runs.
    private func checkSegment(_ work: SegmentWork) throws {
        if case .file = options.reference {
            throw PipelineError.invalidArgument("--reference with a video needs a whole-file run, not a segment")
        }
        if case .mask? = options.regions?.request {
            throw PipelineError.invalidArgument("--region-mask needs a whole-file run, not a segment")
        }
        guard ImageOutput.detect(work.finalOutput) == nil else {
            throw PipelineError.invalidArgument("\(work.finalOutput): pictures are written in one pass, not in segments")
        }
    }

    /// What a segment lacks: fewer frames written than the container lists for it.
    static func shortfall(of segment: VideoSegment, written: Int, reader: MediaReader) -> InputShortfall? {
        guard written < segment.frames else { return nil }
        return InputShortfall(path: reader.path, decodedSeconds: reader.decodedSeconds, declaredSeconds: reader.video.durationSeconds,
                              framesDecoded: written, framesDeclared: segment.frames, damagedPackets: reader.corruptPackets,
                              problems: ["segment \(segment.index): \(written) of \(segment.frames) frames decoded"])
    }

    private func checkLimits(_ video: VideoStreamInfo) throws {
        if let m = options.maxWidth, video.width > m {
            throw PipelineError.limitExceeded("width \(video.width) > \(m)")
        }
        if let m = options.maxHeight, video.height > m {
            throw PipelineError.limitExceeded("height \(video.height) > \(m)")
        }
        if let m = options.maxDurationSeconds, video.durationSeconds > m {
            throw PipelineError.limitExceeded(String(format: "duration %.1f s > %.1f s", video.durationSeconds, m))
        }
    }

    private func loadModel() throws -> SuperResolutionModel {
        try ModelResolver.load(options.model, scale: options.scale, catalog: catalog)
    }

    /// Reads video frames from the reference until the one with `index`.
    static func nextVideoFrame(_ reader: MediaReader, index: Int) throws -> PlanarImage {
        while let item = try reader.next() {
            if case let .frame(frame) = item { return frame.image }
        }
        throw PipelineError.referenceMismatch("it has fewer frames than the input (ended before frame \(index))")
    }

    static func fsync(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw PipelineError.outputNotWritable(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        if Foundation.fsync(fd) != 0 { throw PipelineError.outputNotWritable(path, String(cString: strerror(errno))) }
    }

    static func fsyncDirectory(of path: String) {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let fd = open(dir, O_RDONLY)
        if fd >= 0 { _ = Foundation.fsync(fd); close(fd) }
    }
}
