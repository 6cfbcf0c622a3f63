import Foundation

/// What an HTML quality report shows. Generic on purpose: the pipeline fills it from a video
/// job, the benchmark command from an evaluation.
public struct ReportData: Sendable {
    public var title: String
    /// Settings table rows (name, value), in order.
    public var settings: [(String, String)]
    /// Summary table rows (name, value), in order.
    public var summary: [(String, String)]
    /// Per-frame series to plot, one line plot each, in the order given; nil entries are gaps
    /// (e.g. no warp error for frame 0).
    public var series: [(name: String, values: [Double?])]
    /// Images shown under the plots: (caption, path relative to the HTML file).
    public var images: [(caption: String, path: String)]

    public init(title: String, settings: [(String, String)] = [], summary: [(String, String)] = [],
                series: [(name: String, values: [Double?])] = [], images: [(caption: String, path: String)] = []) {
        self.title = title
        self.settings = settings
        self.summary = summary
        self.series = series
        self.images = images
    }

    /// Builds the series from a dictionary; plots appear sorted by name.
    public init(title: String, settings: [(String, String)] = [], summary: [(String, String)] = [],
                series: [String: [Double?]], images: [(caption: String, path: String)] = []) {
        self.init(title: title, settings: settings, summary: summary,
                  series: series.keys.sorted().map { ($0, series[$0]!) }, images: images)
    }
}

/// A self-contained HTML report: inline CSS and SVG plots, no scripts, no network resources;
/// images are `<img>` tags with relative paths so the report folder can be moved or zipped.
public enum Report {
    /// The complete HTML document.
    public static func html(_ data: ReportData) -> String {
        var s = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escape(data.title))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
        table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.75em; text-align: left; }
        th { background: #f3f3f3; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; }
        figure img { max-width: 100%; image-rendering: pixelated; border: 1px solid #ccc; }
        svg text { font-size: 11px; fill: #444; }
        </style>
        </head>
        <body>
        <h1>\(escape(data.title))</h1>

        """
        if !data.summary.isEmpty { s += "<h2>Summary</h2>\n" + table(data.summary) }
        if !data.series.isEmpty {
            s += "<h2>Per frame</h2>\n"
            for (name, values) in data.series { s += plot(name: name, values: values) }
        }
        if !data.images.isEmpty {
            s += "<h2>Crops</h2>\n"
            for (caption, path) in data.images {
                s += "<figure><img src=\"\(escape(path))\" alt=\"\(escape(caption))\"><figcaption>\(escape(caption))</figcaption></figure>\n"
            }
        }
        if !data.settings.isEmpty { s += "<h2>Settings</h2>\n" + table(data.settings) }
        s += "</body>\n</html>\n"
        return s
    }

    static func table(_ rows: [(String, String)]) -> String {
        var s = "<table>\n"
        for (k, v) in rows {
            let numeric = Double(v.trimmingCharacters(in: .whitespaces)) != nil
            s += "<tr><th>\(escape(k))</th><td\(numeric ? " class=\"num\"" : "")>\(escape(v))</td></tr>\n"
        }
        return s + "</table>\n"
    }

    /// One SVG line plot: x = frame index, y axis spanning the finite values; gaps at nil/non-finite.
    static func plot(name: String, values: [Double?], width: Int = 900, height: Int = 180) -> String {
        let finite = values.compactMap { $0 }.filter { $0.isFinite }
        let left = 60.0, right = 10.0, top = 22.0, bottom = 24.0
        let pw = Double(width) - left - right, ph = Double(height) - top - bottom
        var s = "<figure class=\"plot\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(escape(name))\">\n"
        s += "<text x=\"\(Int(left))\" y=\"14\" font-weight=\"bold\">\(escape(name))</text>\n"
        s += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(pw))\" height=\"\(fmt(ph))\" fill=\"none\" stroke=\"#bbb\"/>\n"
        guard let lo0 = finite.min(), let hi0 = finite.max() else {
            return s + "<text x=\"\(fmt(left + 8))\" y=\"\(fmt(top + ph / 2))\">no data</text>\n</svg></figure>\n"
        }
        let pad = hi0 > lo0 ? (hi0 - lo0) * 0.05 : max(abs(hi0) * 0.05, 1e-9)
        let lo = lo0 - pad, hi = hi0 + pad
        let n = values.count
        func px(_ i: Int) -> Double { left + (n > 1 ? Double(i) / Double(n - 1) * pw : pw / 2) }
        func py(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * ph }
        // y labels: min and max; x labels: first and last frame
        s += "<text x=\"\(fmt(left - 4))\" y=\"\(fmt(py(hi0) + 4))\" text-anchor=\"end\">\(label(hi0))</text>\n"
        s += "<text x=\"\(fmt(left - 4))\" y=\"\(fmt(py(lo0) + 4))\" text-anchor=\"end\">\(label(lo0))</text>\n"
        s += "<text x=\"\(fmt(left))\" y=\"\(height - 6)\">0</text>\n"
        s += "<text x=\"\(fmt(left + pw))\" y=\"\(height - 6)\" text-anchor=\"end\">\(max(n - 1, 0))</text>\n"
        // one polyline per run of defined values; isolated points as dots
        var run = [(Double, Double)]()
        func flush() {
            if run.count == 1 {
                s += "<circle cx=\"\(fmt(run[0].0))\" cy=\"\(fmt(run[0].1))\" r=\"2\" fill=\"#1f77b4\"/>\n"
            } else if run.count > 1 {
                let pts = run.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " ")
                s += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(pts)\"/>\n"
            }
            run.removeAll()
        }
        for (i, v) in values.enumerated() {
            if let v, v.isFinite { run.append((px(i), py(v))) } else { flush() }
        }
        flush()
        let mean = finite.reduce(0, +) / Double(finite.count)
        s += "</svg><figcaption>\(escape(name)): mean \(label(mean)), min \(label(lo0)), max \(label(hi0)), \(finite.count) of \(n) frames</figcaption></figure>\n"
        return s
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    static func label(_ v: Double) -> String {
        let a = abs(v)
        if a != 0 && (a >= 1e5 || a < 1e-3) { return String(format: "%.3g", v) }
        return String(format: a >= 100 ? "%.1f" : "%.4g", v)
    }

    /// Escapes text for HTML element content and attribute values.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
