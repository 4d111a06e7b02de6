/// A NIfTI `datatype` code (the `DT_*` constants of nifti1.h).
public struct NIfTIDatatype: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let uint8 = NIfTIDatatype(rawValue: 2)
    public static let int16 = NIfTIDatatype(rawValue: 4)
    public static let int32 = NIfTIDatatype(rawValue: 8)
    public static let float32 = NIfTIDatatype(rawValue: 16)
    public static let complex64 = NIfTIDatatype(rawValue: 32)
    public static let float64 = NIfTIDatatype(rawValue: 64)
    public static let rgb24 = NIfTIDatatype(rawValue: 128)
    public static let int8 = NIfTIDatatype(rawValue: 256)
    public static let uint16 = NIfTIDatatype(rawValue: 512)
    public static let uint32 = NIfTIDatatype(rawValue: 768)
    public static let int64 = NIfTIDatatype(rawValue: 1024)
    public static let uint64 = NIfTIDatatype(rawValue: 1280)
    public static let float128 = NIfTIDatatype(rawValue: 1536)
    public static let complex128 = NIfTIDatatype(rawValue: 1792)
    public static let complex256 = NIfTIDatatype(rawValue: 2048)
    public static let rgba32 = NIfTIDatatype(rawValue: 2304)

    /// The scalar types iqkit reads (every real type but float128).
    public static let readable: [NIfTIDatatype] = [
        .uint8, .int8, .int16, .uint16, .int32, .uint32, .int64, .uint64, .float32, .float64,
    ]

    /// Bytes per voxel, or nil for an unknown code.
    public var bytesPerVoxel: Int? {
        switch self {
        case .uint8, .int8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .rgb24: return 3
        case .int64, .uint64, .float64, .complex64: return 8
        case .rgba32: return 4
        case .float128, .complex128: return 16
        case .complex256: return 32
        default: return nil
        }
    }

    public var isReadable: Bool { Self.readable.contains(self) }

    public var description: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .int16: return "int16"
        case .uint16: return "uint16"
        case .int32: return "int32"
        case .uint32: return "uint32"
        case .int64: return "int64"
        case .uint64: return "uint64"
        case .float32: return "float32"
        case .float64: return "float64"
        case .float128: return "float128"
        case .complex64: return "complex64"
        case .complex128: return "complex128"
        case .complex256: return "complex256"
        case .rgb24: return "rgb24"
        case .rgba32: return "rgba32"
        default: return "code \(rawValue)"
        }
    }
}
