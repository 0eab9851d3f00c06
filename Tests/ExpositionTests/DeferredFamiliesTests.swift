import Testing
@testable import Exposition

@Suite struct DeferredFamiliesTests {
    /// Deferred families are built once, on first use, and come after the
    /// built ones in ``Snapshot/families``.
    @Test func deferredFamiliesAreBuiltOnceWhenRead() {
        let built = MetricFamily(name: "b", help: "h", type: .gauge, samples: [Sample(value: 1)])
        let deferred = DeferredFamilies(names: ["d2", "d1"], sourceDigest: 7) {
            ["d1", "d2"].map { MetricFamily(name: $0, help: "h", type: .gauge, samples: [Sample(value: 2)], sourceDigest: 7) }
        }
        let snapshot = Snapshot(families: [built], deferred: deferred)
        #expect(deferred.names == ["d1", "d2"])
        #expect(deferred.buildCount == 0 && snapshot.builtFamilies == [built])
        #expect(snapshot.families.map(\.name) == ["b", "d1", "d2"])
        #expect(snapshot.families.count == 3)
        #expect(deferred.buildCount == 1)
        #expect(Snapshot(families: [built]).families == [built])
    }

    /// Readers racing for the first use all get the first result kept.
    @Test func readersRacingGetOneResult() async {
        let deferred = DeferredFamilies(names: ["d"], sourceDigest: 1) {
            [MetricFamily(name: "d", help: "h", type: .gauge, samples: [Sample(value: Double.random(in: 0..<1))], sourceDigest: 1)]
        }
        let seen = await withTaskGroup(of: [MetricFamily].self) { group in
            for _ in 0..<16 { group.addTask { deferred.families } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(seen.count == 16)
        #expect(Set(seen.map { $0.first?.samples.first?.value }).count == 1, "one result kept, whoever built it")
        #expect(deferred.buildCount >= 1 && deferred.families == seen[0])
    }
}
