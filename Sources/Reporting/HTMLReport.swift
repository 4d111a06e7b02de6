import Foundation
import IQCore
import Mustache

/// Renders a report document to one self-contained HTML file (inline CSS,
/// inline SVG, PNG as data URIs; nothing fetched) and writes each figure
/// beside it as its own file.
public struct HTMLReport {
    public let templates: ReportTemplates

    public init(templates: ReportTemplates) {
        self.templates = templates
    }

    /// The HTML text. Every string from inputs or results is HTML-escaped by
    /// the template engine ({{…}}); only SVG made by `LineChart`/renderers,
    /// which escape their own text, goes in raw.
    public func render(_ document: ReportDocument) throws -> String {
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: templates.page)
        } catch {
            throw InputError.invalidSetting(name: "report.mustache", problem: "template does not parse: \(error)")
        }
        return template.render(context(document))
    }

    /// Writes `index.html` (or `name`) and the figures into `folder`, atomically per file.
    /// - Returns: the path of the HTML file.
    @discardableResult
    public func write(_ document: ReportDocument, to folder: String, name: String = "index.html") throws -> String {
        try AtomicOutput.makeFolder(folder)
        let html = try render(document)
        for section in document.sections {
            for figure in section.figures {
                let path = folder + "/" + figure.fileName
                switch figure.content {
                case .svg(let svg): try AtomicOutput.write(svg, to: path)
                case .png(let data): try AtomicOutput.write(data, to: path)
                }
            }
        }
        let path = folder + "/" + name
        try AtomicOutput.write(html, to: path)
        return path
    }

    func context(_ document: ReportDocument) -> [String: Any] {
        let failedSections = document.sections.filter { $0.verdict == .fail }.count
        let verdictText: String
        switch document.verdict {
        case .fail: verdictText = "\(failedSections) of \(document.sections.count) input(s) failed at least one check."
        case .pass: verdictText = "Every check passed."
        case .info: verdictText = "Measurements only: no pass/fail criteria apply."
        }
        var anchors = Set<String>()
        let sections: [[String: Any]] = document.sections.enumerated().map { index, s in
            var anchor = "\(s.kind)-\(index + 1)"
            while !anchors.insert(anchor).inserted { anchor += "x" }
            let failed = s.checks.filter { !$0.passed }.count
            return [
                "anchor": anchor,
                "kind": s.kind,
                "title": s.title,
                "subject": s.subject,
                "verdictClass": s.verdict.rawValue,
                "verdictLabel": s.verdict.label,
                "failedCount": failed,
                "checkCount": s.checks.count,
                "keyFigures": s.keyFigures.map { ["name": $0.name, "value": $0.value] },
                "paragraphs": s.paragraphs,
                "hasChecks": !s.checks.isEmpty,
                "checks": s.checks.map {
                    [
                        "name": $0.name, "measured": $0.measured, "criterion": $0.criterion,
                        "resultClass": $0.passed ? "pass" : "fail", "resultLabel": $0.passed ? "pass" : "fail",
                    ]
                },
                "tables": s.tables.map { t in
                    [
                        "caption": t.caption, "header": t.header,
                        "rows": t.rows.map { row in
                            ["cells": row.map { ["text": $0.text, "cellClass": $0.mark == .none ? "" : $0.mark.rawValue] }]
                        },
                    ] as [String: Any]
                },
                "figures": s.figures.map { f -> [String: Any] in
                    var d: [String: Any] = ["caption": f.caption, "fileName": f.fileName, "isSVG": false, "isPNG": false]
                    switch f.content {
                    case .svg(let svg):
                        d["isSVG"] = true
                        d["svg"] = svg
                    case .png(let data):
                        d["isPNG"] = true
                        d["pngBase64"] = data.base64EncodedString()
                    }
                    return d
                },
                "inputs": s.provenance.inputs.map { ["path": $0.path, "sha256": $0.sha256] },
                "tool": s.provenance.tool,
                "analysisVersion": s.provenance.toolVersion,
                "analysedAt": s.provenance.createdAt,
                "settings": s.provenance.settings.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] },
            ]
        }
        return [
            "title": document.title,
            "toolVersion": document.toolVersion,
            "createdAt": document.createdAt,
            "sectionCount": document.sections.count,
            "verdictClass": document.verdict.rawValue,
            "verdictLabel": document.verdict.label,
            "verdictText": verdictText,
            "css": templates.css,
            "sections": sections,
        ]
    }
}
