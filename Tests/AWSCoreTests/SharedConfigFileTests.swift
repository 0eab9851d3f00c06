import Testing
@testable import AWSCore

@Suite struct SharedConfigFileTests {
    @Test func parsesProfilesCommentsAndNestedSettings() throws {
        let text = """
        # comment
        ; another
        [default]
        region = us-east-1
        output=json

        [profile ci]
        role_arn = arn:aws:iam::1:role/ci
        s3 =
          max_concurrent_requests = 20
        source_profile = default

        [sso-session corp]
        sso_start_url = https://example.awsapps.com/start
        [services dev]
        workspaces =
          endpoint_url = http://localhost:4599
        """
        let file = try SharedConfigFile.parse(text, path: "config", isConfigFile: true)
        #expect(file.profiles["default"] == ["region": "us-east-1", "output": "json"])
        #expect(file.profiles["ci"]?["role_arn"] == "arn:aws:iam::1:role/ci")
        #expect(file.profiles["ci"]?["source_profile"] == "default")
        #expect(file.profiles["ci"]?["max_concurrent_requests"] == nil)
        #expect(file.profiles["corp"] == nil && file.profiles["sso-session corp"] == nil)
    }

    @Test func credentialsFileSectionsAreBareNames() throws {
        let file = try SharedConfigFile.parse("[prod]\r\naws_access_key_id = AKID\r\n", path: "credentials", isConfigFile: false)
        #expect(file.profiles["prod"]?["aws_access_key_id"] == "AKID")
    }

    @Test(arguments: [
        ("[default\nregion = x", "config:1: section header has no closing ']'"),
        ("[default]\njust words", "config:2: expected 'key = value' or '[section]'"),
        ("[default]\n= value", "config:2: missing key before '='"),
        ("[ ]", "config:1: empty profile name"),
    ])
    func errorsNameFileAndLine(text: String, message: String) {
        #expect { try SharedConfigFile.parse(text, path: "config", isConfigFile: true) } throws: { error in
            (error as? AWSClientError)?.message == message
        }
    }

    @Test func settingBeforeAnySectionInCredentials() {
        #expect(throws: AWSClientError.self) { try SharedConfigFile.parse("aws_access_key_id = x", path: "c", isConfigFile: false) }
    }
}
