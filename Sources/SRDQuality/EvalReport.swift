import Foundation

/// Results of evaluating one model at one scale on benchmark datasets, as JSON:
///
///     {"scale": 2, "model": "bicubic",
///      "datasets": [{"name": "Set5", "psnr_y": 33.68, "ssim_y": 0.9305, "psnr_rgb": ..., "ssim_rgb": ...,
///                    "seconds_per_image": ...,
///                    "images": [{"name": "baby", "psnr_y": 37.09, "ssim_y": 0.9527, ...}]}]}
///
/// Non-finite numbers are written as JSON `null` (JSON has no infinity): a PSNR of `null` means
/// the images were identical (MSE 0, PSNR +infinity) and decodes back to `+infinity`; an SSIM
/// or UQI of `null` means it was undefined (image smaller than the window) and decodes to NaN.
/// Fields after `ssim_y` are optional so reports from other tools (e.g. the reference
/// evaluator's per-image rows renamed) decode too.
public struct EvalReport: Codable, Sendable, Equatable {
    public var scale: Int
    public var model: String
    public var datasets: [DatasetResult]

    public init(scale: Int, model: String, datasets: [DatasetResult]) {
        self.scale = scale
        self.model = model
        self.datasets = datasets
    }

    /// Pretty-printed, key-sorted JSON.
    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    /// Decodes what `jsonData()` wrote.
    public static func decode(_ data: Data) throws -> EvalReport {
        try JSONDecoder().decode(EvalReport.self, from: data)
    }
}

/// One dataset's per-image scores and their means.
public struct DatasetResult: Codable, Sendable, Equatable {
    public var name: String
    /// Mean over images of the per-image PSNR on Y (dB).
    public var psnrY: Double
    /// Mean over images of the per-image SSIM on Y.
    public var ssimY: Double
    public var psnrRGB: Double?
    public var ssimRGB: Double?
    /// Mean wall time of the upscale call per image (seconds).
    public var secondsPerImage: Double?
    /// Mean over images of the high-frequency energy ratio (`Metrics.highFrequencyRatio`).
    public var highFrequencyRatio: Double?
    public var images: [ImageResult]

    /// Means computed from `images` (which must not be empty).
    public init(name: String, images: [ImageResult]) {
        precondition(!images.isEmpty, "a dataset result needs images")
        func mean(_ f: (ImageResult) -> Double?) -> Double? {
            let v = images.compactMap(f)
            return v.count == images.count ? v.reduce(0, +) / Double(v.count) : nil
        }
        self.name = name
        self.images = images
        self.psnrY = mean { $0.psnrY }!
        self.ssimY = mean { $0.ssimY }!
        self.psnrRGB = mean { $0.psnrRGB }
        self.ssimRGB = mean { $0.ssimRGB }
        self.secondsPerImage = mean { $0.seconds }
        self.highFrequencyRatio = mean { $0.highFrequencyRatio }
    }

    enum CodingKeys: String, CodingKey {
        case name, images
        case psnrY = "psnr_y", ssimY = "ssim_y", psnrRGB = "psnr_rgb", ssimRGB = "ssim_rgb"
        case secondsPerImage = "seconds_per_image", highFrequencyRatio = "hf_ratio"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        images = try c.decode([ImageResult].self, forKey: .images)
        psnrY = try c.decodePSNR(.psnrY) ?? .infinity
        ssimY = try c.decodeMetric(.ssimY) ?? .nan
        psnrRGB = try c.contains(.psnrRGB) ? (c.decodePSNR(.psnrRGB) ?? .infinity) : nil
        ssimRGB = try c.contains(.ssimRGB) ? (c.decodeMetric(.ssimRGB) ?? .nan) : nil
        secondsPerImage = try c.decodeIfPresent(Double.self, forKey: .secondsPerImage)
        highFrequencyRatio = try c.contains(.highFrequencyRatio) ? (c.decodeMetric(.highFrequencyRatio) ?? .nan) : nil
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeMetric(psnrY, forKey: .psnrY)
        try c.encodeMetric(ssimY, forKey: .ssimY)
        if let psnrRGB { try c.encodeMetric(psnrRGB, forKey: .psnrRGB) }
        if let ssimRGB { try c.encodeMetric(ssimRGB, forKey: .ssimRGB) }
        try c.encodeIfPresent(secondsPerImage, forKey: .secondsPerImage)
        if let highFrequencyRatio { try c.encodeMetric(highFrequencyRatio, forKey: .highFrequencyRatio) }
        try c.encode(images, forKey: .images)
    }
}

/// One image's scores.
public struct ImageResult: Codable, Sendable, Equatable {
    /// File name without extension.
    public var name: String
    public var psnrY: Double
    public var ssimY: Double
    public var psnrRGB: Double?
    public var ssimRGB: Double?
    public var uqiY: Double?
    /// High-frequency energy ratio SR/HR on Y (`Metrics.highFrequencyRatio`).
    public var highFrequencyRatio: Double?
    /// Wall time of the upscale call (seconds).
    public var seconds: Double?

    public init(name: String, psnrY: Double, ssimY: Double, psnrRGB: Double? = nil, ssimRGB: Double? = nil,
                uqiY: Double? = nil, highFrequencyRatio: Double? = nil, seconds: Double? = nil) {
        self.highFrequencyRatio = highFrequencyRatio
        self.name = name
        self.psnrY = psnrY
        self.ssimY = ssimY
        self.psnrRGB = psnrRGB
        self.ssimRGB = ssimRGB
        self.uqiY = uqiY
        self.seconds = seconds
    }

    /// The row for a protocol score.
    public init(name: String, score: ImageScore, seconds: Double? = nil) {
        self.init(name: name, psnrY: score.psnrY, ssimY: score.ssimY, psnrRGB: score.psnrRGB,
                  ssimRGB: score.ssimRGB, uqiY: score.uqiY, highFrequencyRatio: score.highFrequencyRatio, seconds: seconds)
    }

    enum CodingKeys: String, CodingKey {
        case name, seconds
        case psnrY = "psnr_y", ssimY = "ssim_y", psnrRGB = "psnr_rgb", ssimRGB = "ssim_rgb", uqiY = "uqi_y"
        case highFrequencyRatio = "hf_ratio"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        psnrY = try c.decodePSNR(.psnrY) ?? .infinity
        ssimY = try c.decodeMetric(.ssimY) ?? .nan
        psnrRGB = try c.contains(.psnrRGB) ? (c.decodePSNR(.psnrRGB) ?? .infinity) : nil
        ssimRGB = try c.contains(.ssimRGB) ? (c.decodeMetric(.ssimRGB) ?? .nan) : nil
        uqiY = try c.contains(.uqiY) ? (c.decodeMetric(.uqiY) ?? .nan) : nil
        highFrequencyRatio = try c.contains(.highFrequencyRatio) ? (c.decodeMetric(.highFrequencyRatio) ?? .nan) : nil
        seconds = try c.decodeIfPresent(Double.self, forKey: .seconds)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeMetric(psnrY, forKey: .psnrY)
        try c.encodeMetric(ssimY, forKey: .ssimY)
        if let psnrRGB { try c.encodeMetric(psnrRGB, forKey: .psnrRGB) }
        if let ssimRGB { try c.encodeMetric(ssimRGB, forKey: .ssimRGB) }
        if let uqiY { try c.encodeMetric(uqiY, forKey: .uqiY) }
        if let highFrequencyRatio { try c.encodeMetric(highFrequencyRatio, forKey: .highFrequencyRatio) }
        try c.encodeIfPresent(seconds, forKey: .seconds)
    }
}

extension KeyedEncodingContainer {
    /// Finite values as numbers, anything else as `null` (see `EvalReport`).
    mutating func encodeMetric(_ v: Double, forKey key: Key) throws {
        if v.isFinite { try encode(v, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

extension KeyedDecodingContainer {
    /// A present number, or nil for `null` (the caller maps nil to +infinity).
    func decodePSNR(_ key: Key) throws -> Double? {
        try decodeIfPresent(Double.self, forKey: key)
    }

    /// A present number, or nil for `null` (the caller maps nil to NaN).
    func decodeMetric(_ key: Key) throws -> Double? {
        try decodeIfPresent(Double.self, forKey: key)
    }
}
