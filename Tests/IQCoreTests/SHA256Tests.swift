import Foundation
import IQCore
import Testing

@Suite struct SHA256Tests {
    /// FIPS 180-4 examples, for libcrypto and for the Swift reference.
    static let vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ]

    @Test func knownVectors() {
        for (message, digest) in Self.vectors {
            #expect(SHA256.hex(Data(message.utf8)) == digest, "\(message)")
            #expect(ReferenceSHA256.hex(Data(message.utf8)) == digest, "reference: \(message)")
        }
    }

    @Test func millionAs() {
        let data = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
        let digest = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(SHA256.hex(data) == digest)
        #expect(ReferenceSHA256.hex(data) == digest)
    }

    /// Every length around the 64-byte block and the 56-byte padding limit,
    /// fed whole and in uneven pieces, against the independent Swift
    /// implementation.
    @Test func agreesWithReferenceOnEveryLengthAndSplit() {
        var rng = SplitMix64(seed: 6)
        for length in Array(0...200) + [1000, 4095, 4096, 4097, 65_537] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let expected = ReferenceSHA256.hex(bytes)
            #expect(SHA256.hex(bytes) == expected, "length \(length)")
            var pieces = SHA256()
            var start = 0
            while start < length {
                let end = min(length, start + Int(rng.next() % 97))
                pieces.update(bytes[start..<end])
                start = end
            }
            #expect(pieces.finalize() == expected, "length \(length) in pieces")
        }
    }

    /// A file longer than the 4 MiB read block, not a multiple of it.
    @Test func fileAcrossReadBlocks() throws {
        var rng = SplitMix64(seed: 7)
        let bytes = (0..<(9 << 20) + 123).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("iqkit-sha256-\(UUID().uuidString).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try SHA256.hex(ofFile: path) == ReferenceSHA256.hex(bytes))
    }

    @Test func unreadableFilesThrowNamingThem() {
        let missing = "/nonexistent/iqkit-sha256-test"
        #expect(throws: InputError.unreadable(path: missing)) { try SHA256.hex(ofFile: missing) }
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: InputError.unreadable(path: directory)) { try SHA256.hex(ofFile: directory) }
    }
}
