import CFFmpeg
import Foundation

/// An output that is pictures rather than a video: OUTPUT's extension picks the encoder
/// (`.png`, `.tif`/`.tiff`, `.jpg`/`.jpeg`, `.webp` where libwebp exists, `.bmp`), written by
/// libav's image2 muxer. A printf pattern in the name (`%d`, `%08d`) writes one picture per
/// frame, numbered from 1 as ffmpeg does; a plain name holds exactly one picture.
public struct ImageOutput: Sendable, Equatable {
    /// libav encoder name.
    public let codec: String
    /// True for a name with a frame-number pattern.
    public let isSequence: Bool

    /// The image output `path` asks for, or nil for a video container.
    public static func detect(_ path: String) -> ImageOutput? {
        let ext = (path as NSString).pathExtension.lowercased()
        let codec: String
        switch ext {
        case "png": codec = "png"
        case "tif", "tiff": codec = "tiff"
        case "jpg", "jpeg": codec = "mjpeg"
        case "webp": codec = "libwebp"
        case "bmp": codec = "bmp"
        default: return nil
        }
        return ImageOutput(codec: codec, isSequence: hasFramePattern((path as NSString).lastPathComponent))
    }

    /// True when `name` holds a printf frame number (`%d`, `%08d`), as the image2 muxer reads it.
    public static func hasFramePattern(_ name: String) -> Bool {
        name.range(of: #"%0?[0-9]*d"#, options: .regularExpression) != nil
    }

    /// True when this libav build has the encoder.
    public var isAvailable: Bool { avcodec_find_encoder_by_name(codec) != nil }

    /// The encoder's pixel format for a source of `sourceDepth` bits: PNG and TIFF keep more than
    /// 8 bits as 16-bit RGB (a 10-bit video gives 16-bit pictures); JPEG is full-range 4:4:4,
    /// WebP 4:2:0, BMP 8-bit.
    public func pixelFormat(sourceDepth: Int) -> String {
        let deep = sourceDepth > 8
        switch codec {
        case "png": return deep ? "rgb48be" : "rgb24"
        case "tiff": return deep ? "rgb48le" : "rgb24"
        case "mjpeg": return "yuvj444p"
        case "libwebp": return "yuv420p"
        default: return "bgr24"
        }
    }

    /// Encoder settings for this output (no rate control: every picture is coded on its own).
    public func settings(sourceDepth: Int) -> EncodeSettings {
        var s = EncodeSettings(codec: codec, crf: nil, preset: nil, pixelFormat: pixelFormat(sourceDepth: sourceDepth),
                               formatName: "image2")
        if codec == "mjpeg" { s.extraOptions["qscale"] = "2" }  // near the top of JPEG quality
        if !isSequence { s.muxerOptions["update"] = "1" }       // one file, no pattern
        return s
    }
}
