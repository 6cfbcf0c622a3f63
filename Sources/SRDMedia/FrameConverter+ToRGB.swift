import CFFmpeg

/// Converts decoded frames of any pixel format into planar float RGB (0...1) with swscale.
///
/// YUV goes to 16-bit planar GBR with the frame's matrix and range set on swscale, which keeps
/// 10- and 12-bit precision. 8-bit RGB goes to 8-bit planar GBR (swscale's exact unscaled
/// repacking), so PNG frames decode to exactly value/255.
final class FrameToRGBConverter {
    private struct Key: Hashable {
        var width: Int, height: Int, format: Int32, spec: ColorSpec
    }

    private var key: Key?
    private var sws: OpaquePointer?
    private var planes: GBRPlanes?

    deinit { sws_freeContext(sws) }

    /// The colour spec used for the last frame.
    private(set) var lastSpec: ColorSpec?

    func convert(_ frame: UnsafePointer<AVFrame>) throws -> PlanarImage {
        let f = frame.pointee
        let width = Int(f.width), height = Int(f.height)
        let info = PixelFormatInfo(AVPixelFormat(raw: f.format))
        let spec = ColorSpec.source(format: info, matrix: Int32(bitPattern: f.colorspace.rawValue),
                                    range: Int32(bitPattern: f.color_range.rawValue), height: height)
        let eightBitRGB = info.map { $0.isRGB && $0.bitDepth <= 8 } ?? false
        try prepare(Key(width: width, height: height, format: f.format, spec: spec), eightBitRGB: eightBitRGB)
        guard let sws, let planes else { throw MediaError(.decodeFailed, "no pixel converter") }

        let dst: [UnsafeMutablePointer<UInt8>?] = planes.pointers
        let strides = planes.strides
        let rows = srd_sws_frame_to_planes(sws, frame, dst, strides)
        guard rows == Int32(height) else {
            throw MediaError(.decodeFailed, "pixel conversion from \(info?.name ?? "?") produced \(rows) of \(height) rows")
        }
        lastSpec = spec

        var image = PlanarImage(width: width, height: height, channels: 3)
        image.data.withUnsafeMutableBufferPointer { out in
            for c in 0..<3 {
                let src = planes.pointers[GBRPlanes.plane(forChannel: c)]
                for y in 0..<height {
                    let o = (c * height + y) * width
                    if planes.bytesPerSample == 1 {
                        let row = src + y * planes.stride
                        SampleScale.from8.withUnsafeBufferPointer { t in
                            for x in 0..<width { out[o + x] = t[Int(row[x])] }
                        }
                    } else {
                        let row = UnsafeRawPointer(src + y * planes.stride).assumingMemoryBound(to: UInt16.self)
                        SampleScale.from16.withUnsafeBufferPointer { t in
                            for x in 0..<width { out[o + x] = t[Int(row[x])] }
                        }
                    }
                }
            }
        }
        return image
    }

    private func prepare(_ newKey: Key, eightBitRGB: Bool) throws {
        if newKey == key, sws != nil { return }
        sws_freeContext(sws)
        sws = nil
        let dstFormat = eightBitRGB ? AV_PIX_FMT_GBRP : srd_pix_fmt_gbrp16()
        let flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP | SWS_BITEXACT
        guard let ctx = sws_getContext(Int32(newKey.width), Int32(newKey.height), AVPixelFormat(raw: newKey.format),
                                       Int32(newKey.width), Int32(newKey.height), dstFormat,
                                       Int32(flags), nil, nil, nil) else {
            let name = PixelFormatInfo(AVPixelFormat(raw: newKey.format))?.name ?? "format \(newKey.format)"
            throw MediaError(.unsupported, "cannot convert \(name) to RGB")
        }
        if newKey.spec.model != .rgb {
            _ = srd_sws_set_colorspace(ctx, newKey.spec.matrix, newKey.spec.fullRange ? 1 : 0,
                                       newKey.spec.matrix, 1)
        }
        sws = ctx
        planes = try GBRPlanes(width: newKey.width, height: newKey.height, bytesPerSample: eightBitRGB ? 1 : 2)
        key = newKey
    }
}
