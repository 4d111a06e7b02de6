import Foundation
import IQCore

/// The HTML template and style sheet, read from the `Reports/templates`
/// folder of the source tree or of an installation.
public struct ReportTemplates: Sendable {
    public var page: String
    public var css: String

    public init(page: String, css: String) {
        self.page = page
        self.css = css
    }

    /// Folders searched, in order: `$IQKIT_REPORTS/templates`, the
    /// installation's `share/iqkit/Reports/templates` beside `bin/`, the
    /// source tree above `.build/<config>/`, and `./Reports/templates`.
    public static func candidateFolders(executable: String = CommandLine.arguments.first ?? "") -> [String] {
        var folders: [String] = []
        if let env = ProcessInfo.processInfo.environment["IQKIT_REPORTS"] { folders.append(env + "/templates") }
        let exe = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        folders.append(exe.appendingPathComponent("../share/iqkit/Reports/templates").standardized.path)
        var dir = exe
        for _ in 0..<4 {
            folders.append(dir.appendingPathComponent("Reports/templates").standardized.path)
            dir = dir.deletingLastPathComponent()
        }
        folders.append(FileManager.default.currentDirectoryPath + "/Reports/templates")
        return folders
    }

    /// Loads the first folder that has both files.
    /// - Throws: `InputError.invalidSetting` naming where it looked.
    public static func load(from folders: [String] = candidateFolders()) throws -> ReportTemplates {
        for folder in folders {
            let page = folder + "/report.mustache"
            let css = folder + "/style.css"
            if FileManager.default.fileExists(atPath: page), FileManager.default.fileExists(atPath: css) {
                let pageText = String(decoding: try FileChecks.readSmallFile(page), as: UTF8.self)
                let cssText = String(decoding: try FileChecks.readSmallFile(css), as: UTF8.self)
                return ReportTemplates(page: pageText, css: cssText)
            }
        }
        throw InputError.invalidSetting(
            name: "report templates",
            problem: "report.mustache and style.css not found (looked in \(folders.joined(separator: ", "))); set IQKIT_REPORTS to the Reports folder")
    }
}
