import CFFmpeg

/// The reader's video decoder: send packets (nil to flush), receive frames until it needs more.
///
/// `receive()` is the one drain step, called until `.needsInput` (more packets wanted) or
/// `.endOfStream` (after a nil packet, everything buffered has come out).
final class VideoDecoder {
    enum Result {
        case frame(UnsafeMutablePointer<AVFrame>)
        case needsInput
        case endOfStream
        /// The decoder reported damaged data for one frame; decoding continues.
        case rejected(String)
    }

    private var context: UnsafeMutablePointer<AVCodecContext>?
    private let frame: UnsafeMutablePointer<AVFrame>
    private let path: String

    init(codec: UnsafePointer<AVCodec>, stream: UnsafeMutablePointer<AVStream>, path: String) throws {
        self.path = path
        let name = avName(codec.pointee.name)
        guard let ctx = avcodec_alloc_context3(codec), let f = av_frame_alloc() else {
            throw MediaError(.codecUnavailable, "out of memory for the \(name) decoder")
        }
        context = ctx
        frame = f
        // Every stored property is set, so a throw from here on runs `deinit`, which frees the
        // context and the frame: freeing them here as well was the double free of a damaged
        // HEVC file (../shared/data/regress/hevc-bad-extradata.mp4: avcodec_open2 refuses it).
        try check(avcodec_parameters_to_context(ctx, stream.pointee.codecpar), .codecUnavailable,
                  "cannot configure the \(name) decoder for \(path)")
        ctx.pointee.pkt_timebase = stream.pointee.time_base
        ctx.pointee.thread_count = 0  // auto
        try check(avcodec_open2(ctx, codec, nil), .codecUnavailable, "cannot open the \(name) decoder for \(path)")
    }

    deinit {
        avcodec_free_context(&context)
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }

    /// Sends a packet, or nil to start flushing. Returns a message when the decoder rejected the
    /// packet as damaged (not an error: the caller skips it).
    @discardableResult
    func send(_ packet: UnsafeMutablePointer<AVPacket>?) throws -> String? {
        let rc = avcodec_send_packet(context, packet)
        if rc >= 0 || rc == averrorEOF { return nil }
        if rc == srd_averror_invaliddata() { return libavErrorString(rc) }
        throw MediaError(.decodeFailed, "decoding \(path) failed", code: rc)
    }

    /// One step of draining: the next frame, or why there is none.
    func receive() throws -> Result {
        let rc = avcodec_receive_frame(context, frame)
        if rc >= 0 { return .frame(frame) }
        if rc == averrorEAGAIN { return .needsInput }
        if rc == averrorEOF { return .endOfStream }
        if rc == srd_averror_invaliddata() { return .rejected(libavErrorString(rc)) }
        throw MediaError(.decodeFailed, "decoding \(path) failed", code: rc)
    }
}
