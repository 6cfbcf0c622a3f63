import Foundation
import SRDTesting
import XCTest

/// Every damaged input that once broke srd (`../shared/data/regress`) must keep failing cleanly:
/// the real `srd upscale` exits 2 with one `srd: error:` line, leaves no output, and leaves the
/// input byte for byte as it was.
final class RegressionInputTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/data/regress").standardizedFileURL.path

    func testEveryRegressionInputFailsCleanly() throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: Self.folder), !names.isEmpty else {
            throw XCTSkip("\(Self.folder) is absent: the damaged regression inputs live in ../shared")
        }
        let srd = try srdExecutable()
        let dir = try TemporaryDirectory(prefix: "srd-regress")
        for name in names.sorted() where !name.hasPrefix(".") {
            let input = dir.file(name)
            try FileManager.default.copyItem(atPath: Self.folder + "/" + name, toPath: input)
            let before = try Data(contentsOf: URL(fileURLWithPath: input))
            let output = dir.file(name + ".out.mkv")
            let r = try runChild(srd, ["upscale", input, output, "--model", "bicubic", "--progress", "none"])
            XCTAssertEqual(r.status, 2, "\(name): exit \(r.status), stderr: \(r.stderr.suffix(400))")
            let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("srd: error: ") }
            XCTAssertEqual(errors.count, 1, "\(name): \(r.stderr.suffix(400))")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "\(name): no output is left")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: input)), before, "\(name): the input is untouched")
        }
    }
}
