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
    /// - Throws: `MediaError` naming the file, the step and the libav cause.
    public static func read(_ path: String) throws -> PlanarImage {
        try ImageDecoder.withFirstFrame(path) { try ImageUnpacker.planarImage(from: $0, path: path) }
    }

    /// Writes an 8-bit PNG: RGB24 for 3-plane images, gray8 for 1-plane images.
    ///
    /// Samples are clamped to 0...1, scaled by 255 and rounded half away from zero (MATLAB's
    /// `uint8()`, what the evaluation protocol does to SR outputs), so `read(writePNG(x))` equals
    /// `x` quantised to 8 bits.
    /// - Throws: `MediaError` for other channel counts, encoder failures or write failures.
    public static func writePNG(_ image: PlanarImage, to path: String) throws {
        let format: AVPixelFormat
        switch image.channels {
        case 1: format = AV_PIX_FMT_GRAY8
        case 3: format = AV_PIX_FMT_RGB24
        default:
            throw MediaError.image(path, "write PNG", "cannot store \(image.channels) channels (need 1 or 3)")
        }
        guard image.width > 0, image.height > 0 else {
            throw MediaError.image(path, "write PNG", "empty image \(image.width)x\(image.height)")
        }
        let n = image.planeSize
        var packed = [UInt8](repeating: 0, count: n * image.channels)
        image.data.withUnsafeBufferPointer { src in
            for i in 0..<n {
                for c in 0..<image.channels {
                    packed[i * image.channels + c] = Quantization.uint8(src[c * n + i])
                }
            }
        }
        let bytes = try encodePNG(packed: packed, width: image.width, height: image.height,
                                  format: format, palette: nil, path: path)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw MediaError.image(path, "write PNG", "\(error.localizedDescription)")
        }
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
            throw MediaError.image(path, op, "libav has no PNG encoder")
        }
        var ctx = avcodec_alloc_context3(codec)
        guard let c = ctx else { throw MediaError.image(path, op, "out of memory") }
        defer { avcodec_free_context(&ctx) }
        c.pointee.width = Int32(width)
        c.pointee.height = Int32(height)
        c.pointee.pix_fmt = format
        c.pointee.time_base = AVRational(num: 1, den: 1)
        try check(avcodec_open2(c, codec, nil), path, op)

        var frame = av_frame_alloc()
        guard let f = frame else { throw MediaError.image(path, op, "out of memory") }
        defer { av_frame_free(&frame) }
        f.pointee.format = format.rawValue
        f.pointee.width = Int32(width)
        f.pointee.height = Int32(height)
        try check(av_frame_get_buffer(f, 0), path, op)
        let rowBytes = packed.count / height
        let stride = Int(f.pointee.linesize.0)
        guard let dst = f.pointee.data.0 else { throw MediaError.image(path, op, "no frame buffer") }
        packed.withUnsafeBufferPointer { src in
            for y in 0..<height {
                (dst + y * stride).update(from: src.baseAddress! + y * rowBytes, count: rowBytes)
            }
        }
        if let palette {
            guard let pal = f.pointee.data.1 else { throw MediaError.image(path, op, "no palette buffer") }
            pal.withMemoryRebound(to: UInt32.self, capacity: 256) { p in
                for i in 0..<256 { p[i] = i < palette.count ? palette[i] : 0 }
            }
        }

        var out = [UInt8]()
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let pkt = packet else { throw MediaError.image(path, op, "out of memory") }
        for input in [f, nil] {
            try drainEncoder(c, input, packet: pkt, name: "png") { p in
                out.append(contentsOf: UnsafeBufferPointer(start: p.pointee.data, count: Int(p.pointee.size)))
            }
        }
        if out.isEmpty { throw MediaError.image(path, op, "encoder produced no data") }
        return out
    }

    static func check(_ code: Int32, _ path: String, _ operation: String) throws {
        if code < 0 { throw MediaError.image(path, operation, code: code) }
    }
}

extension MediaError {
    /// An image file's error, "<path>: <operation> failed: <cause>", of the kind the operation implies.
    static func image(_ path: String, _ operation: String, _ cause: String, code: Int32? = nil) -> MediaError {
        let kind: Kind
        switch operation {
        case "open", "probe", "find image stream": kind = .openFailed
        case "open decoder": kind = .codecUnavailable
        case "decode", "read": kind = .decodeFailed
        case "write PNG": kind = .writeFailed
        default: kind = .encodeFailed
        }
        return MediaError(kind, "\(path): \(operation) failed: \(cause)", libavCode: code)
    }

    /// The same for a libav return code, with libav's own words for it.
    static func image(_ path: String, _ operation: String, code: Int32) -> MediaError {
        image(path, operation, libavErrorString(code), code: code)
    }
}
