import ArgumentParser
import IQCore

/// Options shared by every command that reads images.
struct ReadOptions: ParsableArguments {
    @Option(help: "Frame (0-based) to take from a 4D image.")
    var frame: Int?

    @Option(help: ArgumentHelp("Refuse images with more voxels than this (default 2^29, or IQKIT_MAX_VOXELS).", valueName: "n"))
    var maxVoxels: Int64?

    func validate() throws {
        if let frame, frame < 0 { throw ValidationError("--frame must be ≥ 0") }
        if let maxVoxels, maxVoxels <= 0 { throw ValidationError("--max-voxels must be positive") }
    }

    var nifti: NIfTIReadOptions { NIfTIReadOptions(frame: frame, maxVoxels: maxVoxels) }
}

extension GaussianFilter.Method: ExpressibleByArgument {}

/// Writes a warning line to stderr.
func warn(_ message: String) {
    var stderr = StandardError()
    print("iqkit: warning: \(message)", to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}

import Foundation

/// A progress or log line on stderr (not a warning).
func note(_ message: String) {
    var stderr = StandardError()
    print("iqkit: \(message)", to: &stderr)
}
