import ArgumentParser
import Foundation
import IQCore
import Reporting

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Self-contained HTML report (plus TSV and optional JUnit) from iqkit result JSON files.",
        discussion: "Exits 1 when any check in the results failed (after writing everything), 2 on bad input.")

    @Argument(help: "Result JSON files written by iqkit analyses.") var results: [String]
    @Option(help: "Folder for index.html, results.tsv and the figures.") var out: String
    @Option(help: "Also write JUnit XML here.") var junit: String?
    @Option(help: "Report title.") var title: String = "iqkit QA report"

    func run() throws {
        guard !results.isEmpty else { throw ValidationError("give at least one result file") }
        try FileChecks.requireDistinct(outputs: [out, out + "/index.html", out + "/results.tsv", junit])
        try FileChecks.requireOutputFolder(out)
        for name in ["index.html", "results.tsv"] { try FileChecks.requireDistinct(output: out + "/" + name, inputs: results) }
        if let junit { try FileChecks.requireOutput(junit, inputs: results) }
        let templates = try ReportTemplates.load()
        let document = try ResultLoader().document(for: results, title: title)
        let html = try HTMLReport(templates: templates).write(document, to: out)
        try AtomicOutput.write(TSVWriter.render(document), to: out + "/results.tsv")
        if let junit { try AtomicOutput.write(JUnitWriter.render(document), to: junit) }
        print("report: \(html)")
        print("verdict: \(document.verdict.label) (\(document.sections.count) input(s))")
        if document.verdict == .fail {
            let failed = document.sections.filter { $0.verdict == .fail }.map(\.subject)
            throw QAFailure(message: "checks failed for \(failed.joined(separator: ", "))")
        }
    }
}
