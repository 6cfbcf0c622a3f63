import CFFmpeg

/// Facts about a libav pixel format that the conversion rules need.
struct PixelFormatInfo {
    let format: AVPixelFormat
    let name: String
    /// Bits per sample of the first component (8 for yuv420p and rgb24, 10 for yuv420p10le).
    let bitDepth: Int
    let isRGB: Bool
    let isGray: Bool
    let hasPalette: Bool
    let log2ChromaW: Int
    let log2ChromaH: Int

    init?(_ format: AVPixelFormat) {
        guard let desc = av_pix_fmt_desc_get(format) else { return nil }
        let d = desc.pointee
        self.format = format
        self.name = String(cString: d.name)
        self.bitDepth = Int(d.comp.0.depth)
        self.isRGB = d.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0
        self.hasPalette = d.flags & UInt64(AV_PIX_FMT_FLAG_PAL) != 0
        // Gray: one colour component (alpha may follow), not RGB, no palette.
        let colourComponents = Int(d.nb_components) - (d.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0 ? 1 : 0)
        self.isGray = !isRGB && !hasPalette && colourComponents == 1
        self.log2ChromaW = Int(d.log2_chroma_w)
        self.log2ChromaH = Int(d.log2_chroma_h)
    }

    init?(name: String) {
        let f = av_get_pix_fmt(name)
        guard f != AV_PIX_FMT_NONE else { return nil }
        self.init(f)
    }

    /// YUV in the sense of "needs a matrix to become RGB".
    var isYUV: Bool { !isRGB && !isGray && !hasPalette }
}

extension AVPixelFormat {
    init(raw: Int32) { self.init(rawValue: numericCast(raw)) }
}

/// The libav name of an enum value from one of the av_*_name functions, or "unknown".
func avName(_ p: UnsafePointer<CChar>?) -> String {
    p.map { String(cString: $0) } ?? "unknown"
}
