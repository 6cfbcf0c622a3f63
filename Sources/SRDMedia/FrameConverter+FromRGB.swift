import CFFmpeg

/// Converts planar float RGB into an encoder's pixel format with a given matrix and range.
///
/// Floats are clamped to 0...1 and rounded to 16-bit planar GBR, then swscale converts to the
/// target (e.g. yuv420p10le) with the matrix and range set explicitly, so an encode uses the same
/// colour rules the source was decoded with.
final class RGBToFrameConverter {
    let width: Int
    let height: Int
    let format: PixelFormatInfo
    let spec: ColorSpec
    private let sws: OpaquePointer
    private let planes: GBRPlanes

    init(width: Int, height: Int, format: PixelFormatInfo, spec: ColorSpec) throws {
        self.width = width
        self.height = height
        self.format = format
        self.spec = spec
        let flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP | SWS_BITEXACT
        guard let ctx = sws_getContext(Int32(width), Int32(height), srd_pix_fmt_gbrp16(),
                                       Int32(width), Int32(height), format.format,
                                       Int32(flags), nil, nil, nil) else {
            throw MediaError(.unsupported, "cannot convert RGB to \(format.name)")
        }
        if spec.model != .rgb {
            _ = srd_sws_set_colorspace(ctx, spec.matrix, 1, spec.matrix, spec.fullRange ? 1 : 0)
        }
        sws = ctx
        planes = try GBRPlanes(width: width, height: height, bytesPerSample: 2)
    }

    deinit { sws_freeContext(sws) }

    /// Writes `image` into `frame` (allocated for this size and format, and writable).
    func convert(_ image: PlanarImage, into frame: UnsafeMutablePointer<AVFrame>) throws {
        guard image.width == width, image.height == height, image.channels == 3 else {
            throw MediaError(.invalidArgument,
                             "image is \(image.channels)x\(image.width)x\(image.height), encoder expects 3x\(width)x\(height)")
        }
        image.data.withUnsafeBufferPointer { src in
            for c in 0..<3 {
                let plane = planes.pointers[GBRPlanes.plane(forChannel: c)]
                for y in 0..<height {
                    let row = UnsafeMutableRawPointer(plane + y * planes.stride).assumingMemoryBound(to: UInt16.self)
                    let o = (c * height + y) * width
                    for x in 0..<width {
                        var v = src[o + x] * 65535 + 0.5
                        if !(v >= 0) { v = 0 }  // also maps NaN to 0
                        if v > 65535 { v = 65535 }
                        row[x] = UInt16(v)
                    }
                }
            }
        }
        let srcPlanes: [UnsafePointer<UInt8>?] = planes.pointers.map { UnsafePointer($0) }
        let rows = srd_sws_planes_to_frame(sws, srcPlanes, planes.strides, Int32(height), frame)
        guard rows > 0 else {
            throw MediaError(.encodeFailed, "pixel conversion to \(format.name) failed", code: rows)
        }
    }
}
