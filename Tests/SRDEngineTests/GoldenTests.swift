import Foundation
import XCTest
@testable import SRDEngine

/// Every official weight file against its golden input/output pair (float64 reference outputs).
final class GoldenTests: XCTestCase {
    func testEveryGoldenFileMatchesTheReferenceOutput() throws {
        let shared = try requireShared()
        let goldenDir = shared.appendingPathComponent("weights/golden")
        let files = try FileManager.default.contentsOfDirectory(atPath: goldenDir.path)
            .filter { $0.hasSuffix(".golden.safetensors") }.sorted()
        XCTAssertFalse(files.isEmpty, "no golden files in \(goldenDir.path)")
        var report: [String] = []
        for f in files {
            let stem = String(f.dropLast(".golden.safetensors".count))
            let golden = try SafeTensors.read(goldenDir.appendingPathComponent(f))
            let model = try ModelLoader.load(url: shared.appendingPathComponent("weights/\(stem).safetensors"))
            guard let input = golden.tensors["input"], let expected = golden.tensors["output"] else {
                XCTFail("\(f): no input/output tensors")
                continue
            }
            let out = model.program(input)
            XCTAssertEqual(out.shape, Array(expected.shape.dropFirst()), "\(stem): output shape")
            let d = out.maxAbsDifference(expected)
            report.append("\(stem) [\(model.description.arch)]: max abs diff \(d)")
            XCTAssertLessThan(d, 1e-4, "\(stem): max abs difference \(d) vs golden")
        }
        print("golden results:\n" + report.joined(separator: "\n"))
    }
}
