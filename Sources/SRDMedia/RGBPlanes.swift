import CFFmpeg

/// Three aligned planes of planar GBR samples (libav's plane order: G, B, R) that swscale reads
/// or writes; reused across frames of the same size.
final class GBRPlanes {
    let width: Int
    let height: Int
    let bytesPerSample: Int
    /// Bytes per row, a multiple of 64 so swscale's SIMD paths stay aligned.
    let stride: Int
    private(set) var pointers: [UnsafeMutablePointer<UInt8>] = []

    init(width: Int, height: Int, bytesPerSample: Int) throws {
        self.width = width
        self.height = height
        self.bytesPerSample = bytesPerSample
        self.stride = (width * bytesPerSample + 63) & ~63
        for _ in 0..<3 {
            guard let p = av_malloc(stride * height + 64) else {
                throw MediaError(.encodeFailed, "out of memory for a \(width)x\(height) frame")
            }
            pointers.append(p.assumingMemoryBound(to: UInt8.self))
        }
    }

    deinit { for p in pointers { av_free(p) } }

    var strides: [Int32] { [Int32](repeating: Int32(stride), count: 3) }

    /// Plane index in GBR order for an RGB channel (0 R, 1 G, 2 B).
    static func plane(forChannel c: Int) -> Int { [2, 0, 1][c] }
}

/// Exact sample-to-float tables: `table[v] == Float(v) / max` for every code value, so an 8-bit
/// RGB image decodes to exactly value/255 (multiplying by 1/255 would differ in the last bit).
enum SampleScale {
    static let from8: [Float] = (0..<256).map { Float($0) / 255 }
    static let from16: [Float] = (0..<65536).map { Float($0) / 65535 }
}
