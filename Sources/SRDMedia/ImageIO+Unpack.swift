import CFFmpeg
import Foundation

/// Turns a decoded frame into 3 planes of 0...1 samples.
enum ImageUnpacker {
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
        guard w > 0, h > 0 else { throw MediaError.image(path, "decode", "empty image") }
        if fmt == AV_PIX_FMT_PAL8 { return try unpackPalette(frame, w, h, path) }
        if let layout = packedLayout(fmt) {
            guard let base = frame.pointee.data.0 else {
                throw MediaError.image(path, "decode", "frame has no data")
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
            throw MediaError.image(path, "decode", "pal8 frame without palette")
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
            throw MediaError.image(path, op, "unknown pixel format \(fmt.rawValue)")
        }
        let deep = desc.pointee.comp.0.depth > 8
        let dstFmt = deep ? AV_PIX_FMT_RGB48LE : AV_PIX_FMT_RGB24
        let flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP
        guard let sws = sws_getContext(Int32(w), Int32(h), fmt, Int32(w), Int32(h), dstFmt, flags, nil, nil, nil) else {
            let name = String(cString: desc.pointee.name)
            throw MediaError.image(path, op, "swscale cannot convert \(name)")
        }
        defer { sws_freeContext(sws) }
        var dst = av_frame_alloc()
        guard let d = dst else { throw MediaError.image(path, op, "out of memory") }
        defer { av_frame_free(&dst) }
        d.pointee.format = dstFmt.rawValue
        d.pointee.width = Int32(w)
        d.pointee.height = Int32(h)
        try ImageIO.check(av_frame_get_buffer(d, 0), path, op)
        try ImageIO.check(sws_scale_frame(sws, d, frame), path, op)
        guard let base = d.pointee.data.0 else { throw MediaError.image(path, op, "no output") }
        return unpack(base, stride: Int(d.pointee.linesize.0), w, h, packedLayout(dstFmt)!)
    }
}
