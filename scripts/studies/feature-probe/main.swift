// The stage-1 network's pooled features (after global pooling, 2 × the last
// convolution's channels) and its hidden dense layer's, averaged over the
// scan's slabs, for every scan of the given corpora: one CSV row per scan
// (corpus folder, file, features). Run by feature-probe.sh.
import EARLClassifier
import Foundation
import IQCore
import SparseCNN

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: feature-probe MODEL OUT.csv CORPUS…\n".utf8))
    exit(2)
}
let model = try EARLModel.read(from: arguments[1])
let network = model.stage1[0]
// Layers up to and including the pooling, and up to the hidden layer's ReLU.
let layers = network.architecture.layers
guard let pooling = layers.firstIndex(where: { $0 == .globalPool || $0 == .globalMeanPool }) else { exit(2) }
let through = [pooling + 1, pooling + 3]
var rows: [String] = []
for folder in arguments.dropFirst(3) {
    for entry in try LabelsCSV.parse(path: folder + "/labels.csv") {
        let volume = try NIfTIReader.read(folder + "/" + entry.file).volume
        let prepared = try model.preprocessor.prepare(volume, path: entry.file)
        let slabs = model.input.slabSlices.map { prepared.tensor.zSlabs(thickness: $0) } ?? [prepared.tensor]
        var features: [Float] = []
        for count in through {
            var mean: [Float] = []
            for slab in slabs {
                let values = network.activation(of: slab, throughLayers: count).values
                if mean.isEmpty { mean = [Float](repeating: 0, count: values.count) }
                for i in values.indices { mean[i] += values[i] / Float(slabs.count) }
            }
            features += mean
        }
        rows.append(([folder, entry.file] + features.map { String($0) }).joined(separator: ","))
    }
}
try (rows.joined(separator: "\n") + "\n").write(toFile: arguments[2], atomically: true, encoding: .utf8)
