import CFFmpeg
import Foundation

/// Demux + decode the first video frame of an image file, with the reader's `VideoDecoder`
/// (the one send/receive loop of the media layer).
enum ImageDecoder {
    /// Calls `body` with the first decoded frame, valid only during the call.
    static func withFirstFrame<T>(_ path: String, _ body: (UnsafeMutablePointer<AVFrame>) throws -> T) throws -> T {
        guard FileManager.default.fileExists(atPath: path) else {
            throw MediaError.image(path, "open", code: srd_averror(ENOENT))
        }
        var fmt: UnsafeMutablePointer<AVFormatContext>?
        var opts: OpaquePointer?
        // image2 with pattern_type=none: the name is a file, never a %d / glob pattern.
        av_dict_set(&opts, "pattern_type", "none", 0)
        defer { av_dict_free(&opts) }
        try ImageIO.check(avformat_open_input(&fmt, path, av_find_input_format("image2"), &opts), path, "open")
        defer { avformat_close_input(&fmt) }
        guard let f = fmt else { throw MediaError.image(path, "open", "no format context") }
        try ImageIO.check(avformat_find_stream_info(f, nil), path, "probe")
        let streamIndex = av_find_best_stream(f, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        try ImageIO.check(streamIndex, path, "find image stream")
        guard let stream = f.pointee.streams[Int(streamIndex)], let par = stream.pointee.codecpar else {
            throw MediaError.image(path, "find image stream", "stream has no parameters")
        }
        guard let codec = avcodec_find_decoder(par.pointee.codec_id) else {
            throw MediaError.image(path, "open decoder", "no decoder for \(String(cString: avcodec_get_name(par.pointee.codec_id)))")
        }
        let decoder = try VideoDecoder(codec: codec, stream: stream, path: path)
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let pkt = packet else { throw MediaError.image(path, "decode", "out of memory") }
        var draining = false
        while true {
            // Take a frame first; feed a packet (or the flush) when the decoder wants more.
            switch try decoder.receive() {
            case .frame(let frame): return try body(frame)
            case .endOfStream: throw MediaError.image(path, "decode", "file holds no image")
            case .rejected(let why): throw MediaError.image(path, "decode", why)
            case .needsInput:
                if draining { throw MediaError.image(path, "decode", "file holds no image") }
            }
            let rc = av_read_frame(f, pkt)
            if rc == srd_averror_eof() {
                draining = true
                try decoder.send(nil)
                continue
            }
            try ImageIO.check(rc, path, "read")
            defer { av_packet_unref(pkt) }
            if pkt.pointee.stream_index != streamIndex { continue }
            if let why = try decoder.send(pkt) { throw MediaError.image(path, "decode", why) }
        }
    }
}
