import ArgumentParser
import Foundation
import SRDEngine
import SRDMedia
import SRDPipeline
import SRDQuality

/// `srd temporal-lab`: tunes the temporal stage on a ground-truth frame sequence without
/// re-running the network for every setting. The clip is degraded as `--self-reference` does,
/// upscaled once (kept in memory), then smoothed and scored (mean Y-PSNR, warp error as
/// EVAL-PROTOCOL.md defines it) for each value of the swept setting. What docs/BENCHMARKS.md's
/// temporal sweep is made with; the product path is `srd upscale --temporal`.
struct TemporalLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "temporal-lab", abstract: "Sweep the temporal stage's settings on a ground-truth clip.", shouldDisplay: false)

    @Argument(help: "Folder of ground-truth frames (%08d.png).")
    var frames: String

    @Option var scale: Int
    @Option var model: String
    @Option(help: "Frames to use (0 = all).") var limit = 0
    @Option var strength = 0.9
    @Option(name: .customLong("back-projection")) var backProjection: [Double] = []
    @Option(name: .customLong("residual-scale")) var residualScale: [Double] = []
    @Option(name: .customLong("detail-scale")) var detailScale: [Double] = []
    @Option(name: .customLong("analysis-side")) var analysisSide: [Double] = []
    @Option(name: .customLong("consistency"), help: "Forward-backward flow check threshold (px); 0 = off (the default).") var consistency: [Double] = []
    @Option(name: .customLong("strengths")) var strengths: [Double] = []
    @Option(name: .customLong("low-res-check")) var lowResCheck: [Double] = []
    @Option(name: .customLong("flow-levels")) var flowLevels: [Double] = []
    @Option(name: .customLong("flow-iterations")) var flowIterations: [Double] = []
    @Option(name: .customLong("flow-window")) var flowWindow: [Double] = []
    @Option(name: .customLong("base"), help: "Start every variant from this setting, KEY=VALUE (repeatable); keys: backProjection, residualScale, detailScale, analysisSide, consistency, lowResCheck, flowLevels, flowIterations, flowWindow.")
    var baseSettings: [String] = []

    /// Every tunable setting by the name the table and `--base` use: one place to add one.
    static let settingKeys: [String: (inout TemporalSmoother.Settings, Double) -> Void] = [
        "backProjection": { $0.backProjection = Float($1) },
        "residualScale": { $0.residualScale = $1 },
        "detailScale": { $0.detailScale = $1 },
        "analysisSide": { $0.analysisSide = Int($1) },
        "consistency": { $0.consistencyThreshold = $1 },
        "lowResCheck": { $0.lowResCheck = $1 },
        "flowLevels": { $0.flow.levels = Int($1) },
        "flowIterations": { $0.flow.iterations = Int($1) },
        "flowWindow": { $0.flow.windowSize = Int($1) },
    ]

    func run() throws {
        SRD.quietLibav()
        Engine.setBLASThreads(1)
        var files = try DatasetEvaluator.listImages(in: frames)
        if limit > 0 { files = Array(files.prefix(limit)) }
        let hr = try files.map { EvalProtocol.modcrop(try ImageIO.read($0), scale: scale) }
        let lr = hr.map { EvalProtocol.makeLR($0, scale: scale) }
        let m = try ModelResolver.load(model, scale: scale)
        let runner = try m.makeRunner()
        let t0 = Date()
        let sr = try lr.map { try runner.upscale($0) }
        print(String(format: "%d frames upscaled in %.1f s", sr.count, Date().timeIntervalSince(t0)))

        var variants: [(String, Double, TemporalSmoother.Settings)] = [("off", 0, .init())]
        var base = TemporalSmoother.Settings()
        for kv in baseSettings {
            let p = kv.split(separator: "=").map(String.init)
            guard p.count == 2, let v = Double(p[1]) else { throw ValidationError("--base \(kv): not KEY=NUMBER") }
            guard let set = Self.settingKeys[p[0]] else { throw ValidationError("--base: unknown setting \(p[0])") }
            set(&base, v)
        }
        variants.append(("default", strength, base))
        for v in strengths { variants.append(("strength=\(v)", v, base)) }
        let sweeps: [(String, [Double])] = [("backProjection", backProjection), ("residualScale", residualScale),
                                            ("detailScale", detailScale), ("analysisSide", analysisSide),
                                            ("lowResCheck", lowResCheck), ("consistency", consistency),
                                            ("flowLevels", flowLevels), ("flowIterations", flowIterations), ("flowWindow", flowWindow)]
        for (key, values) in sweeps {
            for v in values {
                var s = base
                Self.settingKeys[key]!(&s, v)
                variants.append(("\(key)=\(v)", strength, s))
            }
        }

        print("| setting | Y-PSNR | warp error | E_warp(HR) | analysis ms | blend ms | resets | coverage |")
        print("|---|---|---|---|---|---|---|---|")
        for (name, st, settings) in variants {
            var smoother = TemporalSmoother(strength: st, settings: settings)
            var tracker = TemporalTracker()
            var psnr = 0.0, analysisMs = 0.0, blendMs = 0.0, coverage = 0.0
            var previousFrame: TemporalSmoother.AnalysisFrame?
            for i in 0..<sr.count {
                let a0 = Date()
                // As the pipeline does: each frame is prepared once, then serves as "previous".
                let frame = st > 0 ? TemporalSmoother.AnalysisFrame(lr[i], settings: settings) : nil
                var motion: TemporalSmoother.MotionAnalysis?
                if let frame, let previousFrame { motion = TemporalSmoother.MotionAnalysis(current: frame, previous: previousFrame) }
                previousFrame = frame
                coverage += motion?.coverage ?? 0
                let b0 = Date()
                let out = smoother.smooth(sr[i], motion: motion, lowRes: lr[i], index: i)
                analysisMs += b0.timeIntervalSince(a0) * 1000
                blendMs += Date().timeIntervalSince(b0) * 1000
                psnr += EvalProtocol.score(sr: out, hr: hr[i], scale: scale, extended: false).psnrY
                tracker.push(output: out.quantized8(), reference: hr[i])
            }
            let s = tracker.summary
            print("| " + name + String(format: " | %.4f | %.4f | %.4f | %.1f | %.1f | %d | %.3f |", psnr / Double(sr.count), s.warpError,
                         s.referenceWarpError, analysisMs / Double(sr.count), blendMs / Double(sr.count), smoother.resets.count,
                         coverage / Double(max(1, sr.count - 1))))
            fflush(stdout)
        }
    }
}
