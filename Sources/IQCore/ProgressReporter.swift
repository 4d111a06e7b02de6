import Foundation

/// Progress of a long run (series analysis, training, simulation) on the
/// terminal: a single updating line on stderr when stderr is a terminal,
/// nothing at all otherwise (CI logs and pipes stay clean).
public final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let total: Int
    private var done = 0
    private let lock = NSLock()
    private let enabled: Bool
    private let start = Date()

    /// - Parameter enabled: nil decides from `isatty(stderr)`.
    public init(_ label: String, total: Int, enabled: Bool? = nil) {
        self.label = label
        self.total = max(total, 1)
        self.enabled = enabled ?? (isatty(STDERR_FILENO) != 0)
    }

    /// Marks `count` more units done and redraws the line.
    public func advance(by count: Int = 1, note: String = "") {
        lock.lock()
        defer { lock.unlock() }
        done = min(done + count, total)
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let line = String(format: "\r%@ %d/%d (%.0f%%) %.0fs elapsed, ~%.0fs left %@", label, done, total, 100.0 * Double(done) / Double(total), elapsed, eta, note)
        FileHandle.standardError.write(Data((line.padding(toLength: max(line.count, 79), withPad: " ", startingAt: 0)).utf8))
    }

    /// Ends the line.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    public var completed: Int {
        lock.lock()
        defer { lock.unlock() }
        return done
    }
}
