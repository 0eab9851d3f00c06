import Testing
@testable import HTTPServer

/// Go's cipher suites and curves as one GnuTLS priority string, checked by GnuTLS.
@Suite struct TLSPrioritiesTests {
    @Test func defaultsAreTLS12And13WithServerPrecedence() {
        let priorities = TLSPriorities()
        #expect(priorities.string == "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE")
        #expect(priorities.problem() == nil)
    }

    @Test func everyGoSuiteAloneIsExactlyWhatGnuTLSEnables() {
        for name in TLSPriorities.suites.keys.sorted() {
            var priorities = TLSPriorities()
            priorities.cipherSuites = [name]
            // CBC suites leave TLS 1.3 without a cipher.
            if name.contains("CBC") { priorities.maxVersion = .tls12 }
            #expect(priorities.problem() == nil, "\(name): \(priorities.problem()?.message ?? "")")
        }
    }

    @Test func combinationsThatWidenAreRefusedNamingTheExtraSuites() throws {
        var priorities = TLSPriorities()
        priorities.cipherSuites = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]
        let problem = try #require(priorities.problem())
        #expect(problem.field == "cipher_suites")
        #expect(problem.message.contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384") && problem.message.contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))
        priorities.cipherSuites += ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]
        #expect(priorities.problem() == nil)
    }

    @Test func curvesInOrderAndClientPrecedence() {
        var priorities = TLSPriorities()
        priorities.curvePreferences = ["CurveP384", "X25519"]
        priorities.preferServerCipherSuites = false
        #expect(priorities.string == "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-GROUP-ALL:+GROUP-SECP384R1:+GROUP-X25519")
        #expect(priorities.problem() == nil)
        priorities.curvePreferences = ["X25519MLKEM768"]
        #expect(priorities.problem()?.field == "curve_preferences")
    }

    @Test func oldVersionsAreNamedInOrder() {
        var priorities = TLSPriorities()
        priorities.minVersion = .tls10
        priorities.maxVersion = .tls11
        #expect(priorities.string.hasPrefix("NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0"))
    }
}
