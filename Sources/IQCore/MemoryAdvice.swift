#if canImport(Glibc)
    import CMalloc
    import Glibc
#endif

/// How iqkit asks glibc for the large buffers a whole-body scan needs.
///
/// A 2 mm whole-body scan is read into, and resampled out of, buffers of
/// hundreds of MB. By default glibc maps each buffer over 32 MiB afresh and
/// returns it to the kernel on free, so the kernel clears and faults in every
/// 4 KiB page of every such buffer again: 244 k page faults in one
/// `earl check` of a 509 MB scan.
public enum MemoryAdvice {
    /// Makes glibc serve large buffers from its heap and keep freed memory
    /// for the next buffer instead of returning it to the kernel
    /// (`M_MMAP_MAX` 0, `M_TRIM_THRESHOLD` at its maximum). For a process
    /// that handles one scan after another and then exits, this trades a
    /// little peak memory for not clearing the same pages again. `earl check`
    /// of the 509 MB scan: 178–187 k page faults instead of 244 k, 1.67–1.68 s
    /// instead of 1.78–1.80 s (medians of two batches of 9 and 5 interleaved
    /// runs, 2026-12-07), 709–774 MB peak instead of 701–719 MB. Changes
    /// speed and memory, never a result.
    ///
    /// Transparent huge pages for the largest buffers (`madvise`) removed
    /// nearly all faults in the same runs but made the median slower (1.87 s,
    /// up to 2.37 s: the kernel compacts memory to find huge pages), so they
    /// are not asked for.
    ///
    /// Left alone when the environment's `GLIBC_TUNABLES` already sets a
    /// `glibc.malloc` tunable, so a user's own allocator settings win.
    /// Call once, at process start, before other threads run.
    public static func retainFreedMemory() {
        #if os(Linux)
            if let tunables = getenv("GLIBC_TUNABLES"), String(cString: tunables).contains("glibc.malloc.") { return }
            _ = mallopt(M_MMAP_MAX, 0)
            _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        #endif
    }
}
