import Foundation
import XCTest
@testable import SRDEngine

/// bf16 and int8 plans against the f32 OpenBLAS reference, the int8 calibration's arithmetic
/// and storage, and what `--precision auto` resolves to.
final class PrecisionTests: XCTestCase {
    private func model(seed: UInt64 = 7) throws -> NetworkModel {
        // 16-feature residual body: its convolutions are the ones int8 quantizes (>= 16 channels).
        try ModelLoader.randomModel("edsr-baseline", scale: 2, seed: seed, overrides: ["n_resblocks": .number(2), "n_feats": .number(16)])
    }

    private func images(_ count: Int, width: Int = 40, height: Int = 24, seed: UInt64 = 21) -> [PlanarImage] {
        (0..<count).map { Tensor.random(shape: [3, height, width], in: 0...1, seed: seed + UInt64($0)).planarImage }
    }

    /// Largest |fast - reference| over the largest |reference|, and the plan's kernels.
    private func relativeError(_ m: NetworkModel, _ precision: ComputePrecision, image: PlanarImage) throws -> (Float, [String]) {
        let reference = try m.makeRunner(tileSize: nil, execution: .reference).upscale(image)
        let runner = m.makeRunner(tileSize: nil, execution: ExecutionSettings(backend: .onednn, precision: precision, threads: 2))
        let fast = try runner.upscale(image)
        let scale = max(1, reference.data.map { abs($0) }.max() ?? 1)
        var worst: Float = 0
        for i in 0..<reference.data.count { worst = max(worst, abs(fast.data[i] - reference.data[i])) }
        return (worst / scale, (runner as! NetworkRunner).executor.backendReport.implementations)
    }

    func testRangeScaleAndZeroPointCoverTheRangeAndZero() {
        let r = Int8Calibration.Range(min: -0.3, max: 2.0)
        XCTAssertEqual(r.scale, 2.3 / 255, accuracy: 1e-7)
        XCTAssertEqual(r.zeroPoint, 33) // round(0.3 / (2.3 / 255)) = round(33.26)
        let positive = Int8Calibration.Range(min: 0.1, max: 1.0)
        XCTAssertEqual(positive.zeroPoint, 0, "0.0 is a code even when the range excludes it")
        XCTAssertEqual(positive.scale, 1.0 / 255, accuracy: 1e-8)
        XCTAssertEqual(Int8Calibration.Range(min: 0, max: 0).scale, 1, "a dead input still has a usable step")
    }

    func testCalibrationRoundTripsThroughTheWeightFile() throws {
        let m = try model()
        let calibration = m.calibrateInt8(on: images(2))
        // One range per convolution with 16+ channels or not: every Conv2D step is measured.
        let convSteps = m.program.steps.enumerated().filter { if case .layer(is Conv2D, _, _) = $0.element { return true } else { return false } }
        XCTAssertEqual(Set(calibration.ranges.keys), Set(convSteps.map(\.offset)))
        XCTAssertTrue(calibration.ranges.values.allSatisfy { $0.min <= $0.max })
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("srd-calib-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try m.withMetadata([Int8Calibration.metadataKey: calibration.encoded]).write(to: url)
        let loaded = try ModelLoader.load(url: url)
        let back = try XCTUnwrap(loaded.int8Calibration)
        for (step, r) in calibration.ranges {
            XCTAssertEqual(back.ranges[step]!.min, r.min, accuracy: abs(r.min) * 1e-6 + 1e-9)
            XCTAssertEqual(back.ranges[step]!.max, r.max, accuracy: abs(r.max) * 1e-6 + 1e-9)
        }
    }

    func testInt8PlanIsCloseToTheReferenceAndUsesInt8Kernels() throws {
        if let why = OneDNN.unavailableReason { throw XCTSkip("oneDNN cannot run here: \(why)") }
        let base = try model()
        let calibrated = base.withMetadata([Int8Calibration.metadataKey: base.calibrateInt8(on: images(3)).encoded])
        let image = images(1, seed: 99)[0]
        let (error, kernels) = try relativeError(calibrated, .int8, image: image)
        // 8-bit inputs and weights on a 2-block body: about 1% of the output range at worst.
        XCTAssertLessThan(error, 3e-2, "int8 drifted from f32: \(error)")
        XCTAssertGreaterThan(error, 1e-6, "int8 gave f32's exact output: the layers did not run in int8")
        if OneDNN.hasVNNI { XCTAssertTrue(kernels.contains { $0.contains("vnni") }, "no VNNI kernel: \(kernels)") }
        // Without a calibration the same request runs f32 (to f32 accuracy).
        let (plain, _) = try relativeError(base, .int8, image: image)
        XCTAssertLessThan(plain, 1e-4)
    }

    func testBF16PlanUsesBF16KernelsWhereTheCPUHasThem() throws {
        if let why = OneDNN.unavailableReason { throw XCTSkip("oneDNN cannot run here: \(why)") }
        let (error, kernels) = try relativeError(try model(), .bf16, image: images(1)[0])
        if OneDNN.hasBF16 {
            XCTAssertTrue(kernels.contains { $0.contains("bf16") }, "no bf16 kernel: \(kernels)")
            XCTAssertLessThan(error, 2e-2)
            XCTAssertGreaterThan(error, 1e-6, "bf16 gave f32's exact output")
        } else {
            XCTAssertLessThan(error, 1e-4, "without AVX512_BF16 the plan runs f32")
        }
    }

    func testAutoRunsTheRecordedModeOnlyWhereItRunsNatively() throws {
        let base = try model()
        XCTAssertEqual(PrecisionRequest.auto.resolve(for: base, backend: .onednn), .f32, "nothing recorded: f32")
        let int8 = base.withMetadata([PrecisionRequest.metadataKey: "int8"])
        XCTAssertEqual(PrecisionRequest.auto.resolve(for: int8, backend: .onednn), OneDNN.hasVNNI ? .int8 : .f32)
        XCTAssertEqual(PrecisionRequest.auto.resolve(for: int8, backend: .openblas), .f32, "OpenBLAS has only f32")
        XCTAssertEqual(PrecisionRequest.auto.resolve(for: base.withMetadata([PrecisionRequest.metadataKey: "fp8"]), backend: .onednn), .f32)
        XCTAssertEqual(PrecisionRequest.bf16.resolve(for: base, backend: .onednn), .bf16, "explicit modes are kept")
        XCTAssertThrowsError(try PrecisionRequest.named("half"))
    }
}
