import Foundation
import SRDMedia
import SRDTesting
import XCTest

/// Reads every item of `input` and writes it to `output` at the same size, passing images through
/// `transform` (identity by default): the media round trip without the engine.
@discardableResult
func transcode(_ input: String, to output: String, settings: EncodeSettings = EncodeSettings(preset: "veryfast"),
               transform: (PlanarImage) -> PlanarImage = { $0 }) throws -> (reader: MediaReader, writer: MediaWriter) {
    let reader = try MediaReader(path: input)
    let writer = try MediaWriter(path: output, reader: reader, width: reader.video.width,
                                 height: reader.video.height, settings: settings)
    do {
        while let item = try reader.next() {
            switch item {
            case .frame(let f): try writer.write(image: transform(f.image), pts: f.pts, duration: f.duration)
            case .packet(let p): try writer.write(packet: p)
            }
        }
        try writer.finish()
    } catch {
        writer.close()
        throw error
    }
    return (reader, writer)
}

/// All frames of a file decoded with MediaReader.
func readFrames(_ path: String) throws -> [VideoFrame] {
    let reader = try MediaReader(path: path)
    var frames: [VideoFrame] = []
    while let item = try reader.next() {
        if case .frame(let f) = item { frames.append(f) }
    }
    return frames
}

/// Mean of a channel over a rectangle.
func mean(_ image: PlanarImage, channel c: Int, x: Range<Int>, y: Range<Int>) -> Float {
    var sum: Float = 0
    for yy in y { for xx in x { sum += image[c, yy, xx] } }
    return sum / Float(x.count * y.count)
}
