import CFFmpeg

/// libav's log level, which is process-wide; the app sets it once at start-up (never per job).
public enum MediaLog {
    public enum Level: Int32, Sendable {
        case quiet = -8, panic = 0, fatal = 8, error = 16, warning = 24, info = 32, verbose = 40, debug = 48
    }

    /// Sets how much libav prints to stderr.
    public static func setLevel(_ level: Level) {
        av_log_set_level(level.rawValue)
    }
}
