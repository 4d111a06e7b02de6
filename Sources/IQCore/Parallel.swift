import Dispatch
import Foundation

/// Runs `body(i)` for i in 0..<count on all cores, blocking until done.
///
/// Workers must write disjoint memory; `SharedBuffer` hands them raw pointers.
@inline(__always)
public func parallelFor(_ count: Int, _ body: @Sendable (Int) -> Void) {
    if count <= 1 || ProcessInfo.processInfo.activeProcessorCount == 1 {
        for i in 0..<count { body(i) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
}

/// `parallelFor` for work that can fail: every index runs, and the error of
/// the lowest failing index is rethrown (so which error is reported does
/// not depend on scheduling).
public func parallelFor(_ count: Int, throwing body: @Sendable (Int) throws -> Void) throws {
    let failures = IndexedFailures()
    parallelFor(count) { i in
        do { try body(i) } catch { failures.record(i, error) }
    }
    if let error = failures.first { throw error }
}

/// `body(i)` for i in 0..<count on all cores, results in index order. Every
/// index runs; the error of the lowest failing index is rethrown (a body
/// that cannot throw makes a call that cannot throw).
public func parallelMap<T: Sendable, Failure: Error>(_ count: Int, _ body: @Sendable (Int) throws(Failure) -> T) throws(Failure) -> [T] {
    let slots = ResultSlots<T>(count: count)
    let failures = IndexedFailures()
    parallelFor(count) { i in
        do { slots[i] = try body(i) } catch { failures.record(i, error) }
    }
    // Only `Failure`s were recorded.
    if let error = failures.first { throw error as! Failure }
    return slots.values
}

/// How many workers `parallelForWorkers` shares `count` tasks among: up to
/// four per core, so that tasks of uneven cost still balance, and never
/// more than the tasks.
public func parallelWorkerCount(_ count: Int) -> Int {
    min(count, 4 * ProcessInfo.processInfo.activeProcessorCount)
}

/// Runs `body(worker, tasks)` once for each of `workers` workers on all
/// cores, worker w taking tasks w, w + workers, … of 0..<count: for work
/// whose scratch memory belongs to a worker rather than to a task
/// (allocated once per worker, or taken from a pool indexed by `worker`).
public func parallelForWorkers(
    _ count: Int, workers: Int? = nil, _ body: @Sendable (_ worker: Int, _ tasks: StrideTo<Int>) -> Void
) {
    let workers = workers ?? parallelWorkerCount(count)
    parallelFor(workers) { w in body(w, Swift.stride(from: w, to: count, by: workers)) }
}

/// One result slot per worker, read after they all finish.
private final class ResultSlots<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    subscript(i: Int) -> T? {
        get { lock.withLock { slots[i] } }
        set { lock.withLock { slots[i] = newValue } }
    }

    /// Every slot's value, in index order (all are filled when no worker threw).
    var values: [T] { lock.withLock { slots.compactMap { $0 } } }
}

private final class IndexedFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Int: Error] = [:]

    func record(_ index: Int, _ error: Error) {
        lock.lock()
        errors[index] = error
        lock.unlock()
    }

    var first: Error? {
        lock.lock()
        defer { lock.unlock() }
        return errors.keys.min().flatMap { errors[$0] }
    }
}

/// A raw pointer that parallel workers may share because each writes its
/// own disjoint range; the caller guarantees that, the type system cannot.
public struct SharedBuffer<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    public let count: Int
    public init(_ base: UnsafeMutablePointer<Element>, count: Int) {
        self.base = base
        self.count = count
    }
    @inline(__always) public subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// Work started on a thread of its own when made, its result collected by
/// `value()`: for work that can overlap the caller's, such as hashing the
/// inputs for a provenance record while they are analysed.
///
/// A dedicated thread, not a global dispatch queue: work on a global queue
/// waits for a free pool worker, and while the caller's `parallelFor` or
/// other long jobs hold the pool it does not start (under a loaded test run
/// it once waited 265 s), which is no overlap at all.
public final class BackgroundWork<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once by the worker before `done` is signalled, read after it.
    private var result: Result<T, any Error>?
    private let lock = NSLock()
    private var cancelled = false

    /// Starts `work`, which is handed a check to call between its steps:
    /// true once `cancel()` was called, when it should stop (by throwing).
    public init(_ work: @escaping @Sendable (_ isCancelled: @Sendable () -> Bool) throws -> T) {
        let thread = Thread {
            self.result = Result { try work { self.lock.withLock { self.cancelled } } }
            self.done.signal()
        }
        thread.name = "iqkit.background-work"
        thread.start()
    }

    /// Waits for the work to end; its value, or its error rethrown.
    public func value() throws -> T {
        done.wait()
        defer { done.signal() }
        return try result!.get()
    }

    /// Asks the work to stop at its next check and waits until it has. A
    /// caller leaving on an error calls this first: a thread still working
    /// while the process exits can crash in torn-down runtime state (`earl
    /// check --json` did so after refusing a scan, now and then).
    public func cancel() {
        lock.withLock { cancelled = true }
        _ = try? value()
    }
}
