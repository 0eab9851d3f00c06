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
}
