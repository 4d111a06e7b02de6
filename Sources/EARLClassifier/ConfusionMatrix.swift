/// Counts of (true class, predicted class): `counts[truth][prediction]`.
public struct ConfusionMatrix: Codable, Sendable, Equatable {
    public var classes: [String]
    public var counts: [[Int]]

    public init(classes: [String]) {
        self.classes = classes
        counts = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
    }

    public mutating func add(truth: Int, prediction: Int) { counts[truth][prediction] += 1 }

    public mutating func add(_ other: ConfusionMatrix) {
        for i in counts.indices { for j in counts.indices { counts[i][j] += other.counts[i][j] } }
    }

    public var total: Int { counts.joined().reduce(0, +) }

    /// Count on the diagonal.
    public var correct: Int { counts.indices.reduce(0) { $0 + counts[$1][$1] } }

    /// Fraction on the diagonal (NaN when empty).
    public var accuracy: Double {
        let t = total
        return t == 0 ? .nan : Double(counts.indices.reduce(0) { $0 + counts[$1][$1] }) / Double(t)
    }

    /// Per true class, the fraction predicted correctly (NaN for an absent class).
    public var recall: [Double] {
        counts.indices.map { i in
            let n = counts[i].reduce(0, +)
            return n == 0 ? .nan : Double(counts[i][i]) / Double(n)
        }
    }

    /// A Markdown table: rows are the truth, columns the prediction.
    public var markdown: String {
        var lines = ["| truth \\ predicted | " + classes.joined(separator: " | ") + " | recall |"]
        lines.append("|---|" + classes.map { _ in "---:|" }.joined() + "---:|")
        for (i, c) in classes.enumerated() {
            let r = recall[i]
            lines.append("| \(c) | " + counts[i].map(String.init).joined(separator: " | ") + " | " + (r.isNaN ? "–" : String(format: "%.1f %%", 100 * r)) + " |")
        }
        return lines.joined(separator: "\n")
    }
}

import Foundation
