import AWSCore
import AWSWorkSpaces
import Foundation

/// AWS Organizations as the emulator answers it: the organisation is every
/// account of the emulator, managed by the first (default) one, all under
/// one root, `r-emul`, without organizational units or tags. Accounts listed
/// in `suspendedAccounts` are SUSPENDED. Only the management account may list.
struct OrganizationsOperations {
    let api: EmulatorAPI
    static let root = "r-emul"
    static let pageSize = 20

    func handle(operation: String, caller: EmulatorAPI.Caller, body: [UInt8]) -> EmulatorReply {
        guard caller.account == api.configuration.accounts.first?.id else {
            return .awsError(400, code: "AWSOrganizationsNotInUseException", message: "Your account is not a member of an organization.")
        }
        guard let input = (try? JSONSerialization.jsonObject(with: Data(body.isEmpty ? Array("{}".utf8) : body))) as? [String: Any] else {
            return .awsError(400, code: "SerializationException", message: "The request body is not a JSON object")
        }
        switch operation {
        case "ListAccounts":
            return accounts(from: input)
        case "ListAccountsForParent":
            guard input["ParentId"] as? String == Self.root else { return .json(200, Array(#"{"Accounts":[]}"#.utf8)) }
            return accounts(from: input)
        case "ListOrganizationalUnitsForParent":
            return .json(200, Array(#"{"OrganizationalUnits":[]}"#.utf8))
        case "ListTagsForResource":
            return .json(200, Array(#"{"Tags":[]}"#.utf8))
        default:
            return .awsError(400, code: "UnknownOperationException", message: "The emulator does not implement \(operation)")
        }
    }

    /// A page of every account, 20 at a time; `NextToken` is the next index.
    private func accounts(from input: [String: Any]) -> EmulatorReply {
        let all = api.configuration.accounts
        let start = (input["NextToken"] as? String).flatMap(Int.init) ?? 0
        guard start >= 0, start <= all.count else { return .awsError(400, code: "InvalidInputException", message: "bad NextToken") }
        let end = min(start + Self.pageSize, all.count)
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("Accounts")
        writer.beginArray()
        for account in all[start..<end] {
            let status = api.configuration.suspendedAccounts.contains(account.id) ? "SUSPENDED" : "ACTIVE"
            writer.beginObject()
            writer.member("Id", account.id)
            writer.member("Arn", "arn:aws:organizations::\(all[0].id):account/o-emulated/\(account.id)")
            writer.member("Name", account.id == all[0].id ? "management" : "account-\(account.id)")
            writer.member("Email", "\(account.id)@example.com")
            writer.member("Status", status)
            writer.member("State", status)
            writer.endObject()
        }
        writer.endArray()
        if end < all.count { writer.member("NextToken", String(end)) }
        writer.endObject()
        return .json(200, writer.bytes)
    }
}
