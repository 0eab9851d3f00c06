/// The names botocore gives its credential providers (`Credentials.method`),
/// used in logs and by `--aws.check-credentials`, so that a user can compare
/// what the exporter chose with what `aws configure list` or boto3 chose.
public enum CredentialMethod {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    public static let environment = "env"
    /// A profile's `role_arn` with `source_profile` or `credential_source`, or `--aws.role-arn`.
    public static let assumeRole = "assume-role"
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` or a profile's `web_identity_token_file`.
    public static let webIdentity = "assume-role-with-web-identity"
    /// Keys in the shared credentials file.
    public static let sharedCredentialsFile = "shared-credentials-file"
    /// A profile's `credential_process`.
    public static let process = "custom-process"
    /// Keys in the shared config file.
    public static let configFile = "config-file"
    /// The ECS or EKS container credentials endpoint.
    public static let container = "container-role"
    /// An IAM Identity Center (SSO) profile.
    public static let sso = "sso"
    /// EC2 instance metadata.
    public static let instanceMetadata = "iam-role"
    /// Keys given to the client directly (tests, the emulator).
    public static let explicit = "explicit"
}
