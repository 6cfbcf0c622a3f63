import Foundation
import XCTest
@testable import SRDEngine

/// `../shared` beside the repository (repo root = 3 levels up from this file), or nil.
func sharedDirectory() -> URL? {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let shared = root.deletingLastPathComponent().appendingPathComponent("shared")
    return FileManager.default.fileExists(atPath: shared.appendingPathComponent("weights").path) ? shared : nil
}

func requireShared() throws -> URL {
    guard let s = sharedDirectory() else {
        throw XCTSkip("../shared/weights is absent: official weights and golden tensors are needed for this test")
    }
    return s
}

/// Asserts the largest absolute difference is below `tolerance`, reporting it.
func assertClose(_ a: Tensor, _ b: Tensor, _ tolerance: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(what): sizes \(a.shape) vs \(b.shape)", file: file, line: line)
    guard a.count == b.count else { return }
    let d = a.maxAbsDifference(b)
    XCTAssertLessThanOrEqual(d, tolerance, "\(what): max abs difference \(d)", file: file, line: line)
}

/// A temporary directory removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("srd-engine-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
