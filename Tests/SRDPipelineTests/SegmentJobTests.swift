import Foundation
import SRDMedia
import SRDPipeline
import SRDQuality
import SRDTesting
import XCTest

/// Segmented jobs: plan at keyframes, upscale each segment on its own, join; the result must be
/// what one pass writes.
final class SegmentJobTests: XCTestCase {
    override class func setUp() { MediaLog.setLevel(ProcessInfo.processInfo.environment["SRD_LIBAV_LOG"] == "1" ? .warning : .error) }

    /// A 30-second variable-frame-rate clip with two audio tracks and subtitles, a keyframe
    /// every 48 frames (about 1.8 s), 64x48 so the test stays quick.
    private func makeLongClip(_ dir: TemporaryDirectory, name: String = "long.mp4", frames: Int = 820) throws -> String {
        try makeClip(in: dir, name: name) {
            $0.width = 64; $0.height = 48; $0.frames = frames; $0.variableFrameRate = true
            $0.audio = true; $0.audioTracks = 2; $0.subtitles = true; $0.keyframeInterval = 48
            $0.chapters = 3; $0.title = "segmented"
        }
    }

    /// Lossless x264 with B-frames: decoded frames equal the pipeline's output exactly, so a
    /// single pass and a joined run can be compared hash by hash (a lossy encoder would differ
    /// at the cuts by rate control alone), and the B-frame delay exercises the join's dts.
    private func options(_ input: String, _ output: String, model: String = "bicubic", temporal: Double = 0) -> UpscaleOptions {
        var o = UpscaleOptions(input: input, output: output, model: model, scale: 2, workers: 2, temporal: temporal)
        o.encode = EncodeSettings(codec: "libx264", crf: nil, preset: "veryfast", extraOptions: ["qp": "0"])
        return o
    }

    /// Runs `plan`'s segments one by one, then the join, as the daemon's workers do.
    private func runSegmented(_ plan: SegmentPlan, _ base: UpscaleOptions, dir: TemporaryDirectory) throws -> JobSummary {
        var files: [String] = [], metrics: [String] = []
        for segment in plan.segments {
            var o = base
            o.output = dir.file(String(format: "seg-%03d.nut", segment.index))
            o.metricsDirectory = dir.file(String(format: "seg-%03d.metrics", segment.index))
            o.segment = SegmentWork(segment: segment, finalOutput: base.output)
            let summary = try UpscaleJob(options: o, catalog: .standard()).run()
            XCTAssertEqual(summary.frames, segment.frames, "segment \(segment.index) wrote another frame count")
            files.append(o.output)
            metrics.append(o.metricsDirectory!)
        }
        return try SegmentJoinJob(options: base, segments: files, metrics: metrics).run()
    }

    func testPlanCutsAtKeyframesIntoPiecesOfAboutTheAskedLength() throws {
        let dir = try TemporaryDirectory()
        let input = try makeLongClip(dir)
        let plan = try SegmentPlanner.plan(path: input, segmentSeconds: 5, warmupFrames: 3)
        XCTAssertNil(plan.uncutReason)
        XCTAssertEqual(plan.totalFrames, 820)
        XCTAssertEqual(plan.segments.map(\.frames).reduce(0, +), 820)
        XCTAssertGreaterThanOrEqual(plan.segments.count, 5)
        XCTAssertLessThanOrEqual(plan.segments.count, 6)
        let keyframes = Set(try MediaProbe.videoKeyframePTS(of: input))
        for (a, b) in zip(plan.segments, plan.segments.dropFirst()) {
            XCTAssertEqual(a.endPTS, b.startPTS)
            XCTAssertEqual(b.firstFrame, a.firstFrame + a.frames)
            XCTAssertTrue(keyframes.contains(b.startPTS), "segment \(b.index) does not start at a keyframe")
            XCTAssertTrue(keyframes.contains(b.seekPTS))
            XCTAssertLessThanOrEqual(b.seekPTS, b.warmupPTS)
            XCTAssertEqual(b.warmupFrames, 3)
        }
        // Short clips are not cut.
        let short = try makeClip(in: dir, name: "short.mp4") { $0.width = 64; $0.height = 48; $0.frames = 30 }
        let whole = try SegmentPlanner.plan(path: short, segmentSeconds: 5, warmupFrames: 0)
        XCTAssertFalse(whole.isCut)
        XCTAssertNotNil(whole.uncutReason)
    }

    func testJoinedSegmentsEqualASinglePassFrameForFrameWithEveryOtherPacketIdentical() throws {
        let dir = try TemporaryDirectory()
        let input = try makeLongClip(dir)
        let single = dir.file("single.mp4")
        try UpscaleJob(options: options(input, single), catalog: .standard()).run()
        let plan = try SegmentPlanner.plan(path: input, segmentSeconds: 5, warmupFrames: 0)
        XCTAssertGreaterThanOrEqual(plan.segments.count, 5)
        let joinedPath = dir.file("joined.mp4")
        let summary = try runSegmented(plan, options(input, joinedPath), dir: dir)
        XCTAssertEqual(summary.frames, 820)
        XCTAssertEqual(summary.segments, plan.segments.count)

        let a = try MediaProbe.videoFrameHashes(of: single), b = try MediaProbe.videoFrameHashes(of: joinedPath)
        XCTAssertEqual(a.count, 820)
        XCTAssertEqual(b.map(\.pts), a.map(\.pts), "timestamps differ")
        XCTAssertEqual(b.map(\.hash), a.map(\.hash), "decoded frames differ")
        XCTAssertEqual(try MediaProbe.videoFramePTS(of: joinedPath).pts, try MediaProbe.videoFramePTS(of: input).pts.map { $0 })

        let pa = try MediaProbe.nonVideoPackets(of: single), pb = try MediaProbe.nonVideoPackets(of: joinedPath)
        XCTAssertEqual(pa.count, 3, "two audio tracks and subtitles expected")
        XCTAssertEqual(Set(pa.keys), Set(pb.keys))
        for (index, packets) in pa {
            XCTAssertFalse(packets.isEmpty)
            XCTAssertEqual(pb[index], packets, "stream \(index) packets differ")
        }
        XCTAssertEqual(try MediaProbe.chapters(of: joinedPath), try MediaProbe.chapters(of: single))
        XCTAssertEqual(try MediaProbe.metadata(of: joinedPath)["title"], "segmented")
        // One metrics file in frame order, one summary.
        let lines = try String(contentsOfFile: summary.metricsDirectory + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 820)
        let frames = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }.compactMap { $0["frame"] as? Int }
        XCTAssertEqual(frames, Array(0..<820))
        for file in ["summary.json", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: summary.metricsDirectory + "/" + file), file)
        }
    }

    /// A constant-rate MP4 and the default lossy encoder (B-frames, an edit list in the input):
    /// the joined file keeps every input timestamp and no frame is doubled at a cut.
    func testJoinedLossyOutputKeepsTheInputTimestamps() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "cfr.mp4") {
            $0.width = 64; $0.height = 48; $0.frames = 288; $0.keyframeInterval = 24; $0.audio = true
        }
        let plan = try SegmentPlanner.plan(path: input, segmentSeconds: 1.5, warmupFrames: 0)
        XCTAssertEqual(plan.segments.count, 6)
        var base = UpscaleOptions(input: input, output: dir.file("joined.mp4"), model: "bicubic", scale: 2, workers: 2)
        base.encode = EncodeSettings()
        _ = try runSegmented(plan, base, dir: dir)
        XCTAssertEqual(try MediaProbe.videoFramePTS(of: base.output).pts, try MediaProbe.videoFramePTS(of: input).pts)
    }

    /// With temporal smoothing, each segment first runs the last frames of the one before
    /// (discarded), so the frame after a cut is smoothed from its real history: its warp error
    /// against the frame before stays in line with the frames around it, and close to a single
    /// pass's.
    func testTemporalSmoothingCarriesAcrossACutWithoutASeam() throws {
        let dir = try TemporaryDirectory()
        let input = try makeLongClip(dir, frames: 300)
        let single = dir.file("single.mp4")
        try UpscaleJob(options: options(input, single, temporal: 0.9), catalog: .standard()).run()
        let plan = try SegmentPlanner.plan(path: input, segmentSeconds: 4, warmupFrames: WorkerRequest.warmupFrames(temporal: 0.9))
        XCTAssertGreaterThanOrEqual(plan.segments.count, 2)
        let joinedPath = dir.file("joined.mp4")
        _ = try runSegmented(plan, options(input, joinedPath, temporal: 0.9), dir: dir)
        let joined = try decodeLuma(joinedPath), reference = try decodeLuma(single)
        XCTAssertEqual(joined.count, 300)
        var tracker = TemporalTracker()
        var warp: [Double] = [0]
        for frame in joined { if let s = tracker.push(output: frame, reference: frame) { warp.append(s.warpError) } }
        for segment in plan.segments.dropFirst() {
            let cut = segment.firstFrame
            let neighbours = (cut - 4..<cut + 5).filter { $0 != cut && $0 > 0 && $0 < warp.count }.map { warp[$0] }
            let typical = neighbours.sorted()[neighbours.count / 2]
            XCTAssertLessThanOrEqual(warp[cut], typical * 1.5 + 0.5, "visible seam at frame \(cut): warp error \(warp[cut]) vs \(neighbours)")
            // The frame after the cut matches the single pass's closely.
            let psnr = Metrics.psnr(joined[cut].data.map(Double.init), reference[cut].data.map(Double.init), peak: 1)
            XCTAssertGreaterThan(psnr, 45, "frame \(cut) after the cut differs from the single pass (PSNR \(psnr) dB)")
        }
    }

    private func decodeLuma(_ path: String) throws -> [PlanarImage] {
        let reader = try MediaReader(path: path, streams: .videoOnly)
        var frames: [PlanarImage] = []
        while let item = try reader.next() { if case let .frame(f) = item { frames.append(f.image) } }
        return frames
    }
}

