import CFFmpeg
import Foundation

/// HDR10 static metadata of a video stream: the mastering display (SMPTE ST 2086) and the
/// content light level (CTA-861.3), as libav keeps them in stream side data. A writer copies
/// them to the output stream (Matroska and MP4 store them) and hands them to libx265, whose
/// bitstream then carries them too, so HDR players tone-map the upscaled video as the source.
public struct HDRMetadata: Sendable, Hashable {
    /// A CIE 1931 chromaticity.
    public struct Chromaticity: Sendable, Hashable {
        public var x: Double
        public var y: Double
        public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
    }

    /// Chromaticities of the red, green and blue primaries, and the white point.
    public var primaries: [Chromaticity]
    public var whitePoint: Chromaticity
    /// Mastering display luminance in cd/m^2.
    public var minLuminance: Double
    public var maxLuminance: Double
    /// Maximum content light level and maximum frame-average light level, cd/m^2 (0: not given).
    public var maxCLL: Int
    public var maxFALL: Int
    public var hasMasteringDisplay: Bool
    public var hasContentLight: Bool

    public init(primaries: [Chromaticity], whitePoint: Chromaticity, minLuminance: Double,
                maxLuminance: Double, maxCLL: Int, maxFALL: Int) {
        self.primaries = primaries
        self.whitePoint = whitePoint
        self.minLuminance = minLuminance
        self.maxLuminance = maxLuminance
        self.maxCLL = maxCLL
        self.maxFALL = maxFALL
        hasMasteringDisplay = true
        hasContentLight = maxCLL > 0 || maxFALL > 0
    }

    /// True when every value agrees within rounding of libav's rationals.
    public func isClose(to b: HDRMetadata) -> Bool {
        func close(_ u: Double, _ v: Double) -> Bool { abs(u - v) <= 1e-4 * max(1, abs(u)) }
        return hasMasteringDisplay == b.hasMasteringDisplay && hasContentLight == b.hasContentLight
            && primaries.count == b.primaries.count
            && zip(primaries, b.primaries).allSatisfy { close($0.x, $1.x) && close($0.y, $1.y) }
            && close(whitePoint.x, b.whitePoint.x) && close(whitePoint.y, b.whitePoint.y)
            && close(minLuminance, b.minLuminance) && close(maxLuminance, b.maxLuminance)
            && maxCLL == b.maxCLL && maxFALL == b.maxFALL
    }

    /// The metadata of `stream`, or nil when it has neither side data.
    static func read(from stream: UnsafeMutablePointer<AVStream>) -> HDRMetadata? {
        var size: Int = 0
        let md = av_stream_get_side_data(stream, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, &size)
        let cl = av_stream_get_side_data(stream, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, &size)
        guard md != nil || cl != nil else { return nil }
        var h = HDRMetadata(primaries: [Chromaticity(0, 0), Chromaticity(0, 0), Chromaticity(0, 0)], whitePoint: Chromaticity(0, 0),
                            minLuminance: 0, maxLuminance: 0,
                            maxCLL: 0, maxFALL: 0)
        h.hasMasteringDisplay = false
        if let md {
            let m = UnsafeRawPointer(md).assumingMemoryBound(to: AVMasteringDisplayMetadata.self).pointee
            if m.has_primaries != 0 {
                let p = [m.display_primaries.0, m.display_primaries.1, m.display_primaries.2]
                h.primaries = p.map { Chromaticity(av_q2d($0.0), av_q2d($0.1)) }
                h.whitePoint = Chromaticity(av_q2d(m.white_point.0), av_q2d(m.white_point.1))
            }
            if m.has_luminance != 0 {
                h.minLuminance = av_q2d(m.min_luminance)
                h.maxLuminance = av_q2d(m.max_luminance)
            }
            h.hasMasteringDisplay = m.has_primaries != 0 || m.has_luminance != 0
        }
        if let cl {
            let c = UnsafeRawPointer(cl).assumingMemoryBound(to: AVContentLightMetadata.self).pointee
            h.maxCLL = Int(c.MaxCLL)
            h.maxFALL = Int(c.MaxFALL)
            h.hasContentLight = true
        }
        return h
    }

    /// Adds the metadata to `stream` as side data (before the header is written).
    func attach(to stream: UnsafeMutablePointer<AVStream>) throws {
        if hasMasteringDisplay {
            var size: Int = 0
            guard let m = av_mastering_display_metadata_alloc() else { throw MediaError(.writeFailed, "out of memory") }
            func q(_ v: Double, _ den: Int32) -> AVRational { AVRational(num: Int32((v * Double(den)).rounded()), den: den) }
            m.pointee.display_primaries = ((q(primaries[0].x, 50000), q(primaries[0].y, 50000)),
                                           (q(primaries[1].x, 50000), q(primaries[1].y, 50000)),
                                           (q(primaries[2].x, 50000), q(primaries[2].y, 50000)))
            m.pointee.white_point = (q(whitePoint.x, 50000), q(whitePoint.y, 50000))
            m.pointee.min_luminance = q(minLuminance, 10000)
            m.pointee.max_luminance = q(maxLuminance, 10000)
            m.pointee.has_primaries = 1
            m.pointee.has_luminance = 1
            size = MemoryLayout<AVMasteringDisplayMetadata>.size
            let rc = av_stream_add_side_data(stream, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, UnsafeMutableRawPointer(m).assumingMemoryBound(to: UInt8.self), size)
            if rc < 0 { av_free(m); try check(rc, .writeFailed, "cannot store the mastering display metadata") }
        }
        if hasContentLight {
            var size: Int = 0
            guard let c = av_content_light_metadata_alloc(&size) else { throw MediaError(.writeFailed, "out of memory") }
            c.pointee.MaxCLL = UInt32(maxCLL)
            c.pointee.MaxFALL = UInt32(maxFALL)
            let rc = av_stream_add_side_data(stream, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, UnsafeMutableRawPointer(c).assumingMemoryBound(to: UInt8.self), size)
            if rc < 0 { av_free(c); try check(rc, .writeFailed, "cannot store the content light level") }
        }
    }

    /// libx265's own spelling (`x265-params`): chromaticities in 0.00002, luminance in 0.0001
    /// cd/m^2, primaries in the order G, B, R.
    var x265Parameters: String {
        var parts: [String] = []
        if hasMasteringDisplay {
            func c(_ v: Double) -> Int { Int((v * 50000).rounded()) }
            func l(_ v: Double) -> Int { Int((v * 10000).rounded()) }
            let (r, g, b) = (primaries[0], primaries[1], primaries[2])
            parts.append("master-display=G(\(c(g.x)),\(c(g.y)))B(\(c(b.x)),\(c(b.y)))R(\(c(r.x)),\(c(r.y)))"
                         + "WP(\(c(whitePoint.x)),\(c(whitePoint.y)))L(\(l(maxLuminance)),\(l(minLuminance)))")
        }
        if hasContentLight { parts.append("max-cll=\(maxCLL),\(maxFALL)") }
        return parts.joined(separator: ":")
    }

    /// A typical HDR10 grade (BT.2020 primaries, D65, 1000 / 0.005 cd/m^2, MaxCLL 1000, MaxFALL 400),
    /// for test clips.
    public static let sample = HDRMetadata(primaries: [Chromaticity(0.708, 0.292), Chromaticity(0.170, 0.797), Chromaticity(0.131, 0.046)],
                                           whitePoint: Chromaticity(0.3127, 0.3290), minLuminance: 0.005, maxLuminance: 1000,
                                           maxCLL: 1000, maxFALL: 400)
}
