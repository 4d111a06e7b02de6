/// A problem with something the user handed to iqkit: a file, a setting or a
/// combination of them. Each case renders as one line that names the file
/// (when there is one) and what is wrong with it.
///
/// The command-line front end maps every `InputError` to exit code 2.
public enum InputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file does not exist.
    case missingFile(path: String)
    /// A `.hdr` whose `.img` (or the reverse) does not exist.
    case missingCompanion(path: String, companion: String)
    /// The path exists but is not a regular file (a directory, a device…).
    case notAFile(path: String)
    /// The file exists but cannot be opened for reading.
    case unreadable(path: String)
    /// The file is not of the expected format at all.
    case notNIfTI(path: String, reason: String)
    /// The header is recognisably NIfTI but one of its fields is invalid.
    case invalidHeader(path: String, field: String, problem: String)
    /// The header is valid but describes something iqkit does not handle.
    case unsupported(path: String, problem: String)
    /// The voxel data could not be read completely.
    case truncatedData(path: String, problem: String)
    /// The volume is larger than the configured voxel budget.
    case overBudget(path: String, voxels: Int64, budget: Int64)
    /// A setting (command-line option, config entry) is out of range.
    case invalidSetting(name: String, problem: String)
    /// A data file (YAML, JSON, CSV) could not be parsed or is inconsistent.
    case invalidData(path: String, problem: String)
    /// An output could not be written.
    case cannotWrite(path: String, problem: String)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): no such file"
        case .missingCompanion(let path, let companion): return "\(path): its companion file \(companion) does not exist"
        case .notAFile(let path): return "\(path): not a regular file"
        case .unreadable(let path): return "\(path): cannot be opened for reading"
        case .notNIfTI(let path, let reason): return "\(path): not a NIfTI file (\(reason))"
        case .invalidHeader(let path, let field, let problem): return "\(path): invalid NIfTI header: \(field) \(problem)"
        case .unsupported(let path, let problem): return "\(path): unsupported: \(problem)"
        case .truncatedData(let path, let problem): return "\(path): incomplete voxel data: \(problem)"
        case .overBudget(let path, let voxels, let budget):
            return "\(path): \(voxels) voxels exceed the voxel budget of \(budget) (raise it with --max-voxels or IQKIT_MAX_VOXELS)"
        case .invalidSetting(let name, let problem): return "\(name): \(problem)"
        case .invalidData(let path, let problem): return "\(path): \(problem)"
        case .cannotWrite(let path, let problem): return "\(path): cannot write: \(problem)"
        }
    }
}
