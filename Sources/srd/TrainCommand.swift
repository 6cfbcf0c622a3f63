import ArgumentParser
import Dispatch
import Foundation
import SRDEngine
import SRDMedia
import SRDPipeline
import SRDQuality

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

    func validate() throws {
        if data.isEmpty { throw ValidationError("give at least one --data folder") }
        if val != nil && valHoldout > 0 { throw ValidationError("give --val or --val-holdout, not both") }
        if PixelLoss(rawValue: loss) == nil && loss != "gan" { throw ValidationError("--loss must be l1, mse or gan") }
        if batch < 1 || patch < 4 || iterations < 1 || threads < 1 { throw ValidationError("batch, patch, iterations and threads must be positive") }
        if !(0...100).contains(jpeg) { throw ValidationError("--jpeg is a JPEG quality, 1 to 100 (0 = none)") }
    }

    func run() throws {
        SRD.quietLibav()
        Engine.setBLASThreads(1)
        do { try train() } catch {
            FileHandle.standardError.write("srd: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(ExitCodes.code(for: error))
        }
    }

    private func log(_ s: String) {
        print(s)
        fflush(stdout)
    }

    private func train() throws {
        let wallStart = Date()
        // Images: decoded once, kept in memory.
        var files: [String] = []
        for d in data { files += try DatasetEvaluator.listImages(in: d) }
        var valFiles: [String] = []
        if valHoldout > 0 {
            guard valHoldout < files.count else { throw ValidationError("--val-holdout \(valHoldout) leaves no training images") }
            valFiles = Array(files.suffix(valHoldout))
            files.removeLast(valHoldout)
        } else if let val {
            valFiles = try DatasetEvaluator.listImages(in: val)
        }
        func read(_ f: String) throws -> PlanarImage {
            let img = try ImageIO.read(f)
            return img.channels == 1 ? PlanarImage.stacking([img, img, img]) : img
        }
        let images = try files.map(read)
        let degradation = Degradation(blurSigma: blur, noiseSigma: noise, jpegQuality: jpeg)
        let colorMode = try resolveColor()
        let trainingSet = TrainingSet(images: images, scale: scale, color: colorMode, degradation: degradation, minimumSide: patch)
        let valSet: [(hr: PlanarImage, lr: PlanarImage)] = try valFiles.map {
            var hr = EvalProtocol.modcrop(try read($0), scale: scale)
            if valCrop > 0 && (hr.width > valCrop || hr.height > valCrop) {
                let w = min(hr.width, valCrop) / scale * scale, h = min(hr.height, valCrop) / scale * scale
                hr = hr.cropped(x: (hr.width - w) / 2 / scale * scale, y: (hr.height - h) / 2 / scale * scale, width: w, height: h)
            }
            return (hr, EvalProtocol.makeLR(hr, scale: scale))
        }
        log("data: \(trainingSet.pairs.count) training images (\(trainingSet.memoryBytes >> 20) MiB in memory), \(valSet.count) validation images; load \(String(format: "%.1f", Date().timeIntervalSince(wallStart))) s")

        // The trainer: fresh or resumed.
        let trainer: TrainingRun
        let adversarial = loss == "gan"
        if let resume {
            let file = try SafeTensors.read(URL(fileURLWithPath: resume))
            var config = try Trainer.checkpointConfig(file)
            if config.iterations != iterations {
                config.iterations = iterations
                config.schedule.total = iterations
            }
            if AdversarialTrainer.isAdversarialCheckpoint(file) {
                trainer = try AdversarialTrainer.resume(from: file, data: trainingSet, config: config)
            } else {
                trainer = try Trainer.resume(from: file, data: trainingSet, config: config)
            }
            log("resumed \(resume) at step \(trainer.step)")
        } else {
            let d = try description(colorMode)
            var tensors = try InitialParameters.make(for: d, seed: seed)
            if let initFrom {
                let file = try SafeTensors.read(URL(fileURLWithPath: initFrom))
                var taken: [String] = []
                for (k, t) in file.tensors where tensors[k]?.shape == t.shape {
                    tensors[k] = t
                    taken.append(k)
                }
                log("initialised \(taken.count) of \(tensors.count) tensors from \(initFrom)")
            }
            let network = try TrainableNetwork(description: d, tensors: tensors)
            var config = TrainingConfig(iterations: iterations, batch: batch, patch: patch, loss: PixelLoss(rawValue: loss) ?? .l1, lr: lr,
                                        schedule: LearningRateSchedule.Kind(rawValue: schedule) ?? .cosine, warmup: warmup,
                                        weightDecay: weightDecay, seed: seed, threads: threads)
            if adversarial {
                config.loss = "gan"
                let settings = AdversarialConfig(contentWeight: contentWeight, adversarialWeight: adversarialWeight,
                                                 discriminatorLR: discLR, discriminatorFeatures: discFeat)
                let disc = try AdversarialTrainer.makeDiscriminator(for: d, features: discFeat, seed: seed)
                trainer = try AdversarialTrainer(generator: network, discriminator: disc, data: trainingSet, config: config,
                                                 adversarial: settings)
                log("discriminator: \(PatchDiscriminator.name), \(disc.parameterCount) parameters; content L1 x\(contentWeight), adversarial x\(adversarialWeight), D lr \(discLR)")
            } else {
                trainer = Trainer(network: network, data: trainingSet, config: config)
            }
        }
        let model0 = try trainer.network.model()
        log("model: \(trainer.network.description.arch) x\(scale) \(colorMode), \(trainer.network.parameterCount) parameters, \(String(format: "%.0f", model0.flopsPerOutputPixel)) FLOPs/output pixel")

        let outURL = URL(fileURLWithPath: out)
        let stem = outURL.deletingPathExtension().lastPathComponent
        let ckptDir = checkpointDir.map { URL(fileURLWithPath: $0) }
        if let ckptDir { try FileManager.default.createDirectory(at: ckptDir, withIntermediateDirectories: true) }
        let ckptURL = ckptDir?.appendingPathComponent(stem + ".ckpt.safetensors")
        // The whole history of a resumed run: every command that trained it, in order.
        let thisCommand = CommandLine.arguments.joined(separator: " ")
        if let earlier = trainer.notes["command"], resume != nil {
            trainer.notes["command"] = earlier + " ; resumed at step \(trainer.step): " + thisCommand
        } else {
            trainer.notes["command"] = thisCommand
        }
        let command = trainer.notes["command"]!

        // Mean PSNR-Y on the validation images; also logs the high-frequency energy ratio, the
        // figure a GAN run is watched by (PSNR falls as texture appears).
        func validatePSNR() throws -> Double? {
            guard !valSet.isEmpty else { return nil }
            let runner = try trainer.network.model(defaultTileSize: nil).makeRunner()
            var total = 0.0, hf = 0.0
            for v in valSet {
                let score = EvalProtocol.score(sr: try runner.upscale(v.lr), hr: v.hr, scale: scale, extended: false)
                total += score.psnrY
                hf += score.highFrequencyRatio ?? .nan
            }
            trainer.notes["val_hf_ratio"] = String(format: "%.3f", hf / Double(valSet.count))
            return total / Double(valSet.count)
        }
        func metadata(valPSNR: Double?) -> [String: String] {
            var m: [String: String] = [
                "training.command": command,
                "training.code": "srd train (SRDEngine Trainer, our own code)",
                "training.init": initFrom ?? "seeded random (InitialParameters)",
                "training.data": data.joined(separator: ",") + " (\(trainingSet.pairs.count) images)",
                "training.validation": valHoldout > 0 ? "last \(valHoldout) files of the data folders, held out, centre-cropped to \(valCrop)" : (val ?? "none"),
                "training.iterations": String(trainer.step),
                "training.batch": String(trainer.config.batch),
                "training.patch": String(trainer.config.patch),
                "training.loss": trainer.config.loss,
                "training.lr": String(trainer.config.schedule.base),
                "training.schedule": trainer.config.schedule.kind.rawValue,
                "training.seed": String(trainer.config.seed),
                "training.degradation": degradation.summary(scale: scale),
                "training.seconds": String(format: "%.0f", trainer.trainingSeconds),
            ]
            if let valPSNR { m["training.val_psnr_y"] = String(format: "%.3f", valPSNR) }
            if let hf = trainer.notes["val_hf_ratio"] { m["training.val_hf_ratio"] = hf }
            if let a = trainer as? AdversarialTrainer {
                m["training.adversarial"] = "content L1 x\(a.adversarial.contentWeight) + adversarial x\(a.adversarial.adversarialWeight) against \(PatchDiscriminator.name) (num_feat \(a.adversarial.discriminatorFeatures), \(a.discriminator.parameterCount) parameters, lr \(a.adversarial.discriminatorLR))"
            }
            return m
        }

        var lastCheckpoint = Date()
        var sessionStart = trainer.trainingSeconds, sessionStep = trainer.step
        var lossSum = 0.0, lossCount = 0
        var lastVal: Double? = Double(trainer.notes["val_psnr_y"] ?? "")
        if trainer.step == 0, let p = try validatePSNR() {
            log("step 0 val PSNR-Y \(String(format: "%.3f", p)) dB, HF ratio \(trainer.notes["val_hf_ratio"] ?? "-")")
            lastVal = p
        }
        try trainer.run(until: nil) { p in
            lossSum += p.loss
            lossCount += 1
            if p.step % logEvery == 0 || p.step == p.iterations {
                let rate = Double(p.step - sessionStep) / max(1e-9, p.seconds - sessionStart)
                let eta = Double(p.iterations - p.step) / max(rate, 1e-9)
                log(String(format: "step %d/%d loss %.5f lr %.2e %.2f it/s ETA %dh%02dm", p.step, p.iterations,
                           lossSum / Double(lossCount), p.learningRate, rate, Int(eta) / 3600, Int(eta) % 3600 / 60)
                    + (p.detail.isEmpty ? "" : " (" + p.detail + ")"))
                lossSum = 0
                lossCount = 0
            }
            var save = false
            if p.step % valEvery == 0 || p.step == p.iterations {
                if let v = try validatePSNR() {
                    lastVal = v
                    trainer.notes["val_psnr_y"] = String(format: "%.3f", v)
                    log(String(format: "step %d val PSNR-Y %.3f dB, HF ratio ", p.step, v) + (trainer.notes["val_hf_ratio"] ?? "-"))
                }
                if let ckptDir {
                    try trainer.network.model(metadata: metadata(valPSNR: lastVal))
                        .write(to: ckptDir.appendingPathComponent(stem + ".latest.safetensors"))
                }
                save = true
            }
            if let ckptURL, save || Date().timeIntervalSince(lastCheckpoint) >= checkpointEvery {
                try trainer.saveCheckpoint(to: ckptURL)
                lastCheckpoint = Date()
            }
            _ = sessionStart
        }
        sessionStart = 0
        sessionStep = 0
        let model = try trainer.network.model(metadata: metadata(valPSNR: lastVal))
        try model.write(to: outURL)
        if let ckptURL { try trainer.saveCheckpoint(to: ckptURL) }
        log("wrote \(out) after \(trainer.step) steps, \(String(format: "%.0f", trainer.trainingSeconds)) s of training" +
            (lastVal.map { String(format: ", val PSNR-Y %.3f dB", $0) } ?? ""))
    }

    private func resolveColor() throws -> ColorMode {
        let c = color ?? (["srdfast", "espcn", "fsrcnn-subpixel", "fsrcnn", "srcnn"].contains(arch.lowercased()) ? "y" : "rgb")
        switch c.lowercased() {
        case "rgb": return .rgb
        case "y": return .y(.bt601)
        default: throw ValidationError("--color must be y or rgb")
        }
    }

    private func description(_ color: ColorMode) throws -> ModelDescription {
        guard let a = Architectures.named(arch) else {
            throw ValidationError("unknown --arch \(arch) (known: \(Architectures.all.map { $0.name }.joined(separator: ", ")))")
        }
        var hp: [String: HyperValue] = [:]
        if a.name == EDSR.name { hp["rgb_range"] = .number(1) }
        for kv in hyperparameters {
            let pair = kv.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw ValidationError("--hp \(kv) is not key=value") }
            hp[pair[0]] = HyperValue(parsing: pair[1])
        }
        let name = URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent
        return ModelDescription(name: name, arch: a.name, scale: scale, color: color, input: .lr, hyperparameters: hp)
    }
}
