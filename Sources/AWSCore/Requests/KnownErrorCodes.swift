/// The values the `code` label of `aws_workspaces_api_requests_total` may
/// take. Counters live for the whole process, so a label value the network
/// chooses must come from a fixed set: anything else is counted as `other`,
/// and the raw code goes to the log line instead.
public enum KnownErrorCodes {
    /// The label value for an attempt that ended with `error`.
    public static func metricCode(_ error: AWSClientError) -> String {
        switch error {
        case let .service(code, _, status):
            if all.contains(code) { return code }
            if code == String(status), statuses.contains(status) { return code }
            return other
        default:
            return error.code
        }
    }

    /// The label value for an answer with no error.
    public static func metricCode(status: Int) -> String {
        statuses.contains(status) ? String(status) : other
    }

    public static let other = "other"

    /// HTTP statuses with a meaning of their own.
    static let statuses: Set<Int> = [200, 201, 202, 204, 400, 401, 403, 404, 405, 408, 409, 413, 429, 500, 501, 502, 503, 504]

    /// Error codes of WorkSpaces and STS (botocore 1.43's models), the AWS
    /// common errors, the SDKs' throttling, transient and clock-skew codes,
    /// and the exporter's own failure kinds.
    public static let all: Set<String> = Set([
        // WorkSpaces
        "AccessDeniedException", "ApplicationNotSupportedException", "ComputeNotCompatibleException", "ConflictException",
        "IncompatibleApplicationsException", "InternalServerException", "InvalidParameterCombinationException",
        "InvalidParameterValuesException", "InvalidResourceStateException", "OperatingSystemNotCompatibleException",
        "OperationInProgressException", "OperationNotSupportedException", "ResourceAlreadyExistsException",
        "ResourceAssociatedException", "ResourceCreationFailedException", "ResourceInUseException",
        "ResourceLimitExceededException", "ResourceNotFoundException", "ResourceUnavailableException",
        "UnsupportedNetworkConfigurationException", "UnsupportedWorkspaceConfigurationException", "ValidationException",
        "WorkspacesDefaultRoleNotFoundException",
        // STS
        "ExpiredTokenException", "IDPCommunicationError", "IDPRejectedClaim", "InvalidIdentityToken",
        "MalformedPolicyDocument", "PackedPolicyTooLarge", "RegionDisabledException", "AccessDenied",
        // Common to AWS services
        "IncompleteSignature", "InternalFailure", "InvalidAction", "InvalidClientTokenId", "InvalidParameterCombination",
        "InvalidParameterValue", "InvalidQueryParameter", "MalformedQueryString", "MissingAction",
        "MissingAuthenticationToken", "MissingAuthenticationTokenException", "MissingParameter", "NotAuthorized",
        "OptInRequired", "ServiceUnavailable", "ValidationError", "UnrecognizedClientException", "ExpiredToken",
        "UnknownOperationException", "SerializationException", "InternalError", "RequestTimeout", "RequestTimeoutException",
        "InvalidSignatureException", "SignatureDoesNotMatch", "RequestExpired", "RequestTimeTooSkewed", "RequestInTheFuture",
        "AuthFailure", "UnauthorizedOperation", "InvalidToken", "AccessDeniedForDependencyException",
        // The exporter's own
        "TransportError", "InvalidResponse", "CredentialsError", "PaginationError", "InvalidEndpoint",
        "ConfigurationError", "DeadlineExceeded", "Cancelled",
    ]).union(RetryPolicy.throttlingCodes).union(RetryPolicy.transientCodes)
}
