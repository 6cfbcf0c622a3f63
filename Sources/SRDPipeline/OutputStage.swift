import Foundation
import SRDMedia
import SRDQuality

/// The in-order end of a job, on its own consumer thread: the temporal stage, scoring the smoothed
/// frame, encoding, the metrics line and progress, frame by frame as `OrderedBuffer` hands them
/// over. Audio and subtitle packets are muxed where they fall between the frames.
///
/// The network's workers already did everything that needs no neighbour (scores against ground
/// truth, consistency, the flicker sample, the pixel conversion when `FramePlan.packsOutput`), so
/// this thread's own work per frame is the encoder call and the small-frame flicker flow.
final class OutputStage: @unchecked Sendable {
    private let plan: FramePlan
    private let writer: MediaWriter
    private let metrics: MetricsRecorder
    private let progress: ProgressPrinter
    /// Frames the container promises, for the ETA; nil when unknown.
    private let total: Int?
    private var smoother: TemporalSmoother
    private let finished = DispatchSemaphore(value: 0)
    /// Written by the consumer thread only; read after `wait()`.
    private(set) var framesWritten = 0
    private(set) var error: Error?

    init(plan: FramePlan, writer: MediaWriter, metrics: MetricsRecorder, progress: ProgressPrinter, total: Int?) {
        self.plan = plan
        self.writer = writer
        self.metrics = metrics
        self.progress = progress
        self.total = total
        smoother = plan.makeSmoother()
    }

    /// Starts the consumer thread on `buffer`; a failure is stored and fails the buffer, so the
    /// producer stops too.
    func start(_ buffer: OrderedBuffer<UpscaleJob.Processed>) {
        let thread = Thread { [self] in
            defer { finished.signal() }
            do {
                let t0 = Date()
                while let item = try buffer.next() {
                    switch item {
                    case let .packet(packet):
                        try writer.write(packet: packet)
                    case var .frame(frame):
                        try consume(&frame)
                        if !frame.warmup { reportProgress(since: t0) }
                    }
                }
            } catch {
                self.error = error
                buffer.fail(error)
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Blocks until the consumer thread has ended.
    func wait() { finished.wait() }

    private func consume(_ frame: inout ProcessedFrame) throws {
        if plan.temporal > 0, let output = frame.output, let lowRes = frame.lowRes {
            let s0 = Date()
            let smoothed = smoother.smooth(output, motion: frame.motion, lowRes: lowRes, index: frame.index)
            frame.output = smoothed
            frame.motion = nil
            frame.lowRes = nil
            // the worker's motion analysis + this in-order blend
            frame.timings.smoothMs += Date().timeIntervalSince(s0) * 1000
            if let reference = frame.reference, !frame.warmup {
                let score = EvalProtocol.score(sr: smoothed, hr: reference, scale: plan.scale, extended: false)
                frame.metrics["psnr_y"] = score.psnrY
                frame.metrics["ssim_y"] = score.ssimY
            }
        }
        // A segment's warm-up frame has fed the smoother; it is neither written nor scored.
        if frame.warmup { return }
        let e0 = Date()
        if let packed = frame.packed {
            try writer.write(frame: packed, pts: frame.pts, duration: frame.duration)
            frame.packed = nil
        } else if let output = frame.output {
            try writer.write(image: output, pts: frame.pts, duration: frame.duration)
        }
        // Plus the worker's pixel conversion, when it packed the frame.
        frame.timings.encodeMs += Date().timeIntervalSince(e0) * 1000
        try metrics.record(&frame)
        framesWritten += 1
    }

    private func reportProgress(since t0: Date) {
        let elapsed = Date().timeIntervalSince(t0)
        let fps = elapsed > 0 ? Double(framesWritten) / elapsed : 0
        let eta = total.flatMap { t in fps > 0 ? Double(max(t - framesWritten, 0)) / fps : nil }
        progress.report(JobProgress(framesDone: framesWritten, framesTotal: total, fps: fps, etaSeconds: eta))
    }
}
