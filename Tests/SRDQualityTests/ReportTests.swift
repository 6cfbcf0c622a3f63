import XCTest
import SRDQuality

final class ReportTests: XCTestCase {
    func testHTMLIsSelfContainedWithPlotsTablesAndImages() {
        let data = ReportData(
            title: "clip <1> & co",
            settings: [("model", "edsr-baseline"), ("scale", "2")],
            summary: [("PSNR-Y (dB)", "31.2000"), ("warp error", "1.93")],
            series: ["psnr_y": [30, 31, nil, 32.5], "ms per frame": [12, 14, 13, 12], "empty": [nil, nil]],
            images: [(caption: "frame 10: bicubic | SR | HR", path: "crops/frame10.png")])
        let html = Report.html(data)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<title>clip &lt;1&gt; &amp; co</title>"))
        // Self-contained: the only URL allowed is the SVG namespace name, which is never fetched.
        let withoutSVGNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        XCTAssertFalse(withoutSVGNamespace.contains("http://"))
        XCTAssertFalse(withoutSVGNamespace.contains("https://"))
        XCTAssertFalse(withoutSVGNamespace.contains("//"), "a protocol-relative URL would be fetched too")
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<link"))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 3)
        // psnr_y has a gap: two runs, one polyline (30, 31) and one isolated dot (32.5)
        XCTAssertEqual(html.components(separatedBy: "<polyline").count - 1, 2)   // psnr_y run + ms per frame
        XCTAssertEqual(html.components(separatedBy: "<circle").count - 1, 1)
        XCTAssertTrue(html.contains("no data"))
        XCTAssertTrue(html.contains("psnr_y: mean 31.17, min 30, max 32.5, 3 of 4 frames"), html)
        XCTAssertTrue(html.contains("<img src=\"crops/frame10.png\" alt=\"frame 10: bicubic | SR | HR\">"))
        XCTAssertTrue(html.contains("<th>model</th><td>edsr-baseline</td>"))
        XCTAssertTrue(html.contains("<th>PSNR-Y (dB)</th><td class=\"num\">31.2000</td>"))
        // series from a dictionary are ordered by name
        XCTAssertLessThan(html.range(of: "aria-label=\"empty\"")!.lowerBound, html.range(of: "aria-label=\"ms per frame\"")!.lowerBound)
    }
}
