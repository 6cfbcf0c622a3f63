import XCTest
import Foundation
import SRDQuality
import SRDMedia

final class EvalReportTests: XCTestCase {
    func testJSONShapeAndInfinityAsNull() throws {
        let images = [ImageResult(name: "a", psnrY: 30, ssimY: 0.9, seconds: 0.5),
                      ImageResult(name: "b", psnrY: .infinity, ssimY: 1, seconds: 1.5)]
        let ds = DatasetResult(name: "Set2", images: images)
        XCTAssertEqual(ds.psnrY, .infinity)
        XCTAssertEqual(ds.ssimY, 0.95, accuracy: 1e-12)
        XCTAssertEqual(ds.secondsPerImage, 1)
        let report = EvalReport(scale: 2, model: "m", datasets: [ds])
        let data = try report.jsonData()
        let obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        XCTAssertEqual(obj["scale"] as? Int, 2)
        XCTAssertEqual(obj["model"] as? String, "m")
        let d0 = (obj["datasets"] as! [[String: Any]])[0]
        XCTAssertEqual(d0["name"] as? String, "Set2")
        XCTAssertTrue(d0["psnr_y"] is NSNull, "infinite mean PSNR is written as null")
        XCTAssertEqual(d0["ssim_y"] as? Double, 0.95)
        let rows = d0["images"] as! [[String: Any]]
        XCTAssertEqual(rows[0]["psnr_y"] as? Double, 30)
        XCTAssertTrue(rows[1]["psnr_y"] is NSNull)
        XCTAssertEqual(rows[1]["name"] as? String, "b")
        // null decodes back to +infinity
        let back = try EvalReport.decode(data)
        XCTAssertEqual(back, report)
        XCTAssertEqual(back.datasets[0].images[1].psnrY, .infinity)
    }

    func testDecodesMinimalRows() throws {
        let json = #"{"scale":4,"model":"x","datasets":[{"name":"S","psnr_y":20.5,"ssim_y":0.5,"images":[{"name":"i","psnr_y":20.5,"ssim_y":0.5}]}]}"#
        let r = try EvalReport.decode(Data(json.utf8))
        XCTAssertEqual(r.datasets[0].images[0].psnrY, 20.5)
        XCTAssertNil(r.datasets[0].images[0].psnrRGB)
        XCTAssertNil(r.datasets[0].secondsPerImage)
    }

    func testTableShowsGainOverBaseline() {
        let model = EvalReport(scale: 2, model: "net", datasets: [
            DatasetResult(name: "Set5", images: [ImageResult(name: "a", psnrY: 36, ssimY: 0.95, seconds: 0.25)])])
        let bicubic = EvalReport(scale: 2, model: "bicubic", datasets: [
            DatasetResult(name: "Set5", images: [ImageResult(name: "a", psnrY: 33.5, ssimY: 0.93, seconds: 0.001)])])
        let table = model.renderTable(baseline: bicubic)
        XCTAssertTrue(table.contains("model net  x2"), table)
        XCTAssertTrue(table.contains("vs bicubic"), table)
        XCTAssertTrue(table.contains("36.0000"), table)
        XCTAssertTrue(table.contains("0.9500"), table)
        XCTAssertTrue(table.contains("250.0"), table)
        XCTAssertTrue(table.contains("+2.50 dB / +0.0200"), table)
        XCTAssertFalse(model.renderTable().contains("vs "))
    }

    /// The evaluator on a generated folder: sorted listing, non-images ignored, an identity-like
    /// upscaler (HR itself) scores +infinity, a wrong-size output throws.
    func testDatasetEvaluatorOnGeneratedFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("srd-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var img = PlanarImage(width: 33, height: 30, channels: 3)
        for i in 0..<img.data.count { img.data[i] = Float((i * 91) % 256) / 255 }
        try ImageIO.writePNG(img, to: dir.appendingPathComponent("zeta.png").path)
        try ImageIO.writePNG(img.plane(1), to: dir.appendingPathComponent("Alpha.PNG").path)
        try Data("x".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let listed = try DatasetEvaluator.listImages(in: dir.path).map { ($0 as NSString).lastPathComponent }
        XCTAssertEqual(listed, ["Alpha.PNG", "zeta.png"])

        var hrs = [String: PlanarImage]()
        var seen = [String]()
        let evaluator = DatasetEvaluator(load: { path in
            let i = try ImageIO.read(path)
            hrs[(path as NSString).lastPathComponent] = EvalProtocol.modcrop(i, scale: 3)
            return i
        }, observe: { row, sr in
            seen.append(row.name)
            XCTAssertEqual(sr.width, 33)
        })
        var calls = 0
        let result = try evaluator.evaluate(directory: dir.path, name: "gen", scale: 3) { lr in
            calls += 1
            XCTAssertEqual(lr.width, 11)
            XCTAssertEqual(lr.height, 10)
            return calls == 1 ? hrs["Alpha.PNG"]! : hrs["zeta.png"]!
        }
        XCTAssertEqual(result.name, "gen")
        XCTAssertEqual(result.images.map(\.name), ["Alpha", "zeta"])
        XCTAssertEqual(seen, ["Alpha", "zeta"])
        XCTAssertEqual(result.psnrY, .infinity)
        XCTAssertNotNil(result.images[0].seconds)

        XCTAssertThrowsError(try evaluator.evaluate(directory: dir.path, scale: 3) { $0 }) { error in
            XCTAssertTrue(String(describing: error).contains("expected 33x30"), "\(error)")
        }
    }
}
