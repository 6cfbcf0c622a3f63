import Foundation
import XCTest
@testable import SRDEngine

final class ModelLoaderTests: XCTestCase {
    let small: [String: HyperValue] = ["n_resblocks": .number(2), "n_feats": .number(8)]

    func testRandomModelRoundTripsThroughAFile() throws {
        let model = try ModelLoader.randomModel("edsr-baseline", scale: 2, seed: 5, overrides: small)
        let url = try temporaryDirectory(self).appendingPathComponent("edsr.safetensors")
        try model.write(to: url)
        let back = try ModelLoader.load(url.path, scale: 2) as! NetworkModel
        XCTAssertEqual(back.description.arch, "EDSR")
        XCTAssertEqual(back.scale, 2)
        XCTAssertEqual(back.description.hyperparameters["n_resblocks"], .number(2))
        let x = Tensor.random(shape: [3, 9, 7], in: 0...1, seed: 6)
        XCTAssertEqual(back.program(x), model.program(x))
    }

    func testShapeMismatchNamesKeyAndBothShapes() throws {
        let d = try ModelLoader.randomDescription("edsr-baseline", scale: 2, overrides: small)
        var t = try ModelLoader.randomParameters(for: d, seed: 1)
        t["body.1.body.0.weight"] = Tensor(shape: [8, 8, 5, 5])
        XCTAssertThrowsError(try ModelLoader.build(d, tensors: t)) { e in
            let err = e as! EngineError
            XCTAssertEqual(err.code, .shapeMismatch)
            XCTAssertTrue(err.message.contains("'body.1.body.0.weight'"), err.message)
            XCTAssertTrue(err.message.contains("[8, 8, 3, 3]"), err.message)
            XCTAssertTrue(err.message.contains("[8, 8, 5, 5]"), err.message)
        }
    }

    func testMissingAndUnexpectedTensors() throws {
        let d = try ModelLoader.randomDescription("edsr-baseline", scale: 2, overrides: small)
        var t = try ModelLoader.randomParameters(for: d, seed: 1)
        t["sub_mean.weight"] = Tensor(shape: [3, 3, 1, 1])
        XCTAssertThrowsError(try ModelLoader.build(d, tensors: t)) { e in
            XCTAssertEqual((e as! EngineError).code, .unexpectedTensor)
            XCTAssertTrue((e as! EngineError).message.contains("sub_mean.weight"))
        }
        t["sub_mean.weight"] = nil
        t["tail.1.bias"] = nil
        XCTAssertThrowsError(try ModelLoader.build(d, tensors: t)) { e in
            XCTAssertEqual((e as! EngineError).code, .missingTensor)
            XCTAssertTrue((e as! EngineError).message.contains("'tail.1.bias'"))
        }
    }

    func testOfficialFileShapeMismatchAndScale() throws {
        let shared = try requireShared()
        let url = shared.appendingPathComponent("weights/fsrcnn_x3.safetensors")
        var file = try SafeTensors.read(url)
        XCTAssertThrowsError(try ModelLoader.load(url.path, scale: 2)) { e in
            XCTAssertEqual((e as! EngineError).code, .scaleMismatch)
        }
        XCTAssertEqual(try ModelLoader.load(url.path, scale: 3).scale, 3)
        file.tensors["conv3.weight"] = Tensor(shape: [12, 12, 3, 1])
        XCTAssertThrowsError(try ModelLoader.load(file: file, name: "fsrcnn_x3")) { e in
            XCTAssertEqual((e as! EngineError).message,
                           "fsrcnn_x3: tensor 'conv3.weight': expected shape [12, 12, 3, 3], file has [12, 12, 3, 1]")
        }
    }

    func testNamesAndErrors() throws {
        XCTAssertTrue(try ModelLoader.load("bicubic", scale: 3) is ClassicalScaler)
        XCTAssertEqual((try ModelLoader.load("lanczos", scale: 2) as! ClassicalScaler).kernel, .lanczos3)
        XCTAssertThrowsError(try ModelLoader.load("bicubic", scale: nil))
        XCTAssertThrowsError(try ModelLoader.load("no-such-model", scale: 2)) { e in
            XCTAssertEqual((e as! EngineError).code, .unknownModel)
        }
        let m = try ModelLoader.load("random:unet,num_feat=4,seed=3", scale: 3) as! NetworkModel
        XCTAssertEqual(m.scale, 3)
        XCTAssertEqual(m.description.hyperparameters["num_feat"], .number(4))
        var md = ["arch": "Nope", "scale": "2"]
        XCTAssertThrowsError(try ModelLoader.load(file: .init(tensors: [:], metadata: md), name: "n")) { e in
            XCTAssertEqual((e as! EngineError).code, .unknownArchitecture)
        }
        md = ["arch": "ESPCN", "scale": "two"]
        XCTAssertThrowsError(try ModelLoader.load(file: .init(tensors: [:], metadata: md), name: "n")) { e in
            XCTAssertEqual((e as! EngineError).code, .invalidMetadata)
        }
    }

    /// Every named random configuration builds at x2, x3 and x4 and produces a finite output.
    func testEveryRandomConfigurationBuilds() throws {
        let shrink: [String: [String: HyperValue]] = [
            "edsr": ["n_resblocks": .number(1), "n_feats": .number(8)], "edsr-baseline": small,
            "srresnet": ["num_res_blocks": .number(1), "num_feat": .number(8)],
            "srgan": ["num_res_blocks": .number(1), "num_feat": .number(8)],
            "srvgg": ["num_conv": .number(2), "num_feat": .number(8)], "unet": ["num_feat": .number(4)],
        ]
        for name in ModelLoader.randomConfigurations.keys.sorted() {
            for s in [2, 3, 4] where !(name == "srgan" && s == 3) {
                let m = try ModelLoader.randomModel(name, scale: s, overrides: shrink[name] ?? [:])
                let y = try m.makeRunner().upscale(Tensor.random(shape: [3, 10, 9], in: 0...1, seed: 1).planarImage)
                XCTAssertEqual([y.channels, y.height, y.width], [3, 10 * s, 9 * s], "\(name) x\(s)")
                XCTAssertTrue(y.data.allSatisfy(\.isFinite), "\(name) x\(s)")
                XCTAssertGreaterThan(m.flopsPerOutputPixel, 0)
            }
        }
    }
}
