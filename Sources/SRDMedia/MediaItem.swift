import CFFmpeg

/// One thing the reader hands out, in demux order: a decoded video frame or a packet of another
/// stream that the writer copies unchanged.
public enum MediaItem: Sendable {
    case frame(VideoFrame)
    case packet(PassthroughPacket)
}

/// A decoded video frame as planar RGB.
public struct VideoFrame: Sendable {
    /// 3 planes, R G B, nominally 0...1.
    public var image: PlanarImage
    /// Best-effort presentation timestamp in the video stream's time base.
    public var pts: Int64
    /// Display duration in the same time base (from the packet, else 1/frame rate).
    public var duration: Int64
    /// 0-based position in output order.
    public var index: Int

    public init(image: PlanarImage, pts: Int64, duration: Int64, index: Int) {
        self.image = image
        self.pts = pts
        self.duration = duration
        self.index = index
    }
}

/// Kind of a non-video stream.
public enum MediaStreamType: String, Sendable, Hashable {
    case video, audio, subtitle, data, attachment, unknown

    init(_ t: AVMediaType) {
        switch t {
        case AVMEDIA_TYPE_VIDEO: self = .video
        case AVMEDIA_TYPE_AUDIO: self = .audio
        case AVMEDIA_TYPE_SUBTITLE: self = .subtitle
        case AVMEDIA_TYPE_DATA: self = .data
        case AVMEDIA_TYPE_ATTACHMENT: self = .attachment
        default: self = .unknown
        }
    }

    var av: AVMediaType {
        switch self {
        case .video: return AVMEDIA_TYPE_VIDEO
        case .audio: return AVMEDIA_TYPE_AUDIO
        case .subtitle: return AVMEDIA_TYPE_SUBTITLE
        case .data: return AVMEDIA_TYPE_DATA
        case .attachment: return AVMEDIA_TYPE_ATTACHMENT
        case .unknown: return AVMEDIA_TYPE_UNKNOWN
        }
    }
}

/// A compressed packet of an audio, subtitle or data stream, held by reference (av_packet_ref),
/// for the writer to mux bit-identical. Immutable once made, so it can cross threads.
public final class PassthroughPacket: @unchecked Sendable {
    let packet: UnsafeMutablePointer<AVPacket>
    /// Index of the stream in the input file.
    public let streamIndex: Int
    public let streamType: MediaStreamType
    /// Time base of `pts`, `dts` and `duration` (the input stream's).
    public let timeBase: Rational

    init(referencing src: UnsafePointer<AVPacket>, type: MediaStreamType, timeBase: AVRational) throws {
        packet = try newPacketReference(to: src)
        streamIndex = Int(src.pointee.stream_index)
        streamType = type
        self.timeBase = Rational(timeBase)
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
    }

    /// Presentation timestamp, or nil when the packet has none.
    public var pts: Int64? { packet.pointee.pts == avNoPTS ? nil : packet.pointee.pts }
    public var dts: Int64? { packet.pointee.dts == avNoPTS ? nil : packet.pointee.dts }
    public var duration: Int64 { packet.pointee.duration }
    /// A 3GPP text sample with no text (2-byte zero length): a gap between cues.
    var isEmptyTextSample: Bool {
        packet.pointee.size == 2 && packet.pointee.data[0] == 0 && packet.pointee.data[1] == 0
    }

    /// The payload bytes.
    public var data: [UInt8] {
        guard let d = packet.pointee.data, packet.pointee.size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: d, count: Int(packet.pointee.size)))
    }
}

/// A new packet holding a reference to `src`'s data (av_packet_ref); the caller frees it.
func newPacketReference(to src: UnsafePointer<AVPacket>) throws -> UnsafeMutablePointer<AVPacket> {
    guard let p = av_packet_alloc() else { throw MediaError(.readFailed, "out of memory for a packet") }
    let rc = av_packet_ref(p, src)
    if rc < 0 {
        var q: UnsafeMutablePointer<AVPacket>? = p
        av_packet_free(&q)
        throw MediaError(.readFailed, "cannot reference a packet", code: rc)
    }
    return p
}
