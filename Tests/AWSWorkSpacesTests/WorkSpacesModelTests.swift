import Foundation
import TestSupport
import Testing
@testable import AWSCore
@testable import AWSWorkSpaces

/// The enumerations the exporter pre-populates must match the live API model
/// in the installed botocore (the source of truth for the SDKs).
@Suite struct WorkSpacesModelTests {
    func botocoreEnum(_ shape: String) async throws -> [String] {
        let python = try #require(PackagePaths.which("python3"))
        let script = """
        import gzip, json, os, botocore
        path = os.path.join(os.path.dirname(botocore.__file__), 'data/workspaces/2015-04-08/service-2.json.gz')
        print(json.dumps(json.load(gzip.open(path))['shapes']['\(shape)']['enum']))
        """
        let result = try await runCommand(python, ["-c", script])
        #expect(result.status == 0, "botocore is needed (pip install boto3): \(result.output)")
        let line = try #require(result.output.split(separator: "\n").last)
        return try JSONDecoder().decode([String].self, from: Data(line.utf8))
    }

    @Test func errorDetailCodesMatchTheModel() async throws {
        let model = try await botocoreEnum("WorkspaceImageErrorDetailCode")
        #expect(Set(WorkSpacesModel.errorDetailCodes) == Set(model))
        #expect(WorkSpacesModel.errorDetailCodes.count == model.count)
    }

    @Test func statesTenanciesAndOperatingSystemsMatchTheModel() async throws {
        let states = try await botocoreEnum("WorkspaceImageState")
        let tenancies = try await botocoreEnum("WorkspaceImageRequiredTenancy")
        let systems = try await botocoreEnum("OperatingSystemType")
        #expect(Set(WorkSpacesModel.imageStates) == Set(states))
        #expect(Set(WorkSpacesModel.requiredTenancies) == Set(tenancies))
        #expect(Set(WorkSpacesModel.operatingSystemTypes) == Set(systems))
    }
}
