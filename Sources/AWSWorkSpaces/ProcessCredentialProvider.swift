import Foundation
import Synchronization

/// Credentials printed by an external command (`credential_process` in a
/// profile), as JSON `{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …,
/// "SessionToken": …, "Expiration": …}`. Its standard output is never logged.
public struct ProcessCredentialProvider: CredentialProvider {
    public let command: String
    public let timeout: Duration

    public init(command: String, timeout: Duration = .seconds(30)) {
        self.command = command
        self.timeout = timeout
    }

    public var name: String { "credential_process" }

    struct Output: Decodable {
        let Version: Int
        let AccessKeyId: String
        let SecretAccessKey: String
        let SessionToken: String?
        let Expiration: String?
    }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .credentials(source: name, reason: "cannot start /bin/sh: \(error.localizedDescription)")
        }
        // A watchdog ends a command that hangs; reading both pipes to the end
        // while it runs keeps a chatty command from blocking on a full pipe.
        let timedOut = Mutex(false)
        let timeout = self.timeout
        let watchdog = Task.detached {
            try await Task.sleep(for: timeout)
            timedOut.withLock { $0 = true }
            process.terminate()
        }
        async let outputRead = Task.detached { stdout.fileHandleForReading.readDataToEndOfFile() }.value
        async let errorsRead = Task.detached { stderr.fileHandleForReading.readDataToEndOfFile() }.value
        let (output, errors) = await (outputRead, errorsRead)
        await Task.detached { process.waitUntilExit() }.value
        watchdog.cancel()
        if timedOut.withLock({ $0 }) {
            throw .credentials(source: name, reason: "the command did not finish within \(timeout)")
        }
        guard process.terminationStatus == 0 else {
            let firstLine = String(decoding: errors.prefix(500), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            throw .credentials(source: name, reason: "the command exited with status \(process.terminationStatus): \(firstLine)")
        }
        let parsed: Output
        do {
            parsed = try JSONDecoder().decode(Output.self, from: output)
        } catch {
            throw .credentials(source: name, reason: "the command's output is not the credential_process JSON (Version, AccessKeyId, SecretAccessKey)")
        }
        guard parsed.Version == 1 else {
            throw .credentials(source: name, reason: "unsupported Version \(parsed.Version) in the command's output; expected 1")
        }
        var expiration: Double? = nil
        if let text = parsed.Expiration {
            guard let value = ISO8601.parse(text) else {
                throw .credentials(source: name, reason: "Expiration \"\(text)\" is not an ISO 8601 timestamp")
            }
            expiration = value
        }
        return AWSCredentials(accessKeyId: parsed.AccessKeyId, secretAccessKey: parsed.SecretAccessKey, sessionToken: parsed.SessionToken, expiration: expiration)
    }
}
