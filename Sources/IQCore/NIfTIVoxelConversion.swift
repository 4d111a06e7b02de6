/// Converts native-order voxel bytes of any readable datatype to Float32.
enum NIfTIVoxelConversion {
    static func toFloat32(_ bytes: UnsafeRawBufferPointer, datatype: NIfTIDatatype, count: Int, byteSwapped: Bool, path: String) throws -> [Float] {
        guard let size = datatype.bytesPerVoxel, bytes.count >= count * size else {
            throw InputError.truncatedData(path: path, problem: "got \(bytes.count) bytes for \(count) voxels of \(datatype)")
        }
        func convert<T: FixedWidthInteger>(_: T.Type, _ f: (T) -> Float) -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count {
                    let v = bytes.loadUnaligned(fromByteOffset: i * size, as: T.self)
                    out[i] = f(byteSwapped ? v.byteSwapped : v)
                }
                initialized = count
            }
        }
        switch datatype {
        case .uint8: return convert(UInt8.self) { Float($0) }
        case .int8: return convert(Int8.self) { Float($0) }
        case .int16: return convert(Int16.self) { Float($0) }
        case .uint16: return convert(UInt16.self) { Float($0) }
        case .int32: return convert(Int32.self) { Float($0) }
        case .uint32: return convert(UInt32.self) { Float($0) }
        case .int64: return convert(Int64.self) { Float($0) }
        case .uint64: return convert(UInt64.self) { Float($0) }
        case .float32: return convert(UInt32.self) { Float(bitPattern: $0) }
        case .float64: return convert(UInt64.self) { Float(Double(bitPattern: $0)) }
        default: throw InputError.unsupported(path: path, problem: "datatype \(datatype)")
        }
    }
}
