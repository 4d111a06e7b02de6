import Foundation
import IQCore

/// Turns one result JSON file into report sections. Each analysis module's
/// result type has one reader; `iqkit report` tries them in order.
public protocol ResultReader {
    /// The analysis this reader understands (shown in the report).
    static var kind: String { get }
    /// Whether the decoded JSON object looks like this kind of result.
    static func recognises(_ object: [String: Any]) -> Bool
    /// Decodes the file and builds its section(s).
    /// - Throws: `InputError` naming the file.
    static func sections(from data: Data, path: String) throws -> [ReportSection]
}

/// Loads result files into a report document.
public struct ResultLoader {
    public var readers: [any ResultReader.Type]

    public init(readers: [any ResultReader.Type] = ResultLoader.allReaders) {
        self.readers = readers
    }

    /// A reader for every kind of result iqkit writes, tried in this order.
    public static var allReaders: [any ResultReader.Type] {
        [
            NemaReportReader.self, HarmonizeReportReader.self, EarlReportReader.self, EarlEvaluationReportReader.self,
            EarlCrossValidationReportReader.self, EarlLabelsReportReader.self, EarlRelabellingReportReader.self, VesselReportReader.self,
        ]
    }

    public func sections(for path: String) throws -> [ReportSection] {
        try sections(from: FileChecks.readSmallFile(path), path: path)
    }

    /// The sections of a result file's bytes, by the first reader that
    /// recognises them. - Parameter path: named in errors.
    public func sections(from data: Data, path: String) throws -> [ReportSection] {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw InputError.invalidData(path: path, problem: "not a JSON object (expected an iqkit result file)")
        }
        guard let reader = readers.first(where: { $0.recognises(object) }) else {
            let kinds = readers.map { $0.kind }.joined(separator: ", ")
            throw InputError.invalidData(path: path, problem: "not an iqkit result of a known kind (\(kinds))")
        }
        return try reader.sections(from: data, path: path)
    }

    public func document(for paths: [String], title: String, createdAt: Date = Date()) throws -> ReportDocument {
        var sections: [ReportSection] = []
        for path in paths { sections += try self.sections(for: path) }
        return ReportDocument(title: title, createdAt: ISO8601DateFormatter().string(from: createdAt), sections: sections)
    }
}
