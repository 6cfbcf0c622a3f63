import CFFmpeg

/// Converts planar float RGB into an encoder's pixel format with a given matrix and range.
///
/// Floats are clamped to 0...1 and rounded to 16-bit planar GBR, then swscale converts to the
/// target (e.g. yuv420p10le) with the matrix and range set explicitly, so an encode uses the same
/// colour rules the source was decoded with. The 16-bit copy is made `sliceRows` rows at a time
/// and fed to swscale as slices, so the scratch is 1.5 MB at 3840 wide instead of a whole 50 MB
/// frame; the pixels are the same as converting the frame in one call (FramePackerTests).
final class RGBToFrameConverter {
    let width: Int
    let height: Int
    let format: PixelFormatInfo
    let spec: ColorSpec
    let sliceRows: Int
    private let sws: OpaquePointer
    private let planes: GBRPlanes

    /// - Parameter sliceRows: rows per swscale slice, a multiple of the format's vertical chroma
    ///   step (rounded up to one); at least `height` converts the frame in one call.
    init(width: Int, height: Int, format: PixelFormatInfo, spec: ColorSpec, sliceRows: Int = 32) throws {
        self.width = width
        self.height = height
        self.format = format
        self.spec = spec
        let step = 1 << format.log2ChromaH
        self.sliceRows = min(height, max(step, (sliceRows + step - 1) / step * step))
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
        planes = try GBRPlanes(width: width, height: self.sliceRows, bytesPerSample: 2)
    }

    deinit { sws_freeContext(sws) }

    /// Writes `image` into `frame` (allocated for this size and format, and writable).
    func convert(_ image: PlanarImage, into frame: UnsafeMutablePointer<AVFrame>) throws {
        guard image.width == width, image.height == height, image.channels == 3 else {
            throw MediaError(.invalidArgument,
                             "image is \(image.channels)x\(image.width)x\(image.height), encoder expects 3x\(width)x\(height)")
        }
        let srcPlanes: [UnsafePointer<UInt8>?] = planes.pointers.map { UnsafePointer($0) }
        let strides = planes.strides
        var rowsOut: Int32 = 0
        var y0 = 0
        while y0 < height {
            let rows = min(sliceRows, height - y0)
            image.data.withUnsafeBufferPointer { src in
                for c in 0..<3 {
                    let plane = planes.pointers[GBRPlanes.plane(forChannel: c)]
                    for r in 0..<rows {
                        let row = UnsafeMutableRawPointer(plane + r * planes.stride).assumingMemoryBound(to: UInt16.self)
                        let o = (c * height + y0 + r) * width
                        for x in 0..<width {
                            var v = src[o + x] * 65535 + 0.5
                            if !(v >= 0) { v = 0 }  // also maps NaN to 0
                            if v > 65535 { v = 65535 }
                            row[x] = UInt16(v)
                        }
                    }
                }
            }
            let done = srd_sws_slice_to_frame(sws, srcPlanes, strides, Int32(y0), Int32(rows), frame)
            guard done >= 0 else {
                throw MediaError(.encodeFailed, "pixel conversion to \(format.name) failed", code: done)
            }
            rowsOut += done
            y0 += rows
        }
        guard rowsOut == Int32(height) else {
            throw MediaError(.encodeFailed, "pixel conversion to \(format.name) produced \(rowsOut) of \(height) rows")
        }
    }
}
