import CFFmpeg

extension SyntheticClip {
    /// Text cues encoded with libav's subtitle encoders (mov_text for mp4/mov, subrip otherwise).
    final class SubtitleTrack {
        private var context: UnsafeMutablePointer<AVCodecContext>?
        private let container: OutputContainer
        private let streamIndex: Int
        private let name: String

        /// The smallest ASS header libav's text subtitle encoders accept.
        static let assHeader = """
            [Script Info]
            ScriptType: v4.00+
            PlayResX: 384
            PlayResY: 288

            [V4+ Styles]
            Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
            Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0

            [Events]
            Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text

            """

        init(container: OutputContainer, path: String) throws {
            self.container = container
            let codecName = ["mp4", "mov", "ipod"].contains(container.formatName) ? "mov_text" : "subrip"
            guard let codec = avcodec_find_encoder_by_name(codecName), container.canCarry(codec.pointee.id) != false else {
                throw MediaError(.unsupported, "\(container.formatName) cannot carry \(codecName) subtitles (\(path))")
            }
            name = codecName
            context = avcodec_alloc_context3(codec)
            guard let ctx = context else { throw MediaError(.encodeFailed, "out of memory") }
            ctx.pointee.time_base = AVRational(num: 1, den: 1000)
            let header = Array(Self.assHeader.utf8)
            guard let h = av_mallocz(header.count + 1) else { throw MediaError(.encodeFailed, "out of memory") }
            h.copyMemory(from: header, byteCount: header.count)
            ctx.pointee.subtitle_header = h.assumingMemoryBound(to: UInt8.self)
            ctx.pointee.subtitle_header_size = Int32(header.count)
            try check(avcodec_open2(ctx, codec, nil), .codecUnavailable, "cannot open the \(codecName) encoder")
            let st = try container.addStream()
            try check(avcodec_parameters_from_context(st.pointee.codecpar, ctx), .writeFailed, "cannot configure subtitles of \(path)")
            st.pointee.time_base = AVRational(num: 1, den: 1000)
            av_dict_set(&st.pointee.metadata, "language", "eng", 0)
            streamIndex = Int(st.pointee.index)
        }

        deinit { avcodec_free_context(&context) }

        /// Writes `count` cues "CUE 1"... spread over the clip (after the header).
        func writeCues(count: Int, clipSeconds: Double) throws {
            guard let ctx = context, let pkt = av_packet_alloc() else { return }
            var p: UnsafeMutablePointer<AVPacket>? = pkt
            defer { av_packet_free(&p) }
            let slot = Int64(clipSeconds * 1000) / Int64(count)
            var buffer = [UInt8](repeating: 0, count: 1024)
            for i in 0..<count {
                let start = slot * Int64(i), duration = max(1, slot * 3 / 4)
                let line = "\(i),0,Default,,0,0,0,,CUE \(i + 1)"
                let size = srd_encode_text_subtitle(ctx, line, UInt32(duration), &buffer, Int32(buffer.count))
                try check(size, .encodeFailed, "encoding a \(name) cue failed")
                try check(av_new_packet(pkt, size), .encodeFailed, "out of memory")
                pkt.pointee.data.update(from: buffer, count: Int(size))
                pkt.pointee.pts = start
                pkt.pointee.dts = start
                pkt.pointee.duration = duration
                pkt.pointee.flags |= AV_PKT_FLAG_KEY
                pkt.pointee.stream_index = Int32(streamIndex)
                av_packet_rescale_ts(pkt, AVRational(num: 1, den: 1000), container.stream(streamIndex).pointee.time_base)
                try container.write(pkt)
                av_packet_unref(pkt)
            }
        }
    }
}
