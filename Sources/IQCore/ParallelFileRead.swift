import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a byte range of a file as `pread`s of one chunk each, on all cores.
public enum ParallelFileRead {
    /// Bytes per `pread` task.
    public static let defaultChunk = 16 << 20

    /// Fills `buffer` from the file's byte `offset` on.
    ///
    /// - Returns: the bytes read from `offset` on, up to the end of the first
    ///   chunk the file does not fill (a short file, a read error), as a
    ///   sequential read would count them; nil when the file cannot be
    ///   opened or `offset` is negative.
    public static func read(_ path: String, offset: Int64, into buffer: UnsafeMutableRawBufferPointer, chunk: Int = defaultChunk) -> Int? {
        precondition(chunk > 0)
        guard offset >= 0 else { return nil }
        guard let base = buffer.baseAddress else { return 0 }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        struct Target: @unchecked Sendable { let base: UnsafeMutableRawPointer }
        let target = Target(base: base)
        let count = buffer.count
        let got: [Int] = parallelMap((count + chunk - 1) / chunk) { c in
            let start = c * chunk, length = min(chunk, count - start)
            var done = 0
            while done < length {
                let n = pread(fd, target.base + start + done, length - done, off_t(offset) + off_t(start + done))
                if n > 0 {
                    done += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break  // end of file or a read error
                }
            }
            return done
        }
        var total = 0
        for (c, n) in got.enumerated() {
            total += n
            if n < min(chunk, count - c * chunk) { break }
        }
        return total
    }
}
