import CFFmpeg

/// The one encoder send/receive loop (video and audio alike): sends `frame` (nil = flush), then
/// hands every packet the encoder has ready to `sink`, until it wants more input or has finished.
/// The packet is unreferenced after `sink` returns.
func drainEncoder(_ ctx: UnsafeMutablePointer<AVCodecContext>, _ frame: UnsafeMutablePointer<AVFrame>?,
                  packet: UnsafeMutablePointer<AVPacket>, name: String,
                  sink: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
    let sent = avcodec_send_frame(ctx, frame)
    if sent < 0, sent != averrorEOF {
        try check(sent, .encodeFailed, "encoding with \(name) failed")
    }
    while true {
        let rc = avcodec_receive_packet(ctx, packet)
        if rc == averrorEAGAIN || rc == averrorEOF { return }
        try check(rc, .encodeFailed, "encoding with \(name) failed")
        defer { av_packet_unref(packet) }
        try sink(packet)
    }
}
