import Foundation
import SRDEngine
import SRDMedia

/// What a caller chose explicitly for one upscale; nil (or empty) leaves the preset's value, and
/// the preset's nil leaves the built-in default.
public struct UpscaleOverrides: Sendable {
    public var model: String?
    public var scale: Int?
    public var workers: Int?
    public var tile: Int?
    public var temporal: Double?
    public var codec: String?
    public var crf: Int?
    /// The encoder's speed preset (`--preset`), not a pipeline preset.
    public var encoderPreset: String?
    public var pixelFormat: String?
    /// `KEY=VALUE` encoder options, applied after the preset's.
    public var encoderOptions: [String] = []
    /// `onednn`, `openblas` or `auto`; `f32` or `bf16`.
    public var backend: String?
    public var precision: String?
    /// `--region` values (`auto` or `x,y,w,h`, repeatable), `--region-mask`, and their settings.
    public var regions: [String] = []
    public var regionMask: String?
    public var regionFeather: Int?
    public var regionThreshold: Double?
    public var metricsRegion = false

    public init() {}
}

extension UpscaleOptions {
    /// Options for `input` -> `output` from a pipeline preset (a name in `catalog` or a YAML
    /// path; nil = none) with `overrides` on top: flag, then preset, then default. A preset's
    /// model name resolves to its shipped file beside the preset.
    /// - Throws: `PipelineError` for an unknown or invalid preset or a malformed encoder option.
    public static func resolve(input: String, output: String, pipeline: String?, overrides: UpscaleOverrides,
                               catalog: PresetCatalog = .standard()) throws -> UpscaleOptions {
        let preset = try pipeline.map { try catalog.load($0) }
        var encode = EncodeSettings()
        if let e = preset?.encode {
            if let v = e.codec { encode.codec = v }
            if let v = e.crf { encode.crf = Double(v) }
            if let v = e.preset { encode.preset = v }
            if let v = e.pixFmt { encode.pixelFormat = v }
            if let v = e.options { encode.extraOptions.merge(v) { $1 } }
        }
        if let v = overrides.codec { encode.codec = v }
        if let v = overrides.crf { encode.crf = Double(v) }
        if let v = overrides.encoderPreset { encode.preset = v }
        if let v = overrides.pixelFormat { encode.pixelFormat = v }
        for option in overrides.encoderOptions {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw PipelineError.invalidArgument("--encoder-option needs KEY=VALUE, got '\(option)'") }
            encode.extraOptions[parts[0]] = parts[1]
        }
        var model = overrides.model ?? preset?.model ?? "bicubic"
        if overrides.model == nil, let preset, let path = catalog.modelPath(for: preset.model, relativeTo: preset.directory) {
            model = path
        }
        // auto when nobody chose: the weight file's measured mode (within 0.02 dB of f32), else f32.
        let precisionName = overrides.precision ?? preset?.precision ?? "auto"
        guard let precision = PrecisionRequest(rawValue: precisionName) else {
            let names = PrecisionRequest.allCases.map(\.rawValue).joined(separator: ", ")
            throw PipelineError.invalidArgument("precision must be one of \(names), got '\(precisionName)'")
        }
        let backend = try ComputeBackend.named(overrides.backend ?? preset?.backend)
        var options = UpscaleOptions(
            input: input, output: output, model: model,
            scale: overrides.scale ?? preset?.scale ?? 2,
            workers: overrides.workers ?? preset?.workers ?? defaultWorkers,
            tile: overrides.tile ?? preset?.tile ?? TiledExecutor.defaultTileSize,
            temporal: overrides.temporal ?? preset?.temporal ?? 0,
            encode: encode)
        options.backend = backend
        options.codecGiven = overrides.codec != nil
        options.precision = precision
        options.regions = try resolveRegions(overrides, preset: preset)
        return options
    }

    /// Region settings from the flags, else the preset's `region` keys; nil = whole frames.
    private static func resolveRegions(_ o: UpscaleOverrides, preset: PipelinePreset?) throws -> RegionSettings? {
        let request: RegionRequest
        if let mask = o.regionMask {
            guard o.regions.isEmpty else { throw PipelineError.invalidArgument("--region and --region-mask exclude each other") }
            request = .mask(mask)
        } else if !o.regions.isEmpty {
            if o.regions.contains("auto") {
                guard o.regions.count == 1 else { throw PipelineError.invalidArgument("--region auto cannot be combined with rectangles") }
                request = .auto
            } else {
                request = .rects(try o.regions.map { text in
                    guard let r = PixelRect(parsing: text) else {
                        throw PipelineError.invalidArgument("--region takes x,y,w,h in input pixels (w, h > 0) or auto, got '\(text)'")
                    }
                    return r
                })
            }
        } else if let name = preset?.region {
            guard name == "auto" else { throw PipelineError.badPreset(preset?.name ?? "preset", "region must be auto (rectangles and masks are per file: --region, --region-mask)") }
            request = .auto
        } else {
            guard !o.metricsRegion else { throw PipelineError.invalidArgument("--metrics-region needs --region or --region-mask") }
            return nil
        }
        let feather = o.regionFeather ?? preset?.regionFeather ?? RegionSettings.defaultFeather
        let threshold = o.regionThreshold ?? preset?.regionThreshold ?? RegionSettings.defaultThreshold
        guard feather >= 0 else { throw PipelineError.invalidArgument("--region-feather must be 0 or more output pixels") }
        guard threshold >= 0 else { throw PipelineError.invalidArgument("--region-threshold must be 0 or more") }
        let scaler = preset?.regionScaler ?? "lanczos"
        guard ClassicalScaler.names[scaler] != nil else {
            throw PipelineError.badPreset(preset?.name ?? "preset", "region_scaler must be one of \(ClassicalScaler.primaryNames.joined(separator: ", "))")
        }
        return RegionSettings(request: request, feather: feather, threshold: threshold, scaler: scaler, scoreInside: o.metricsRegion)
    }
}
