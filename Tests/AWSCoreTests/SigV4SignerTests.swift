import Testing
@testable import AWSCore

/// Vectors from AWS's published SigV4 test suite (aws-sig-v4-test-suite),
/// typed in: credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service".
@Suite struct SigV4SignerTests {
    let signer = SigV4Signer(region: "us-east-1", service: "service")
    let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    /// 20150830T123600Z.
    let date = 1_440_938_160.0
    let scope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"

    func authorization(_ headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name == "Authorization" }?.value
    }

    @Test func postVanilla() {
        let signed = signer.sign(
            .init(method: "POST", path: "/", headers: [("Host", "example.amazonaws.com")], body: []),
            credentials: credentials, date: date)
        #expect(authorization(signed) == "AWS4-HMAC-SHA256 Credential=\(scope), SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
        #expect(signed.contains { $0.name == "X-Amz-Date" && $0.value == "20150830T123600Z" })
    }

    /// The derived key is kept per secret, day, region and service: a cached
    /// key signs as the vector says, and a different secret, day, region or
    /// service gets a key of its own (a stale key would sign wrongly).
    @Test func signingKeysAreCachedPerSecretDayRegionAndService() {
        let first = signer.signingKey(secret: credentials.secretAccessKey, shortDate: "20150830")
        #expect(signer.signingKey(secret: credentials.secretAccessKey, shortDate: "20150830") == first)
        let others = [
            signer.signingKey(secret: "another", shortDate: "20150830"),
            signer.signingKey(secret: credentials.secretAccessKey, shortDate: "20150831"),
            SigV4Signer(region: "eu-west-1", service: "service").signingKey(secret: credentials.secretAccessKey, shortDate: "20150830"),
            SigV4Signer(region: "us-east-1", service: "sts").signingKey(secret: credentials.secretAccessKey, shortDate: "20150830"),
        ]
        #expect(Set(others + [first]).count == 5)
        // Signed twice (the second with the cached key): the vector both times.
        for _ in 0..<2 { postVanilla() }
        // Bounded: emptied when full.
        let small = SigningKeyCache(capacity: 2)
        let sameDay = (0..<3).map { SigningKeyCache.Scope(secret: "s\($0)", shortDate: "20150830", region: "r", service: "x") }
        for scope in sameDay { small.store([1], for: scope) }
        #expect(small.count == 1, "emptied when full, then the new key stored")
        #expect(small.key(for: sameDay[2]) == [1])
        // Only the newest day's keys: a new day empties it (a rotated secret's key goes too).
        let cache = SigningKeyCache(capacity: 100)
        cache.store([1], for: sameDay[0])
        cache.store([2], for: sameDay[1])
        let nextDay = SigningKeyCache.Scope(secret: "s0", shortDate: "20150831", region: "r", service: "x")
        cache.store([3], for: nextDay)
        #expect(cache.count == 1 && cache.key(for: sameDay[0]) == nil && cache.key(for: nextDay) == [3])
    }

    @Test func postVanillaCanonicalRequest() {
        let request = SigV4Signer.Request(method: "POST", path: "/", headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")], body: [])
        let canonical = signer.canonicalRequest(request, headers: request.headers)
        #expect(canonical.request == "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// AWS's get-header-key-duplicate case: one line per name, lower-cased,
    /// the values of a repeated name joined in the order given.
    @Test func repeatedHeaderNamesJoinTheirValuesInOrder() {
        let headers = [("Host", "example.amazonaws.com"), ("My-Header1", "value2"), ("X-Amz-Date", "20150830T123600Z"),
                       ("my-header1", "value2"), ("MY-HEADER1", " value1  x ")]
        let request = SigV4Signer.Request(method: "GET", path: "/", headers: headers, body: [])
        let canonical = signer.canonicalRequest(request, headers: request.headers)
        #expect(canonical.request == "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1 x\nx-amz-date:20150830T123600Z\n\n"
            + "host;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(canonical.signedHeaders == "host;my-header1;x-amz-date")
    }

    @Test func getVanillaQueryOrderKeyCase() {
        let signed = signer.sign(
            .init(method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")], headers: [("Host", "example.amazonaws.com")], body: []),
            credentials: credentials, date: date)
        #expect(authorization(signed) == "AWS4-HMAC-SHA256 Credential=\(scope), SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func getVanillaQueryOrderValue() {
        // Same key twice: sorted by value, byte-wise (upper case first).
        let signed = signer.sign(
            .init(method: "GET", path: "/", query: [("Param1", "value2"), ("Param1", "Value1")], headers: [("Host", "example.amazonaws.com")], body: []),
            credentials: credentials, date: date)
        #expect(authorization(signed) == "AWS4-HMAC-SHA256 Credential=\(scope), SignedHeaders=host;x-amz-date, Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1")
    }

    @Test func postStsHeaderBeforeSignsTheSessionToken() {
        let token = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
        let temporary = AWSCredentials(accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: token)
        let signed = signer.sign(
            .init(method: "POST", path: "/", headers: [("Host", "example.amazonaws.com")], body: []),
            credentials: temporary, date: date)
        #expect(authorization(signed) == "AWS4-HMAC-SHA256 Credential=\(scope), SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")
        #expect(signed.contains { $0.name == "X-Amz-Security-Token" && $0.value == token })
    }

    @Test func headerValuesAreTrimmedAndCollapsed() {
        #expect(SigV4Signer.trimHeaderValue("  a   b  c ") == "a b c")
    }

    @Test func uriEncodingKeepsOnlyUnreserved() {
        #expect(SigV4Signer.uriEncode("a b/c~d_e.f-g*") == "a%20b%2Fc~d_e.f-g%2A")
        #expect(SigV4Signer.uriEncode("ü") == "%C3%BC")
    }

    @Test func credentialsDescriptionHidesSecrets() {
        let temporary = AWSCredentials(accessKeyId: "AKID", secretAccessKey: "SECRETVALUE", sessionToken: "TOKENVALUE")
        #expect(!"\(temporary)".contains("SECRETVALUE"))
        #expect(!"\(temporary)".contains("TOKENVALUE"))
    }
}
