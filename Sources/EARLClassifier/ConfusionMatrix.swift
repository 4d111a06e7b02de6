import IQCore

/// Counts of (true class, predicted class): `counts[truth][prediction]`.
///
/// JSON holds `classes` and `counts`, and for readers that want the scores
/// without recomputing them (CI pipelines) `correct`, `total`, `accuracy`
/// and its exact 95 % interval `accuracyCI95` {`lower`, `upper`}; decoding
/// reads `classes` and `counts` only.
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
        return t == 0 ? .nan : Double(correct) / Double(t)
    }

    /// The accuracy with its exact (Clopper–Pearson) confidence interval; nil when empty.
    ///
    /// A test set of n scans bounds what its accuracy can show: 60/60
    /// correct still leaves 94.0 % as the 95 % lower bound.
    public func accuracyInterval(confidence: Double = 0.95) -> ProportionInterval? {
        Statistics.clopperPearson(successes: correct, trials: total, confidence: confidence)
    }

    /// Per true class, the fraction predicted correctly (NaN for an absent class).
    public var recall: [Double] {
        counts.indices.map { i in
            let n = counts[i].reduce(0, +)
            return n == 0 ? .nan : Double(counts[i][i]) / Double(n)
        }
    }

    /// The matrix as table cells, for Markdown here and HTML in Reporting:
    /// one row per true class (its counts by prediction, then its recall,
    /// "–" for an absent class).
    public var table: (header: [String], rows: [[String]]) {
        let rows = classes.indices.map { i in
            let r = recall[i]
            return [classes[i]] + counts[i].map(String.init) + [r.isNaN ? "–" : String(format: "%.1f %%", 100 * r)]
        }
        return (["truth \\ predicted"] + classes + ["recall"], rows)
    }

    /// A Markdown table: rows are the truth, columns the prediction.
    public var markdown: String {
        let (header, rows) = table
        return markdownTable(header: header, rows: rows, leftColumns: 1)
    }

    private enum CodingKeys: String, CodingKey { case classes, counts, correct, total, accuracy, accuracyCI95 }
    private struct Bounds: Encodable {
        var lower: Double
        var upper: Double
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        classes = try c.decode([String].self, forKey: .classes)
        counts = try c.decode([[Int]].self, forKey: .counts)
        // Every reader indexes counts by class and sums them: a matrix that is
        // not square over the classes, or whose counts could overflow a sum,
        // is not one iqkit wrote.
        guard counts.count == classes.count, counts.allSatisfy({ $0.count == classes.count }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .counts, in: c, debugDescription: "a confusion matrix of \(counts.map(\.count)) counts for \(classes.count) classes")
        }
        guard counts.joined().allSatisfy({ (0...Self.maximumCount).contains($0) }) else {
            throw DecodingError.dataCorruptedError(forKey: .counts, in: c, debugDescription: "confusion-matrix counts must be 0…\(Self.maximumCount)")
        }
    }

    /// The largest count a decoded matrix may hold (sums of them cannot overflow).
    public static let maximumCount = 1 << 31

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(classes, forKey: .classes)
        try c.encode(counts, forKey: .counts)
        try c.encode(correct, forKey: .correct)
        try c.encode(total, forKey: .total)
        // JSON has no NaN: an empty matrix has no accuracy and no interval.
        if let ci = accuracyInterval() {
            try c.encode(ci.estimate, forKey: .accuracy)
            try c.encode(Bounds(lower: ci.lower, upper: ci.upper), forKey: .accuracyCI95)
        }
    }
}

/// A Markdown table; the first `leftColumns` columns are left-aligned, the rest (numbers) right-aligned.
func markdownTable(header: [String], rows: [[String]], leftColumns: Int) -> String {
    func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
    let rule = "|" + header.indices.map { $0 < leftColumns ? "---|" : "---:|" }.joined()
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
}
