import CFFmpeg

/// A video encoder fed with planar float RGB: converts, encodes, and hands packets to a sink.
///
/// Shared by `MediaWriter` and `SyntheticClip`. `drain(_:)` is the one send/receive loop, called
/// with a frame to encode and with nil to flush.
final class VideoEncoder {
    struct Configuration {
        var codecName: String
        var pixelFormat: PixelFormatInfo
        var width: Int
        var height: Int
        var timeBase: AVRational
        var frameRate: AVRational
        var sampleAspectRatio: AVRational
        var spec: ColorSpec
        /// Matrix and range written to the stream; normally the spec's own (explicit) values.
        var matrixTag: AVColorSpace? = nil
        var rangeTag: AVColorRange? = nil
        var primaries: AVColorPrimaries
        var transfer: AVColorTransferCharacteristic
        var crf: Double?
        var preset: String?
        var extraOptions: [String: String]
        var globalHeader: Bool
    }

    private(set) var context: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// Made on the first `encode(_ image:...)`: a job whose workers pack frames never needs it
    /// (its scratch planes are 50 MB at 3840x2160).
    private lazy var converter: RGBToFrameConverter? = try? RGBToFrameConverter(
        width: configuration.width, height: configuration.height, format: configuration.pixelFormat, spec: configuration.spec)
    let configuration: Configuration
    /// Options the encoder did not have (crf/preset on encoders without them).
    private(set) var warnings: [String] = []
    /// Durations of frames in flight, by pts, so packets get a duration (libx264 sets none).
    private var pendingDurations: [Int64: Int64] = [:]

    init(_ c: Configuration) throws {
        configuration = c
        guard let codec = avcodec_find_encoder_by_name(c.codecName) else {
            throw MediaError(.codecUnavailable, "no encoder named \(c.codecName) in this libav build")
        }
        guard codec.pointee.type == AVMEDIA_TYPE_VIDEO else {
            throw MediaError(.invalidArgument, "\(c.codecName) is not a video encoder")
        }
        let xStep = 1 << c.pixelFormat.log2ChromaW, yStep = 1 << c.pixelFormat.log2ChromaH
        guard c.width % xStep == 0, c.height % yStep == 0 else {
            throw MediaError(.invalidArgument, "\(c.pixelFormat.name) needs a width divisible by \(xStep) and a height divisible by \(yStep); got \(c.width)x\(c.height) (crop or pad, or use a 4:4:4 pixel format)")
        }
        // Fails here, before any work, if swscale cannot make this conversion.
        _ = try RGBToFrameConverter(width: 16 << c.pixelFormat.log2ChromaW, height: 16 << c.pixelFormat.log2ChromaH,
                                    format: c.pixelFormat, spec: c.spec)
        context = avcodec_alloc_context3(codec)
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let ctx = context, let frame, packet != nil else {
            throw MediaError(.encodeFailed, "out of memory for the \(c.codecName) encoder")
        }
        ctx.pointee.width = Int32(c.width)
        ctx.pointee.height = Int32(c.height)
        ctx.pointee.pix_fmt = c.pixelFormat.format
        ctx.pointee.time_base = c.timeBase
        ctx.pointee.pkt_timebase = c.timeBase
        if c.frameRate.num > 0, c.frameRate.den > 0 { ctx.pointee.framerate = c.frameRate }
        ctx.pointee.sample_aspect_ratio = c.sampleAspectRatio
        ctx.pointee.color_primaries = c.primaries
        ctx.pointee.color_trc = c.transfer
        ctx.pointee.colorspace = c.matrixTag ?? AVColorSpace(rawValue: numericCast(c.spec.matrix))
        ctx.pointee.color_range = c.rangeTag ?? c.spec.rangeTag
        ctx.pointee.thread_count = 0
        if c.globalHeader { ctx.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }

        if let crf = c.crf { try setOption("crf", String(crf), required: false) }
        if let preset = c.preset { try setOption("preset", preset, required: false) }
        for (k, v) in c.extraOptions.sorted(by: { $0.key < $1.key }) { try setOption(k, v, required: true) }

        try check(avcodec_open2(ctx, codec, nil), .codecUnavailable,
                  "cannot open the \(c.codecName) encoder (\(c.width)x\(c.height) \(c.pixelFormat.name))")

        frame.pointee.format = c.pixelFormat.format.rawValue
        frame.pointee.width = Int32(c.width)
        frame.pointee.height = Int32(c.height)
        try check(av_frame_get_buffer(frame, 0), .encodeFailed, "cannot allocate an encoder frame")
    }

    deinit {
        avcodec_free_context(&context)
        av_frame_free(&frame)
        av_packet_free(&packet)
    }

    private func setOption(_ key: String, _ value: String, required: Bool) throws {
        let rc = av_opt_set(context, key, value, AV_OPT_SEARCH_CHILDREN)
        if rc == srd_averror_option_not_found(), !required {
            warnings.append("encoder \(configuration.codecName) has no option \(key); ignored")
            return
        }
        try check(rc, .invalidArgument, "cannot set \(configuration.codecName) option \(key)=\(value)")
    }

    /// Encodes one image with the given timestamp (encoder time base) and passes out packets.
    func encode(_ image: PlanarImage, pts: Int64, duration: Int64,
                sink: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        guard let frame else { return }
        // The encoder may still reference the buffer of the previous frame.
        try check(av_frame_make_writable(frame), .encodeFailed, "cannot make the encoder frame writable")
        guard let converter else {
            throw MediaError(.unsupported, "cannot convert RGB to \(configuration.pixelFormat.name) at \(configuration.width)x\(configuration.height)")
        }
        try converter.convert(image, into: frame)
        try send(frame, pts: pts, duration: duration, sink: sink)
    }

    /// Encodes a frame a `FramePacker` of this encoder's format already converted.
    func encode(_ packed: PackedFrame, pts: Int64, duration: Int64,
                sink: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        guard packed.width == configuration.width, packed.height == configuration.height,
              packed.frame.pointee.format == configuration.pixelFormat.format.rawValue else {
            throw MediaError(.invalidArgument, "a \(packed.width)x\(packed.height) frame cannot go to a \(configuration.width)x\(configuration.height) \(configuration.pixelFormat.name) encoder")
        }
        try send(packed.frame, pts: pts, duration: duration, sink: sink)
    }

    /// A packer converting exactly as `encode(_ image:...)` does, for use on another thread.
    func makePacker() throws -> FramePacker {
        let c = configuration
        return FramePacker(converter: try RGBToFrameConverter(width: c.width, height: c.height, format: c.pixelFormat, spec: c.spec))
    }

    /// Stamps timing and colour tags on `frame` and sends it.
    private func send(_ frame: UnsafeMutablePointer<AVFrame>, pts: Int64, duration: Int64,
                      sink: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        frame.pointee.pts = pts
        frame.pointee.pkt_duration = duration
        frame.pointee.color_primaries = configuration.primaries
        frame.pointee.color_trc = configuration.transfer
        frame.pointee.colorspace = configuration.matrixTag ?? AVColorSpace(rawValue: numericCast(configuration.spec.matrix))
        frame.pointee.color_range = configuration.rangeTag ?? configuration.spec.rangeTag
        frame.pointee.sample_aspect_ratio = configuration.sampleAspectRatio
        pendingDurations[pts] = duration
        try drain(frame, sink: sink)
    }

    /// Flushes the encoder: every buffered frame comes out as packets.
    func flush(sink: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        try drain(nil, sink: sink)
    }

    /// Sends `frame` (nil = flush) through the shared drain loop, restoring packet durations.
    private func drain(_ frame: UnsafeMutablePointer<AVFrame>?,
                       sink: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        guard let ctx = context, let packet else { return }
        try drainEncoder(ctx, frame, packet: packet, name: configuration.codecName) { pkt in
            if let d = pendingDurations.removeValue(forKey: pkt.pointee.pts), pkt.pointee.duration <= 0 {
                pkt.pointee.duration = d
            }
            try sink(pkt)
        }
    }

    /// Chooses the encoder pixel format when the caller did not: >8-bit sources keep their depth
    /// if the encoder has a 4:2:0 YUV format at least that deep (smallest such), else yuv420p (or
    /// the encoder's first format if it lacks yuv420p).
    static func choosePixelFormat(codecName: String, sourceDepth: Int) throws -> PixelFormatInfo {
        guard let codec = avcodec_find_encoder_by_name(codecName) else {
            throw MediaError(.codecUnavailable, "no encoder named \(codecName) in this libav build")
        }
        var supported: [PixelFormatInfo] = []
        if var p = codec.pointee.pix_fmts {
            while p.pointee != AV_PIX_FMT_NONE {
                if let info = PixelFormatInfo(p.pointee) { supported.append(info) }
                p += 1
            }
        }
        guard !supported.isEmpty else {
            return PixelFormatInfo(name: "yuv420p")!  // encoder does not say; the common default
        }
        let yuv420 = supported.filter { $0.isYUV && $0.log2ChromaW == 1 && $0.log2ChromaH == 1 && !$0.name.hasPrefix("yuvj") }
        if sourceDepth > 8 {
            let deep = yuv420.filter { $0.bitDepth >= sourceDepth }.min { $0.bitDepth < $1.bitDepth }
                ?? yuv420.filter { $0.bitDepth > 8 }.max { $0.bitDepth < $1.bitDepth }
            // Planar formats first: nv12-style semi-planar ones (p010) need no special case here.
            if let deep { return deep }
        }
        if let p = supported.first(where: { $0.name == "yuv420p" }) { return p }
        return yuv420.first ?? supported[0]
    }
}
