import Foundation

/// The human-readable closing lines of `srd upscale`.
public enum SummaryText {
    public static func render(_ s: JobSummary) -> String {
        var lines = [
            "wrote \(s.output)",
            String(format: "  %d frames, %dx%d -> %dx%d, %@ x%d, %.2f s (%.2f fps, %d workers)",
                   s.frames, s.inputSize[0], s.inputSize[1], s.outputSize[0], s.outputSize[1],
                   s.model, s.scale, s.wallSeconds, s.fps, s.workers),
        ]
        let means = s.means.keys.sorted().map { String(format: "%@ %.4f", $0, s.means[$0]!) }
        if !means.isEmpty { lines.append("  mean " + means.joined(separator: ", ")) }
        lines.append("  metrics: \(s.metricsDirectory)/metrics.jsonl")
        lines.append("  summary: \(s.metricsDirectory)/summary.json")
        lines.append("  report:  \(s.metricsDirectory)/report.html")
        for w in s.warnings { lines.append("  warning: \(w)") }
        return lines.joined(separator: "\n")
    }
}
