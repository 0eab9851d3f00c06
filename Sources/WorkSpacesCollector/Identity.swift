import AWSWorkSpaces
import Synchronization

/// One set of credentials (the base chain, or a role assumed from it) and
/// the account they belong to. The account comes from the configuration, the
/// role ARN, or STS `GetCallerIdentity`, asked once and kept for the life of
/// the process; a failed lookup is asked again at the next collection.
final class Identity: Sendable {
    let credentials: any CredentialProvider
    let sts: STSClient
    private let account: Mutex<String?>
    private let lookup = Mutex<Task<Result<String, AWSClientError>, Never>?>(nil)
    /// The account's IAM alias (nil: it has none) and when it was asked.
    private let alias = Mutex<(alias: String?, asked: ContinuousClock.Instant)?>(nil)
    /// How long an alias is reused before IAM is asked again.
    static let aliasInterval: Duration = .seconds(3600)

    init(credentials: any CredentialProvider, sts: STSClient, account: String?) {
        self.credentials = credentials
        self.sts = sts
        self.account = Mutex(account)
    }

    /// The account's alias: the one asked within ``aliasInterval``, else
    /// `ask`'s answer (kept only when it succeeds: a refusal is asked again
    /// at the next collection).
    func accountAlias(_ ask: () async throws(AWSClientError) -> String?) async throws(AWSClientError) -> String? {
        let now = ContinuousClock.now
        if let cached = alias.withLock({ $0 }), cached.asked.duration(to: now) < Self.aliasInterval { return cached.alias }
        let answer = try await ask()
        alias.withLock { $0 = (answer, now) }
        return answer
    }

    /// The alias last learned, if any.
    var knownAlias: String? { alias.withLock { $0?.alias } }

    /// The account id, known already if possible.
    var knownAccount: String? { account.withLock { $0 } }

    /// The account id; one `GetCallerIdentity` at a time.
    func accountId(deadline: ContinuousClock.Instant) async throws(AWSClientError) -> String {
        if let known = knownAccount { return known }
        let task = lookup.withLock { current -> Task<Result<String, AWSClientError>, Never> in
            if let current { return current }
            let sts = self.sts, credentials = self.credentials
            let task = Task { () -> Result<String, AWSClientError> in
                do throws(AWSClientError) {
                    return .success(try await sts.callerAccount(using: credentials, deadline: deadline))
                } catch {
                    return .failure(error)
                }
            }
            current = task
            return task
        }
        let result = await task.value
        lookup.withLock { if $0 == task { $0 = nil } }
        switch result {
        case let .success(id):
            account.withLock { $0 = id }
            return id
        case let .failure(error):
            // Without credentials there is nothing to learn; say that, not "set account_id".
            if case .credentials = error { throw error }
            throw .configuration(
                "cannot learn the account id from STS GetCallerIdentity (\(error.code): \(error.message)); set account_id for this target in --config.file, or --aws.account-id")
        }
    }
}
