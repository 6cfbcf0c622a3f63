import Foundation
import SRDImaging

/// Compression as a degradation: a picture goes through a real encoder and its decoder (libav),
/// so a network trained or measured on the result sees the blocking, ringing and smoothing that
/// the videos users drop in the inbox carry.
///
/// `libx264:crf=18-35` draws the CRF uniformly from the range (per seed, so a patch or frame is
/// degraded the same way every time); `libx265:crf=28` fixes it. Each picture is encoded as the
/// single (intra) frame of a clip: inter-frame artefacts are not modelled.
public struct CodecDegradation: Sendable, Equatable, CustomStringConvertible {
    public var codec: String
    public var crf: ClosedRange<Double>
    /// The encoder's speed preset (its choice of tools changes the artefacts, not only the speed).
    public var preset: String

    public init(codec: String, crf: ClosedRange<Double>, preset: String = "medium") {
        self.codec = codec; self.crf = crf; self.preset = preset
    }

    /// Parses `CODEC:crf=A-B` or `CODEC:crf=A`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].hasPrefix("crf=") else {
            throw MediaError(.invalidArgument, "a codec degradation is CODEC:crf=A-B (e.g. libx264:crf=18-35), got '\(text)'")
        }
        let range = parts[1].dropFirst(4).split(separator: "-").map { Double($0) }
        guard (1...2).contains(range.count), range.allSatisfy({ $0 != nil && $0! >= 0 && $0! <= 51 }),
              let lo = range.first!, let hi = range.last!, lo <= hi else {
            throw MediaError(.invalidArgument, "the CRF of '\(text)' must be a number or A-B within 0...51")
        }
        self.init(codec: parts[0], crf: lo...hi)
    }

    public var description: String {
        "\(codec):crf=" + (crf.lowerBound == crf.upperBound ? "\(crf.lowerBound)" : "\(crf.lowerBound)-\(crf.upperBound)")
    }

    /// The CRF for `seed`: uniform in the range.
    public func crf(seed: UInt64) -> Double {
        var rng = SplitMix64(seed: seed ^ 0xC0DE_C0DE)
        let u = Double(rng.next() >> 11) / Double(1 << 53)
        return crf.lowerBound + u * (crf.upperBound - crf.lowerBound)
    }

    /// `image` (RGB, 0...1) encoded at `crf` and decoded back, and the size of the compressed
    /// clip in bytes. Odd sizes are padded by replication for 4:2:0 and cropped back.
    public func roundTrip(_ image: PlanarImage, crf: Double) throws -> (image: PlanarImage, bytes: Int) {
        guard image.channels == 3, image.width > 0, image.height > 0 else {
            throw MediaError(.invalidArgument, "a codec degradation needs an RGB picture")
        }
        let w = image.width + image.width % 2, h = image.height + image.height % 2
        var padded = image
        if w != image.width || h != image.height {
            padded = PlanarImage(width: w, height: h, channels: 3)
            for c in 0..<3 { for y in 0..<h { for x in 0..<w {
                padded[c, y, x] = image[c, min(y, image.height - 1), min(x, image.width - 1)]
            } } }
        }
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("srd-codec-\(UUID().uuidString).mkv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var o = SyntheticClip.Options()
        o.images = [padded]
        o.codec = codec
        o.crf = crf
        o.preset = preset
        _ = try SyntheticClip.write(to: path, options: o)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let reader = try MediaReader(path: path)
        while let item = try reader.next() {
            if case let .frame(frame) = item {
                let decoded = frame.image
                let out = decoded.width == image.width && decoded.height == image.height
                    ? decoded : decoded.cropped(x: 0, y: 0, width: image.width, height: image.height)
                return (out, bytes)
            }
        }
        throw MediaError(.decodeFailed, "\(codec) round trip gave no picture")
    }
}
