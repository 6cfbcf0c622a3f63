import Foundation
import SRDEngine
import SRDMedia
import SRDQuality

/// One `srd train` run: reads the images (SRDMedia), builds or resumes the trainer (SRDEngine),
/// validates with the evaluation protocol (SRDQuality), checkpoints, and writes the model with
/// its card metadata. The fields are the CLI's options (TrainCommand only parses them). Here
/// rather than in the engine because the engine never reads media files or imports the protocol.
public struct TrainingSession: Sendable {
    public var arch: String
    public var hyperparameters: [String]
    public var color: String?
    public var scale: Int
    public var data: [String]
    public var val: String?
    public var valHoldout: Int
    public var valCrop: Int
    public var valEvery: Int
    public var iterations: Int
    public var batch: Int
    public var patch: Int
    public var loss: String
    public var contentWeight: Double
    public var adversarialWeight: Double
    public var discLR: Double
    public var discFeat: Int
    public var lr: Double
    public var schedule: String
    public var warmup: Int
    public var weightDecay: Double
    public var seed: UInt64
    public var resume: String?
    public var initFrom: String?
    public var out: String
    public var checkpointDir: String?
    public var checkpointEvery: Double
    public var threads: Int
    public var logEvery: Int
    public var blur: Double
    public var noise: Double
    public var jpeg: Int
    /// A codec round trip of every low-resolution training image after `Degradation` (CRF drawn
    /// per image), so the model learns the artefacts of compressed video; nil = none.
    public var degradeCodec: CodecDegradation?
    /// The command line recorded in the model card and the checkpoint.
    public var command: String

    public init(arch: String, hyperparameters: [String], color: String?, scale: Int, data: [String], val: String?, valHoldout: Int, valCrop: Int, valEvery: Int, iterations: Int, batch: Int, patch: Int, loss: String, contentWeight: Double, adversarialWeight: Double, discLR: Double, discFeat: Int, lr: Double, schedule: String, warmup: Int, weightDecay: Double, seed: UInt64, resume: String?, initFrom: String?, out: String, checkpointDir: String?, checkpointEvery: Double, threads: Int, logEvery: Int, blur: Double, noise: Double, jpeg: Int, command: String) {
        self.arch = arch
        self.hyperparameters = hyperparameters
        self.color = color
        self.scale = scale
        self.data = data
        self.val = val
        self.valHoldout = valHoldout
        self.valCrop = valCrop
        self.valEvery = valEvery
        self.iterations = iterations
        self.batch = batch
        self.patch = patch
        self.loss = loss
        self.contentWeight = contentWeight
        self.adversarialWeight = adversarialWeight
        self.discLR = discLR
        self.discFeat = discFeat
        self.lr = lr
        self.schedule = schedule
        self.warmup = warmup
        self.weightDecay = weightDecay
        self.seed = seed
        self.resume = resume
        self.initFrom = initFrom
        self.out = out
        self.checkpointDir = checkpointDir
        self.checkpointEvery = checkpointEvery
        self.threads = threads
        self.logEvery = logEvery
        self.blur = blur
        self.noise = noise
        self.jpeg = jpeg
        self.command = command
    }

    /// Trains, printing progress through `log`, and writes `out`.
    public func run(log: (String) -> Void) throws {
        let wallStart = Date()
        // Images: decoded once, kept in memory.
        var files: [String] = []
        for d in data { files += try DatasetEvaluator.listImages(in: d) }
        var valFiles: [String] = []
        if valHoldout > 0 {
            guard valHoldout < files.count else { throw PipelineError.invalidArgument("--val-holdout \(valHoldout) leaves no training images") }
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
        let trainingSet = try TrainingSet(images: images, scale: scale, color: colorMode, degradation: degradation, minimumSide: patch,
                                          compress: degradeCodec.map { c in { lr, seed in try c.roundTrip(lr, crf: c.crf(seed: seed)).image } })
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
        let thisCommand = self.command
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
                "training.degradation": degradation.summary(scale: scale) + (degradeCodec.map { ", codec \($0)" } ?? ""),
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
        default: throw PipelineError.invalidArgument("--color must be y or rgb")
        }
    }

    private func description(_ color: ColorMode) throws -> ModelDescription {
        guard let a = Architectures.named(arch) else {
            throw PipelineError.invalidArgument("unknown --arch \(arch) (known: \(Architectures.all.map { $0.name }.joined(separator: ", ")))")
        }
        var hp: [String: HyperValue] = [:]
        if a.name == EDSR.name { hp["rgb_range"] = .number(1) }
        for kv in hyperparameters {
            let pair = kv.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw PipelineError.invalidArgument("--hp \(kv) is not key=value") }
            hp[pair[0]] = HyperValue(parsing: pair[1])
        }
        let name = URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent
        return ModelDescription(name: name, arch: a.name, scale: scale, color: color, input: .lr, hyperparameters: hp)
    }
}
