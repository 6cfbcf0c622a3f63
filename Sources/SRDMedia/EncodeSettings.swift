/// How the writer encodes video.
public struct EncodeSettings: Sendable, Hashable {
    /// libav encoder name.
    public var codec: String
    /// Constant rate factor, set when the encoder has a "crf" option; nil keeps its default.
    public var crf: Double?
    /// Encoder preset, set when the encoder has a "preset" option; nil keeps its default.
    public var preset: String?
    /// Encoder pixel format, e.g. "yuv420p10le". nil chooses: keep more than 8 bits when the
    /// source has them and the encoder has a 4:2:0 format that deep, else yuv420p.
    public var pixelFormat: String?
    /// Further encoder options (av_opt_set on the codec context and its private options).
    public var extraOptions: [String: String]
    /// libav muxer name (e.g. "mp4", "matroska"); nil chooses with `MediaWriter.chooseFormat`.
    public var formatName: String?
    /// Muxer options given when the header is written (e.g. image2's `update`).
    public var muxerOptions: [String: String] = [:]

    public init(codec: String = "libx264", crf: Double? = 18, preset: String? = "medium",
                pixelFormat: String? = nil, extraOptions: [String: String] = [:], formatName: String? = nil) {
        self.codec = codec
        self.crf = crf
        self.preset = preset
        self.pixelFormat = pixelFormat
        self.extraOptions = extraOptions
        self.formatName = formatName
    }
}
