import Foundation
import SRDTesting
import XCTest

/// Packaging/srd.service as systemd reads it: exposure at most 1.5 and no verification errors.
/// (Whether the daemon runs under every setting needs a booted systemd: docs/DAEMON.md says
/// what was and was not run.)
final class UnitFileTests: XCTestCase {
    static let unit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Packaging/srd.service").path

    private func analyze(_ arguments: [String]) throws -> ChildResult {
        guard let tool = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("systemd-analyze is not installed (Debian's systemd package has it)")
        }
        return try runChild(tool, arguments)
    }

    func testExposureIsAtMostOnePointFive() throws {
        let r = try analyze(["security", "--offline=true", "--no-pager", Self.unit])
        let text = r.stdout + r.stderr
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("Overall exposure level") }, text)
        let number = line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
        let exposure = try XCTUnwrap(number, String(line))
        XCTAssertLessThanOrEqual(exposure, 1.5, String(line))
    }

    func testTheUnitVerifies() throws {
        let r = try analyze(["verify", Self.unit])
        // The binary is installed by Packaging/install.sh; on a build machine it is absent.
        let problems = (r.stdout + r.stderr).split(separator: "\n")
            .filter { !$0.contains("is not executable: No such file") && !$0.isEmpty }
        XCTAssertEqual(problems, [], "systemd-analyze verify: \(problems)")
    }
}
