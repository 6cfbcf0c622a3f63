import Foundation

extension StatusSnapshot {
    /// The readable form `srd status` prints: a summary line, then one row per job.
    public func table(now: Date = Date()) -> String {
        var out = "srd (pid \(daemon.pid), \(daemon.state), up \(Self.duration(now.timeIntervalSince(daemon.startedAt))))"
        out += ": \(daemon.busyWorkers)/\(daemon.workers) workers busy\n"
        out += JobState.allCases.map { "\(counts[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(separator: ", ") + "\n"
        if let paused = daemon.pausedReason { out += "paused: \(paused)\n" }
        if let nodes, let me = daemon.node {
            out += "fleet (this node: \(me)): " + nodes.map { n in
                let silent = now.timeIntervalSince(n.heartbeatAt)
                return "\(n.name) \(n.state) \(n.jobs) jobs \(String(format: "%.1f", n.fps)) fps" + (silent > 10 ? " (silent \(Self.duration(silent)))" : "")
            }.joined(separator: "; ") + "\n"
        }
        let rows = active + recent
        guard !rows.isEmpty else { return out + "no jobs\n" }
        var table = [["ID", "STATE", "PIPELINE", "PROGRESS", "FPS", "ETA", "NAME", "NOTE"]]
        for job in rows {
            var progress = ""
            if let p = job.progress {
                progress = p.framesTotal.map { "\(p.framesDone)/\($0)" } ?? "\(p.framesDone)"
                if let percent = p.percent { progress += String(format: " %.0f%%", percent) }
                if let segments = job.segments { progress += " seg \(min(segments.done + 1, segments.total))/\(segments.total)" }
            }
            let note: String
            if job.state == .failed || job.state == .cancelled { note = job.error ?? "" }
            else if job.state == .done { note = job.output ?? "" }
            else if let retry = job.retryAt { note = "retry in \(Self.duration(retry.timeIntervalSince(now))), attempt \(job.attempts): \(job.error ?? "")" }
            else { note = job.attempts > 1 ? "attempt \(job.attempts)" : "" }
            table.append([
                String(job.id), job.state.rawValue, job.pipeline, progress,
                job.progress?.fps.map { String(format: "%.1f", $0) } ?? "",
                job.progress?.etaSeconds.map { Self.duration($0) } ?? "", job.name, note,
            ])
        }
        let widths = (0..<table[0].count).map { c in table.map { $0[c].count }.max() ?? 0 }
        for row in table {
            let cells = row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            out += cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        return out
    }

    /// 75 -> "1m15s", 3700 -> "1h01m".
    static func duration(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
    }
}
