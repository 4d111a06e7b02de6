import Foundation

/// A small line chart rendered to standalone SVG: series with optional error
/// bars, shaded acceptance bands, nice axis ticks and a legend. Used for RC
/// curves against the EARL bands and vessel metrics against dose.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Symmetric error bar half-lengths, one per point (e.g. SD over repetitions).
        public var errors: [Double]?
        public var color: String
        public var dashed: Bool
        public init(name: String, points: [(x: Double, y: Double)], errors: [Double]? = nil, color: String, dashed: Bool = false) {
            self.name = name
            self.points = points
            self.errors = errors
            self.color = color
            self.dashed = dashed
        }
    }

    /// A shaded range drawn behind the series: lo…hi at each x.
    public struct Band: Sendable {
        public var name: String
        public var x: [Double]
        public var lo: [Double]
        public var hi: [Double]
        public var color: String
        public init(name: String, x: [Double], lo: [Double], hi: [Double], color: String) {
            self.name = name
            self.x = x
            self.lo = lo
            self.hi = hi
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var bands: [Band]
    public var width = 640.0
    public var height = 380.0
    /// Fixed y range; nil fits the data and bands.
    public var yRange: ClosedRange<Double>?
    /// A logarithmic x axis (1-2-5 ticks); points with x ≤ 0 are left out.
    public var logX: Bool

    public init(
        title: String, xLabel: String, yLabel: String, series: [Series], bands: [Band] = [], yRange: ClosedRange<Double>? = nil,
        logX: Bool = false
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.bands = bands
        self.yRange = yRange
        self.logX = logX
    }

    /// Standard colours, distinguishable when printed in grey too.
    public static let palette = ["#1f4e9c", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#555555"]

    public func svg() -> String {
        let left = 64.0, right = 150.0, top = 36.0, bottom = 52.0
        let plotW = width - left - right
        let plotH = height - top - bottom
        let logX = self.logX
        var xs: [Double] = series.flatMap { $0.points.map(\.x) } + bands.flatMap(\.x)
        var ys: [Double] = []
        for s in series {
            for (i, p) in s.points.enumerated() {
                let e = s.errors?[i] ?? 0
                ys.append(p.y - e)
                ys.append(p.y + e)
            }
        }
        for b in bands { ys += b.lo + b.hi }
        xs = xs.filter { $0.isFinite && (!logX || $0 > 0) }
        ys = ys.filter(\.isFinite)
        let xTicks = logX ? Self.logTicks(xs.min() ?? 1, xs.max() ?? 10) : Self.niceTicks(xs.min() ?? 0, xs.max() ?? 1)
        let yTicks = yRange.map { Self.niceTicks($0.lowerBound, $0.upperBound) } ?? Self.niceTicks(ys.min() ?? 0, ys.max() ?? 1)
        let x0 = xTicks.first ?? 0, x1 = xTicks.last ?? 1
        let y0 = yTicks.first ?? 0, y1 = yTicks.last ?? 1
        func px(_ x: Double) -> Double {
            if logX { return left + log10(x / x0) / max(log10(x1 / x0), 1e-12) * plotW }
            return left + (x - x0) / max(x1 - x0, 1e-12) * plotW
        }
        func visible(_ x: Double) -> Bool { x.isFinite && (!logX || x > 0) }
        func py(_ y: Double) -> Double { top + plotH - (y - y0) / max(y1 - y0, 1e-12) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"\(Escape.html(title))\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        s += "<text x=\"\(f(left))\" y=\"20\" font-size=\"14\" font-weight=\"bold\">\(Escape.html(title))</text>\n"
        // Grid and ticks.
        for t in yTicks {
            s += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotW))\" y1=\"\(f(py(t)))\" y2=\"\(f(py(t)))\" stroke=\"#e3e3e3\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        for t in xTicks {
            s += "<line x1=\"\(f(px(t)))\" x2=\"\(f(px(t)))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\" stroke=\"#f0f0f0\"/>\n"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
        }
        // Bands.
        for b in bands where b.x.count >= 2 && b.x.allSatisfy(visible) {
            let upper = zip(b.x, b.hi).map { "\(f(px($0))),\(f(py($1)))" }
            let lower = zip(b.x, b.lo).reversed().map { "\(f(px($0))),\(f(py($1)))" }
            s += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(b.color)\" fill-opacity=\"0.18\" stroke=\"\(b.color)\" stroke-opacity=\"0.5\" stroke-width=\"0.8\"/>\n"
        }
        // Axes.
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(Escape.html(xLabel))</text>\n"
        s += "<text transform=\"translate(16 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(Escape.html(yLabel))</text>\n"
        // Series.
        for series in self.series {
            let pts = series.points.filter { visible($0.x) && $0.y.isFinite }
            if pts.count >= 2 {
                let path = pts.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                let dash = series.dashed ? " stroke-dasharray=\"5 4\"" : ""
                s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"2\"\(dash)/>\n"
            }
            for (i, p) in series.points.enumerated() where visible(p.x) && p.y.isFinite {
                if let e = series.errors?[i], e > 0, e.isFinite {
                    s += "<line x1=\"\(f(px(p.x)))\" x2=\"\(f(px(p.x)))\" y1=\"\(f(py(p.y - e)))\" y2=\"\(f(py(p.y + e)))\" stroke=\"\(series.color)\"/>\n"
                }
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill=\"\(series.color)\"/>\n"
            }
        }
        // Legend.
        var ly = top + 8
        for b in bands {
            s += "<rect x=\"\(f(left + plotW + 14))\" y=\"\(f(ly - 9))\" width=\"18\" height=\"10\" fill=\"\(b.color)\" fill-opacity=\"0.25\" stroke=\"\(b.color)\"/>\n"
            s += "<text x=\"\(f(left + plotW + 38))\" y=\"\(f(ly))\">\(Escape.html(b.name))</text>\n"
            ly += 18
        }
        for series in self.series {
            let dash = series.dashed ? " stroke-dasharray=\"5 4\"" : ""
            s += "<line x1=\"\(f(left + plotW + 14))\" x2=\"\(f(left + plotW + 32))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(series.color)\" stroke-width=\"2\"\(dash)/>\n"
            s += "<text x=\"\(f(left + plotW + 38))\" y=\"\(f(ly))\">\(Escape.html(series.name))</text>\n"
            ly += 18
        }
        s += "</svg>\n"
        return s
    }

    /// Round tick values covering lo…hi (1, 2, 5 × 10^k steps).
    public static func niceTicks(_ lo: Double, _ hi: Double, target: Int = 6) -> [Double] {
        var lo = lo, hi = hi
        if !(lo.isFinite && hi.isFinite) { return [0, 1] }
        if hi - lo < 1e-12 {
            lo -= abs(lo) * 0.1 + 1e-3
            hi += abs(hi) * 0.1 + 1e-3
        }
        let raw = (hi - lo) / Double(target)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        let first = Int(floor(lo / step + 1e-9))
        let last = Int(ceil(hi / step - 1e-9))
        // Multiply rather than accumulate, and round to 10 significant digits,
        // so ticks print as 0.6 and not 0.6000000000000001.
        return (first...max(first + 1, last)).map { i in
            let t = Double(i) * step
            return Double(String(format: "%.10g", t)) ?? t
        }
    }

    /// Ticks of a logarithmic axis covering lo…hi (both > 0): 1, 2, 5 × 10^k,
    /// or only the decades when the range spans more than three of them.
    public static func logTicks(_ a: Double, _ b: Double) -> [Double] {
        guard a.isFinite, b.isFinite, a > 0, b > 0 else { return [1, 10] }
        let lo = min(a, b), hi = max(a, b)
        let k0 = Int(floor(log10(lo))), k1 = Int(ceil(log10(hi)))
        let mantissas: [Double] = k1 - k0 > 3 ? [1] : [1, 2, 5]
        var candidates: [Double] = []
        for k in (k0 - 1)...(k1 + 1) {
            for m in mantissas {
                let t = m * pow(10, Double(k))
                candidates.append(Double(String(format: "%.10g", t)) ?? t)
            }
        }
        let first = candidates.last { $0 <= lo * (1 + 1e-9) } ?? candidates[0]
        let last = candidates.first { $0 >= hi * (1 - 1e-9) } ?? candidates[candidates.count - 1]
        let ticks = candidates.filter { $0 >= first && $0 <= last }
        return ticks.count >= 2 ? ticks : [first, first * 10]
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        var s = String(format: "%.3g", v)
        if s.hasPrefix("0.") == false, s.contains("e") { s = String(format: "%.2e", v) }
        return s
    }
}
