import AWSCore
import AWSWorkSpaces
import Foundation

/// STS as the emulator answers it: `AssumeRole` into any of its accounts
/// (unless the role is denied, or needs an external id that was not given),
/// `AssumeRoleWithWebIdentity`, and `GetCallerIdentity`.
struct STSOperations {
    let api: EmulatorAPI

    func handle(action: String, parameters: [String: String], caller: EmulatorAPI.Caller) -> EmulatorReply {
        switch action {
        case "GetCallerIdentity":
            return .xml(200, """
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>\
                <Arn>arn:aws:iam::\(caller.account):user/emulated</Arn><UserId>AIDAEMULATED</UserId><Account>\(caller.account)</Account>\
                </GetCallerIdentityResult><ResponseMetadata><RequestId>emulated</RequestId></ResponseMetadata></GetCallerIdentityResponse>
                """)
        case "AssumeRole":
            return assume(parameters, action: action)
        default:
            return .queryError(400, code: "InvalidAction", message: "The emulator does not implement \(action)")
        }
    }

    func assumeRoleWithWebIdentity(_ parameters: [String: String]) -> EmulatorReply {
        guard let token = parameters["WebIdentityToken"], !token.isEmpty else {
            return .queryError(400, code: "InvalidIdentityToken", message: "No web identity token")
        }
        return assume(parameters, action: "AssumeRoleWithWebIdentity")
    }

    private func assume(_ parameters: [String: String], action: String) -> EmulatorReply {
        guard let arn = parameters["RoleArn"], AccountID.isRoleARN(arn), let account = AccountID.fromARN(arn) else {
            return .queryError(400, code: "ValidationError", message: "RoleArn is not a role ARN")
        }
        let required = action == "AssumeRole" ? api.configuration.externalIds[arn] : nil
        guard api.accounts[account] != nil, !api.configuration.deniedRoles.contains(arn), required == nil || parameters["ExternalId"] == required else {
            return .queryError(403, code: "AccessDenied", message: "User is not authorized to perform: sts:AssumeRole on resource: \(arn)")
        }
        let session = api.newSession(account: account)
        let name = parameters["RoleSessionName"] ?? "session"
        return .xml(200, """
            <\(action)Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><\(action)Result>\
            <Credentials><AccessKeyId>\(session.key)</AccessKeyId><SecretAccessKey>\(session.secret)</SecretAccessKey>\
            <SessionToken>\(session.token)</SessionToken><Expiration>\(EmulatorAPI.isoDate(session.expiration))</Expiration></Credentials>\
            <AssumedRoleUser><AssumedRoleId>AROAEMULATED:\(EmulatorReply.escape(name))</AssumedRoleId>\
            <Arn>\(arn.replacingOccurrences(of: ":iam::", with: ":sts::").replacingOccurrences(of: ":role/", with: ":assumed-role/"))/\(EmulatorReply.escape(name))</Arn></AssumedRoleUser>\
            </\(action)Result><ResponseMetadata><RequestId>emulated</RequestId></ResponseMetadata></\(action)Response>
            """)
    }
}
