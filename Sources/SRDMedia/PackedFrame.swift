import CFFmpeg

/// One picture already in the encoder's pixel format: what a frame in flight keeps once the
/// network is done with it.
///
/// A 3840x2160 frame is 12.4 MB as yuv420p (24.9 MB at 10 bits) where planar float RGB takes
/// 99.5 MB, so the frames waiting for the in-order encoder no longer dominate the job's memory.
/// The buffer is libav's (reference counted): the encoder keeps a reference after it is sent, and
/// the memory goes back when both are done with it.
public final class PackedFrame: @unchecked Sendable {
    let frame: UnsafeMutablePointer<AVFrame>
    public let width: Int
    public let height: Int

    init(frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int) {
        self.frame = frame
        self.width = width
        self.height = height
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }
}

/// Converts a worker's float RGB output into a `PackedFrame` for one `MediaWriter`, with exactly
/// the matrix, range and pixel format the writer's encoder uses. One per worker thread (it owns a
/// swscale context and scratch planes); `MediaWriter.makePacker()` makes them.
public final class FramePacker: @unchecked Sendable {
    private let converter: RGBToFrameConverter

    init(converter: RGBToFrameConverter) {
        self.converter = converter
    }

    /// The encoder-format copy of `image` (3 x height x width, 0...1; clamped).
    public func pack(_ image: PlanarImage) throws -> PackedFrame {
        guard let frame = av_frame_alloc() else { throw MediaError(.encodeFailed, "out of memory for a frame") }
        frame.pointee.format = converter.format.format.rawValue
        frame.pointee.width = Int32(converter.width)
        frame.pointee.height = Int32(converter.height)
        let packed = PackedFrame(frame: frame, width: converter.width, height: converter.height)
        try check(av_frame_get_buffer(frame, 0), .encodeFailed, "cannot allocate a \(converter.width)x\(converter.height) frame")
        try converter.convert(image, into: frame)
        return packed
    }
}
