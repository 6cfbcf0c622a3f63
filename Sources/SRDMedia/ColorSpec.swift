import CFFmpeg

/// How a frame's samples map to RGB: already RGB, gray, or YUV with a matrix and a range.
///
/// One place holds the rules so decode and encode agree: a YUV source is decoded with its own
/// matrix and range and re-encoded with the same ones; an unspecified matrix means BT.601 below
/// 720 lines and BT.709 otherwise, and an unspecified YUV range means limited (studio) range.
struct ColorSpec: Hashable {
    enum Model: Hashable { case rgb, gray, yuv }
    var model: Model
    /// An AVColorSpace value; equal to the SWS_CS_* index swscale takes.
    var matrix: Int32
    var fullRange: Bool

    static let rgb = ColorSpec(model: .rgb, matrix: Int32(AVCOL_SPC_RGB.rawValue), fullRange: true)

    /// The matrix to assume when the source says nothing: BT.601 (SMPTE 170M) for SD, else BT.709.
    static func defaultMatrix(height: Int) -> Int32 {
        Int32(height < 720 ? AVCOL_SPC_SMPTE170M.rawValue : AVCOL_SPC_BT709.rawValue)
    }

    /// The matrix swscale should use for a tagged value, or nil when it is not a YUV matrix
    /// swscale knows (unspecified, reserved, YCgCo, ICtCp...).
    static func usableMatrix(_ raw: Int32) -> Int32? {
        switch UInt32(bitPattern: raw) {
        case AVCOL_SPC_BT709.rawValue, AVCOL_SPC_FCC.rawValue, AVCOL_SPC_BT470BG.rawValue,
             AVCOL_SPC_SMPTE170M.rawValue, AVCOL_SPC_SMPTE240M.rawValue, AVCOL_SPC_BT2020_NCL.rawValue:
            return raw
        case AVCOL_SPC_BT2020_CL.rawValue:
            return Int32(AVCOL_SPC_BT2020_NCL.rawValue)  // swscale has no constant-luminance path
        default:
            return nil
        }
    }

    /// The spec of decoded samples: pixel format, the frame's (or stream's) tags, and its height.
    static func source(format: PixelFormatInfo?, matrix: Int32, range: Int32, height: Int) -> ColorSpec {
        let tagged = UInt32(bitPattern: range)
        let taggedFull: Bool? = tagged == AVCOL_RANGE_JPEG.rawValue ? true
            : tagged == AVCOL_RANGE_MPEG.rawValue ? false : nil
        guard let format else {
            return ColorSpec(model: .yuv, matrix: defaultMatrix(height: height), fullRange: taggedFull ?? false)
        }
        if format.isRGB || format.hasPalette { return .rgb }
        if format.isGray {
            // Gray video from an encoder is usually studio range when tagged; images are full.
            return ColorSpec(model: .gray, matrix: defaultMatrix(height: height), fullRange: taggedFull ?? true)
        }
        let isJPEGFormat = format.name.hasPrefix("yuvj")
        return ColorSpec(model: .yuv,
                         matrix: usableMatrix(matrix) ?? defaultMatrix(height: height),
                         fullRange: taggedFull ?? isJPEGFormat)
    }

    /// The spec to encode with: the source's own matrix and range for YUV sources, so colours
    /// survive the round trip; for RGB or gray sources into YUV, the default for the output size
    /// in limited range.
    static func output(format: PixelFormatInfo, source: ColorSpec, outputHeight: Int) -> ColorSpec {
        if format.isRGB || format.hasPalette { return .rgb }
        if format.isGray { return ColorSpec(model: .gray, matrix: source.matrix, fullRange: source.fullRange) }
        let jpeg = format.name.hasPrefix("yuvj")
        if source.model == .yuv {
            return ColorSpec(model: .yuv, matrix: source.matrix, fullRange: jpeg || source.fullRange)
        }
        return ColorSpec(model: .yuv, matrix: defaultMatrix(height: outputHeight), fullRange: jpeg)
    }

    /// The AVColorRange tag for this spec.
    var rangeTag: AVColorRange { fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG }
}
