/// Connected-component labelling of a binary mask on a voxel grid.
public enum ConnectedComponents {
    public enum Connectivity: Int, Sendable { case faces = 6, edges = 18, corners = 26 }

    /// One component: its voxel indices (x-fastest linear indices).
    public struct Component: Sendable {
        public var voxels: [Int]
        public var count: Int { voxels.count }
    }

    /// The components of `mask` (true = foreground), largest first.
    /// - Parameter minimumSize: components with fewer voxels are dropped.
    public static func label(_ mask: [Bool], nx: Int, ny: Int, nz: Int, connectivity: Connectivity = .corners, minimumSize: Int = 1) -> [Component] {
        precondition(mask.count == nx * ny * nz)
        var seen = [Bool](repeating: false, count: mask.count)
        var offsets: [(Int, Int, Int)] = []
        for dz in -1...1 {
            for dy in -1...1 {
                for dx in -1...1 {
                    let n = abs(dx) + abs(dy) + abs(dz)
                    if n == 0 { continue }
                    if connectivity == .faces && n > 1 { continue }
                    if connectivity == .edges && n > 2 { continue }
                    offsets.append((dx, dy, dz))
                }
            }
        }
        var components: [Component] = []
        var stack: [Int] = []
        for start in 0..<mask.count where mask[start] && !seen[start] {
            var members: [Int] = []
            seen[start] = true
            stack.append(start)
            while let i = stack.popLast() {
                members.append(i)
                let x = i % nx, y = (i / nx) % ny, z = i / (nx * ny)
                for (dx, dy, dz) in offsets {
                    let a = x + dx, b = y + dy, c = z + dz
                    if a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz { continue }
                    let j = a + nx * (b + ny * c)
                    if mask[j] && !seen[j] {
                        seen[j] = true
                        stack.append(j)
                    }
                }
            }
            if members.count >= minimumSize { components.append(Component(voxels: members)) }
        }
        return components.sorted { $0.count > $1.count }
    }
}
