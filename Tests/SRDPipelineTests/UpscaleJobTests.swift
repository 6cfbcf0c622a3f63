import Foundation
import SRDMedia
import SRDPipeline
import SRDTesting
import XCTest

/// End-to-end tests of `UpscaleJob` on clips made with libav in temporary folders.
final class UpscaleJobTests: XCTestCase {
    private func run(_ input: String, _ output: String, _ configure: (inout UpscaleOptions) -> Void = { _ in }) throws -> JobSummary {
        var options = UpscaleOptions(input: input, output: output, model: "bicubic", scale: 2, workers: 2)
        options.encode.preset = "ultrafast"
        configure(&options)
        return try UpscaleJob(options: options, catalog: PresetCatalog(folders: [])).run()
    }

    func testSizeFrameCountAndStreamsAreCarriedOver() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mkv") {
            $0.width = 96; $0.height = 64; $0.frames = 20
            $0.audio = true; $0.subtitles = true; $0.chapters = 2; $0.title = "carried"
            $0.colorTags = .bt709
        }
        let output = dir.file("out.mkv")
        let summary = try run(input, output)
        XCTAssertEqual(summary.frames, 20)
        let video = try MediaProbe.video(of: output)
        XCTAssertEqual(video.width, 192)
        XCTAssertEqual(video.height, 128)
        XCTAssertEqual(try MediaProbe.videoFrameCount(of: output), 20)
        XCTAssertEqual(video.matrix, "bt709")
        XCTAssertEqual(video.primaries, "bt709")
        XCTAssertEqual(video.range, "tv")
        for type in [MediaStreamType.audio, .subtitle] {
            let a = try MediaProbe.packets(of: input, streamType: type).map(\.data)
            let b = try MediaProbe.packets(of: output, streamType: type).map(\.data)
            XCTAssertFalse(a.isEmpty, "input has no \(type) packets")
            XCTAssertEqual(a, b, "\(type) packets differ")
        }
        XCTAssertEqual(try MediaProbe.chapters(of: output).count, 2)
        XCTAssertEqual(try MediaProbe.metadata(of: output)["title"], "carried")
        // metrics beside the output
        let metrics = summary.metricsDirectory
        for file in ["metrics.jsonl", "summary.json", "report.html", "crop.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: metrics + "/" + file), file)
        }
        let lines = try String(contentsOfFile: metrics + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 20)
        // no temporary file left beside the output
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("srd-partial") }
        XCTAssertEqual(leftovers, [])
    }

    func testVariableFrameRateTimestampsAreKept() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "vfr.mkv") {
            $0.width = 64; $0.height = 48; $0.frames = 18; $0.variableFrameRate = true
        }
        let output = dir.file("vfr-out.mkv")
        try run(input, output)
        let a = try MediaProbe.videoFramePTS(of: input)
        let b = try MediaProbe.videoFramePTS(of: output)
        XCTAssertEqual(a.pts.count, 18)
        let secondsA = a.pts.map { Double($0) * a.timeBase.doubleValue }
        let secondsB = b.pts.map { Double($0) * b.timeBase.doubleValue }
        XCTAssertEqual(secondsA.count, secondsB.count)
        for (x, y) in zip(secondsA, secondsB) { XCTAssertEqual(x, y, accuracy: 0.0005) }
        // irregular spacing really is there
        let gaps = Set(zip(secondsA.dropFirst(), secondsA).map { (($0 - $1) * 1000).rounded() })
        XCTAssertGreaterThan(gaps.count, 2)
    }

    func testTenBitInputKeepsItsDepth() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "ten.mkv") {
            $0.width = 64; $0.height = 48; $0.frames = 4; $0.pixelFormat = "yuv420p10le"; $0.pattern = .gradient
        }
        let output = dir.file("ten-out.mkv")
        try run(input, output)
        XCTAssertEqual(try MediaProbe.video(of: output).pixelFormat, "yuv420p10le")
    }

    func testMP4OutputAndScaleFour() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mp4") { $0.width = 48; $0.height = 32; $0.frames = 6; $0.audio = true }
        let output = dir.file("out.mp4")
        try run(input, output) { $0.scale = 4; $0.model = "lanczos" }
        let video = try MediaProbe.video(of: output)
        XCTAssertEqual([video.width, video.height], [192, 128])
        XCTAssertEqual(try MediaProbe.packets(of: output, streamType: .audio).map(\.data),
                       try MediaProbe.packets(of: input, streamType: .audio).map(\.data))
    }

    func testCorruptInputFailsCleanlyAndLeavesNothing() throws {
        let dir = try TemporaryDirectory()
        let corrupt = dir.file("corrupt.mkv")
        var junk = [UInt8](repeating: 0, count: 4096)
        var rng = SplitMix64(seed: 7)
        for i in 0..<junk.count { junk[i] = UInt8(truncatingIfNeeded: rng.next()) }
        try Data(junk).write(to: URL(fileURLWithPath: corrupt))
        let before = try Data(contentsOf: URL(fileURLWithPath: corrupt))
        let output = dir.file("never.mkv")
        XCTAssertThrowsError(try run(corrupt, output)) { error in
            XCTAssertTrue("\(error)".contains("corrupt.mkv"), "error should name the file: \(error)")
            XCTAssertEqual(WorkerExitCode.code(for: error), WorkerExitCode.badInput)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: corrupt)), before, "input must be untouched")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertFalse(names.contains { $0.contains("srd-partial") }, "partial output left: \(names)")
    }

    func testBadRequestsGiveOneLineErrors() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "ok.mkv") { $0.width = 32; $0.height = 32; $0.frames = 2 }
        let empty = dir.file("empty.mkv")
        FileManager.default.createFile(atPath: empty, contents: Data())
        let cases: [(String, String, (inout UpscaleOptions) -> Void, String)] = [
            (dir.file("missing.mkv"), dir.file("o1.mkv"), { _ in }, "does not exist"),
            (empty, dir.file("o2.mkv"), { _ in }, "is empty"),
            (input, dir.file("o3.mkv"), { $0.scale = 0 }, "scale"),
            (input, "/nonexistent-folder/o4.mkv", { _ in }, "does not exist"),
            (input, dir.file("o5.mkv"), { $0.model = "no-such-model" }, "no-such-model"),
            (input, dir.file("o6.mkv"), { $0.maxWidth = 16 }, "width 32 > 16"),
            (input, dir.file("o7.mkv"), { $0.maxDurationSeconds = 0.01 }, "duration"),
        ]
        for (inPath, outPath, configure, expected) in cases {
            XCTAssertThrowsError(try run(inPath, outPath, configure)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(expected), "'\(text)' should mention '\(expected)'")
                XCTAssertFalse(text.contains("\n"), "error must be one line: \(text)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: outPath))
        }
    }

    func testPatternWithNoMatchingFramesIsRejected() throws {
        let dir = try TemporaryDirectory()
        XCTAssertThrowsError(try run(dir.file("frames/%08d.png"), dir.file("o.mkv"))) { error in
            XCTAssertTrue("\(error)".contains("frames/%08d.png"), "\(error)")
            XCTAssertEqual(WorkerExitCode.code(for: error), WorkerExitCode.badInput)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("o.mkv")))
    }
}
