import CFFmpeg
import Foundation

/// Still-image files in and out through libav, for benchmarks, training crops and report images.
///
/// Reading demuxes the file with avformat's `image2` demuxer (no filename patterns), decodes the
/// first frame, and unpacks it to a 3-plane `PlanarImage` in 0...1. The common PNG/BMP layouts
/// (rgb24, bgr24, rgba-family, gray8, ya8, pal8 and their 16-bit counterparts) are unpacked here
/// sample by sample, so an 8-bit sample `v` becomes exactly `Float(v) / 255` (16-bit: `/ 65535`):
/// the evaluation protocol compares against values read by Pillow, and swscale's fixed-point paths
/// are not guaranteed bit-exact for these conversions. Grey becomes three equal planes, alpha is
/// dropped, palettes are expanded. Any other layout (JPEG's YUV, 1-bit, 10-bit...) goes through
/// swscale to rgb24 (rgb48 when a component has more than 8 bits) with accurate rounding.
public enum ImageIO {
    /// Reads an image file as RGB (3 planes, 0...1).
    /// - Parameter path: a PNG, BMP, JPEG, TIFF... file that libav can decode.
    /// - Throws: `ImageIOError` naming the file and the libav cause.
    public static func read(_ path: String) throws -> PlanarImage {
        let frame = try ImageDecoder.decodeFirstFrame(path)
        defer { var f: UnsafeMutablePointer<AVFrame>? = frame; av_frame_free(&f) }
        return try ImageUnpacker.planarImage(from: frame, path: path)
    }

    /// Writes an 8-bit PNG: RGB24 for 3-plane images, gray8 for 1-plane images.
    ///
    /// Samples are clamped to 0...1, scaled by 255 and rounded half away from zero (MATLAB's
    /// `uint8()`, what the evaluation protocol does to SR outputs), so `read(writePNG(x))` equals
    /// `x` quantised to 8 bits.
    /// - Throws: `ImageIOError` for other channel counts, encoder failures or write failures.
    public static func writePNG(_ image: PlanarImage, to path: String) throws {
        let format: AVPixelFormat
        switch image.channels {
        case 1: format = AV_PIX_FMT_GRAY8
        case 3: format = AV_PIX_FMT_RGB24
        default:
            throw ImageIOError(path: path, operation: "write PNG",
                               message: "cannot store \(image.channels) channels (need 1 or 3)")
        }
        guard image.width > 0, image.height > 0 else {
            throw ImageIOError(path: path, operation: "write PNG", message: "empty image \(image.width)x\(image.height)")
        }
        let n = image.planeSize
        var packed = [UInt8](repeating: 0, count: n * image.channels)
        image.data.withUnsafeBufferPointer { src in
            for i in 0..<n {
                for c in 0..<image.channels {
                    packed[i * image.channels + c] = quantize8(src[c * n + i])
                }
            }
        }
        let bytes = try encodePNG(packed: packed, width: image.width, height: image.height,
                                  format: format, palette: nil, path: path)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw ImageIOError(path: path, operation: "write PNG", message: "\(error.localizedDescription)")
        }
    }

    /// Clamp to 0...1, scale to 255, round half away from zero.
    @inline(__always) static func quantize8(_ v: Float) -> UInt8 {
        let d = Double(v)
        if !(d > 0) { return 0 }   // also maps NaN to 0
        if d >= 1 { return 255 }
        return UInt8((d * 255).rounded(.toNearestOrAwayFromZero))
    }

    /// Encodes packed rows (no padding) in `format` as one PNG; internal so tests can make
    /// PNGs in layouts the public writer never produces (pal8, rgba, 16-bit).
    /// - Parameters:
    ///   - packed: rows of `width * bytesPerPixel` bytes, 16-bit samples in the format's byte order.
    ///   - palette: 256 ARGB entries (native-endian UInt32, libav's layout) for pal8.
    static func encodePNG(packed: [UInt8], width: Int, height: Int, format: AVPixelFormat,
                          palette: [UInt32]?, path: String) throws -> [UInt8] {
        let op = "encode PNG"
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG) else {
            throw ImageIOError(path: path, operation: op, message: "libav has no PNG encoder")
        }
        var ctx = avcodec_alloc_context3(codec)
        guard let c = ctx else { throw ImageIOError(path: path, operation: op, message: "out of memory") }
        defer { avcodec_free_context(&ctx) }
        c.pointee.width = Int32(width)
        c.pointee.height = Int32(height)
        c.pointee.pix_fmt = format
        c.pointee.time_base = AVRational(num: 1, den: 1)
        try check(avcodec_open2(c, codec, nil), path, op)

        var frame = av_frame_alloc()
        guard let f = frame else { throw ImageIOError(path: path, operation: op, message: "out of memory") }
        defer { av_frame_free(&frame) }
        f.pointee.format = format.rawValue
        f.pointee.width = Int32(width)
        f.pointee.height = Int32(height)
        try check(av_frame_get_buffer(f, 0), path, op)
        let rowBytes = packed.count / height
        let stride = Int(f.pointee.linesize.0)
        guard let dst = f.pointee.data.0 else { throw ImageIOError(path: path, operation: op, message: "no frame buffer") }
        packed.withUnsafeBufferPointer { src in
            for y in 0..<height {
                (dst + y * stride).update(from: src.baseAddress! + y * rowBytes, count: rowBytes)
            }
        }
        if let palette {
            guard let pal = f.pointee.data.1 else { throw ImageIOError(path: path, operation: op, message: "no palette buffer") }
            pal.withMemoryRebound(to: UInt32.self, capacity: 256) { p in
                for i in 0..<256 { p[i] = i < palette.count ? palette[i] : 0 }
            }
        }

        var out = [UInt8]()
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let pkt = packet else { throw ImageIOError(path: path, operation: op, message: "out of memory") }
        try check(avcodec_send_frame(c, f), path, op)
        try check(avcodec_send_frame(c, nil), path, op)
        while true {
            let r = avcodec_receive_packet(c, pkt)
            if r == srd_averror_eof() || r == srd_averror_eagain() { break }
            try check(r, path, op)
            out.append(contentsOf: UnsafeBufferPointer(start: pkt.pointee.data, count: Int(pkt.pointee.size)))
            av_packet_unref(pkt)
        }
        if out.isEmpty { throw ImageIOError(path: path, operation: op, message: "encoder produced no data") }
        return out
    }

    fileprivate static func check(_ code: Int32, _ path: String, _ operation: String) throws {
        if code < 0 { throw ImageIOError(path: path, operation: operation, avError: code) }
    }
}

/// An image file could not be read or written. The description names the file, what was being
/// done and the cause (libav's own message from `av_strerror` when libav failed).
public struct ImageIOError: Error, CustomStringConvertible, Sendable {
    /// The file being read or written.
    public let path: String
    /// What was being done ("open", "decode", "write PNG", ...).
    public let operation: String
    /// The cause, in words.
    public let message: String
    /// The libav return code, when libav reported the failure.
    public let averror: Int32?

    public var description: String { "\(path): \(operation) failed: \(message)" }

    init(path: String, operation: String, message: String) {
        self.path = path
        self.operation = operation
        self.message = message
        self.averror = nil
    }

    init(path: String, operation: String, avError code: Int32) {
        var buf = [CChar](repeating: 0, count: 256)
        let text = av_strerror(code, &buf, buf.count) == 0
            ? String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : "libav error \(code)"
        self.path = path
        self.operation = operation
        self.message = text
        self.averror = code
    }
}

// MARK: - Decoding

/// Demux + decode the first video frame of an image file.
private enum ImageDecoder {
    /// Returns a frame the caller frees with `av_frame_free`.
    static func decodeFirstFrame(_ path: String) throws -> UnsafeMutablePointer<AVFrame> {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ImageIOError(path: path, operation: "open", avError: srd_averror(ENOENT))
        }
        var fmt: UnsafeMutablePointer<AVFormatContext>?
        var opts: OpaquePointer?
        // image2 with pattern_type=none: the name is a file, never a %d / glob pattern.
        av_dict_set(&opts, "pattern_type", "none", 0)
        defer { av_dict_free(&opts) }
        try ImageIO.check(avformat_open_input(&fmt, path, av_find_input_format("image2"), &opts), path, "open")
        defer { avformat_close_input(&fmt) }
        guard let f = fmt else { throw ImageIOError(path: path, operation: "open", message: "no format context") }
        try ImageIO.check(avformat_find_stream_info(f, nil), path, "probe")
        let streamIndex = av_find_best_stream(f, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        try ImageIO.check(streamIndex, path, "find image stream")
        guard let stream = f.pointee.streams[Int(streamIndex)], let par = stream.pointee.codecpar else {
            throw ImageIOError(path: path, operation: "find image stream", message: "stream has no parameters")
        }
        guard let codec = avcodec_find_decoder(par.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(par.pointee.codec_id))
            throw ImageIOError(path: path, operation: "open decoder", message: "no decoder for \(name)")
        }
        var ctx = avcodec_alloc_context3(codec)
        guard let c = ctx else { throw ImageIOError(path: path, operation: "open decoder", message: "out of memory") }
        defer { avcodec_free_context(&ctx) }
        try ImageIO.check(avcodec_parameters_to_context(c, par), path, "open decoder")
        c.pointee.pkt_timebase = stream.pointee.time_base
        try ImageIO.check(avcodec_open2(c, codec, nil), path, "open decoder")

        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        var frame = av_frame_alloc()
        guard let pkt = packet, let fr = frame else {
            throw ImageIOError(path: path, operation: "decode", message: "out of memory")
        }
        var draining = false
        while true {
            // Try to take a frame first; feed a packet (or the flush) when the decoder wants more.
            let r = avcodec_receive_frame(c, fr)
            if r == 0 { return fr }
            if r == srd_averror_eof() { break }
            if r != srd_averror_eagain() {
                av_frame_free(&frame)
                try ImageIO.check(r, path, "decode")
            }
            if draining { break }
            let rr = av_read_frame(f, pkt)
            if rr == srd_averror_eof() {
                draining = true
                try ImageIO.check(avcodec_send_packet(c, nil), path, "decode")
                continue
            }
            if rr < 0 { av_frame_free(&frame); try ImageIO.check(rr, path, "read") }
            defer { av_packet_unref(pkt) }
            if pkt.pointee.stream_index != streamIndex { continue }
            let s = avcodec_send_packet(c, pkt)
            if s < 0 && s != srd_averror_eagain() { av_frame_free(&frame); try ImageIO.check(s, path, "decode") }
        }
        av_frame_free(&frame)
        throw ImageIOError(path: path, operation: "decode", message: "file holds no image")
    }
}

// MARK: - Unpacking

/// Turns a decoded frame into 3 planes of 0...1 samples.
private enum ImageUnpacker {
    /// A packed layout unpacked in Swift: `step` samples per pixel, the sample offsets of R, G, B.
    struct Packed {
        var bytesPerSample: Int
        var bigEndian: Bool
        var step: Int
        var rgb: (Int, Int, Int)
    }

    static func packedLayout(_ f: AVPixelFormat) -> Packed? {
        switch f {
        case AV_PIX_FMT_RGB24: return Packed(bytesPerSample: 1, bigEndian: false, step: 3, rgb: (0, 1, 2))
        case AV_PIX_FMT_BGR24: return Packed(bytesPerSample: 1, bigEndian: false, step: 3, rgb: (2, 1, 0))
        case AV_PIX_FMT_RGBA: return Packed(bytesPerSample: 1, bigEndian: false, step: 4, rgb: (0, 1, 2))
        case AV_PIX_FMT_BGRA: return Packed(bytesPerSample: 1, bigEndian: false, step: 4, rgb: (2, 1, 0))
        case AV_PIX_FMT_ARGB: return Packed(bytesPerSample: 1, bigEndian: false, step: 4, rgb: (1, 2, 3))
        case AV_PIX_FMT_ABGR: return Packed(bytesPerSample: 1, bigEndian: false, step: 4, rgb: (3, 2, 1))
        case AV_PIX_FMT_GRAY8: return Packed(bytesPerSample: 1, bigEndian: false, step: 1, rgb: (0, 0, 0))
        case AV_PIX_FMT_YA8: return Packed(bytesPerSample: 1, bigEndian: false, step: 2, rgb: (0, 0, 0))
        case AV_PIX_FMT_GRAY16BE: return Packed(bytesPerSample: 2, bigEndian: true, step: 1, rgb: (0, 0, 0))
        case AV_PIX_FMT_GRAY16LE: return Packed(bytesPerSample: 2, bigEndian: false, step: 1, rgb: (0, 0, 0))
        case AV_PIX_FMT_YA16BE: return Packed(bytesPerSample: 2, bigEndian: true, step: 2, rgb: (0, 0, 0))
        case AV_PIX_FMT_YA16LE: return Packed(bytesPerSample: 2, bigEndian: false, step: 2, rgb: (0, 0, 0))
        case AV_PIX_FMT_RGB48BE: return Packed(bytesPerSample: 2, bigEndian: true, step: 3, rgb: (0, 1, 2))
        case AV_PIX_FMT_RGB48LE: return Packed(bytesPerSample: 2, bigEndian: false, step: 3, rgb: (0, 1, 2))
        case AV_PIX_FMT_RGBA64BE: return Packed(bytesPerSample: 2, bigEndian: true, step: 4, rgb: (0, 1, 2))
        case AV_PIX_FMT_RGBA64LE: return Packed(bytesPerSample: 2, bigEndian: false, step: 4, rgb: (0, 1, 2))
        default: return nil
        }
    }

    static func planarImage(from frame: UnsafeMutablePointer<AVFrame>, path: String) throws -> PlanarImage {
        let fmt = AVPixelFormat(rawValue: frame.pointee.format)
        let w = Int(frame.pointee.width), h = Int(frame.pointee.height)
        guard w > 0, h > 0 else { throw ImageIOError(path: path, operation: "decode", message: "empty image") }
        if fmt == AV_PIX_FMT_PAL8 { return try unpackPalette(frame, w, h, path) }
        if let layout = packedLayout(fmt) {
            guard let base = frame.pointee.data.0 else {
                throw ImageIOError(path: path, operation: "decode", message: "frame has no data")
            }
            return unpack(base, stride: Int(frame.pointee.linesize.0), w, h, layout)
        }
        return try convertWithSwscale(frame, fmt, w, h, path)
    }

    static func unpack(_ base: UnsafePointer<UInt8>, stride: Int, _ w: Int, _ h: Int, _ l: Packed) -> PlanarImage {
        var img = PlanarImage(width: w, height: h, channels: 3)
        let n = w * h
        let offsets = [l.rgb.0, l.rgb.1, l.rgb.2]
        img.data.withUnsafeMutableBufferPointer { out in
            for y in 0..<h {
                let row = base + y * stride
                for x in 0..<w {
                    for c in 0..<3 {
                        let s = (x * l.step + offsets[c]) * l.bytesPerSample
                        let v: Float
                        if l.bytesPerSample == 1 {
                            v = Float(row[s]) / 255
                        } else {
                            let hi = l.bigEndian ? row[s] : row[s + 1], lo = l.bigEndian ? row[s + 1] : row[s]
                            v = Float(UInt16(hi) << 8 | UInt16(lo)) / 65535
                        }
                        out[c * n + y * w + x] = v
                    }
                }
            }
        }
        return img
    }

    /// pal8: data[0] holds indices, data[1] 256 native-endian 0xAARRGGBB entries.
    static func unpackPalette(_ frame: UnsafeMutablePointer<AVFrame>, _ w: Int, _ h: Int, _ path: String) throws -> PlanarImage {
        guard let idx = frame.pointee.data.0, let pal = frame.pointee.data.1 else {
            throw ImageIOError(path: path, operation: "decode", message: "pal8 frame without palette")
        }
        let stride = Int(frame.pointee.linesize.0)
        var img = PlanarImage(width: w, height: h, channels: 3)
        let n = w * h
        pal.withMemoryRebound(to: UInt32.self, capacity: 256) { p in
            img.data.withUnsafeMutableBufferPointer { out in
                for y in 0..<h {
                    for x in 0..<w {
                        let e = p[Int(idx[y * stride + x])]
                        out[y * w + x] = Float((e >> 16) & 0xFF) / 255
                        out[n + y * w + x] = Float((e >> 8) & 0xFF) / 255
                        out[2 * n + y * w + x] = Float(e & 0xFF) / 255
                    }
                }
            }
        }
        return img
    }

    /// Any other layout: swscale to rgb24, or rgb48le when a component is deeper than 8 bits.
    static func convertWithSwscale(_ frame: UnsafeMutablePointer<AVFrame>, _ fmt: AVPixelFormat,
                                   _ w: Int, _ h: Int, _ path: String) throws -> PlanarImage {
        let op = "convert to RGB"
        guard let desc = av_pix_fmt_desc_get(fmt) else {
            throw ImageIOError(path: path, operation: op, message: "unknown pixel format \(fmt.rawValue)")
        }
        let deep = desc.pointee.comp.0.depth > 8
        let dstFmt = deep ? AV_PIX_FMT_RGB48LE : AV_PIX_FMT_RGB24
        let flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP
        guard let sws = sws_getContext(Int32(w), Int32(h), fmt, Int32(w), Int32(h), dstFmt, flags, nil, nil, nil) else {
            let name = String(cString: desc.pointee.name)
            throw ImageIOError(path: path, operation: op, message: "swscale cannot convert \(name)")
        }
        defer { sws_freeContext(sws) }
        var dst = av_frame_alloc()
        guard let d = dst else { throw ImageIOError(path: path, operation: op, message: "out of memory") }
        defer { av_frame_free(&dst) }
        d.pointee.format = dstFmt.rawValue
        d.pointee.width = Int32(w)
        d.pointee.height = Int32(h)
        try ImageIO.check(av_frame_get_buffer(d, 0), path, op)
        try ImageIO.check(sws_scale_frame(sws, d, frame), path, op)
        guard let base = d.pointee.data.0 else { throw ImageIOError(path: path, operation: op, message: "no output") }
        return unpack(base, stride: Int(d.pointee.linesize.0), w, h, packedLayout(dstFmt)!)
    }
}
