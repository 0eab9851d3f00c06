/// AWS account ids: twelve digits, as they appear in ARNs and STS answers.
public enum AccountID {
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 12 && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// The account of an IAM ARN (`arn:PARTITION:iam::ACCOUNT:role/NAME`), if valid.
    public static func fromARN(_ arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn" else { return nil }
        let account = String(parts[4])
        return isValid(account) ? account : nil
    }

    /// Whether `arn` is an IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
    public static func isRoleARN(_ arn: String) -> Bool {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "iam", parts[3].isEmpty,
              isValid(String(parts[4])), parts[5].hasPrefix("role/") else { return false }
        let name = parts[5].dropFirst(5)
        return !name.isEmpty && !name.hasSuffix("/") && name.utf8.count <= 512
    }

    /// The ARN of role `name` (an IAM role name, optionally with a path) in
    /// `account`, in the partition of `region`.
    public static func roleARN(account: String, roleName name: String, region: String) -> String {
        "arn:\(Partition.of(region).name):iam::\(account):role/\(name)"
    }

    /// Whether `name` can be an IAM role name with an optional path:
    /// `[PATH/]NAME`, letters, digits and `+=,.@_-`, the name at most 64 bytes.
    public static func isRoleName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 512, !name.hasPrefix("/"), !name.hasSuffix("/") else { return false }
        let last = name.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard (1...64).contains(last.utf8.count) else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
            default: return "+=,.@_-/".utf8.contains(byte)
            }
        } && !name.contains("//")
    }
}
