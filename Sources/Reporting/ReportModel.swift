import Foundation
import IQCore

/// One pass/fail check: a JUnit test case, a row of the summary table.
public struct Check: Sendable, Equatable {
    public var name: String
    public var passed: Bool
    /// What was measured, as shown to a reader ("RCmax 0.93").
    public var measured: String
    /// What it was held to ("EARL1 0.95–1.16").
    public var criterion: String
    public init(name: String, passed: Bool, measured: String, criterion: String) {
        self.name = name
        self.passed = passed
        self.measured = measured
        self.criterion = criterion
    }
}

/// A table of text cells; a cell may carry a pass/fail mark.
public struct ReportTable: Sendable {
    public enum Mark: String, Sendable { case none, pass, fail }
    public struct Cell: Sendable {
        public var text: String
        public var mark: Mark
        public init(_ text: String, mark: Mark = .none) {
            self.text = text
            self.mark = mark
        }
    }
    public var caption: String
    public var header: [String]
    public var rows: [[Cell]]
    public init(caption: String, header: [String], rows: [[Cell]]) {
        self.caption = caption
        self.header = header
        self.rows = rows
    }
}

/// A figure, written beside the report as its own file and embedded inline.
public struct ReportFigure: Sendable {
    public enum Content: Sendable {
        case svg(String)
        case png(Data)
    }
    /// File name stem, unique within the report (e.g. "nema-1-rc").
    public var name: String
    public var caption: String
    public var content: Content
    public init(name: String, caption: String, content: Content) {
        self.name = name
        self.caption = caption
        self.content = content
    }
    public var fileName: String {
        switch content {
        case .svg: return name + ".svg"
        case .png: return name + ".png"
        }
    }
}

/// The part of a report about one input (one analysis result file).
public struct ReportSection: Sendable {
    /// "nema", "harmonize", "earl", "vessel": what kind of result this is.
    public var kind: String
    public var title: String
    /// The analysed input as the user named it.
    public var subject: String
    public var checks: [Check]
    /// Key figures for the group table and the TSV, in display order.
    public var keyFigures: [(name: String, value: String)]
    public var paragraphs: [String]
    public var tables: [ReportTable]
    public var figures: [ReportFigure]
    public var provenance: Provenance
    public init(
        kind: String, title: String, subject: String, checks: [Check], keyFigures: [(name: String, value: String)] = [],
        paragraphs: [String] = [], tables: [ReportTable] = [], figures: [ReportFigure] = [], provenance: Provenance
    ) {
        self.kind = kind
        self.title = title
        self.subject = subject
        self.checks = checks
        self.keyFigures = keyFigures
        self.paragraphs = paragraphs
        self.tables = tables
        self.figures = figures
        self.provenance = provenance
    }

    /// Pass when every check passed; a section without checks is informational.
    public var verdict: Verdict {
        if checks.isEmpty { return .info }
        return checks.allSatisfy(\.passed) ? .pass : .fail
    }
}

public enum Verdict: String, Sendable {
    case pass, fail, info
    public var label: String {
        switch self {
        case .pass: return "PASS"
        case .fail: return "FAIL"
        case .info: return "MEASURED"
        }
    }
}

/// A whole report: one or many sections.
public struct ReportDocument: Sendable {
    public var title: String
    public var createdAt: String
    public var toolVersion: String
    public var sections: [ReportSection]
    public init(title: String, createdAt: String, toolVersion: String = IQKit.version, sections: [ReportSection]) {
        self.title = title
        self.createdAt = createdAt
        self.toolVersion = toolVersion
        self.sections = sections
    }

    /// Fail if any section failed; pass if any passed; otherwise informational.
    public var verdict: Verdict {
        if sections.contains(where: { $0.verdict == .fail }) { return .fail }
        if sections.contains(where: { $0.verdict == .pass }) { return .pass }
        return .info
    }
}
