import CFFmpeg

/// Opens a media file (or an image sequence such as `frames/%08d.png`), decodes its best video
/// stream to planar float RGB, and passes every audio, subtitle and data packet through.
///
/// Use one reader from one thread at a time; it may move between threads (e.g. created on one,
/// read on a worker). The writer needs only its immutable `layout`, so writer and reader can run
/// on different threads.
///
/// Damaged input: packets the decoder rejects are skipped and counted (`corruptPackets`, with a
/// line in `warnings`), as ffmpeg does. If demuxing stops with an error before end of file
/// (a truncated or damaged file), the reader still drains the decoder and returns every frame it
/// has, then `next()` throws a `.readFailed` error naming the file and the frame count. A file
/// that simply ends early is reported in `warnings` when it is clearly shorter than declared.
public final class MediaReader: @unchecked Sendable {
    public let path: String
    /// The decoded video stream.
    public let video: VideoStreamInfo
    /// Non-fatal problems seen so far (skipped packets, early end).
    public private(set) var warnings: [String] = []
    /// Frames returned so far.
    public private(set) var framesDecoded = 0
    /// Video packets or frames the decoder rejected.
    public private(set) var corruptPackets = 0
    /// End time (seconds from the stream start) of the last frame returned so far.
    public private(set) var decodedSeconds = 0.0

    let layout: InputLayout

    private var formatContext: UnsafeMutablePointer<AVFormatContext>?
    private let decoder: VideoDecoder
    private let packet: UnsafeMutablePointer<AVPacket>
    private let converter = FrameToRGBConverter()
    private let videoIndex: Int32
    /// Input stream index -> kind, for streams whose packets pass through.
    private let passthrough: [Int32: (MediaStreamType, AVRational)]

    private enum State { case reading, flushing, finished }
    private var state = State.reading
    private var pendingError: MediaError?
    private var lastPTS: Int64?
    private var lastDuration: Int64 = 0
    private let defaultDuration: Int64

    /// Which of the input's packets `next()` returns.
    public enum Streams: Sendable {
        /// Decoded video frames and every pass-through packet (a whole job).
        case all
        /// Decoded video frames only (a segment: its audio is copied once, at the join).
        case videoOnly
        /// Pass-through packets only, the video not decoded (the join copies them).
        case passthroughOnly
    }

    /// What this reader returns.
    public let streams: Streams

    /// Opens `path` and the decoder of its best video stream.
    /// - Throws: `MediaError` (`.openFailed`, `.noVideoStream`, `.codecUnavailable`).
    public init(path: String, streams: Streams = .all) throws {
        self.path = path
        self.streams = streams
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        try check(avformat_open_input(&ctx, path, nil, nil), .openFailed, "cannot open \(path)")
        guard let ctx else { throw MediaError(.openFailed, "cannot open \(path)") }
        var owned: UnsafeMutablePointer<AVFormatContext>? = ctx
        var ok = false
        defer { if !ok { avformat_close_input(&owned) } }

        try check(avformat_find_stream_info(ctx, nil), .openFailed, "cannot read stream info of \(path)")
        var codec: UnsafePointer<AVCodec>? = nil
        let best = av_find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0)
        if best == srd_averror_stream_not_found() {
            throw MediaError(.noVideoStream, "no video stream in \(path)", libavCode: best)
        }
        try check(best, .codecUnavailable, "no decoder for the video stream of \(path)")
        guard let codec else { throw MediaError(.codecUnavailable, "no decoder for the video stream of \(path)") }

        let st = ctx.pointee.streams[Int(best)]!
        if st.pointee.disposition & Int32(AV_DISPOSITION_ATTACHED_PIC) != 0 {
            throw MediaError(.noVideoStream, "no video stream in \(path) (only a cover picture)")
        }
        video = VideoStreamInfo(stream: st, format: ctx, index: Int(best))
        layout = try InputLayout(context: ctx, path: path, videoStreamIndex: Int(best))
        decoder = try VideoDecoder(codec: codec, stream: st, path: path)
        guard let pkt = av_packet_alloc() else { throw MediaError(.openFailed, "out of memory") }
        packet = pkt

        var pass: [Int32: (MediaStreamType, AVRational)] = [:]
        for s in layout.streams where s.index != Int(best) {
            let type = MediaStreamType(s.mediaType)
            let stream = ctx.pointee.streams[s.index]!
            if streams != .videoOnly, !s.hidden, type == .audio || type == .subtitle || type == .data {
                pass[Int32(s.index)] = (type, s.timeBase)
            } else {
                stream.pointee.discard = AVDISCARD_ALL  // other video, cover art, hidden tracks
            }
        }
        passthrough = pass
        videoIndex = best
        if streams == .passthroughOnly { st.pointee.discard = AVDISCARD_ALL }
        let rate = video.averageFrameRate
        if rate.num > 0, rate.den > 0, video.timeBase.num > 0 {
            defaultDuration = max(1, av_rescale_q(1, AVRational(num: Int32(rate.den), den: Int32(rate.num)), video.timeBase.av))
        } else {
            defaultDuration = 1
        }
        formatContext = ctx
        ok = true
    }

    deinit {
        avformat_close_input(&formatContext)
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }

    /// The next frame or pass-through packet in demux order; nil once the decoder is fully drained.
    /// - Throws: `MediaError` `.readFailed` after the last frame when the input ended with an error.
    public func next() throws -> MediaItem? {
        while true {
            if state == .finished {
                if let e = pendingError { pendingError = nil; throw e }
                return nil
            }
            // Frames the decoder already holds leave before more input goes in.
            switch try decoder.receive() {
            case .frame(let f):
                return .frame(try makeFrame(f))
            case .rejected(let message):
                noteCorrupt(message)
                continue
            case .endOfStream:
                state = .finished
                continue
            case .needsInput:
                if state == .flushing { state = .finished; continue }
            }
            guard let ctx = formatContext else { state = .finished; continue }
            let rc = av_read_frame(ctx, packet)
            if rc < 0 {
                if rc != averrorEOF {
                    pendingError = MediaError(.readFailed, "read error in \(path) after \(framesDecoded) frames", code: rc)
                }
                try decoder.send(nil)  // flush: the decoder returns what it buffered, then EOF
                state = .flushing
                continue
            }
            defer { av_packet_unref(packet) }
            let index = packet.pointee.stream_index
            if index == videoIndex, streams != .passthroughOnly {
                if let message = try decoder.send(packet) { noteCorrupt(message) }
            } else if let (type, tb) = passthrough[index] {
                return .packet(try PassthroughPacket(referencing: packet, type: type, timeBase: tb))
            }
        }
    }

    /// Moves to the last keyframe at or before `pts` (in the video stream's time base), before
    /// the first `next()`: decoding then starts there, and the caller skips the frames before
    /// the one it wants. Containers that seek by decode time (MP4) land on the keyframe whose
    /// dts is at or before `pts`, which is the keyframe itself or an earlier one.
    public func seek(toPTS pts: Int64) throws {
        guard framesDecoded == 0, let ctx = formatContext else {
            throw MediaError(.invalidArgument, "\(path): seek only before the first frame")
        }
        try check(av_seek_frame(ctx, videoIndex, pts, AVSEEK_FLAG_BACKWARD), .readFailed,
                  "cannot seek to \(pts) in \(path)")
    }

    private func makeFrame(_ frame: UnsafeMutablePointer<AVFrame>) throws -> VideoFrame {
        let f = frame.pointee
        var pts = f.best_effort_timestamp
        if pts == avNoPTS { pts = f.pts }
        if pts == avNoPTS {
            // No timestamp at all: continue from the previous frame rather than invent a rate.
            pts = lastPTS.map { $0 + max(lastDuration, 1) } ?? 0
        }
        let duration = f.pkt_duration > 0 ? f.pkt_duration : defaultDuration
        let image = try converter.convert(frame)
        lastPTS = pts
        lastDuration = duration
        decodedSeconds = endSeconds(pts: pts, duration: duration)
        let out = VideoFrame(image: image, pts: pts, duration: duration, index: framesDecoded)
        framesDecoded += 1
        av_frame_unref(frame)
        return out
    }

    private func noteCorrupt(_ message: String) {
        corruptPackets += 1
        if corruptPackets <= 10 {
            warnings.append("\(path): skipped damaged video data (\(message))")
        } else if corruptPackets == 11 {
            warnings.append("\(path): further damaged video data skipped silently")
        }
    }

    private func endSeconds(pts: Int64, duration: Int64) -> Double {
        guard video.timeBase.den > 0 else { return 0 }
        let start = formatContext?.pointee.streams[Int(videoIndex)]?.pointee.start_time ?? 0
        let startValue = start == avNoPTS ? 0 : start
        return Double(pts + duration - startValue) * video.timeBase.doubleValue
    }

    /// What is missing from the input, once `next()` has returned nil: compared with what the
    /// container promised (its duration, its frame count when it has an index) and with the
    /// packets the decoder rejected. nil when the input is complete within tolerance (a frame
    /// and a half, or 2% of the duration when it is longer: containers round their durations,
    /// and an edit list may drop a frame). Damaged packets count once they are more than 1% of
    /// the frames (at least 2), since many real files start with an undecodable leading packet.
    public var shortfall: InputShortfall? {
        let declared = video.durationSeconds
        let frameSeconds = video.averageFrameRate.doubleValue > 0 ? 1 / video.averageFrameRate.doubleValue : 0.04
        let tolerance = max(1.5 * frameSeconds, 0.02 * declared)
        var problems: [String] = []
        if declared > 0, decodedSeconds < declared - tolerance {
            problems.append(String(format: "input ends at %.2f s of %.2f s", decodedSeconds, declared))
        }
        let promised = video.framesDeclaredByContainer
        if promised > 0, Double(framesDecoded) < Double(promised) - max(1, 0.02 * Double(promised)) {
            problems.append("\(framesDecoded) of \(promised) frames decoded")
        }
        if corruptPackets > max(2, framesDecoded / 100) {
            problems.append("\(corruptPackets) damaged video packets skipped")
        }
        if framesDecoded == 0 { problems.append("no video frame could be decoded") }
        guard !problems.isEmpty else { return nil }
        return InputShortfall(path: path, decodedSeconds: decodedSeconds, declaredSeconds: declared,
                              framesDecoded: framesDecoded, framesDeclared: promised, damagedPackets: corruptPackets,
                              problems: problems)
    }
}

/// How much of an input could not be decoded: its description is the one-line reason.
public struct InputShortfall: Sendable, Equatable, CustomStringConvertible, Codable {
    public var path: String
    public var decodedSeconds: Double
    public var declaredSeconds: Double
    public var framesDecoded: Int
    /// The container's frame count (0 when it has none).
    public var framesDeclared: Int
    public var damagedPackets: Int
    public var problems: [String]

    public init(path: String, decodedSeconds: Double, declaredSeconds: Double, framesDecoded: Int, framesDeclared: Int,
                damagedPackets: Int, problems: [String]) {
        self.path = path
        self.decodedSeconds = decodedSeconds
        self.declaredSeconds = declaredSeconds
        self.framesDecoded = framesDecoded
        self.framesDeclared = framesDeclared
        self.damagedPackets = damagedPackets
        self.problems = problems
    }

    public var description: String { "\(path) is truncated or damaged: " + problems.joined(separator: ", ") }

    enum CodingKeys: String, CodingKey {
        case path, problems
        case decodedSeconds = "decoded_seconds", declaredSeconds = "declared_seconds"
        case framesDecoded = "frames_decoded", framesDeclared = "frames_declared", damagedPackets = "damaged_packets"
    }
}
