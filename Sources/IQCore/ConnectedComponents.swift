/// Connected-component labelling of binary volumes.
public enum ConnectedComponents {
    /// Neighbourhood used to join voxels.
    public enum Connectivity: Int, Sendable {
        case faces = 6, edges = 18, corners = 26
    }

    /// Labels every foreground voxel with its component (1-based; 0 = background).
    /// - Returns: the labels (x-fastest) and the voxel count of each component,
    ///   `sizes[label - 1]`, in order of first appearance in x-fastest scan order.
    public static func label(_ mask: [Bool], nx: Int, ny: Int, nz: Int, connectivity: Connectivity = .corners) -> (labels: [Int32], sizes: [Int]) {
        precondition(mask.count == nx * ny * nz)
        var offsets: [SIMD3<Int>] = []
        for dz in -1...1 {
            for dy in -1...1 {
                for dx in -1...1 {
                    let m = abs(dx) + abs(dy) + abs(dz)
                    if m == 0 { continue }
                    if connectivity == .faces && m > 1 { continue }
                    if connectivity == .edges && m > 2 { continue }
                    offsets.append(SIMD3(dx, dy, dz))
                }
            }
        }
        var labels = [Int32](repeating: 0, count: mask.count)
        var sizes: [Int] = []
        var stack: [Int] = []
        let nxy = nx * ny
        for seed in 0..<mask.count where mask[seed] && labels[seed] == 0 {
            let label = Int32(sizes.count + 1)
            labels[seed] = label
            stack.append(seed)
            var size = 0
            while let i = stack.popLast() {
                size += 1
                let z = i / nxy, y = (i % nxy) / nx, x = i % nx
                for o in offsets {
                    let xx = x + o.x, yy = y + o.y, zz = z + o.z
                    if xx < 0 || yy < 0 || zz < 0 || xx >= nx || yy >= ny || zz >= nz { continue }
                    let j = xx + nx * (yy + ny * zz)
                    if mask[j] && labels[j] == 0 {
                        labels[j] = label
                        stack.append(j)
                    }
                }
            }
            sizes.append(size)
        }
        return (labels, sizes)
    }

    /// One component: its voxel indices (x-fastest linear indices).
    public struct Component: Sendable {
        public var voxels: [Int]
        public var count: Int { voxels.count }
    }

    /// The components of `mask` as voxel lists, largest first.
    /// - Parameter minimumSize: components with fewer voxels are dropped.
    public static func components(_ mask: [Bool], nx: Int, ny: Int, nz: Int, connectivity: Connectivity = .corners, minimumSize: Int = 1) -> [Component] {
        let (labels, sizes) = label(mask, nx: nx, ny: ny, nz: nz, connectivity: connectivity)
        var members = sizes.map { size -> [Int] in
            var list: [Int] = []
            list.reserveCapacity(size)
            return list
        }
        for (i, l) in labels.enumerated() where l > 0 { members[Int(l) - 1].append(i) }
        return members.filter { $0.count >= minimumSize }.map(Component.init).sorted { $0.count > $1.count }
    }
}
