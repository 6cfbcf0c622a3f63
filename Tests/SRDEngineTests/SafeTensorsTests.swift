import Foundation
import XCTest
@testable import SRDEngine

final class SafeTensorsTests: XCTestCase {
    func testRoundTrip() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("t.safetensors")
        let tensors = ["a.weight": Tensor.random(shape: [2, 3, 1, 1], seed: 1), "b": Tensor(shape: [5], data: [1, -2, 3.5, 0, 1e-9])]
        try SafeTensors.write(tensors: tensors, metadata: ["arch": "X", "note": "ünïcode"], to: url)
        let back = try SafeTensors.read(url)
        XCTAssertEqual(back.tensors, tensors)
        XCTAssertEqual(back.metadata, ["arch": "X", "note": "ünïcode"])
        // The data section starts 8-byte aligned.
        let bytes = try Data(contentsOf: url)
        let n = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(n % 8, 0)
        XCTAssertEqual(bytes.count, 8 + n + (6 + 5) * 4)
    }

    func testReadsF64AndF16() throws {
        let header = #"{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]}}"#
        var data = Data()
        var len = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &len) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        for v in [1.5, -0.25] { var b = v.bitPattern.littleEndian; withUnsafeBytes(of: &b) { data.append(contentsOf: $0) } }
        for v: Float16 in [2, -0.5] { var b = v.bitPattern.littleEndian; withUnsafeBytes(of: &b) { data.append(contentsOf: $0) } }
        let f = try SafeTensors.parse(data)
        XCTAssertEqual(f.tensors["d"]?.data, [1.5, -0.25])
        XCTAssertEqual(f.tensors["h"]?.data, [2, -0.5])
    }

    func testRejectsBrokenFiles() throws {
        let good = try SafeTensors.serialize(tensors: ["x": Tensor(shape: [4], repeating: 1)], metadata: [:])
        XCTAssertThrowsError(try SafeTensors.parse(good.prefix(good.count - 1))) { e in
            XCTAssertEqual((e as? EngineError)?.code, .invalidFile)
        }
        XCTAssertThrowsError(try SafeTensors.parse(Data([1, 2, 3]))) { e in
            XCTAssertEqual((e as? EngineError)?.code, .invalidFile)
        }
        let header = #"{"x":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}"#
        var data = Data()
        var len = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &len) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(0)
        XCTAssertThrowsError(try SafeTensors.parse(data)) { e in
            XCTAssertEqual((e as? EngineError)?.code, .unsupportedDType)
        }
    }
}
