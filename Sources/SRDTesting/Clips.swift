import CFFmpeg
import Foundation
import SRDMedia

/// Writes a synthetic clip named `name` into `directory` and returns its path.
/// - Parameter configure: adjusts the default options (320x240, 24 frames, 24 fps, libx264).
@discardableResult
public func makeClip(in directory: TemporaryDirectory, name: String,
                     configure: (inout SyntheticClip.Options) -> Void = { _ in }) throws -> String {
    var options = SyntheticClip.Options()
    configure(&options)
    let path = directory.file(name)
    try SyntheticClip.write(to: path, options: options)
    return path
}

/// Errors of the test helpers themselves.
public struct TestingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Writes 8-bit RGB images as PNG files with libav's png encoder: `pattern` is a printf pattern
/// such as "%08d.png", numbered from `start`. Values are rounded from 0...1 to 0...255.
/// - Returns: the paths written.
@discardableResult
public func writePNGSequence(_ images: [PlanarImage], in directory: TemporaryDirectory,
                             pattern: String = "%08d.png", start: Int = 1) throws -> [String] {
    var paths: [String] = []
    for (i, image) in images.enumerated() {
        let path = directory.file(String(format: pattern, start + i))
        try encodePNGWithLibav(image, to: path)
        paths.append(path)
    }
    return paths
}

/// Encodes one RGB image (3 channels, 0...1, rounded to 8 bits) as rgb24 PNG with libav.
public func encodePNGWithLibav(_ image: PlanarImage, to path: String) throws {
    guard image.channels == 3 else { throw TestingError("encodePNGWithLibav needs 3 channels") }
    guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG) else { throw TestingError("no png encoder") }
    var ctx = avcodec_alloc_context3(codec)
    var frame = av_frame_alloc()
    var pkt = av_packet_alloc()
    defer { avcodec_free_context(&ctx); av_frame_free(&frame); av_packet_free(&pkt) }
    guard let ctx, let frame, let pkt else { throw TestingError("out of memory") }
    ctx.pointee.width = Int32(image.width)
    ctx.pointee.height = Int32(image.height)
    ctx.pointee.pix_fmt = AV_PIX_FMT_RGB24
    ctx.pointee.time_base = AVRational(num: 1, den: 25)
    guard avcodec_open2(ctx, codec, nil) >= 0 else { throw TestingError("cannot open png encoder") }
    frame.pointee.format = AV_PIX_FMT_RGB24.rawValue
    frame.pointee.width = Int32(image.width)
    frame.pointee.height = Int32(image.height)
    guard av_frame_get_buffer(frame, 0) >= 0 else { throw TestingError("cannot allocate frame") }
    let data = srd_frame_data(frame, 0)!
    let stride = Int(srd_frame_linesize(frame, 0))
    for y in 0..<image.height {
        for x in 0..<image.width {
            for c in 0..<3 {
                let v = max(0, min(255, (image[c, y, x] * 255).rounded()))
                data[y * stride + x * 3 + c] = UInt8(v)
            }
        }
    }
    frame.pointee.pts = 0
    guard avcodec_send_frame(ctx, frame) >= 0, avcodec_send_frame(ctx, nil) >= 0,
          avcodec_receive_packet(ctx, pkt) >= 0 else { throw TestingError("png encoding failed") }
    let bytes = Data(bytes: pkt.pointee.data, count: Int(pkt.pointee.size))
    av_packet_unref(pkt)
    try bytes.write(to: URL(fileURLWithPath: path))
}
