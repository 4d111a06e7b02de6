import CZlib
import Foundation

/// An 8-bit RGB raster and its PNG encoding (zlib deflate + CRC-32 from zlib).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major, 3 bytes per pixel, top row first.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = fill.0
            pixels[3 * i + 1] = fill.1
            pixels[3 * i + 2] = fill.2
        }
    }

    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        get {
            let i = 3 * (y * width + x)
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = 3 * (y * width + x)
            pixels[i] = newValue.0
            pixels[i + 1] = newValue.1
            pixels[i + 2] = newValue.2
        }
    }

    /// Blends a colour over a pixel (alpha 0…1); ignores coordinates outside the image.
    public mutating func blend(x: Int, y: Int, color: (UInt8, UInt8, UInt8), alpha: Double) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let old = self[x, y]
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - alpha) + Double(b) * alpha).rounded()) }
        self[x, y] = (mix(old.0, color.0), mix(old.1, color.1), mix(old.2, color.2))
    }

    /// The PNG file bytes (colour type 2, 8 bits, no interlace).
    public func pngData() -> Data {
        var raw = [UInt8]()
        raw.reserveCapacity(height * (1 + 3 * width))
        for y in 0..<height {
            raw.append(0)  // filter type: none
            raw.append(contentsOf: pixels[(3 * y * width)..<(3 * (y + 1) * width)])
        }
        var bound = compressBound(uLong(raw.count))
        var deflated = [UInt8](repeating: 0, count: Int(bound))
        let status = compress2(&deflated, &bound, raw, uLong(raw.count), 9)
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")  // only on out-of-memory
        deflated.removeSubrange(Int(bound)...)

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func chunk(_ type: String, _ body: [UInt8]) {
            png.append(contentsOf: be32(UInt32(body.count)))
            let typed = Array(type.utf8) + body
            png.append(contentsOf: typed)
            let crc = typed.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            png.append(contentsOf: be32(UInt32(crc)))
        }
        chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [8, 2, 0, 0, 0])
        chunk("IDAT", deflated)
        chunk("IEND", [])
        return Data(png)
    }

    private func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}
