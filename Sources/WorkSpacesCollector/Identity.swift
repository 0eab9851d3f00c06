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

    init(credentials: any CredentialProvider, sts: STSClient, account: String?) {
        self.credentials = credentials
        self.sts = sts
        self.account = Mutex(account)
    }

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
