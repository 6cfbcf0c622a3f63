import ArgumentParser
import Foundation
import SRDEngine
import SRDMedia
import SRDPipeline

/// `srd train`: trains a network with our own engine on folders of HR images (T91, SunHays80),
/// validating on held-out training images (never on the benchmark sets), with checkpoints that
/// resume exactly, and writes a safetensors file that `ModelLoader.load` (and every command) reads.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a super-resolution network on folders of high-resolution images.")

    @Option(help: "Architecture: SRDFast, EDSR, SRResNet, ESPCN, FSRCNN-subpixel, ... (the 'arch' of the weight file).")
    var arch: String = "SRDFast"

    @Option(name: .customLong("hp"), help: "Hyper-parameter key=value (repeatable), e.g. --hp channels=32 --hp blocks=4.")
    var hyperparameters: [String] = []

    @Option(help: "Network colour: y (BT.601 luma; chroma by bicubic) or rgb. Default: y for SRDFast/ESPCN/FSRCNN*, else rgb.")
    var color: String?

    @Option(help: "Upscaling factor.")
    var scale: Int

    @Option(name: .customLong("data"), help: "Folder of HR training images (repeatable).")
    var data: [String] = []

    @Option(help: "Folder of HR validation images (never the benchmark sets).")
    var val: String?

    @Option(name: .customLong("val-holdout"), help: "Hold out the last K images of the data folders for validation.")
    var valHoldout: Int = 0

    @Option(name: .customLong("val-crop"), help: "Centre-crop validation images to at most this side (0 = whole images).")
    var valCrop: Int = 384

    @Option(name: .customLong("val-every"), help: "Validate (and export the current weights) every N steps.")
    var valEvery: Int = 1000

    @Option(help: "Optimiser steps in total.")
    var iterations: Int = 10000

    @Option(help: "Patches per step.")
    var batch: Int = 16

    @Option(help: "LR patch side in pixels.")
    var patch: Int = 48

    @Option(help: "Loss: l1, mse, or gan (L1 content + adversarial against a patch discriminator; start from an L1-trained generator with --init-from).")
    var loss: String = "l1"

    @Option(name: .customLong("content-weight"), help: "gan: weight of the pixel L1 content loss.")
    var contentWeight: Double = 1

    @Option(name: .customLong("adversarial-weight"), help: "gan: weight of the generator's adversarial loss.")
    var adversarialWeight: Double = 5e-3

    @Option(name: .customLong("disc-lr"), help: "gan: discriminator learning rate.")
    var discLR: Double = 1e-4

    @Option(name: .customLong("disc-feat"), help: "gan: discriminator width (PatchDiscriminator num_feat).")
    var discFeat: Int = 32

    @Option(help: "Peak learning rate.")
    var lr: Double = 1e-3

    @Option(help: "Learning-rate schedule: cosine, step or constant.")
    var schedule: String = "cosine"

    @Option(help: "Linear warm-up steps.")
    var warmup: Int = 0

    @Option(name: .customLong("weight-decay"), help: "Decoupled (AdamW) weight decay on convolution weights.")
    var weightDecay: Double = 0

    @Option(help: "Random seed (initial weights and patches).")
    var seed: UInt64 = 1

    @Option(help: "Continue from a checkpoint (same data); --iterations may extend the run.")
    var resume: String?

    @Option(help: "Start from the tensors of this weight file whose names and shapes match (e.g. a x4 model from the x2 body); the rest as usual.")
    var initFrom: String?

    @Option(help: "Output .safetensors file.")
    var out: String

    @Option(name: .customLong("checkpoint-dir"), help: "Folder for checkpoints and exports of the current weights.")
    var checkpointDir: String?

    @Option(name: .customLong("checkpoint-every"), help: "Seconds between checkpoints.")
    var checkpointEvery: Double = 300

    @Option(help: "Worker threads (samples of a batch in parallel, single-threaded BLAS each).")
    var threads: Int = 1

    @Option(name: .customLong("log-every"), help: "Print a progress line every N steps.")
    var logEvery: Int = 50

    @Option(name: .customLong("blur"), help: "Training degradation: Gaussian blur sigma (HR pixels) before downscaling.")
    var blur: Double = 0

    @Option(name: .customLong("noise"), help: "Training degradation: Gaussian noise sigma (8-bit levels) after downscaling.")
    var noise: Double = 0

    @Option(name: .customLong("jpeg"), help: "Training degradation: JPEG quality (1-100, libjpeg's scale) of a compression round trip on the low-resolution input; 0 = none.")
    var jpeg: Int = 0

    @Option(name: .customLong("degrade-codec"),
            help: "Training degradation: encode and decode each low-resolution image with this codec, e.g. libx264:crf=18-35 (CRF drawn per image).")
    var degradeCodec: String?

    func validate() throws {
        if data.isEmpty { throw ValidationError("give at least one --data folder") }
        if val != nil && valHoldout > 0 { throw ValidationError("give --val or --val-holdout, not both") }
        if PixelLoss(rawValue: loss) == nil && loss != "gan" { throw ValidationError("--loss must be l1, mse or gan") }
        if batch < 1 || patch < 4 || iterations < 1 || threads < 1 { throw ValidationError("batch, patch, iterations and threads must be positive") }
        if !(0...100).contains(jpeg) { throw ValidationError("--jpeg is a JPEG quality, 1 to 100 (0 = none)") }
        if let degradeCodec { _ = try CodecDegradation(parsing: degradeCodec) }
    }

    func run() throws {
        SRD.quietLibav()
        Engine.setBLASThreads(1)
        var session = self.session
        session.degradeCodec = try degradeCodec.map(CodecDegradation.init(parsing:))
        do { try session.run(log: log) } catch {
            FileHandle.standardError.write("srd: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(WorkerExitCode.code(for: error))
        }
    }

    private func log(_ s: String) {
        print(s)
        fflush(stdout)
    }

    private var session: TrainingSession {
        TrainingSession(
            arch: arch,
            hyperparameters: hyperparameters,
            color: color,
            scale: scale,
            data: data,
            val: val,
            valHoldout: valHoldout,
            valCrop: valCrop,
            valEvery: valEvery,
            iterations: iterations,
            batch: batch,
            patch: patch,
            loss: loss,
            contentWeight: contentWeight,
            adversarialWeight: adversarialWeight,
            discLR: discLR,
            discFeat: discFeat,
            lr: lr,
            schedule: schedule,
            warmup: warmup,
            weightDecay: weightDecay,
            seed: seed,
            resume: resume,
            initFrom: initFrom,
            out: out,
            checkpointDir: checkpointDir,
            checkpointEvery: checkpointEvery,
            threads: threads,
            logEvery: logEvery,
            blur: blur,
            noise: noise,
            jpeg: jpeg,
            command: CommandLine.arguments.joined(separator: " "))
    }
}
