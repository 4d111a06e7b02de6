import Foundation

/// Checks shared by every reader: the path names a readable regular file.
public enum FileChecks {
    /// Throws unless `path` is an existing, readable, regular file.
    /// - Returns: the file's size in bytes.
    @discardableResult
    public static func requireReadableFile(_ path: String) throws -> Int64 {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError.missingFile(path: path)
        }
        if isDirectory.boolValue { throw InputError.notAFile(path: path) }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw InputError.unreadable(path: path)
        }
        if let type = attributes[.type] as? FileAttributeType, type != .typeRegular {
            throw InputError.notAFile(path: path)
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw InputError.unreadable(path: path)
        }
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Reads a whole small file (manifests, band sets, JSON results) with a
    /// size cap so that a mistaken path to a huge file fails fast.
    public static func readSmallFile(_ path: String, maxBytes: Int64 = 64 << 20) throws -> Data {
        let size = try requireReadableFile(path)
        if size > maxBytes {
            throw InputError.invalidData(path: path, problem: "file is \(size) bytes, larger than the \(maxBytes)-byte limit for this kind of file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError.unreadable(path: path)
        }
        return data
    }

    /// Refuses an output path that would overwrite one of the inputs.
    public static func requireDistinct(output: String, inputs: [String]) throws {
        let out = URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath().path
        for input in inputs {
            let resolved = URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath().path
            if resolved == out {
                throw InputError.invalidSetting(name: output, problem: "output path is the same as the input \(input); inputs are never overwritten")
            }
        }
    }
}
