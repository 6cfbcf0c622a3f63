import Foundation
import SRDMedia
import SRDTesting
import XCTest

final class MediaReaderTests: XCTestCase {
    override class func setUp() { MediaLog.setLevel(.error) }

    func testDecodesEveryFrameWithItsTimestamp() throws {
        let dir = try TemporaryDirectory()
        let path = try makeClip(in: dir, name: "cfr.mp4") { $0.frames = 30 }
        let reader = try MediaReader(path: path)
        XCTAssertEqual(reader.video.width, 320)
        XCTAssertEqual(reader.video.height, 240)
        XCTAssertEqual(reader.video.codecName, "h264")
        XCTAssertEqual(reader.video.pixelFormat, "yuv420p")
        XCTAssertEqual(reader.video.bitDepth, 8)
        XCTAssertEqual(reader.video.averageFrameRate.doubleValue, 24, accuracy: 1e-9)
        XCTAssertEqual(reader.video.estimatedFrameCount, 30)
        XCTAssertEqual(reader.video.durationSeconds, 1.25, accuracy: 0.01)
        XCTAssertTrue(reader.video.containerFormat.contains("mp4"))
        XCTAssertEqual(reader.video.colorMatrixName, "bt709")
        XCTAssertEqual(reader.video.colorRangeName, "tv")

        var frames: [VideoFrame] = []
        while let item = try reader.next() {
            if case .frame(let f) = item { frames.append(f) }
        }
        XCTAssertNil(try reader.next(), "stays at end")
        XCTAssertEqual(frames.count, 30, "decoder fully drained")
        XCTAssertEqual(frames.map(\.index), Array(0..<30))
        // Independent libav decode of the same file gives the same timestamps.
        let probe = try MediaProbe.videoFramePTS(of: path)
        XCTAssertEqual(Rational(num: reader.video.timeBase.num, den: reader.video.timeBase.den), probe.timeBase)
        XCTAssertEqual(frames.map(\.pts), probe.pts)
        let seconds = frames.map { Double($0.pts) * reader.video.timeBase.doubleValue }
        for (i, s) in seconds.enumerated() { XCTAssertEqual(s, Double(i) / 24, accuracy: 1e-6) }
        XCTAssertEqual(frames[0].image.channels, 3)
        XCTAssertEqual(frames[0].image.width, 320)
    }

    func testDecodedPictureMatchesWhatWasEncoded() throws {
        let dir = try TemporaryDirectory()
        let path = try makeClip(in: dir, name: "bars.mkv") {
            $0.pattern = .colourBars; $0.frames = 3; $0.crf = 0; $0.width = 320; $0.height = 180
        }
        let frames = try readFrames(path)
        XCTAssertEqual(frames.count, 3)
        let image = frames[1].image
        for (i, bar) in SyntheticClip.colourBarValues.enumerated() {
            let x0 = i * 40 + 12, x1 = x0 + 16  // bar interiors, away from chroma edges
            for c in 0..<3 {
                XCTAssertEqual(mean(image, channel: c, x: x0..<x1, y: 80..<140), bar[c], accuracy: 0.01,
                               "bar \(i) channel \(c)")
            }
        }
    }

    func testRGBPNGDecodesToExactlyValueOver255() throws {
        let dir = try TemporaryDirectory()
        var image = PlanarImage(width: 64, height: 8, channels: 3)
        for y in 0..<8 { for x in 0..<64 { for c in 0..<3 {
            image[c, y, x] = Float((x * 4 + y * 37 + c * 91) % 256) / 255
        } } }
        try writePNGSequence([image], in: dir)
        let reader = try MediaReader(path: dir.file("%08d.png"))
        XCTAssertEqual(reader.video.pixelFormat, "rgb24")
        XCTAssertEqual(reader.video.containerFormat, "image2")
        guard case .frame(let f)? = try reader.next() else { return XCTFail("no frame") }
        for y in 0..<8 { for x in 0..<64 { for c in 0..<3 {
            let v = (x * 4 + y * 37 + c * 91) % 256
            XCTAssertEqual(f.image[c, y, x], Float(v) / 255, "at c\(c) y\(y) x\(x)")
        } } }
    }

    func testImageSequencePatternOpensAndCountsFrames() throws {
        let dir = try TemporaryDirectory()
        let images = (0..<5).map { SyntheticClip.render(frame: $0, pattern: .detail, width: 48, height: 32) }
        try writePNGSequence(images, in: dir)
        let reader = try MediaReader(path: dir.file("%08d.png"))
        XCTAssertEqual(reader.video.width, 48)
        XCTAssertEqual(reader.video.height, 32)
        var pts: [Int64] = []
        while let item = try reader.next() { if case .frame(let f) = item { pts.append(f.pts) } }
        XCTAssertEqual(pts, [0, 1, 2, 3, 4])
        XCTAssertEqual(MediaWriter.chooseFormat(outputPath: dir.file("out.tmp"), input: reader), "matroska")
        XCTAssertEqual(MediaWriter.chooseFormat(outputPath: dir.file("out.mp4"), input: reader), "mp4")
    }

    func testReportsRotationAndAspectRatio() throws {
        let dir = try TemporaryDirectory()
        let path = try makeClip(in: dir, name: "rot.mp4") {
            $0.frames = 2; $0.rotation = 90; $0.sampleAspectRatio = Rational(num: 4, den: 3)
        }
        let reader = try MediaReader(path: path)
        XCTAssertEqual(reader.video.rotation, 90)
        XCTAssertEqual(reader.video.sampleAspectRatio, Rational(num: 4, den: 3))
    }

    func testPassesAudioAndSubtitlePacketsThroughInDemuxOrder() throws {
        let dir = try TemporaryDirectory()
        let path = try makeClip(in: dir, name: "av.mkv") { $0.frames = 24; $0.audio = true; $0.subtitles = true }
        let reader = try MediaReader(path: path)
        var audio: [[UInt8]] = [], subs: [[UInt8]] = [], frames = 0
        while let item = try reader.next() {
            switch item {
            case .frame: frames += 1
            case .packet(let p):
                if p.streamType == .audio { audio.append(p.data) }
                if p.streamType == .subtitle { subs.append(p.data) }
            }
        }
        XCTAssertEqual(frames, 24)
        XCTAssertEqual(audio, try MediaProbe.packets(of: path, streamType: .audio).map(\.data))
        XCTAssertEqual(subs.map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) },
                       ["CUE 1", "CUE 2", "CUE 3"])
    }
}
