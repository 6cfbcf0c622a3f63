import Foundation

/// Runs an upscaler over a folder of HR images under `EvalProtocol` and scores every image.
///
/// The quality layer does not decode files (that is SRDMedia's job and SRDQuality depends only
/// on SRDImaging), so the caller passes the loader, normally `ImageIO.read`.
public struct DatasetEvaluator {
    /// Reads an image file as RGB (or grey) in 0...1.
    public typealias Loader = (String) throws -> PlanarImage
    /// Upscales a protocol LR image (RGB, 8-bit values in 0...1) by the evaluation scale.
    public typealias Upscaler = (PlanarImage) throws -> PlanarImage

    /// File extensions listed as images (case-insensitive), as the reference evaluator.
    public static let imageExtensions: Set<String> = ["png", "bmp", "jpg", "jpeg", "tif", "tiff"]

    public var load: Loader
    /// Called after each image with its row and SR output (e.g. to save the PNG).
    public var observe: ((ImageResult, PlanarImage) throws -> Void)?
    /// Also score SSIM on RGB and UQI on Y (see `EvalProtocol.score(extended:)`).
    public var extendedMetrics: Bool

    public init(load: @escaping Loader, observe: ((ImageResult, PlanarImage) throws -> Void)? = nil,
                extendedMetrics: Bool = true) {
        self.load = load
        self.observe = observe
        self.extendedMetrics = extendedMetrics
    }

    /// Image files directly in `directory`, sorted by name (byte order, as Python's `sorted`).
    public static func listImages(in directory: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return names
            .filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// Evaluates `upscale` on every image of `directory`.
    /// - Parameters:
    ///   - name: the dataset name in the result; defaults to the folder's name.
    ///   - scale: the upscale factor (HR is mod-cropped by it, LR made at 1/scale).
    ///   - upscale: returns the SR image, which must have the mod-cropped HR's size.
    /// - Throws: `EvaluationError` when the folder has no images or an output has the wrong
    ///   size; whatever `load` or `upscale` throw.
    public func evaluate(directory: String, name: String? = nil, scale: Int,
                         upscale: Upscaler) throws -> DatasetResult {
        let files = try Self.listImages(in: directory)
        guard !files.isEmpty else { throw EvaluationError("no images in \(directory)") }
        var rows = [ImageResult]()
        let clock = ContinuousClock()
        for file in files {
            let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            let hr = EvalProtocol.modcrop(try load(file), scale: scale)
            let lr = EvalProtocol.makeLR(hr, scale: scale)
            var sr = PlanarImage(width: 0, height: 0, channels: 1)
            let elapsed = try clock.measure { sr = try upscale(lr) }
            guard sr.width == hr.width && sr.height == hr.height else {
                throw EvaluationError("\(file): SR output is \(sr.width)x\(sr.height), expected \(hr.width)x\(hr.height)")
            }
            let score = EvalProtocol.score(sr: sr, hr: hr, scale: scale, extended: extendedMetrics)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let row = ImageResult(name: stem, score: score, seconds: seconds)
            try observe?(row, sr)
            rows.append(row)
        }
        return DatasetResult(name: name ?? (directory as NSString).lastPathComponent, images: rows)
    }
}

/// An evaluation could not run; the message says why.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
