/// The precision a user asks for (`--precision`, preset key `precision`): a fixed mode, or
/// `auto`, which runs the mode the model's own measurement chose.
///
/// `auto` is decided once per model, not per run: `srd eval --precisions f32,bf16,int8 --record`
/// scores every mode on an image set, times it, and writes the fastest mode whose Y-PSNR is
/// within `PrecisionRequest.autoTolerance` of f32 into the weight file (`precision_auto`,
/// with the whole table in `precision_table`), and the model card quotes that table. A model
/// without a recorded choice, the OpenBLAS backend, and a CPU without the chosen mode's
/// hardware all run f32, so `auto` never costs fidelity that was not measured.
public enum PrecisionRequest: String, CaseIterable, Sendable, CustomStringConvertible {
    case f32
    case bf16
    case int8
    case auto

    /// The largest Set5 Y-PSNR loss against f32 that `auto` accepts (the bar), in dB.
    public static let autoTolerance = 0.02

    /// The weight-file metadata keys the measurement writes.
    public static let metadataKey = "precision_auto"
    public static let tableMetadataKey = "precision_table"

    public var description: String { rawValue }

    /// Parses `--precision`; nil and unknown names are errors with the accepted list.
    public static func named(_ name: String) throws -> PrecisionRequest {
        guard let p = PrecisionRequest(rawValue: name.lowercased()) else {
            let names = allCases.map(\.rawValue).joined(separator: ", ")
            throw EngineError(.invalidInput, "precision must be one of \(names), got '\(name)'")
        }
        return p
    }

    /// The mode a runner of `model` on `backend` uses.
    public func resolve(for model: SuperResolutionModel, backend: ComputeBackend) -> ComputePrecision {
        switch self {
        case .f32: return .f32
        case .bf16: return .bf16
        case .int8: return .int8
        case .auto:
            guard backend == .onednn, let recorded = model.recordedPrecision else { return .f32 }
            return recorded.runsNatively ? recorded : .f32
        }
    }
}

extension ComputePrecision {
    /// Whether this CPU has the instructions the mode exists for (bf16: AVX512_BF16, int8:
    /// AVX512_VNNI). Elsewhere a bf16 plan computes in f32 and int8 runs on kernels whose speed
    /// no table measured, so `auto` runs f32 there.
    public var runsNatively: Bool {
        switch self {
        case .f32: return true
        case .bf16: return OneDNN.hasBF16
        case .int8: return OneDNN.hasVNNI
        }
    }
}
