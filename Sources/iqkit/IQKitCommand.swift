import ArgumentParser
import Foundation
import IQCore

/// The `iqkit` command: parses, calls the libraries, prints, picks the exit code.
///
/// Exit codes: 0 success, 1 a QA check failed, 2 bad input or usage.
@main
struct IQKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iqkit",
        abstract: "PET/CT image-quality harmonisation and phantom analysis.",
        discussion: "Exit codes: 0 success, 1 a QA check failed, 2 bad input or usage.",
        version: IQKit.version,
        subcommands: [Info.self, Smooth.self, Edge.self, Nema.self, Harmonize.self, Earl.self, Phantom.self, Report.self, Simulate.self]
    )

    static func main() {
        // Before any thread starts: large scans then reuse freed heap memory.
        MemoryAdvice.retainFreedMemory()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            terminate(with: error)
        }
    }
}

/// Prints one line for an error and exits with iqkit's code for it.
func terminate(with error: Error) -> Never {
    Foundation.exit(reportError(error))
}

/// Writes the error's line and returns iqkit's exit status for it. Kept out
/// of `terminate` so every string it builds is released before `exit` (the
/// leak checker of `make test-sanitize` would otherwise report them).
@inline(never)
func reportError(_ error: Error) -> Int32 {
    switch error {
    case let qa as QAFailure:
        FileHandle.standardError.write(Data("iqkit: \(qa.message)\n".utf8))
        return ExitStatus.qaFailed
    case let input as InputError:
        FileHandle.standardError.write(Data("iqkit: error: \(input)\n".utf8))
        return ExitStatus.badInput
    default:
        let code = IQKitCommand.exitCode(for: error)
        let message = IQKitCommand.fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { print(message) }
            return ExitStatus.success
        }
        // Only a QAFailure means a failed check. Usage errors (ArgumentParser's
        // 64) get its message without the usage block, and any other error
        // (ArgumentParser would give it exit 1, the QA code) is bad input:
        // both on one line, like every other bad input.
        if code.rawValue == ExitStatus.qaFailed {
            FileHandle.standardError.write(Data("iqkit: error: \(DataFile.describe(error))\n".utf8))
        } else if !message.isEmpty {
            let arguments = Array(CommandLine.arguments.dropFirst())
            let line = usageLine(IQKitCommand.message(for: error))
            let negative = negativeValueHint(line, arguments: arguments).map { "; " + $0 } ?? ""
            FileHandle.standardError.write(Data("iqkit: error: \(line)\(negative) (see \(helpCommand(for: arguments)))\n".utf8))
        }
        return ExitStatus.badInput
    }
}

/// The help command of the subcommand `arguments` name, e.g. "iqkit earl
/// train --help": the leading arguments that name subcommands, in turn,
/// down to the first that does not.
func helpCommand(for arguments: [String]) -> String {
    var command: ParsableCommand.Type = IQKitCommand.self
    var path = ["iqkit"]
    for argument in arguments {
        guard let sub = command.configuration.subcommands.first(where: { $0._commandName == argument || $0.configuration.aliases.contains(argument) })
        else { break }
        command = sub
        path.append(sub._commandName)
    }
    return (path + ["--help"]).joined(separator: " ")
}

/// ArgumentParser reads "-3" after an option as a short option, not as the
/// option's value, and says "Missing value for '--fwhm-mm <fwhm-mm>'". When
/// that option was in fact followed by a negative number, says how to write
/// it ("write a negative value as --fwhm-mm=-3"); nil otherwise.
func negativeValueHint(_ message: String, arguments: [String]) -> String? {
    guard message.hasPrefix("Missing value for '--") else { return nil }
    let option = String(message.dropFirst("Missing value for '".count).prefix { $0 != " " && $0 != "'" })
    guard let at = arguments.firstIndex(of: option), at + 1 < arguments.count else { return nil }
    let value = arguments[at + 1]
    guard value.hasPrefix("-"), let first = value.split(separator: ",").first, Double(first) != nil else { return nil }
    return "write a negative value as \(option)=\(value)"
}

/// ArgumentParser's message for a usage error (without its "Error: "
/// prefix and usage block) on one line.
func usageLine(_ message: String) -> String {
    message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
}

enum ExitStatus {
    static let success: Int32 = 0
    static let qaFailed: Int32 = 1
    static let badInput: Int32 = 2
}

/// Thrown by a command after it has written its outputs when a QA check failed.
struct QAFailure: Error {
    let message: String
}
