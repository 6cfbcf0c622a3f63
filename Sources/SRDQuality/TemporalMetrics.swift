import Foundation

/// Temporal-consistency metrics for video (EVAL-PROTOCOL.md, "Video").
///
/// - Warp error E_warp (Lai et al. 2018): Farneback flow from frame t to t-1 on the flow frames
///   (ground truth, or the bicubic-upscaled input in production); frame t-1 of the measured
///   video is warped onto t (bilinear); pixels whose forward and backward flows disagree by more
///   than 1 px (or that map outside the frame) are occlusions and left out;
///   E_warp = mean |Y_t - warp(Y_{t-1})| over t >= 1 and the remaining pixels, on 0...255 Y.
///   The mean is pooled over all kept pixels of all frames.
/// - tOF (TecoGAN): the mean per-pixel L2 distance between the flow (t -> t-1) of the output and
///   that of the reference, averaged over frame pairs.
///
/// Frames are `PlanarImage`s in 0...1: one plane is taken as Y; three planes are RGB and are
/// converted to BT.601 studio-range Y (the protocol's Y) first.
public enum TemporalMetrics {
    /// E_warp of `frames`, with flow and occlusions from `flowFrames` (same count and size).
    public static func warpError(frames: [PlanarImage], flowFrames: [PlanarImage],
                                 parameters: FarnebackParameters = .standard) -> Double {
        precondition(frames.count == flowFrames.count, "frames and flow frames differ in count")
        var tracker = TemporalTracker(parameters: parameters)
        for (f, r) in zip(frames, flowFrames) { tracker.push(output: f, reference: r) }
        return tracker.summary.warpError
    }

    /// tOF between `frames` and `reference` (same count and size): mean over frame pairs of the
    /// mean end-point distance between their t -> t-1 flows.
    public static func tOF(frames: [PlanarImage], reference: [PlanarImage],
                           parameters: FarnebackParameters = .standard) -> Double {
        precondition(frames.count == reference.count, "frames and reference differ in count")
        var tracker = TemporalTracker(parameters: parameters, computeTOF: true)
        for (f, r) in zip(frames, reference) { tracker.push(output: f, reference: r) }
        return tracker.summary.tOF ?? .nan
    }

    /// Y on 0...255 as Float samples: one plane as is, RGB via BT.601 studio range.
    static func luma255(_ image: PlanarImage) -> [Float] {
        if image.channels == 1 { return image.data.map { $0 * 255 } }
        precondition(image.channels == 3, "temporal metrics need Y or RGB frames")
        let n = image.planeSize
        var out = [Float](repeating: 0, count: n)
        image.data.withUnsafeBufferPointer { s in
            for i in 0..<n {
                let r = Double(s[i]) * 255, g = Double(s[n + i]) * 255, b = Double(s[2 * n + i]) * 255
                out[i] = Float(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255)
            }
        }
        return out
    }
}

/// One frame's temporal scores (frame index >= 1).
public struct TemporalFrameScore: Sendable, Equatable {
    /// Index of the frame in the stream (the first pushed frame is 0 and has no score).
    public var index: Int
    /// E_warp of the output for this frame pair (0...255 Y).
    public var warpError: Double
    /// E_warp of the reference frames themselves: what imperfect flow alone leaves.
    public var referenceWarpError: Double
    /// Flicker the output adds: the same masked mean of |D_out - D_ref| with
    /// D_X = X_t - warp(X_{t-1}), i.e. the warp error of the residual (output - reference).
    /// 0 when the output changes over time exactly as the reference does.
    public var flicker: Double
    /// tOF for this pair, when the tracker computes it.
    public var tOF: Double?
    /// Fraction of pixels kept by the occlusion mask.
    public var validFraction: Double
}

/// Running totals over the frames pushed so far.
public struct TemporalSummary: Sendable, Equatable {
    /// Frame pairs scored.
    public var pairs: Int
    /// Pooled E_warp of the output (NaN before the second frame).
    public var warpError: Double
    /// Pooled E_warp of the reference.
    public var referenceWarpError: Double
    /// Pooled flicker (see `TemporalFrameScore.flicker`).
    public var flicker: Double
    /// Mean tOF over pairs, when computed.
    public var tOF: Double?
}

/// Streaming temporal metrics: push frames one at a time, as the video pipeline produces them.
///
/// Each pushed reference frame is prepared for flow once (its Farneback pyramid) and kept for
/// the next pair, so a frame costs one preparation and two flows (t -> t-1 and back, for the
/// occlusion mask), plus one preparation and one flow when tOF is on.
public struct TemporalTracker {
    public let parameters: FarnebackParameters
    public let computeTOF: Bool

    private var index = -1
    private var previous: (output: [Float], reference: [Float], refFrame: FarnebackFrame, outFrame: FarnebackFrame?)?
    private var sumOut = 0.0, sumRef = 0.0, sumFlicker = 0.0, kept = 0
    private var sumTOF = 0.0
    private var pairs = 0

    /// - Parameters:
    ///   - computeTOF: also compute the output's flow and tOF (one more flow per frame).
    public init(parameters: FarnebackParameters = .standard, computeTOF: Bool = false) {
        self.parameters = parameters
        self.computeTOF = computeTOF
    }

    /// Adds the next frame pair and returns its scores (nil for the first frame).
    /// - Parameters:
    ///   - output: the measured frame (Y or RGB, 0...1), e.g. the SR output.
    ///   - reference: the frame the flow is computed on (ground truth, or the bicubic-upscaled
    ///     input without ground truth), same size.
    @discardableResult
    public mutating func push(output: PlanarImage, reference: PlanarImage) -> TemporalFrameScore? {
        precondition(output.width == reference.width && output.height == reference.height,
                     "output and reference frames differ in size")
        index += 1
        let out = TemporalMetrics.luma255(output), ref = TemporalMetrics.luma255(reference)
        let w = output.width, h = output.height
        let refFrame = FarnebackFrame(samples255: ref, width: w, height: h, parameters: parameters)
        let outFrame = computeTOF ? FarnebackFrame(samples255: out, width: w, height: h, parameters: parameters) : nil
        defer { previous = (out, ref, refFrame, outFrame) }
        guard let prev = previous else { return nil }
        precondition(prev.output.count == out.count, "frame size changed mid-stream")

        let forward = OpticalFlow.farneback(from: refFrame, to: prev.refFrame)    // t -> t-1
        let backward = OpticalFlow.farneback(from: prev.refFrame, to: refFrame)   // t-1 -> t
        let mask = OpticalFlow.consistencyMask(forward: forward, backward: backward)
        var so = 0.0, sr = 0.0, sf = 0.0
        var n = 0
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                guard mask[i] else { continue }
                let px = Double(x) + Double(forward.dx[i]), py = Double(y) + Double(forward.dy[i])
                let dOut = Double(out[i]) - bilinearSample(prev.output, w, h, px, py)
                let dRef = Double(ref[i]) - bilinearSample(prev.reference, w, h, px, py)
                so += abs(dOut)
                sr += abs(dRef)
                sf += abs(dOut - dRef)
                n += 1
            }
        }
        var tof: Double?
        if let o = outFrame, let po = prev.outFrame {
            tof = OpticalFlow.farneback(from: o, to: po).meanEndpointDistance(to: forward)
            sumTOF += tof!
        }
        sumOut += so
        sumRef += sr
        sumFlicker += sf
        kept += n
        pairs += 1
        let d = n == 0 ? Double.nan : Double(n)
        return TemporalFrameScore(index: index, warpError: so / d, referenceWarpError: sr / d, flicker: sf / d,
                                  tOF: tof, validFraction: Double(n) / Double(w * h))
    }

    /// Pooled results so far.
    public var summary: TemporalSummary {
        let d = kept == 0 ? Double.nan : Double(kept)
        return TemporalSummary(pairs: pairs, warpError: sumOut / d, referenceWarpError: sumRef / d,
                               flicker: sumFlicker / d,
                               tOF: computeTOF ? (pairs == 0 ? .nan : sumTOF / Double(pairs)) : nil)
    }
}
