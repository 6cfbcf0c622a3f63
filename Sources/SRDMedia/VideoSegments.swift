import CFFmpeg

/// One piece of a video cut at an input keyframe: the unit a segment job upscales, retries and
/// keeps on its own. Timestamps are in the input video stream's time base.
///
/// A segment writes the frames whose pts lie in `[startPTS, endPTS)`. It decodes from the
/// keyframe at `seekPTS` and runs the frames from `warmupPTS` on through the pipeline so that
/// temporal smoothing starts from the previous segment's last frames; those warm-up frames are
/// discarded, not written.
public struct VideoSegment: Sendable, Codable, Equatable, Hashable {
    /// Position in the plan, from 0.
    public var index: Int
    /// The keyframe decoding starts from (at or before `warmupPTS`).
    public var seekPTS: Int64
    /// The first frame that goes through the pipeline (the warm-up start).
    public var warmupPTS: Int64
    /// The first frame written: a keyframe of the input.
    public var startPTS: Int64
    /// The first frame of the next segment (exclusive); nil for the last segment.
    public var endPTS: Int64?
    /// Index in the whole video of the frame at `startPTS`.
    public var firstFrame: Int
    /// Frames in `[startPTS, endPTS)` by the container's packets.
    public var frames: Int
    /// Frames run only to warm the temporal stage up.
    public var warmupFrames: Int

    public init(index: Int, seekPTS: Int64, warmupPTS: Int64, startPTS: Int64, endPTS: Int64?,
                firstFrame: Int, frames: Int, warmupFrames: Int) {
        self.index = index
        self.seekPTS = seekPTS
        self.warmupPTS = warmupPTS
        self.startPTS = startPTS
        self.endPTS = endPTS
        self.firstFrame = firstFrame
        self.frames = frames
        self.warmupFrames = warmupFrames
    }

    /// True when a frame with `pts` belongs to this segment's output.
    public func contains(pts: Int64) -> Bool { pts >= startPTS && endPTS.map { pts < $0 } ?? true }

    enum CodingKeys: String, CodingKey {
        case index, frames
        case seekPTS = "seek_pts", warmupPTS = "warmup_pts", startPTS = "start_pts", endPTS = "end_pts"
        case firstFrame = "first_frame", warmupFrames = "warmup_frames"
    }
}

/// How a video is cut: its segments in order, or one segment for the whole file with the reason.
public struct SegmentPlan: Sendable, Codable, Equatable {
    public var segments: [VideoSegment]
    /// Frames in the whole video.
    public var totalFrames: Int
    /// Why the video is not cut (too short, no keyframes, timestamps missing, damaged), or nil.
    public var uncutReason: String?

    public init(segments: [VideoSegment], totalFrames: Int, uncutReason: String?) {
        self.segments = segments
        self.totalFrames = totalFrames
        self.uncutReason = uncutReason
    }

    /// True when the plan has more than one segment.
    public var isCut: Bool { segments.count > 1 }

    enum CodingKeys: String, CodingKey {
        case segments
        case totalFrames = "total_frames", uncutReason = "uncut_reason"
    }
}

/// Cuts a video into segments of about `segmentSeconds` at its keyframes, from the container's
/// packets alone (nothing is decoded: a two-hour film is planned in seconds).
public enum SegmentPlanner {
    /// One frame as the container lists it.
    struct Entry {
        var pts: Int64
        var key: Bool
    }

    /// Plans `path`. An input that cannot be cut cleanly (a picture sequence, packets without
    /// timestamps, a read error, fewer than two keyframes far enough apart) gets a plan of one
    /// whole-file segment with `uncutReason` set: the single pass handles it as before.
    /// - Parameters:
    ///   - warmupFrames: frames before each cut that the next segment runs again (discarded) so
    ///     that temporal smoothing has its history; 0 without temporal smoothing.
    public static func plan(path: String, segmentSeconds: Double, warmupFrames: Int) throws -> SegmentPlan {
        let scan = try Self.scan(path)
        guard let entries = scan.entries else {
            return whole(frames: scan.count, reason: scan.reason ?? "cannot be cut")
        }
        return plan(entries: entries, timeBase: scan.timeBase, segmentSeconds: segmentSeconds, warmupFrames: warmupFrames)
    }

    /// The cutting rule on a scanned frame list (presentation order), separate for tests.
    static func plan(entries unsorted: [Entry], timeBase: Rational, segmentSeconds: Double, warmupFrames: Int) -> SegmentPlan {
        let entries = unsorted.sorted { $0.pts < $1.pts }
        guard let first = entries.first, timeBase.doubleValue > 0, segmentSeconds > 0 else {
            return whole(frames: entries.count, reason: "no frames")
        }
        let step = Int64(segmentSeconds / timeBase.doubleValue)
        var starts = [0]
        var nextCut = first.pts + step
        for (i, e) in entries.enumerated() where i > 0 && e.key && e.pts >= nextCut {
            // A last piece shorter than half a segment stays with the one before.
            guard let last = entries.last, Double(last.pts - e.pts) * timeBase.doubleValue >= segmentSeconds / 2 else { break }
            starts.append(i)
            nextCut = e.pts + step
        }
        guard starts.count > 1 else {
            return whole(frames: entries.count, reason: "shorter than two segments of \(segmentSeconds) s between keyframes")
        }
        var segments: [VideoSegment] = []
        for (n, start) in starts.enumerated() {
            let end = n + 1 < starts.count ? starts[n + 1] : entries.count
            let warm = max(0, start - warmupFrames)
            // Decoding starts at the last keyframe at or before the warm-up start.
            let seek = entries[...warm].lastIndex { $0.key } ?? 0
            segments.append(VideoSegment(
                index: n, seekPTS: entries[seek].pts, warmupPTS: entries[warm].pts, startPTS: entries[start].pts,
                endPTS: end < entries.count ? entries[end].pts : nil, firstFrame: start, frames: end - start,
                warmupFrames: start - warm))
        }
        return SegmentPlan(segments: segments, totalFrames: entries.count, uncutReason: nil)
    }

    private static func whole(frames: Int, reason: String) -> SegmentPlan {
        SegmentPlan(segments: [VideoSegment(index: 0, seekPTS: .min, warmupPTS: .min, startPTS: .min, endPTS: nil,
                                            firstFrame: 0, frames: frames, warmupFrames: 0)],
                    totalFrames: frames, uncutReason: reason)
    }

    /// The video stream's packets: timestamps and keyframe flags, or why they cannot be used.
    static func scan(_ path: String) throws -> (entries: [Entry]?, timeBase: Rational, count: Int, reason: String?) {
        if path.contains("%") { return (nil, Rational(num: 1, den: 1), 0, "a picture sequence") }
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        try check(avformat_open_input(&ctx, path, nil, nil), .openFailed, "cannot open \(path)")
        defer { avformat_close_input(&ctx) }
        guard let c = ctx else { throw MediaError(.openFailed, "cannot open \(path)") }
        try check(avformat_find_stream_info(c, nil), .openFailed, "cannot read stream info of \(path)")
        let best = av_find_best_stream(c, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard best >= 0 else { throw MediaError(.noVideoStream, "no video stream in \(path)", libavCode: best) }
        for i in 0..<Int(c.pointee.nb_streams) where i != Int(best) { c.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL }
        let timeBase = Rational(c.pointee.streams[Int(best)]!.pointee.time_base)
        guard let packet = av_packet_alloc() else { throw MediaError(.readFailed, "out of memory") }
        var p: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&p) }
        var entries: [Entry] = []
        var missing = false
        while true {
            let rc = av_read_frame(c, packet)
            if rc == averrorEOF { break }
            if rc < 0 { return (nil, timeBase, entries.count, "read error after \(entries.count) frames") }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == best else { continue }
            if packet.pointee.pts == avNoPTS { missing = true; continue }
            entries.append(Entry(pts: packet.pointee.pts, key: packet.pointee.flags & AV_PKT_FLAG_KEY != 0))
        }
        if missing { return (nil, timeBase, entries.count, "video packets without timestamps") }
        if Set(entries.map(\.pts)).count != entries.count {
            return (nil, timeBase, entries.count, "repeated video timestamps")
        }
        return (entries, timeBase, entries.count, nil)
    }
}
