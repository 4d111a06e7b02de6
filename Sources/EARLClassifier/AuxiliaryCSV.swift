import IQCore

/// The auxiliary-targets file of `earl train --auxiliary`: known properties
/// of each training scan's reconstruction that stage 1 learns to estimate.
///
/// ```
/// file,fwhm_mm,psf_overshoot,noise_cov
/// scan-0000.nii,5.79,0.16,0.129
/// ```
///
/// The header is required and names the quantities; every other line is a
/// file (as in the labels file) and one finite number per quantity. Blank
/// lines, `#` comments and quoted fields as in `LabelsCSV`.
public struct AuxiliaryCSV: Equatable, Sendable {
    public var names: [String]
    /// Values by file, in the order of `names`.
    public var values: [String: [Double]]

    public init(names: [String], values: [String: [Double]]) {
        self.names = names
        self.values = values
    }

    public static func parse(path: String) throws -> AuxiliaryCSV {
        try parse(try DataFile.readText(path), path: path)
    }

    /// - Throws: `InputError.invalidData` naming the file and line.
    public static func parse(_ text: String, path: String) throws -> AuxiliaryCSV {
        // The header names the quantities, so it is read, not skipped.
        let records = try LabelsCSV.records(text, header: nil, path: path)
        guard let header = records.first else { throw InputError.invalidData(path: path, problem: "empty: expected a header file,<quantity>…") }
        let at = "\(path):\(header.line)"
        guard header.fields.first?.lowercased() == "file", header.fields.count >= 2 else {
            throw InputError.invalidData(path: at, problem: "expected a header file,<quantity>… naming at least one quantity")
        }
        let names = Array(header.fields.dropFirst())
        if let empty = names.firstIndex(where: \.isEmpty) { throw InputError.invalidData(path: at, problem: "column \(empty + 2) has no name") }
        if Set(names).count != names.count { throw InputError.invalidData(path: at, problem: "a quantity is named twice") }
        var values: [String: [Double]] = [:]
        for (n, fields) in records.dropFirst() {
            let at = "\(path):\(n)"
            guard fields.count == names.count + 1 else {
                throw InputError.invalidData(path: at, problem: "expected \(names.count + 1) fields (file and \(names.joined(separator: ", "))), got \(fields.count)")
            }
            guard !fields[0].isEmpty else { throw InputError.invalidData(path: at, problem: "empty file name") }
            let numbers = try zip(names, fields.dropFirst()).map { name, field in
                guard let v = Double(field), v.isFinite else { throw InputError.invalidData(path: at, problem: "\(name) \"\(field)\" is not a finite number") }
                return v
            }
            guard values.updateValue(numbers, forKey: fields[0]) == nil else {
                throw InputError.invalidData(path: at, problem: "\(fields[0]) is listed twice")
            }
        }
        if values.isEmpty { throw InputError.invalidData(path: path, problem: "no scans listed") }
        return AuxiliaryCSV(names: names, values: values)
    }

    /// The file's text: the header, then one line per file in `order`
    /// (files without values are left out), numbers as Swift prints them.
    public func render(order: [String]) -> String {
        "file," + names.map(LabelsCSV.field).joined(separator: ",") + "\n"
            + order.compactMap { f in values[f].map { LabelsCSV.field(f) + "," + $0.map { "\($0)" }.joined(separator: ",") + "\n" } }.joined()
    }
}
