/// SRDQuality: how good an upscale is, measured the way the field publishes it.
///
/// Where to start:
/// - `EvalProtocol`: the benchmark protocol of docs/EVAL-PROTOCOL.md (modcrop, quantised
///   MATLAB-bicubic LR, uint8 SR, shave, BT.601 Y) and `score(sr:hr:scale:)` for one image.
/// - `DatasetEvaluator` + `EvalReport`: a folder of HR images, an upscale closure, per-image
///   and mean PSNR/SSIM as JSON (infinite PSNR written as null) or a terminal table.
/// - `Metrics`: PSNR, MSE, SSIM (11x11 Gaussian, valid), UQI (8x8) on float64 `Plane`s, 0...255.
/// - `OpticalFlow` (Farneback as OpenCV computes it, warping, occlusion mask) and
///   `TemporalMetrics` / `TemporalTracker`: warp error, flicker and tOF for video, per frame.
/// - `Report`: a self-contained HTML page (inline SVG plots, tables, relative image links).
///
/// Depends only on SRDImaging: callers bring decoded images (SRDMedia's `ImageIO.read`).
@_exported import SRDImaging
