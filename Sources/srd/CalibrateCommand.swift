import ArgumentParser
import Foundation
import SRDEngine
import SRDMedia
import SRDPipeline
import SRDQuality

/// `srd calibrate`: measures a model's int8 activation ranges on training images and stores
/// them in its weight file (`Int8Calibration`), which `--precision int8` then uses.
///
/// Each image is mod-cropped and made low-resolution exactly as `srd eval` does (MATLAB
/// bicubic, 8-bit), so the ranges are those the model sees on real input; the ranges are the
/// min and max over all images. No clipping: with u8 and a zero point the plain range kept every
/// shipped model but edsr-x2 within 0.02 dB (docs/MODELS.md#precision); percentile clipping
/// was not tried.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure a model's int8 activation ranges on training images and store them in its weight file.")

    @Option(help: "The model's .safetensors file (rewritten in place, atomically, unless --output is given).")
    var model: String

    @Option(name: .customLong("dataset"), help: "Folder of training images (repeatable), e.g. ../shared/data/train/T91.")
    var datasets: [String]

    @Option(help: "Images used per folder (evenly spaced over the sorted list).")
    var images: Int = 24

    @Option(help: "Write the calibrated weight file here instead of over --model.")
    var output: String?

    func validate() throws {
        if datasets.isEmpty { throw ValidationError("give at least one --dataset") }
        if images < 1 { throw ValidationError("--images must be at least 1") }
        guard model.hasSuffix(".safetensors") else { throw ValidationError("--model must be a .safetensors file") }
    }

    func run() throws {
        SRD.quietLibav()
        do {
            guard let network = try ModelLoader.load(model, scale: nil) as? NetworkModel else {
                throw ValidationError("\(model) is not a network model")
            }
            var lowRes: [PlanarImage] = []
            for folder in datasets {
                let files = try DatasetEvaluator.listImages(in: folder)
                guard !files.isEmpty else { throw ValidationError("no images in \(folder)") }
                let step = max(1, files.count / images)
                for file in stride(from: 0, to: files.count, by: step).prefix(images).map({ files[$0] }) {
                    let hr = EvalProtocol.modcrop(try ImageIO.read(file), scale: network.scale)
                    lowRes.append(EvalProtocol.makeLR(hr, scale: network.scale))
                }
            }
            let calibration = network.calibrateInt8(on: lowRes)
            let target = output ?? model
            try network.withMetadata([Int8Calibration.metadataKey: calibration.encoded]).write(to: URL(fileURLWithPath: target))
            print("\(network.name): int8 ranges of \(calibration.ranges.count) convolutions from \(lowRes.count) images -> \(target)")
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write("srd: error: \(error)\n".data(using: .utf8)!)
            throw ExitCode(WorkerExitCode.code(for: error))
        }
    }
}
