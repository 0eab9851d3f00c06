public import AWSCore
import Support

/// IAM's `ListAccountAliases`, over the query protocol: the account's alias
/// (an account has at most one), as YACE's `aws_account_info` shows it.
/// IAM is global: one endpoint per partition (``Endpoint``), signed in its
/// home region.
public struct IAMClient: Sendable {
    public let sender: AWSRequestSender

    public init(sender: AWSRequestSender) {
        self.sender = sender
    }

    /// The alias, or nil when the account has none.
    public func accountAlias(deadline: ContinuousClock.Instant?) async throws(AWSClientError) -> String? {
        let body = Array("Action=ListAccountAliases&Version=2010-05-08".utf8)
        let answer = try await sender.send(
            operation: "ListAccountAliases", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: body,
            deadline: deadline)
        return try Self.alias(fromAnswer: answer)
    }

    /// The first `member` of `AccountAliases`; an answer without that list is not one.
    package static func alias(fromAnswer bytes: [UInt8]) throws(AWSClientError) -> String? {
        guard let aliases = XMLReader.parse(bytes)?.find("ListAccountAliasesResult", "AccountAliases") else {
            throw .invalidResponse("the ListAccountAliases answer has no AccountAliases list")
        }
        guard let first = aliases.child("member")?.text, !first.isEmpty else { return nil }
        return first
    }
}
