import Foundation

extension EvalReport {
    /// A plain-text table for terminals: per dataset the mean PSNR/SSIM on Y, the mean time per
    /// image, the high-frequency energy ratio (1 = as much fine detail as the truth), and, when `baseline` (e.g. the bicubic report at the same scale) has a dataset of the
    /// same name, the gain over it.
    ///
    ///     model edsr-baseline  x2
    ///     dataset  images   PSNR-Y  SSIM-Y  ms/image  HF ratio  vs bicubic
    ///     Set5          5  37.9900  0.9604     812.0     0.812  +4.31 dB / +0.0299
    public func renderTable(baseline: EvalReport? = nil) -> String {
        var rows: [[String]] = [["dataset", "images", "PSNR-Y", "SSIM-Y", "ms/image", "HF ratio"]]
        if let baseline { rows[0].append("vs \(baseline.model)") }
        for d in datasets {
            var row = [d.name, "\(d.images.count)", Self.fmtPSNR(d.psnrY), Self.fmt(d.ssimY, 4),
                       d.secondsPerImage.map { Self.fmt($0 * 1000, 1) } ?? "-",
                       d.highFrequencyRatio.map { Self.fmt($0, 3) } ?? "-"]
            if let baseline {
                if let b = baseline.datasets.first(where: { $0.name == d.name }) {
                    row.append("\(Self.signed(d.psnrY - b.psnrY, 2)) dB / \(Self.signed(d.ssimY - b.ssimY, 4))")
                } else {
                    row.append("-")
                }
            }
            rows.append(row)
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var out = "model \(model)  x\(scale)\n"
        for row in rows {
            let cells = row.enumerated().map { c, s -> String in
                let pad = String(repeating: " ", count: widths[c] - s.count)
                return c == 0 || c == row.count - 1 && baseline != nil ? s + pad : pad + s
            }
            out += cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        return out
    }

    static func fmt(_ v: Double, _ digits: Int) -> String {
        v.isFinite ? String(format: "%.\(digits)f", v) : (v.isNaN ? "n/a" : (v > 0 ? "inf" : "-inf"))
    }

    static func fmtPSNR(_ v: Double) -> String { fmt(v, 4) }

    static func signed(_ v: Double, _ digits: Int) -> String {
        v.isFinite ? String(format: "%+.\(digits)f", v) : fmt(v, digits)
    }
}
