import CGSL

/// Every call into GSL lives here.
///
/// GSL's default error handler aborts the process; iqkit turns it off once
/// and checks the status codes GSL returns instead.
enum GSL {
    static let handlerOff: Void = { _ = gsl_set_error_handler_off() }()

    /// A GSL status code.
    struct Status: RawRepresentable, Equatable, CustomStringConvertible {
        let rawValue: Int32
        static let success = Status(rawValue: Int32(GSL_SUCCESS))
        var description: String { String(cString: gsl_strerror(rawValue)) }
    }

    /// Sorts in place (GSL's heap sort is not stable; order of equals is irrelevant here).
    static func sort(_ values: inout [Double]) {
        _ = handlerOff
        values.withUnsafeMutableBufferPointer { gsl_sort($0.baseAddress, 1, $0.count) }
    }

    /// Quantile of sorted data by GSL's linear interpolation (type 7 of Hyndman & Fan).
    static func quantileSorted(_ sorted: [Double], _ q: Double) -> Double {
        _ = handlerOff
        return sorted.withUnsafeBufferPointer { gsl_stats_quantile_from_sorted_data($0.baseAddress, 1, $0.count, q) }
    }

    static func erf(_ x: Double) -> Double { gsl_sf_erf(x) }

    /// The p-quantile of the beta distribution Beta(a, b) (a, b > 0, p in 0...1).
    static func betaQuantile(_ p: Double, a: Double, b: Double) -> Double {
        _ = handlerOff
        return gsl_cdf_beta_Pinv(p, a, b)
    }

    /// The k-th smallest value (0-based) by quickselect; reorders `values`.
    static func select(_ values: inout [Double], _ k: Int) -> Double {
        _ = handlerOff
        return values.withUnsafeMutableBufferPointer { gsl_stats_select($0.baseAddress, 1, $0.count, k) }
    }

    /// Singular value decomposition of a row-major 3×3 matrix: A = U·diag(S)·Vᵀ.
    static func svd3(_ a: [Double]) -> (u: [Double], s: [Double], v: [Double])? {
        _ = handlerOff
        guard let m = gsl_matrix_alloc(3, 3), let v = gsl_matrix_alloc(3, 3), let s = gsl_vector_alloc(3), let work = gsl_vector_alloc(3) else {
            return nil
        }
        defer {
            gsl_matrix_free(m)
            gsl_matrix_free(v)
            gsl_vector_free(s)
            gsl_vector_free(work)
        }
        for r in 0..<3 { for c in 0..<3 { gsl_matrix_set(m, r, c, a[3 * r + c]) } }
        guard gsl_linalg_SV_decomp(m, v, s, work) == GSL_SUCCESS else { return nil }
        var uOut = [Double](repeating: 0, count: 9), vOut = uOut
        for r in 0..<3 {
            for c in 0..<3 {
                uOut[3 * r + c] = gsl_matrix_get(m, r, c)
                vOut[3 * r + c] = gsl_matrix_get(v, r, c)
            }
        }
        return (uOut, (0..<3).map { gsl_vector_get(s, $0) }, vOut)
    }
}

/// An error reported by GSL through its status code.
public struct GSLError: Error, CustomStringConvertible {
    public let code: Int32
    public let context: String
    public var description: String { "\(context): GSL error \(code) (\(GSL.Status(rawValue: code)))" }
}
