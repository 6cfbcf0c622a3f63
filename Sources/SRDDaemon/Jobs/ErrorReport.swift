import Foundation

/// `<name>.error.json` beside a failed input: why, in words a person can act on.
struct ErrorReport: Codable {
    var job: Int64
    var input: String
    var pipeline: String
    var state: JobState
    var error: String
    var attempts: Int
    var source: String
    var failedAt: Date

    init(job: Job, failedAt: Date) {
        self.job = job.id
        input = job.name
        pipeline = job.pipeline
        state = job.quarantineState
        error = job.error ?? "unknown error"
        attempts = job.attempts
        source = job.source
        self.failedAt = failedAt
    }

    enum CodingKeys: String, CodingKey {
        case job, input, pipeline, state, error, attempts, source, failedAt = "failed_at"
    }
}
