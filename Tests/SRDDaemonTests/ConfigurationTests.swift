import XCTest
@testable import SRDDaemon

final class ConfigurationTests: XCTestCase {
    func testEveryKeyIsReadAndRelativePathsFollowRoot() throws {
        let yaml = """
            root: /srv/srd
            inbox: in
            outbox: /data/out
            failed: failed
            done: done
            work: work
            job_folders: /mnt/shared/jobs
            database: db/jobs.sqlite
            socket: /run/srd/api.sock
            status_file: /run/srd/status.json
            default_pipeline: bicubic-x2
            workers: 3
            stable_seconds: 2.5
            rescan_seconds: 10
            on_success: delete
            pipelines: [presets, /opt/more]
            worker_command: [/usr/bin/srd]
            worker_stop_grace_seconds: 4
            log_level: debug
            limits:
              max_width: 1920
              max_height: 1080
              max_duration_seconds: 600
              min_free_disk_mb: 512
              job_timeout_seconds: 3600
            retry:
              max_attempts: 5
              backoff_seconds: 1
              max_backoff_seconds: 8
            """
        let c = try DaemonConfiguration.parse(yaml: yaml, baseFolder: "/etc/srd")
        XCTAssertEqual(c.inbox, "/srv/srd/in")
        XCTAssertEqual(c.outbox, "/data/out")
        XCTAssertEqual(c.database, "/srv/srd/db/jobs.sqlite")
        XCTAssertEqual(c.work, "/srv/srd/work")
        XCTAssertEqual(c.jobRoot, "/mnt/shared/jobs", "job_folders apart from this node's work")
        XCTAssertEqual(c.socket, "/run/srd/api.sock")
        XCTAssertEqual(c.defaultPipeline, "bicubic-x2")
        XCTAssertEqual(c.workers, 3)
        XCTAssertEqual(c.stableSeconds, 2.5)
        XCTAssertEqual(c.onSuccess, .delete)
        XCTAssertEqual(c.pipelineFolders, ["/srv/srd/presets", "/opt/more"])
        XCTAssertEqual(c.workerCommand, ["/usr/bin/srd"])
        XCTAssertEqual(c.limits, .init(maxWidth: 1920, maxHeight: 1080, maxDurationSeconds: 600, minFreeDiskBytes: 512 << 20, jobTimeoutSeconds: 3600))
        XCTAssertEqual(c.retry, RetryPolicy(maxAttempts: 5, backoffSeconds: 1, maxBackoffSeconds: 8))
        XCTAssertEqual(c.logLevel, "debug")
    }

    func testDefaultsWhenTheFileIsEmpty() throws {
        let c = try DaemonConfiguration.parse(yaml: "", baseFolder: "/var/lib/srd")
        XCTAssertEqual(c, DaemonConfiguration(root: "/var/lib/srd"))
        XCTAssertEqual(c.defaultPipeline, "fast-x2")
        XCTAssertEqual(c.workers, 2)
        XCTAssertEqual(c.stableSeconds, 5)
        XCTAssertEqual(c.onSuccess, .keep)
        XCTAssertEqual(c.retry.maxAttempts, 3)
        XCTAssertEqual(c.jobRoot, c.work, "one machine keeps each job's files in its work folder")
    }

    func testUnknownKeyIsAnErrorNamingIt() {
        XCTAssertThrowsError(try DaemonConfiguration.parse(yaml: "workrs: 3", baseFolder: "/")) { error in
            XCTAssertTrue("\(error)".contains("workrs"), "\(error)")
        }
        XCTAssertThrowsError(try DaemonConfiguration.parse(yaml: "retry:\n  attempts: 3", baseFolder: "/")) { error in
            XCTAssertTrue("\(error)".contains("retry.attempts"), "\(error)")
        }
    }

    func testInvalidValuesAreRejected() {
        XCTAssertThrowsError(try DaemonConfiguration.parse(yaml: "workers: 0", baseFolder: "/"))
        XCTAssertThrowsError(try DaemonConfiguration.parse(yaml: "on_success: shred", baseFolder: "/"))
        XCTAssertThrowsError(try DaemonConfiguration.parse(yaml: "outbox: inbox", baseFolder: "/x"))
        XCTAssertThrowsError(try DaemonConfiguration.parse(yaml: "default_pipeline: a/b", baseFolder: "/"))
    }

    func testWorkerCommandAsOneString() throws {
        let c = try DaemonConfiguration.parse(yaml: "worker_command: /usr/bin/nice -n 10 /usr/bin/srd", baseFolder: "/")
        XCTAssertEqual(c.workerCommand, ["/usr/bin/nice", "-n", "10", "/usr/bin/srd"])
    }

    func testPackagedExampleConfigurationIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let c = try DaemonConfiguration.load(file: root.appendingPathComponent("Packaging/srd.yaml").path)
        XCTAssertEqual(c.socket, "/run/srd/srd.sock")
        XCTAssertEqual(c.inbox, "/var/lib/srd/inbox")
    }
}
