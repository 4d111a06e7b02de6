import Foundation
import IQCore
import Testing

/// `ParallelFileRead` against a sequential read of the same bytes, with
/// chunks small enough that every edge case falls on a chunk boundary.
@Suite struct ParallelFileReadTests {
    static func file(bytes count: Int) throws -> (path: String, bytes: [UInt8]) {
        var rng = SplitMix64(seed: UInt64(count))
        let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let path = TestVolumes.temporaryFolder() + "/bytes.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    static func read(_ path: String, offset: Int64, count: Int, chunk: Int) -> (Int?, [UInt8]) {
        var buffer = [UInt8](repeating: 0xAA, count: count)
        let got = buffer.withUnsafeMutableBytes { ParallelFileRead.read(path, offset: offset, into: $0, chunk: chunk) }
        return (got, buffer)
    }

    /// Whole file, a range from an odd offset, ranges ending inside a chunk,
    /// on a chunk's edge and past the end of the file, and an offset past
    /// the end: the count is what a sequential read returns, and the bytes
    /// up to it are the file's.
    @Test(arguments: [1, 7, 100, 4096])
    func agreesWithASequentialRead(chunk: Int) throws {
        let (path, bytes) = try Self.file(bytes: 10_007)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        for (offset, count) in [(0, 10_007), (13, 9_000), (13, 9_994), (13, 9_995), (13, 12_000), (700, 9_307), (10_007, 5), (20_000, 5), (5, 0)] {
            let (got, buffer) = Self.read(path, offset: Int64(offset), count: count, chunk: chunk)
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            try handle.seek(toOffset: UInt64(offset))
            let sequential = [UInt8](try handle.read(upToCount: count) ?? Data())
            try handle.close()
            #expect(got == sequential.count, "offset \(offset), count \(count), chunk \(chunk)")
            #expect(Array(buffer.prefix(sequential.count)) == sequential, "offset \(offset), count \(count), chunk \(chunk)")
            #expect(sequential == Array(bytes.dropFirst(offset).prefix(count)))
        }
    }

    @Test func missingFilesAndNegativeOffsetsGiveNil() throws {
        #expect(Self.read("/nonexistent/iqkit-parallel-read", offset: 0, count: 10, chunk: 4).0 == nil)
        let (path, _) = try Self.file(bytes: 100)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        #expect(Self.read(path, offset: -1, count: 10, chunk: 4).0 == nil)
    }

    /// A directory opens but cannot be read: nothing is counted as read.
    @Test func aDirectoryReadsNothing() {
        #expect(Self.read(FileManager.default.temporaryDirectory.path, offset: 0, count: 10, chunk: 4).0 == 0)
    }
}
