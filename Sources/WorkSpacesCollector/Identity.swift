import AWSCore
import AWSWorkSpaces
import Support
import Synchronization

/// One set of credentials (the base chain, or a role assumed from it) and
/// the account they belong to. The account comes from the configuration, the
/// role ARN, or STS `GetCallerIdentity`, asked once and kept for the life of
/// the process; a failed lookup is asked again at the next collection.
final class Identity: Sendable {
    let credentials: any CredentialProvider
    let sts: STSClient
    private let account: Locked<String?>
    private let lookup = Locked<Task<Result<String, AWSClientError>, Never>?>(nil)
    /// The account's IAM alias (nil: it has none) or why IAM refused, and when it was asked.
    private let alias = Locked<(answer: Result<String?, AWSClientError>, asked: ContinuousClock.Instant)?>(nil)
    private let aliasLookup = Locked<Task<Result<String?, AWSClientError>, Never>?>(nil)
    /// The last alias IAM gave, kept through later refusals so the info series does not flap.
    private let learnedAlias = Locked<String?>(nil)
    /// How long an alias is reused before IAM is asked again.
    static let aliasInterval: Duration = .seconds(3600)
    /// How long a refusal is repeated without asking (a fixed IAM policy is seen within it).
    static let aliasRetryInterval: Duration = .seconds(300)

    init(credentials: any CredentialProvider, sts: STSClient, account: String?) {
        self.credentials = credentials
        self.sts = sts
        self.account = Locked(account)
    }

    /// The account's alias: the answer of the last ``aliasInterval`` (a
    /// refusal: of the last ``aliasRetryInterval``), else `ask`'s, one call at
    /// a time however many regions of the account ask at once.
    func accountAlias(_ ask: @escaping @Sendable () async throws(AWSClientError) -> String?) async throws(AWSClientError) -> String? {
        if let cached = alias.withLock({ $0 }) {
            let age = cached.asked.duration(to: .now)
            switch cached.answer {
            case let .success(known) where age < Self.aliasInterval: return known
            case let .failure(error) where age < Self.aliasRetryInterval: throw error
            default: break
            }
        }
        let task = aliasLookup.withLock { current -> Task<Result<String?, AWSClientError>, Never> in
            if let current { return current }
            let task = Task { () -> Result<String?, AWSClientError> in
                do throws(AWSClientError) {
                    return .success(try await ask())
                } catch {
                    return .failure(error)
                }
            }
            current = task
            return task
        }
        let result = await task.value
        aliasLookup.withLock { current in
            if current == task {
                current = nil
                // Cancelled with the scrape that asked: not an answer to keep.
                if case .failure(.cancelled) = result { return }
                alias.withLock { $0 = (result, .now) }
                if case let .success(known) = result { learnedAlias.withLock { $0 = known } }
            }
        }
        return try result.get()
    }

    /// The alias last learned, if any.
    var knownAlias: String? { learnedAlias.withLock { $0 } }

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
