public import AWSCore
public import AWSOrganizations
public import WorkSpacesCollector
import Logging

/// Lists one `organizations` entry's member accounts: `ListAccounts`, or the
/// accounts under its organizational units (recursively), then ACTIVE ones
/// only, the include and exclude lists, and the tags (one
/// `ListTagsForResource` per account left, so last).
public struct OrganizationsDiscovery: Sendable {
    /// Most accounts one entry may yield: AWS's own quota is in the
    /// thousands; a listing beyond this is refused, not truncated silently.
    public static let maxAccounts = 20_000
    /// Most organizational units one entry may walk.
    static let maxUnits = 5_000
    /// `ListTagsForResource` calls at once.
    static let tagConcurrency = 8

    public let source: OrganizationsSource
    let client: OrganizationsClient

    public init(source: OrganizationsSource, client: OrganizationsClient) {
        self.source = source
        self.client = client
    }

    /// What a listing found and kept.
    public struct Found: Sendable, Equatable {
        /// Kept accounts, sorted by id, each once.
        public var accounts: [OrganizationAccount]
        /// Accounts listed but not ACTIVE.
        public var inactive: Int
        /// Entries without a valid 12-digit id.
        public var invalid: Int
        /// Every account of the organisation, whatever its status, when the
        /// listing was `ListAccounts` (not limited to units); nil otherwise.
        public var members: Set<String>?
    }

    /// The accounts to collect, all within `deadline`.
    public func discover(deadline: ContinuousClock.Instant) async throws(AWSClientError) -> Found {
        var listed: [OrganizationAccount] = []
        if source.organizationalUnits.isEmpty {
            listed = try await client.listAccounts(deadline: deadline)
        } else {
            var pending = source.organizationalUnits
            var visited: Set<String> = []
            while let parent = pending.popLast() {
                guard visited.insert(parent).inserted else { continue }
                guard visited.count <= Self.maxUnits else {
                    throw .pagination("more than \(Self.maxUnits) organizational units under \(source.organizationalUnits.joined(separator: ", ")); stopping")
                }
                listed += try await client.listAccounts(parent: parent, deadline: deadline)
                pending += try await client.listOrganizationalUnits(parent: parent, deadline: deadline)
                guard listed.count <= Self.maxAccounts else { break }
            }
        }
        guard listed.count <= Self.maxAccounts else {
            throw .pagination("the organization listed more than \(Self.maxAccounts) accounts; refusing to collect them all")
        }
        var found = Found(accounts: [], inactive: 0, invalid: 0)
        if source.organizationalUnits.isEmpty { found.members = Set(listed.map(\.id).filter(AccountID.isValid)) }
        var seen: Set<String> = []
        for account in listed {
            guard AccountID.isValid(account.id) else {
                found.invalid += 1
                continue
            }
            guard seen.insert(account.id).inserted else { continue }
            guard account.isActive else {
                found.inactive += 1
                continue
            }
            if source.keeps(account.id) { found.accounts.append(account) }
        }
        if !source.tags.isEmpty { found.accounts = try await tagged(found.accounts, deadline: deadline) }
        found.accounts.sort { $0.id < $1.id }
        return found
    }

    /// The accounts carrying every tag of the entry, asked a few at a time.
    private func tagged(_ accounts: [OrganizationAccount], deadline: ContinuousClock.Instant) async throws(AWSClientError) -> [OrganizationAccount] {
        let wanted = source.tags
        let client = self.client
        // Children are added only from the group's own body (see ImagePermissionsCache).
        let results = await withTaskGroup(of: Tagged.self, returning: [Result<Bool, AWSClientError>?].self) { group in
            var pending = accounts.indices.makeIterator()
            for _ in 0..<Self.tagConcurrency {
                guard let index = pending.next() else { break }
                let id = accounts[index].id
                group.addTask { await Self.matches(index: index, id: id, wanted: wanted, client: client, deadline: deadline) }
            }
            var results = [Result<Bool, AWSClientError>?](repeating: nil, count: accounts.count)
            while let tagged = await group.next() {
                results[tagged.index] = tagged.result
                if case .failure = tagged.result {
                    group.cancelAll()
                } else if let index = pending.next() {
                    let id = accounts[index].id
                    group.addTask { await Self.matches(index: index, id: id, wanted: wanted, client: client, deadline: deadline) }
                }
            }
            return results
        }
        var kept: [OrganizationAccount] = []
        for (account, result) in zip(accounts, results) {
            switch result {
            case .success(true): kept.append(account)
            case .success(false): break
            case let .failure(error): throw error
            case nil: throw .deadlineExceeded("listing the accounts' tags was cancelled")
            }
        }
        return kept
    }

    /// One account's answer, as a child task returns it.
    struct Tagged: Sendable {
        let index: Int
        let result: Result<Bool, AWSClientError>
    }

    private static func matches(
        index: Int, id: String, wanted: [String: String], client: OrganizationsClient, deadline: ContinuousClock.Instant
    ) async -> Tagged {
        do throws(AWSClientError) {
            let tags = try await client.listTags(resource: id, deadline: deadline)
            return Tagged(index: index, result: .success(wanted.allSatisfy { tags[$0.key] == $0.value }))
        } catch {
            return Tagged(index: index, result: .failure(error))
        }
    }
}
