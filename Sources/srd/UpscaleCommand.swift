import ArgumentParser
import Foundation
import SRDMedia
import SRDPipeline

/// `srd upscale INPUT OUTPUT`: one video (or image sequence) through the pipeline.
struct UpscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale",
        abstract: "Upscale one video or image sequence.",
        discussion: """
        INPUT is anything libavformat opens, including image sequences such as frames/%08d.png.
        Audio, subtitles, attachments, chapters and metadata are copied; each frame keeps its timestamp.
        Metrics (metrics.jsonl, summary.json, report.html, crop.png) go to OUTPUT's stem + .metrics/.
        """
    )

    @Argument(help: "Input video, or an image-sequence pattern like frames/%08d.png.")
    var input: String

    @Argument(help: "Output video. Written to a temporary name and renamed when complete.")
    var output: String

    @Option(help: "Pipeline preset: a name from Pipelines/ or a YAML file.")
    var pipeline: String?

    @Option(help: "Upscaling factor.")
    var scale: Int?

    @Option(help: "Model: nearest, bilinear, bicubic, lanczos, a shipped model name, or a .safetensors file.")
    var model: String?

    @Option(help: "Parallel workers (default: one per core).")
    var workers: Int?

    @Option(help: "Tile size in input pixels for networks (0 = whole frame).")
    var tile: Int?

    @Option(help: "Temporal smoothing strength, 0 = off.")
    var temporal: Double?

    @Option(help: "Convolution backend: onednn, openblas, or auto (the faster one that can run here).")
    var backend: String?

    @Option(help: "Network arithmetic: f32, bf16 (AVX512_BF16), int8 (VNNI; needs `srd calibrate`), or auto (default: the mode the weight file recorded, else f32).")
    var precision: String?

    @Option(help: "Video encoder (libav name).")
    var codec: String?

    @Option(help: "Constant rate factor for x264/x265-style encoders.")
    var crf: Int?

    @Option(help: "Encoder speed preset.")
    var preset: String?

    @Option(name: .customLong("pix-fmt"), help: "Output pixel format (default: the source's depth, 4:2:0).")
    var pixFmt: String?

    @Option(name: .customLong("encoder-option"), help: "Extra encoder option KEY=VALUE (repeatable).")
    var encoderOptions: [String] = []

    @Option(help: "Run the network only here: x,y,w,h in input pixels (repeatable), or auto (tiles with detail, per frame); the rest gets the classical scaler (lanczos).")
    var region: [String] = []

    @Option(name: .customLong("region-mask"), help: "Run the network only where this mask is white: a picture, or a video with one mask frame per input frame.")
    var regionMask: String?

    @Option(name: .customLong("region-feather"), help: "Output pixels over which the network's output fades into the classical scaler's, inside the region (default 16).")
    var regionFeather: Int?

    @Option(name: .customLong("region-threshold"), help: "--region auto: detail a tile needs for the network (mean |Y - 3x3 mean| in 8-bit levels; default 1).")
    var regionThreshold: Double?

    @Flag(name: .customLong("metrics-region"), help: "With a reference: also score PSNR/SSIM inside the region (psnr_y_region, ssim_y_region).")
    var metricsRegion = false

    @Option(help: "Compare against this high-resolution video, frame by frame.")
    var reference: String?

    @Flag(name: .customLong("self-reference"), help: "Treat the input as ground truth: degrade, super-resolve, compare.")
    var selfReference = false

    @Option(name: .customLong("degrade-blur"), help: "With --self-reference: Gaussian blur sigma (HR px) before downscaling.")
    var degradeBlur: Double = 0

    @Option(name: .customLong("degrade-noise"), help: "With --self-reference: Gaussian noise sigma (8-bit levels) after downscaling.")
    var degradeNoise: Double = 0

    @Option(name: .customLong("degrade-jpeg"), help: "With --self-reference: JPEG quality (1-100) of a compression round trip on the low-resolution input; 0 = none.")
    var degradeJPEG: Int = 0

    @Option(name: .customLong("degrade-codec"), help: "With --self-reference: encode each low-resolution frame with this encoder and decode it back, e.g. libx264:crf=18-35 (CRF drawn per frame) or libx265:crf=28.")
    var degradeCodec: String?

    @Option(name: .customLong("metrics-dir"), help: "Folder for metrics and the report (default: OUTPUT stem + .metrics).")
    var metricsDir: String?

    @Option(name: .customLong("max-width"), help: "Refuse inputs wider than this (exit code 2).")
    var maxWidth: Int?

    @Option(name: .customLong("max-height"), help: "Refuse inputs taller than this (exit code 2).")
    var maxHeight: Int?

    @Option(name: .customLong("max-duration"), help: "Refuse inputs longer than this many seconds (exit code 2).")
    var maxDuration: Double?

    @Flag(name: .customLong("accept-damaged"), help: "Keep the output of a truncated or damaged input (what could be decoded) instead of failing; the shortfall is recorded in summary.json.")
    var acceptDamaged = false

    @Option(help: "Progress: tty, json (one object per line on stdout), none. Default: tty on a terminal.")
    var progress: String?

    func run() throws {
        SRD.quietLibav()
        let progressStyle: ProgressStyle
        if let progress {
            guard let style = ProgressStyle(rawValue: progress) else {
                throw ValidationError("--progress must be one of tty, json, none")
            }
            progressStyle = style
        } else {
            progressStyle = ProgressPrinter.automatic()
        }
        do {
            let options = try makeOptions(progress: progressStyle)
            let summary = try UpscaleJob(options: options).run()
            if progressStyle == .json {
                let data = try JSONEncoder().encode(summary)
                WorkerEvent.done(output: summary.output, summary: String(decoding: data, as: UTF8.self)).print()
            } else {
                print(SummaryText.render(summary))
            }
        } catch {
            let message = "\(error)".replacingOccurrences(of: "\n", with: " ")
            if progressStyle == .json { WorkerEvent.error(message).print() }
            FileHandle.standardError.write("srd: error: \(message)\n".data(using: .utf8)!)
            throw ExitCode(WorkerExitCode.code(for: error))
        }
    }

    func makeOptions(progress: ProgressStyle) throws -> UpscaleOptions {
        if reference != nil && selfReference {
            throw ValidationError("--reference and --self-reference exclude each other")
        }
        var overrides = UpscaleOverrides()
        overrides.model = model
        overrides.scale = scale
        overrides.workers = workers
        overrides.tile = tile
        overrides.temporal = temporal
        overrides.codec = codec
        overrides.crf = crf
        overrides.encoderPreset = preset
        overrides.pixelFormat = pixFmt
        overrides.encoderOptions = encoderOptions
        overrides.backend = backend
        overrides.precision = precision
        overrides.regions = region
        overrides.regionMask = regionMask
        overrides.regionFeather = regionFeather
        overrides.regionThreshold = regionThreshold
        overrides.metricsRegion = metricsRegion
        var options = try UpscaleOptions.resolve(input: input, output: output, pipeline: pipeline, overrides: overrides)
        if let reference {
            options.reference = .file(reference)
        } else if selfReference {
            guard (0...100).contains(degradeJPEG) else { throw ValidationError("--degrade-jpeg is a JPEG quality, 1 to 100 (0 = none)") }
            options.reference = .selfReference(Degradation(blurSigma: degradeBlur, noiseSigma: degradeNoise, jpegQuality: degradeJPEG))
        }
        if let degradeCodec {
            guard selfReference else { throw ValidationError("--degrade-codec needs --self-reference") }
            do { options.degradeCodec = try CodecDegradation(parsing: degradeCodec) } catch { throw ValidationError("\(error)") }
        }
        options.metricsDirectory = metricsDir
        options.progress = progress
        options.maxWidth = maxWidth
        options.maxHeight = maxHeight
        options.maxDurationSeconds = maxDuration
        options.acceptDamaged = acceptDamaged
        return options
    }
}
