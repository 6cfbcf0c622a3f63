import Foundation
import SRDMedia
import SRDTesting
import XCTest

/// A few hundred damaged clips (seeded: flipped bytes, truncation, spliced garbage; H.264, MPEG-4
/// and VP9 in MP4, Matroska and WebM, with and without audio) through the real `srd upscale`:
/// each must end cleanly, exit 0 with a complete output or exit 2 with one `srd: error:` line
/// and no output, never a crash, a hang or exit 1. `SRD_FUZZ_CASES` sets the count (default
/// 240); Scripts/asan runs the same test under AddressSanitizer.
final class DamagedInputFuzzTests: XCTestCase {
    struct Source { let name: String; let bytes: Data }

    private func sources(in dir: TemporaryDirectory) throws -> [Source] {
        let recipes: [(String, String, Bool)] = [("a.mp4", "libx264", true), ("b.mkv", "libx264", false),
                                                 ("c.mkv", "mpeg4", true), ("d.webm", "libvpx-vp9", false)]
        var out: [Source] = []
        for (name, codec, audio) in recipes {
            let path = try makeClip(in: dir, name: name) { o in
                o.width = 64; o.height = 48; o.frames = 24; o.codec = codec; o.audio = audio
                if codec != "libx264" { o.crf = nil; o.preset = nil }
            }
            out.append(Source(name: name, bytes: try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        return out
    }

    /// One seeded damage: flipped bytes, a truncation, garbage spliced in, or two of them.
    static func damage(_ data: Data, seed: UInt64) -> Data {
        var rng = SplitMix64(seed: seed)
        var bytes = [UInt8](data)
        func index() -> Int { Int(rng.next() % UInt64(max(bytes.count, 1))) }
        for _ in 0..<(1 + Int(rng.next() % 2)) {
            switch rng.next() % 3 {
            case 0:
                for _ in 0..<(1 + Int(rng.next() % 16)) { bytes[index()] ^= UInt8(1 + rng.next() % 255) }
            case 1:
                bytes = Array(bytes.prefix(max(1, index())))
            default:
                let at = index(), count = 1 + Int(rng.next() % 512)
                bytes.insert(contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            }
        }
        return Data(bytes)
    }

    func testDamagedClipsEndCleanly() throws {
        let srd = try srdExecutable()
        let dir = try TemporaryDirectory(prefix: "srd-fuzz")
        let clips = try sources(in: dir)
        let cases = Int(ProcessInfo.processInfo.environment["SRD_FUZZ_CASES"] ?? "") ?? 240
        var exits: [Int32: Int] = [:]
        for i in 0..<cases {
            let source = clips[i % clips.count]
            let input = dir.file("in-\(i)-" + source.name), output = dir.file("out-\(i).mkv")
            try Self.damage(source.bytes, seed: UInt64(i) &* 0x9E37_79B9 &+ 17).write(to: URL(fileURLWithPath: input))
            let r = try runChild(srd, ["upscale", input, output, "--model", "bicubic", "--progress", "none", "--workers", "1"])
            exits[r.status, default: 0] += 1
            let detail = "case \(i) (\(source.name), seed \(i)): exit \(r.status), \(r.stderr.suffix(300))"
            XCTAssertTrue(r.status == 0 || r.status == 2, detail)
            if r.status == 0 {
                XCTAssertTrue(FileManager.default.fileExists(atPath: output), detail)
            } else {
                XCTAssertFalse(FileManager.default.fileExists(atPath: output), "no output on failure: " + detail)
                XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("srd: error: ") }.count, 1, detail)
            }
            try? FileManager.default.removeItem(atPath: input)
            try? FileManager.default.removeItem(atPath: output)
            try? FileManager.default.removeItem(atPath: dir.file("out-\(i).metrics"))
        }
        XCTAssertGreaterThan(exits[2] ?? 0, cases / 4, "most damage is refused: \(exits)")
        print("damaged-input fuzz: \(cases) cases, exits \(exits.sorted { $0.key < $1.key })")
    }

    /// The interrupted copy of the issue: the first bytes of a clip are an error, not a short video.
    func testATruncatedClipIsAnErrorThatSaysHowMuchIsMissing() throws {
        let srd = try srdExecutable()
        let dir = try TemporaryDirectory(prefix: "srd-truncated")
        let path = try makeClip(in: dir, name: "whole.mkv") { o in o.width = 96; o.height = 64; o.frames = 48; o.audio = true }
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = dir.file("cut.mkv")
        try whole.prefix(whole.count / 3).write(to: URL(fileURLWithPath: cut))
        let r = try runChild(srd, ["upscale", cut, dir.file("out.mkv"), "--model", "bicubic", "--progress", "none"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("input ends at") && r.stderr.contains("of 2.00 s"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out.mkv")))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: cut)), whole.prefix(whole.count / 3), "input untouched")
        // Best effort on request: exit 0, and the shortfall in summary.json.
        let kept = try runChild(srd, ["upscale", cut, dir.file("kept.mkv"), "--model", "bicubic", "--progress", "none", "--accept-damaged"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("kept.metrics/summary.json")))) as? [String: Any]
        let damage = summary?["damage"] as? [String: Any]
        XCTAssertEqual(damage?["declared_seconds"] as? Double ?? 0, 2.0, accuracy: 0.05)
        XCTAssertLessThan(damage?["decoded_seconds"] as? Double ?? 9, 1.5)
        // And the whole clip is complete: no false alarm.
        XCTAssertEqual(try runChild(srd, ["upscale", path, dir.file("full.mkv"), "--model", "bicubic", "--progress", "none"]).status, 0)
    }
}
