import Foundation
import SRDMedia
import SRDTesting
import XCTest

final class MediaWriterTests: XCTestCase {
    override class func setUp() { MediaLog.setLevel(.error) }

    func testVariableFrameRateTimestampsSurviveTranscode() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "vfr.mkv") { $0.frames = 18; $0.variableFrameRate = true }
        let output = dir.file("out.mkv")
        let (_, writer) = try transcode(input, to: output)
        XCTAssertEqual(writer.framesWritten, 18)
        let expected: [Int64] = [0, 40, 60, 120, 153, 203, 220, 260, 280, 340, 373, 423, 440, 480, 500, 560, 593, 643]
        let inPTS = try MediaProbe.videoFramePTS(of: input)
        XCTAssertEqual(inPTS.pts, expected)
        let outPTS = try MediaProbe.videoFramePTS(of: output)
        XCTAssertEqual(outPTS.timeBase, Rational(num: 1, den: 1000))
        XCTAssertEqual(outPTS.pts, expected, "frames in = frames out, each at its input time")
    }

    func testVariableFrameRateIntoMP4KeepsTimes() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "vfr.mkv") { $0.frames = 12; $0.variableFrameRate = true }
        let output = dir.file("out.mp4")
        try transcode(input, to: output)
        let inPTS = try MediaProbe.videoFramePTS(of: input)
        let outPTS = try MediaProbe.videoFramePTS(of: output)
        XCTAssertEqual(outPTS.pts.count, 12)
        let inSec = inPTS.pts.map { Double($0) * inPTS.timeBase.doubleValue }
        let outSec = outPTS.pts.map { Double($0) * outPTS.timeBase.doubleValue }
        // mp4 may shift everything by a constant edit offset; the spacing must be identical.
        let offset = outSec[0] - inSec[0]
        for (a, b) in zip(inSec, outSec) { XCTAssertEqual(b - offset, a, accuracy: 1e-6) }
    }

    func testAudioAndSubtitlePacketsAreBitIdenticalInMatroska() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mkv") {
            $0.frames = 24; $0.audio = true; $0.subtitles = true; $0.attachment = true
        }
        let output = dir.file("out.mkv")
        let (_, writer) = try transcode(input, to: output)
        XCTAssertEqual(writer.warnings, [])
        for type in [MediaStreamType.audio, .subtitle] {
            let a = try MediaProbe.packets(of: input, streamType: type)
            let b = try MediaProbe.packets(of: output, streamType: type)
            XCTAssertFalse(a.isEmpty)
            XCTAssertEqual(a.map(\.data), b.map(\.data), "\(type) payloads")
            XCTAssertEqual(a.map(\.ptsSeconds), b.map(\.ptsSeconds), "\(type) times")
        }
        let streams = try MediaProbe.streams(of: output).map(\.type)
        XCTAssertEqual(streams, [.video, .audio, .subtitle, .attachment])
        XCTAssertEqual(try MediaProbe.streamMetadata(of: output, streamType: .attachment)["filename"], "notes.txt")
        XCTAssertEqual(try MediaProbe.streamMetadata(of: output, streamType: .audio)["language"], "eng")
    }

    func testAudioAndSubtitlePacketsAreBitIdenticalInMP4() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mp4") { $0.frames = 24; $0.audio = true; $0.subtitles = true }
        XCTAssertEqual(try MediaProbe.streams(of: input).map(\.codec), ["h264", "aac", "mov_text"])
        let output = dir.file("out.mp4")
        try transcode(input, to: output)
        XCTAssertEqual(try MediaProbe.streams(of: output).map(\.codec), ["h264", "aac", "mov_text"])
        for type in [MediaStreamType.audio, .subtitle] {
            let a = try MediaProbe.packets(of: input, streamType: type)
            let b = try MediaProbe.packets(of: output, streamType: type)
            XCTAssertFalse(a.isEmpty)
            XCTAssertEqual(a.map(\.data), b.map(\.data), "\(type) payloads")
        }
    }

    func testStreamsTheContainerCannotCarryAreSkippedWithAWarning() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mkv") { $0.frames = 6; $0.subtitles = true; $0.attachment = true }
        let output = dir.file("out.mp4")
        let (_, writer) = try transcode(input, to: output)
        XCTAssertEqual(try MediaProbe.streams(of: output).map(\.type), [.video])
        XCTAssertEqual(writer.warnings.count, 2, "\(writer.warnings)")
        XCTAssertTrue(writer.warnings[1].contains("notes.txt"), "\(writer.warnings)")
        XCTAssertTrue(writer.warnings.allSatisfy { $0.contains("mp4 cannot carry") }, "\(writer.warnings)")
    }

    func testChaptersMetadataColourTagsRotationAndAspectAreCopied() throws {
        let dir = try TemporaryDirectory()
        for ext in ["mkv", "mp4"] {
            let input = try makeClip(in: dir, name: "in.\(ext)") {
                $0.frames = 24; $0.chapters = 3; $0.title = "SYNTHETIC TITLE"; $0.colorTags = .bt601
                $0.rotation = 270; $0.sampleAspectRatio = Rational(num: 16, den: 15)
            }
            let output = dir.file("out.\(ext)")
            try transcode(input, to: output)
            let inChapters = try MediaProbe.chapters(of: input)
            XCTAssertEqual(inChapters.count, 3)
            XCTAssertEqual(try MediaProbe.chapters(of: output), inChapters, ext)
            XCTAssertEqual(inChapters.map(\.title), ["CHAPTER 1", "CHAPTER 2", "CHAPTER 3"])
            XCTAssertEqual(try MediaProbe.metadata(of: output)["title"], "SYNTHETIC TITLE", ext)
            let v = try MediaProbe.video(of: output)
            XCTAssertEqual([v.primaries, v.transfer, v.matrix, v.range], ["smpte170m", "smpte170m", "smpte170m", "tv"], ext)
            XCTAssertEqual(v.sampleAspectRatio, Rational(num: 16, den: 15), ext)
            XCTAssertEqual(v.displayMatrix, try MediaProbe.video(of: input).displayMatrix, ext)
            if ext == "mp4" {  // Matroska in libav 5.1 has no rotation field
                XCTAssertEqual(try MediaReader(path: output).video.rotation, 270, ext)
            }
            // mp4 stores chapters in a text track libav lists as a data stream: one, not two.
            XCTAssertEqual(try MediaProbe.streams(of: output).map(\.type), try MediaProbe.streams(of: input).map(\.type), ext)
        }
    }

    func testTenBitInputStaysTenBit() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in10.mkv") {
            $0.frames = 4; $0.pixelFormat = "yuv420p10le"; $0.pattern = .gradient; $0.width = 1024; $0.height = 64
            $0.colorTags = .bt2020
        }
        let reader = try MediaReader(path: input)
        XCTAssertEqual(reader.video.bitDepth, 10)
        guard case .frame(let f)? = try reader.next() else { return XCTFail("no frame") }
        // A 1024-wide ramp through a 10-bit path has far more than 256 distinct levels.
        let row = (0..<1024).map { f.image[1, 40, $0] }
        XCTAssertGreaterThan(Set(row).count, 400)

        let output = dir.file("out.mkv")
        let (_, writer) = try transcode(input, to: output)
        XCTAssertEqual(writer.pixelFormat, "yuv420p10le")
        let v = try MediaProbe.video(of: output)
        XCTAssertEqual(v.pixelFormat, "yuv420p10le")
        XCTAssertEqual([v.primaries, v.transfer, v.matrix], ["bt2020", "bt2020-10", "bt2020nc"])
        let out = try readFrames(output)
        XCTAssertEqual(Set((0..<1024).map { out[0].image[1, 40, $0] }).count, Set(row).count, accuracy: 120)
    }

    func testEightBitInputDefaultsToYUV420P() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mp4") { $0.frames = 2 }
        let (_, writer) = try transcode(input, to: dir.file("out.mkv"))
        XCTAssertEqual(writer.pixelFormat, "yuv420p")
        XCTAssertEqual(writer.formatName, "matroska")
    }

    func testBT709LimitedColourBarsRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "bars.mp4") {
            $0.pattern = .colourBars; $0.frames = 2; $0.crf = 0; $0.width = 320; $0.height = 180; $0.colorTags = .bt709
        }
        // The file itself holds BT.709 studio-range codes: 75% red is Y = 16 + 219 * 0.2126 * 0.75.
        let raw = try MediaProbe.firstFrameRawPlanes(of: input)
        XCTAssertEqual(raw.format, "yuv420p")
        let redY = Float(raw.planes[0][90 * 320 + 5 * 40 + 20])
        XCTAssertEqual(redY, 16 + 219 * 0.2126 * 0.75, accuracy: 1.5)
        let whiteY = Float(raw.planes[0][90 * 320 + 20])
        XCTAssertEqual(whiteY, 16 + 219 * 0.75, accuracy: 1.5)

        let output = dir.file("out.mp4")
        try transcode(input, to: output, settings: EncodeSettings(crf: 0, preset: "veryfast"))
        let a = try readFrames(input)[1].image, b = try readFrames(output)[1].image
        for (i, bar) in SyntheticClip.colourBarValues.enumerated() {
            let x0 = i * 40 + 12
            for c in 0..<3 {
                let before = mean(a, channel: c, x: x0..<(x0 + 16), y: 60..<150)
                let after = mean(b, channel: c, x: x0..<(x0 + 16), y: 60..<150)
                XCTAssertEqual(before, bar[c], accuracy: 0.01, "source bar \(i) c\(c)")
                XCTAssertEqual(after, before, accuracy: 0.006, "round trip bar \(i) c\(c)")
            }
        }
        let v = try MediaProbe.video(of: output)
        XCTAssertEqual([v.primaries, v.transfer, v.matrix, v.range], ["bt709", "bt709", "bt709", "tv"])
    }

    func testUnspecifiedMatrixIsResolvedAndTagged() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "untagged.mkv") {
            $0.pattern = .colourBars; $0.frames = 2; $0.crf = 0; $0.colorTags = .unspecified
        }
        let output = dir.file("out.mkv")
        try transcode(input, to: output, settings: EncodeSettings(crf: 0, preset: "veryfast"))
        let v = try MediaProbe.video(of: output)
        XCTAssertEqual([v.matrix, v.range], ["smpte170m", "tv"], "SD source decoded as BT.601 is tagged so")
        let b = try readFrames(output)[0].image
        XCTAssertEqual(mean(b, channel: 0, x: 212..<228, y: 100..<200), 0.75, accuracy: 0.01)
        XCTAssertEqual(mean(b, channel: 1, x: 212..<228, y: 100..<200), 0, accuracy: 0.01)
    }

    func testPNGSequenceGoesToMatroskaAndKeepsFrames() throws {
        let dir = try TemporaryDirectory()
        let images = (0..<4).map { SyntheticClip.render(frame: $0, pattern: .detail, width: 64, height: 48) }
        try writePNGSequence(images, in: dir)
        let output = dir.file("upscaled.tmp")
        let (_, writer) = try transcode(dir.file("%08d.png"), to: output)
        XCTAssertEqual(writer.formatName, "matroska")
        XCTAssertEqual(try MediaProbe.videoFramePTS(of: output).pts.count, 4)
        let v = try MediaProbe.video(of: output)
        XCTAssertEqual([v.pixelFormat, v.matrix, v.range], ["yuv420p", "smpte170m", "tv"])
    }

    func testWriterRejectsWrongImageSize() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mkv") { $0.frames = 1 }
        let reader = try MediaReader(path: input)
        let writer = try MediaWriter(path: dir.file("o.mkv"), reader: reader, width: 640, height: 480,
                                     settings: EncodeSettings(preset: "veryfast"))
        defer { writer.close() }
        XCTAssertThrowsError(try writer.write(image: PlanarImage(width: 320, height: 240, channels: 3), pts: 0, duration: 1)) {
            XCTAssertEqual(($0 as? MediaError)?.kind, .invalidArgument)
        }
    }

    func testOddSizeFor420IsAClearError() throws {
        let dir = try TemporaryDirectory()
        let reader = try MediaReader(path: try makeClip(in: dir, name: "in.mkv") { $0.frames = 1 })
        XCTAssertThrowsError(try MediaWriter(path: dir.file("o.mkv"), reader: reader, width: 321, height: 240,
                                             settings: EncodeSettings())) {
            XCTAssertEqual(($0 as? MediaError)?.kind, .invalidArgument)
            XCTAssertTrue("\($0)".contains("yuv420p needs a width divisible by 2"), "\($0)")
        }
    }

    func testUnknownEncoderOptionIsAClearError() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mkv") { $0.frames = 1 }
        let reader = try MediaReader(path: input)
        XCTAssertThrowsError(try MediaWriter(path: dir.file("o.mkv"), reader: reader, width: 320, height: 240,
                                             settings: EncodeSettings(extraOptions: ["no-such-option": "1"]))) {
            XCTAssertEqual(($0 as? MediaError)?.kind, .invalidArgument)
            XCTAssertTrue("\($0)".contains("no-such-option"), "\($0)")
        }
    }
}


final class MediaWriterColourAndCodecTests: XCTestCase {
    override class func setUp() { MediaLog.setLevel(.error) }

    func testFullRangeSourceDecodesAndStaysFullRange() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "full.mkv") {
            $0.pattern = .colourBars; $0.frames = 2; $0.crf = 0; $0.width = 320; $0.height = 180; $0.colorTags = .bt709Full
        }
        let raw = try MediaProbe.firstFrameRawPlanes(of: input)
        XCTAssertEqual(Float(raw.planes[0][90 * 320 + 20]), 255 * 0.75, accuracy: 1.5, "full-range white Y")
        XCTAssertEqual(Float(raw.planes[0][90 * 320 + 7 * 40 + 20]), 0, accuracy: 1.5, "full-range black Y")
        let a = try readFrames(input)[0].image
        XCTAssertEqual(mean(a, channel: 0, x: 212..<228, y: 60..<150), 0.75, accuracy: 0.01)
        XCTAssertEqual(mean(a, channel: 2, x: 252..<268, y: 60..<150), 0.75, accuracy: 0.01)
        let output = dir.file("out.mkv")
        try transcode(input, to: output, settings: EncodeSettings(crf: 0, preset: "veryfast"))
        XCTAssertEqual(try MediaProbe.video(of: output).range, "pc")
        let b = try readFrames(output)[0].image
        XCTAssertEqual(mean(b, channel: 0, x: 212..<228, y: 60..<150), 0.75, accuracy: 0.01)
    }

    func testEncoderWithoutCRFOrPresetAndWithoutDeepFormats() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in10.mkv") { $0.frames = 3; $0.pixelFormat = "yuv420p10le" }
        let output = dir.file("out.mkv")
        let (_, writer) = try transcode(input, to: output, settings: EncodeSettings(codec: "mpeg4", extraOptions: ["b": "600k"]))
        XCTAssertEqual(writer.pixelFormat, "yuv420p", "mpeg4 has no 10-bit format")
        XCTAssertEqual(writer.warnings.filter { $0.contains("has no option") }.count, 2, "\(writer.warnings)")
        let v = try MediaProbe.video(of: output)
        XCTAssertEqual([v.codec, v.pixelFormat], ["mpeg4", "yuv420p"])
        XCTAssertEqual(try MediaProbe.videoFramePTS(of: output).pts.count, 3)
    }

    func testExplicitPixelFormatIsUsed() throws {
        let dir = try TemporaryDirectory()
        let input = try makeClip(in: dir, name: "in.mkv") { $0.frames = 2 }
        let output = dir.file("out.mkv")
        let (_, writer) = try transcode(input, to: output, settings: EncodeSettings(preset: "veryfast", pixelFormat: "yuv444p10le"))
        XCTAssertEqual(writer.pixelFormat, "yuv444p10le")
        XCTAssertEqual(try MediaProbe.video(of: output).pixelFormat, "yuv444p10le")
    }
}
