import Dispatch
import Foundation
import IQCore
import Testing

@Suite struct ParallelTests {
    /// Results come back in index order whatever the scheduling; a failure
    /// reports the lowest failing index, after every index has run.
    @Test func parallelMapKeepsOrderAndReportsTheLowestFailure() throws {
        #expect(parallelMap(1000) { $0 * $0 } == (0..<1000).map { $0 * $0 })
        #expect(parallelMap(0) { $0 }.isEmpty)
        struct Failure: Error, Equatable { let index: Int }
        #expect(throws: Failure(index: 17)) {
            _ = try parallelMap(200) { i -> Int in
                if i % 17 == 0 && i > 0 { throw Failure(index: i) }
                return i
            }
        }
    }

    /// Every task runs once, on the worker its stride gives it, and no worker
    /// index is out of range; fewer tasks than workers leave none idle-indexed.
    @Test func parallelForWorkersCoversEveryTaskOnce() {
        for count in [0, 1, 3, 1000] {
            let workers = parallelWorkerCount(count)
            #expect(workers <= count)
            let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
            defer { seen.deallocate() }
            seen.initialize(repeating: -1)
            let shared = SharedBuffer(seen.baseAddress!, count: seen.count)
            parallelForWorkers(count) { w, tasks in
                for t in tasks { shared[t] = w }
            }
            #expect((0..<count).allSatisfy { seen[$0] == $0 % workers })
        }
    }

    /// The work starts when made, not when its value is asked for (the caller
    /// sees it running first); its value, or its error, comes back, and
    /// asking twice gives the same.
    @Test func backgroundWorkRunsAlongsideTheCaller() throws {
        let started = DispatchSemaphore(value: 0)
        let work = BackgroundWork { _ -> Int in
            started.signal()
            return (1...100).reduce(0, +)
        }
        #expect(started.wait(timeout: .now() + 30) == .success)
        #expect(try work.value() == 5050)
        #expect(try work.value() == 5050)
        struct Failure: Error, Equatable {}
        let failing = BackgroundWork { _ throws -> Int in throw Failure() }
        #expect(throws: Failure()) { _ = try failing.value() }
    }

    /// `cancel()` returns only once the work has stopped, and the work sees
    /// the request at its next check (here it would otherwise never end);
    /// after the value was taken, cancelling changes nothing.
    @Test func backgroundWorkStopsWhenCancelled() throws {
        let started = DispatchSemaphore(value: 0)
        let steps = LockedCounter()
        let work = BackgroundWork { isCancelled -> Int in
            started.signal()
            while !isCancelled() {
                steps.increment()
                Thread.sleep(forTimeInterval: 0.001)
            }
            throw CancellationError()
        }
        #expect(started.wait(timeout: .now() + 30) == .success)
        work.cancel()
        let after = steps.value
        Thread.sleep(forTimeInterval: 0.02)
        #expect(steps.value == after, "the work went on after cancel() returned")
        #expect(throws: CancellationError.self) { _ = try work.value() }
        let done = BackgroundWork { _ in 3 }
        #expect(try done.value() == 3)
        done.cancel()
        #expect(try done.value() == 3)
    }

    private final class LockedCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func increment() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }

    /// The work starts even while every worker of the global dispatch pool
    /// is busy (here: more blocked work items than libdispatch will make
    /// threads for), as it is when the caller runs `parallelFor`. Work
    /// queued on a global queue would wait behind them.
    @Test func backgroundWorkStartsWhileTheDispatchPoolIsBusy() throws {
        let release = DispatchSemaphore(value: 0)
        let blockers = 300
        for _ in 0..<blockers { DispatchQueue.global().async { release.wait() } }
        let started = DispatchSemaphore(value: 0)
        let work = BackgroundWork { _ -> Int in
            started.signal()
            return 7
        }
        let startedInTime = started.wait(timeout: .now() + 30) == .success
        // Freed before the value is asked for, so that a failure is a failure, not a hang.
        for _ in 0..<blockers { release.signal() }
        #expect(startedInTime)
        #expect(try work.value() == 7)
    }
}
