import CFFmpeg
import Foundation
import SRDMedia

/// Independent libav inspection of files for tests (does not use MediaReader, so a reader bug
/// cannot hide itself).
public enum MediaProbe {
    /// One packet of a stream.
    public struct Packet: Hashable, Sendable {
        public var pts: Int64?
        public var dts: Int64?
        public var duration: Int64
        public var data: [UInt8]
        /// Time base of pts/dts/duration.
        public var timeBase: Rational
        public var ptsSeconds: Double? { pts.map { Double($0) * timeBase.doubleValue } }
    }

    public struct Chapter: Hashable, Sendable {
        public var startSeconds: Double
        public var endSeconds: Double
        public var title: String?
    }

    /// Facts about a file's first video stream as stored in the file.
    public struct Video: Hashable, Sendable {
        public var codec: String
        public var width: Int
        public var height: Int
        public var pixelFormat: String
        public var primaries: String
        public var transfer: String
        public var matrix: String
        public var range: String
        public var sampleAspectRatio: Rational
        public var displayMatrix: [Int32]?
    }

    /// Streams of the file as (type, codec name) in order.
    public static func streams(of path: String) throws -> [(type: MediaStreamType, codec: String)] {
        try withInput(path) { ctx in
            (0..<Int(ctx.pointee.nb_streams)).map { i in
                let par = ctx.pointee.streams[i]!.pointee.codecpar.pointee
                return (MediaStreamType(rawValue: name(av_get_media_type_string(par.codec_type))) ?? .unknown,
                        String(cString: avcodec_get_name(par.codec_id)))
            }
        }
    }

    /// All packets of the first stream of `type`, in file order.
    public static func packets(of path: String, streamType type: MediaStreamType) throws -> [Packet] {
        try withInput(path) { ctx in
            guard let index = firstStream(ctx, type) else { throw TestingError("no \(type) stream in \(path)") }
            let tb = ctx.pointee.streams[index]!.pointee.time_base
            var pkt = av_packet_alloc()
            defer { av_packet_free(&pkt) }
            var out: [Packet] = []
            while av_read_frame(ctx, pkt) >= 0 {
                let p = pkt!.pointee
                if Int(p.stream_index) == index {
                    out.append(Packet(pts: p.pts == srd_av_nopts_value() ? nil : p.pts,
                                      dts: p.dts == srd_av_nopts_value() ? nil : p.dts,
                                      duration: p.duration,
                                      data: Array(UnsafeBufferPointer(start: p.data, count: Int(p.size))),
                                      timeBase: Rational(num: Int(tb.num), den: Int(tb.den))))
                }
                av_packet_unref(pkt)
            }
            return out
        }
    }

    /// Presentation timestamps of the first video stream's keyframe packets, in file order.
    public static func videoKeyframePTS(of path: String) throws -> [Int64] {
        try withInput(path) { ctx in
            guard let index = firstStream(ctx, .video) else { throw TestingError("no video stream in \(path)") }
            var pkt = av_packet_alloc()
            defer { av_packet_free(&pkt) }
            var out: [Int64] = []
            while av_read_frame(ctx, pkt) >= 0 {
                let p = pkt!.pointee
                if Int(p.stream_index) == index, p.flags & AV_PKT_FLAG_KEY != 0 { out.append(p.pts) }
                av_packet_unref(pkt)
            }
            return out
        }
    }

    /// Every packet of every stream that is not video, by stream index, in file order.
    public static func nonVideoPackets(of path: String) throws -> [Int: [Packet]] {
        try withInput(path) { ctx in
            var out: [Int: [Packet]] = [:]
            var pkt = av_packet_alloc()
            defer { av_packet_free(&pkt) }
            while av_read_frame(ctx, pkt) >= 0 {
                let p = pkt!.pointee
                let st = ctx.pointee.streams[Int(p.stream_index)]!
                if st.pointee.codecpar.pointee.codec_type != AVMEDIA_TYPE_VIDEO {
                    let tb = st.pointee.time_base
                    out[Int(p.stream_index), default: []].append(Packet(
                        pts: p.pts == srd_av_nopts_value() ? nil : p.pts, dts: p.dts == srd_av_nopts_value() ? nil : p.dts,
                        duration: p.duration, data: Array(UnsafeBufferPointer(start: p.data, count: Int(p.size))),
                        timeBase: Rational(num: Int(tb.num), den: Int(tb.den))))
                }
                av_packet_unref(pkt)
            }
            return out
        }
    }

    /// Every decoded video frame as (best-effort pts, FNV-1a hash of its planes' visible samples).
    public static func videoFrameHashes(of path: String) throws -> [(pts: Int64, hash: UInt64)] {
        var out: [(Int64, UInt64)] = []
        _ = try decodeVideo(path) { frame in
            let f = frame.pointee
            let fmt = AVPixelFormat(rawValue: f.format)
            guard let desc = av_pix_fmt_desc_get(fmt) else { return false }
            let bytesPerSample = desc.pointee.comp.0.depth > 8 ? 2 : 1
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for p in 0..<Int(av_pix_fmt_count_planes(fmt)) {
                let cw = p == 0 ? Int(f.width) : -((-Int(f.width)) >> Int(desc.pointee.log2_chroma_w))
                let ch = p == 0 ? Int(f.height) : -((-Int(f.height)) >> Int(desc.pointee.log2_chroma_h))
                let data = srd_frame_data(frame, Int32(p))!, stride = Int(srd_frame_linesize(frame, Int32(p)))
                for y in 0..<ch {
                    for x in 0..<(cw * bytesPerSample) {
                        hash = (hash ^ UInt64(data[y * stride + x])) &* 0x100_0000_01b3
                    }
                }
            }
            out.append((f.best_effort_timestamp, hash))
            return true
        }
        return out
    }

    /// Container metadata.
    public static func metadata(of path: String) throws -> [String: String] {
        try withInput(path) { dictionary($0.pointee.metadata) }
    }

    /// Metadata of the first stream of `type`.
    public static func streamMetadata(of path: String, streamType type: MediaStreamType) throws -> [String: String] {
        try withInput(path) { ctx in
            guard let i = firstStream(ctx, type) else { throw TestingError("no \(type) stream in \(path)") }
            return dictionary(ctx.pointee.streams[i]!.pointee.metadata)
        }
    }

    public static func chapters(of path: String) throws -> [Chapter] {
        try withInput(path) { ctx in
            (0..<Int(ctx.pointee.nb_chapters)).map { i in
                let ch = ctx.pointee.chapters[i]!.pointee
                let tb = av_q2d(ch.time_base)
                return Chapter(startSeconds: Double(ch.start) * tb, endSeconds: Double(ch.end) * tb,
                               title: dictionary(ch.metadata)["title"])
            }
        }
    }

    public static func video(of path: String) throws -> Video {
        try withInput(path) { ctx in
            guard let i = firstStream(ctx, .video) else { throw TestingError("no video stream in \(path)") }
            let st = ctx.pointee.streams[i]!
            let par = st.pointee.codecpar.pointee
            var size = 0
            var matrix: [Int32]? = nil
            if let sd = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size), size >= 36 {
                matrix = (0..<9).map { UnsafeRawPointer(sd).loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) }
            }
            let sar = st.pointee.sample_aspect_ratio.num != 0 ? st.pointee.sample_aspect_ratio : par.sample_aspect_ratio
            return Video(codec: String(cString: avcodec_get_name(par.codec_id)),
                         width: Int(par.width), height: Int(par.height),
                         pixelFormat: name(av_get_pix_fmt_name(AVPixelFormat(rawValue: par.format))),
                         primaries: name(av_color_primaries_name(par.color_primaries)),
                         transfer: name(av_color_transfer_name(par.color_trc)),
                         matrix: name(av_color_space_name(par.color_space)),
                         range: name(av_color_range_name(par.color_range)),
                         sampleAspectRatio: Rational(num: Int(sar.num), den: Int(sar.den)),
                         displayMatrix: matrix)
        }
    }

    /// Decodes the first video stream with libav directly and lists every frame's best-effort
    /// pts (stream time base), draining the decoder.
    public static func videoFramePTS(of path: String) throws -> (pts: [Int64], timeBase: Rational) {
        var out: [Int64] = []
        let tb = try decodeVideo(path) { frame in out.append(frame.pointee.best_effort_timestamp); return true }
        return (out, tb)
    }

    /// Number of frames the first video stream decodes to.
    public static func videoFrameCount(of path: String) throws -> Int {
        try videoFramePTS(of: path).pts.count
    }

    /// The first decoded frame's planes as stored (no colour conversion): one array per plane of
    /// width x height samples (8- or 16-bit values widened), with the plane sizes.
    public static func firstFrameRawPlanes(of path: String) throws -> (format: String, planes: [[UInt16]], sizes: [(Int, Int)]) {
        var result: (String, [[UInt16]], [(Int, Int)])?
        _ = try decodeVideo(path) { frame in
            let f = frame.pointee
            let fmt = AVPixelFormat(rawValue: f.format)
            guard let desc = av_pix_fmt_desc_get(fmt) else { return false }
            let wide = desc.pointee.comp.0.depth > 8
            var planes: [[UInt16]] = [], sizes: [(Int, Int)] = []
            for p in 0..<Int(av_pix_fmt_count_planes(fmt)) {
                let cw = p == 0 ? Int(f.width) : -((-Int(f.width)) >> Int(desc.pointee.log2_chroma_w))
                let ch = p == 0 ? Int(f.height) : -((-Int(f.height)) >> Int(desc.pointee.log2_chroma_h))
                let data = srd_frame_data(frame, Int32(p))!, stride = Int(srd_frame_linesize(frame, Int32(p)))
                var plane = [UInt16](repeating: 0, count: cw * ch)
                for y in 0..<ch {
                    for x in 0..<cw {
                        plane[y * cw + x] = wide
                            ? UnsafeRawPointer(data + y * stride).loadUnaligned(fromByteOffset: x * 2, as: UInt16.self)
                            : UInt16(data[y * stride + x])
                    }
                }
                planes.append(plane); sizes.append((cw, ch))
            }
            result = (name(av_get_pix_fmt_name(fmt)), planes, sizes)
            return false
        }
        guard let result else { throw TestingError("no frame decoded from \(path)") }
        return result
    }

    // MARK: - libav plumbing

    private static func withInput<T>(_ path: String, _ body: (UnsafeMutablePointer<AVFormatContext>) throws -> T) throws -> T {
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        guard avformat_open_input(&ctx, path, nil, nil) >= 0, let c = ctx else { throw TestingError("cannot open \(path)") }
        defer { avformat_close_input(&ctx) }
        guard avformat_find_stream_info(c, nil) >= 0 else { throw TestingError("cannot probe \(path)") }
        return try body(c)
    }

    private static func firstStream(_ ctx: UnsafeMutablePointer<AVFormatContext>, _ type: MediaStreamType) -> Int? {
        (0..<Int(ctx.pointee.nb_streams)).first { i in
            let t = ctx.pointee.streams[i]!.pointee.codecpar.pointee.codec_type
            return name(av_get_media_type_string(t)) == type.rawValue
        }
    }

    /// Decodes the first video stream, calling `body` per frame until it returns false.
    private static func decodeVideo(_ path: String, _ body: (UnsafeMutablePointer<AVFrame>) throws -> Bool) throws -> Rational {
        try withInput(path) { ctx in
            guard let index = firstStream(ctx, .video) else { throw TestingError("no video stream in \(path)") }
            let st = ctx.pointee.streams[index]!
            guard let codec = avcodec_find_decoder(st.pointee.codecpar.pointee.codec_id) else { throw TestingError("no decoder") }
            var dec = avcodec_alloc_context3(codec)
            var frame = av_frame_alloc(), pkt = av_packet_alloc()
            defer { avcodec_free_context(&dec); av_frame_free(&frame); av_packet_free(&pkt) }
            avcodec_parameters_to_context(dec, st.pointee.codecpar)
            dec!.pointee.pkt_timebase = st.pointee.time_base
            guard avcodec_open2(dec, codec, nil) >= 0 else { throw TestingError("cannot open decoder") }
            var going = true
            func drain() throws {
                while going, avcodec_receive_frame(dec, frame) >= 0 {
                    going = try body(frame!)
                    av_frame_unref(frame)
                }
            }
            while going, av_read_frame(ctx, pkt) >= 0 {
                if Int(pkt!.pointee.stream_index) == index { avcodec_send_packet(dec, pkt) }
                av_packet_unref(pkt)
                try drain()
            }
            avcodec_send_packet(dec, nil)
            try drain()
            return Rational(num: Int(st.pointee.time_base.num), den: Int(st.pointee.time_base.den))
        }
    }

    private static func dictionary(_ dict: OpaquePointer?) -> [String: String] {
        var out: [String: String] = [:]
        var e: UnsafeMutablePointer<AVDictionaryEntry>? = nil
        while let n = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX) {
            out[String(cString: n.pointee.key)] = String(cString: n.pointee.value)
            e = n
        }
        return out
    }

    private static func name(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "unknown" }
}
