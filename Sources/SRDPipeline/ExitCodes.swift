import SRDMedia

/// Exit codes of `srd upscale`, read by the daemon to decide whether a retry can help.
public enum ExitCodes {
    /// Success.
    public static let ok: Int32 = 0
    /// Unexpected failure (a bug, a full disk, an I/O error): a retry may succeed.
    public static let failure: Int32 = 1
    /// The input or the request is bad (corrupt file, no video stream, unsupported scale,
    /// unknown model): retrying cannot help.
    public static let badInput: Int32 = 2

    public static func code(for error: Error) -> Int32 {
        switch error {
        case let e as PipelineError:
            switch e {
            case .outputNotWritable, .cancelled: return failure
            default: return badInput
            }
        case let e as MediaError:
            switch e.kind {
            case .encodeFailed, .writeFailed: return failure
            default: return badInput
            }
        default:
            return failure
        }
    }
}
