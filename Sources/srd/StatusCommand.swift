import ArgumentParser
import Foundation
import SRDDaemon

/// `srd status`: asks a running daemon what it is doing, over its Unix socket.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what a running srd serve is doing.",
        discussion: "Reads GET /v1/status from the daemon's socket: --socket, else the socket of --config, else /etc/srd/srd.yaml's, else /run/srd/srd.sock."
    )

    @Flag(help: "Print the status JSON instead of a table.") var json = false
    @Option(help: "The daemon's Unix socket.") var socket: String?
    @Option(help: "The daemon's configuration file (to find its socket).") var config: String?

    func run() throws {
        let path = try socketPath()
        let client = StatusClient(socketPath: path)
        do {
            if json {
                let reply = try client.request("GET", "/v1/status")
                guard reply.status == 200 else { throw StatusClient.Failure(description: "status API answered \(reply.status): \(reply.text)") }
                print(reply.text, terminator: reply.text.hasSuffix("\n") ? "" : "\n")
            } else {
                print(try client.status().table(), terminator: "")
            }
        } catch let failure as StatusClient.Failure {
            FileHandle.standardError.write(Data("srd: error: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func socketPath() throws -> String {
        if let socket { return socket }
        if let config { return try DaemonConfiguration.load(file: config).socket }
        if FileManager.default.fileExists(atPath: "/etc/srd/srd.yaml") {
            return try DaemonConfiguration.load(file: "/etc/srd/srd.yaml").socket
        }
        return "/run/srd/srd.sock"
    }
}
