import CFFmpeg

/// An output file being muxed: streams, header, interleaved packets, trailer.
final class OutputContainer {
    let path: String
    private(set) var context: UnsafeMutablePointer<AVFormatContext>?
    private var headerWritten = false
    private var finished = false

    init(path: String, formatName: String) throws {
        self.path = path
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        try check(avformat_alloc_output_context2(&ctx, nil, formatName, path), .writeFailed,
                  "cannot create \(formatName) output \(path)")
        guard let ctx else { throw MediaError(.writeFailed, "cannot create \(formatName) output \(path)") }
        context = ctx
    }

    deinit { close() }

    var format: UnsafePointer<AVOutputFormat> { context!.pointee.oformat }
    var formatName: String { avName(format.pointee.name) }
    var wantsGlobalHeader: Bool { format.pointee.flags & AVFMT_GLOBALHEADER != 0 }

    /// Whether the container can carry `codec`: true, false, or nil when libav cannot tell.
    func canCarry(_ codec: AVCodecID) -> Bool? {
        let rc = avformat_query_codec(format, codec, FF_COMPLIANCE_NORMAL)
        return rc == 1 ? true : rc == 0 ? false : nil
    }

    func addStream() throws -> UnsafeMutablePointer<AVStream> {
        guard let st = avformat_new_stream(context, nil) else {
            throw MediaError(.writeFailed, "cannot add a stream to \(path)")
        }
        return st
    }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> { context!.pointee.streams[index]! }

    /// Opens the file and writes the header; stream time bases may change here.
    func writeHeader(options: [String: String] = [:]) throws {
        guard let ctx = context else { return }
        if format.pointee.flags & AVFMT_NOFILE == 0 {
            try check(avio_open(&ctx.pointee.pb, path, AVIO_FLAG_WRITE), .writeFailed, "cannot create \(path)")
        }
        var dict: OpaquePointer?
        for (k, v) in options { av_dict_set(&dict, k, v, 0) }
        defer { av_dict_free(&dict) }
        try check(avformat_write_header(ctx, &dict), .writeFailed, "cannot write the header of \(path)")
        headerWritten = true
    }

    /// Muxes a packet whose timestamps are already in its output stream's time base; takes its
    /// reference (the packet is blank afterwards).
    func write(_ packet: UnsafeMutablePointer<AVPacket>) throws {
        try check(av_interleaved_write_frame(context, packet), .writeFailed, "cannot write to \(path)")
    }

    /// Flushes interleaving queues, writes the trailer and closes the file.
    func finish() throws {
        guard let ctx = context, headerWritten, !finished else { return }
        finished = true
        let rc = av_write_trailer(ctx)
        let closed = ctx.pointee.pb != nil ? avio_closep(&ctx.pointee.pb) : 0
        try check(rc, .writeFailed, "cannot finish \(path)")
        try check(closed, .writeFailed, "cannot close \(path)")
    }

    /// Frees everything; an unfinished file is left as written so far (no trailer).
    func close() {
        guard let ctx = context else { return }
        if ctx.pointee.pb != nil, format.pointee.flags & AVFMT_NOFILE == 0 {
            avio_closep(&ctx.pointee.pb)
        }
        avformat_free_context(ctx)
        context = nil
    }
}
