import CFFmpeg
import Foundation

/// A segment's packet timestamps as the encoder made them, kept beside its NUT file
/// (`<segment>.ts.json`). NUT moves every timestamp so that no decode time is negative (the
/// B-frame delay makes the first ones negative) and its demuxer only guesses decode times, so
/// the join takes the encoder's own values from here and only the data from the NUT file.
public struct SegmentTimestamps: Sendable, Codable, Equatable {
    /// Numerator and denominator of the time base (the input video stream's).
    public var timeBase: [Int]
    /// Per packet, in file order (AV_NOPTS_VALUE where the encoder gave none).
    public var pts: [Int64] = []
    public var dts: [Int64] = []
    public var duration: [Int64] = []

    enum CodingKeys: String, CodingKey {
        case pts, dts, duration
        case timeBase = "time_base"
    }

    init(timeBase: AVRational) { self.timeBase = [Int(timeBase.num), Int(timeBase.den)] }

    mutating func append(_ packet: UnsafePointer<AVPacket>) {
        pts.append(packet.pointee.pts)
        dts.append(packet.pointee.dts)
        duration.append(packet.pointee.duration)
    }

    /// Where the timestamps of `segment` live.
    public static func path(for segment: String) -> String { segment + ".ts.json" }

    /// Writes them for `segment` durably (temporary name, fsync, rename).
    public func write(for segment: String) throws {
        let path = Self.path(for: segment)
        let temp = path + ".tmp"
        let data = try JSONEncoder().encode(self)
        guard FileManager.default.createFile(atPath: temp, contents: data) else {
            throw MediaError(.writeFailed, "cannot write \(temp)")
        }
        let fd = open(temp, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temp, path) == 0 else { throw MediaError(.writeFailed, "cannot rename \(temp) to \(path)") }
    }

    static func read(for segment: String) throws -> SegmentTimestamps {
        let path = Self.path(for: segment)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MediaError(.openFailed, "segment \(segment) has no timestamps (\(path))")
        }
        let t = try JSONDecoder().decode(SegmentTimestamps.self, from: data)
        guard t.timeBase.count == 2, t.timeBase[0] > 0, t.timeBase[1] > 0,
              t.pts.count == t.dts.count, t.dts.count == t.duration.count
        else { throw MediaError(.openFailed, "segment timestamps \(path) are damaged") }
        return t
    }

    var avTimeBase: AVRational { AVRational(num: Int32(timeBase[0]), den: Int32(timeBase[1])) }
}

/// The video stream of one finished segment file (NUT, written by a `MediaWriter` in the
/// `.segment` role), read packet by packet for the join.
public final class SegmentVideo: @unchecked Sendable {
    public let path: String
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private let streamIndex: Int32
    private let packet: UnsafeMutablePointer<AVPacket>
    /// The segment's coded parameters (codec, size, pixel format, extradata).
    let parameters: UnsafeMutablePointer<AVCodecParameters>
    /// Time base of the packets' timestamps (the encoder's, from `SegmentTimestamps`).
    let timeBase: AVRational
    /// Pixel format name of the coded video.
    public let pixelFormat: String
    /// The encoder's timestamps, by packet.
    private let timestamps: SegmentTimestamps
    private var packetsRead = 0

    public init(path: String) throws {
        self.path = path
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        try check(avformat_open_input(&ctx, path, nil, nil), .openFailed, "cannot open segment \(path)")
        guard let c = ctx else { throw MediaError(.openFailed, "cannot open segment \(path)") }
        var owned: UnsafeMutablePointer<AVFormatContext>? = c
        var ok = false
        defer { if !ok { avformat_close_input(&owned) } }
        try check(avformat_find_stream_info(c, nil), .openFailed, "cannot read segment \(path)")
        guard c.pointee.nb_streams == 1, let st = c.pointee.streams[0],
              st.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO
        else { throw MediaError(.openFailed, "segment \(path) does not hold exactly one video stream") }
        guard let par = avcodec_parameters_alloc(), let pkt = av_packet_alloc() else {
            throw MediaError(.openFailed, "out of memory")
        }
        try check(avcodec_parameters_copy(par, st.pointee.codecpar), .openFailed, "cannot read segment \(path)")
        parameters = par
        packet = pkt
        streamIndex = 0
        timestamps = try SegmentTimestamps.read(for: path)
        timeBase = timestamps.avTimeBase
        pixelFormat = av_get_pix_fmt_name(AVPixelFormat(raw: par.pointee.format)).map { String(cString: $0) } ?? "unknown"
        context = c
        ok = true
    }

    deinit {
        avformat_close_input(&context)
        var p: UnsafeMutablePointer<AVCodecParameters>? = parameters
        avcodec_parameters_free(&p)
        var k: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&k)
    }

    /// Why this segment cannot follow `first` in one stream (another codec, size, pixel format
    /// or parameter sets), or nil when it can.
    /// Packets the NUT file held but the timestamps did not list (0 for a sound segment).
    public var packetsMissingFromTimestamps: Int { max(0, timestamps.pts.count - packetsRead) }

    public func mismatch(with first: SegmentVideo) -> String? {
        let a = first.parameters.pointee, b = parameters.pointee
        if a.codec_id != b.codec_id || a.width != b.width || a.height != b.height || a.format != b.format {
            return "\(path) is coded differently from \(first.path) (\(b.width)x\(b.height) vs \(a.width)x\(a.height))"
        }
        let ea = a.extradata.map { Array(UnsafeBufferPointer(start: $0, count: Int(a.extradata_size))) } ?? []
        let eb = b.extradata.map { Array(UnsafeBufferPointer(start: $0, count: Int(b.extradata_size))) } ?? []
        if ea != eb { return "\(path) has other codec parameter sets than \(first.path): encoder settings changed between segments" }
        if av_cmp_q(timeBase, first.timeBase) != 0 { return "\(path) has another time base than \(first.path)" }
        return nil
    }

    /// The next packet, or nil at the end of the segment.
    public func next() throws -> SegmentPacket? {
        guard let ctx = context else { return nil }
        while true {
            let rc = av_read_frame(ctx, packet)
            if rc == averrorEOF { return nil }
            try check(rc, .readFailed, "cannot read segment \(path)")
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            guard packetsRead < timestamps.pts.count else {
                throw MediaError(.readFailed, "segment \(path) has more packets than timestamps")
            }
            packet.pointee.pts = timestamps.pts[packetsRead]
            packet.pointee.dts = timestamps.dts[packetsRead]
            packet.pointee.duration = timestamps.duration[packetsRead]
            packetsRead += 1
            return try SegmentPacket(referencing: packet, timeBase: timeBase)
        }
    }
}

/// One encoded video packet of a segment, held by reference.
public final class SegmentPacket: @unchecked Sendable {
    let packet: UnsafeMutablePointer<AVPacket>
    /// Decode time in seconds (presentation time when the packet has no dts), for interleaving.
    public let seconds: Double
    public var pts: Int64 { packet.pointee.pts }

    init(referencing src: UnsafePointer<AVPacket>, timeBase: AVRational) throws {
        let p = try newPacketReference(to: src)
        packet = p
        let t = p.pointee.dts != avNoPTS ? p.pointee.dts : p.pointee.pts
        seconds = Double(t) * av_q2d(timeBase)
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }
}

/// The last step of a segmented job: the segments' video, in order, joined with the input's
/// audio, subtitles, attachments, chapters and metadata copied once, so the file is what a
/// single pass writes (the same streams, every timestamp kept).
public enum SegmentJoiner {
    public struct Result: Sendable {
        public var frames: Int
        public var warnings: [String]
    }

    /// Writes `output` (complete, with its trailer; the caller renames it into place) from the
    /// segment files in order and the input's other streams.
    /// - Parameter formatName: the muxer the segments were encoded for.
    public static func join(input: String, segments: [String], output: String, formatName: String,
                            muxerOptions: [String: String] = [:]) throws -> Result {
        guard let firstPath = segments.first else { throw MediaError(.invalidArgument, "no segments to join for \(output)") }
        let first = try SegmentVideo(path: firstPath)
        let reader = try MediaReader(path: input, streams: .passthroughOnly)
        let writer = try MediaWriter(path: output, reader: reader, video: first, formatName: formatName,
                                     muxerOptions: muxerOptions)
        var ok = false
        defer { if !ok { writer.close() } }
        var pending: PassthroughPacket? = try nextPassthrough(reader)
        for (n, path) in segments.enumerated() {
            let segment = n == 0 ? first : try SegmentVideo(path: path)
            if let why = segment.mismatch(with: first) { throw MediaError(.invalidArgument, why) }
            while let video = try segment.next() {
                // Everything of the input that comes before this packet goes first.
                while let p = pending, p.seconds <= video.seconds {
                    try writer.write(packet: p)
                    pending = try nextPassthrough(reader)
                }
                try writer.write(videoPacket: video)
            }
            if segment.packetsMissingFromTimestamps > 0 {
                throw MediaError(.readFailed, "segment \(path) is shorter than its timestamps list: \(segment.packetsMissingFromTimestamps) packets missing")
            }
        }
        while let p = pending {
            try writer.write(packet: p)
            pending = try nextPassthrough(reader)
        }
        try writer.finish()
        ok = true
        return Result(frames: writer.framesWritten, warnings: reader.warnings + writer.warnings)
    }

    private static func nextPassthrough(_ reader: MediaReader) throws -> PassthroughPacket? {
        while let item = try reader.next() {
            if case let .packet(p) = item { return p }
        }
        return nil
    }
}

extension PassthroughPacket {
    /// Decode time in seconds (presentation time when there is no dts; 0 with neither).
    var seconds: Double {
        let t = dts ?? pts ?? 0
        return Double(t) * timeBase.doubleValue
    }
}
