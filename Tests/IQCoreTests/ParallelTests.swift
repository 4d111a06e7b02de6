import IQCore
import Testing

@Suite struct ParallelTests {
    /// Results come back in index order whatever the scheduling; a failure
    /// reports the lowest failing index, after every index has run.
    @Test func parallelMapKeepsOrderAndReportsTheLowestFailure() throws {
        #expect(try parallelMap(1000) { $0 * $0 } == (0..<1000).map { $0 * $0 })
        #expect(try parallelMap(0) { $0 }.isEmpty)
        struct Failure: Error, Equatable { let index: Int }
        #expect(throws: Failure(index: 17)) {
            _ = try parallelMap(200) { i -> Int in
                if i % 17 == 0 && i > 0 { throw Failure(index: i) }
                return i
            }
        }
    }
}
