/// How filters extend an image past its edges.
///
/// iqkit uses half-sample symmetric reflection, `d c b a | a b c d | d c b a`
/// (scipy.ndimage mode "reflect", ITK's ZeroFluxNeumann for short kernels):
/// a constant image stays constant and no activity leaks in from outside.
public enum Reflect {
    /// Maps any integer index to 0..<n by half-sample symmetric reflection.
    @inline(__always)
    public static func index(_ i: Int, _ n: Int) -> Int {
        if i >= 0 && i < n { return i }
        if n == 1 { return 0 }
        let period = 2 * n
        var m = i % period
        if m < 0 { m += period }
        return m < n ? m : period - 1 - m
    }
}
