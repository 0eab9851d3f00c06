import AWSCore
import AWSWorkSpaces
import HTTPClient
import Logging
import StructuredLogging
import Support

/// `--aws.check-credentials`: finds credentials and the region exactly as the
/// exporter's scrapes do, and prints, as logfmt lines on standard output,
/// which source answered (botocore's method names), the access key id as the
/// AWS CLI masks it, and the region with where it came from. Secrets and
/// tokens are never printed. With `--aws.role-arn`, the role is assumed too.
///
/// ```
/// credentials method=iam-role access_key_id=****************WXYZ expires_unix=1796234400
/// region name=eu-west-1
/// ```
struct CredentialCheck {
    let regions: [String]
    let roleArn: String?
    let externalId: String?
    let roleSessionName: String?
    let useFIPS: Bool
    let useDualStack: Bool
    let instanceMetadata: InstanceMetadataSettings
    let environment: AWSCore.Environment
    let http: HTTPClient
    let retryPolicy: RetryPolicy
    let processTimeout: Duration
    let logger: Logger

    /// Prints the outcome; true when credentials and a region were found.
    func run() async -> Bool {
        var region: String?
        do {
            let found = try await RegionResolver.resolve(
                flag: regions, environment: environment, instanceMetadata: InstanceMetadataClient(settings: instanceMetadata, httpClient: http))
            region = found.first
        } catch {
            print("region " + StructuredLogHandler.logfmt([("error", error.message)]))
        }
        let stsRegion = region ?? "us-east-1"
        var credentialsFound = false
        do {
            let sts = STSClient(
                region: stsRegion,
                endpoint: try Endpoint.resolve(service: "sts", region: stsRegion, override: nil, useFIPS: useFIPS, useDualStack: useDualStack, environment: environment),
                httpClient: http, retryPolicy: retryPolicy, logger: logger)
            var provider = DefaultCredentialChain.make(
                environment: environment, httpClient: http, sts: sts, processTimeout: processTimeout, instanceMetadata: instanceMetadata, logger: logger)
            if let roleArn {
                provider = DefaultCredentialChain.assuming(
                    .init(arn: roleArn, externalId: externalId, sessionName: roleSessionName), from: provider, sts: sts, logger: logger)
            }
            let credentials = try await provider.credentials()
            var fields = [("method", credentials.method), ("access_key_id", credentials.maskedAccessKeyId)]
            if let expiration = credentials.expiration { fields.append(("expires_unix", String(Int(expiration)))) }
            print("credentials " + StructuredLogHandler.logfmt(fields))
            credentialsFound = true
        } catch {
            print("credentials " + StructuredLogHandler.logfmt([("error", "\(error)")]))
        }
        if let region {
            print("region " + StructuredLogHandler.logfmt([("name", region)]))
        }
        return credentialsFound && region != nil
    }
}
