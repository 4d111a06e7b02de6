/// Minimum s–t cut by the Boykov–Kolmogorov augmenting-path algorithm.
///
/// Boykov & Kolmogorov, "An experimental comparison of min-cut/max-flow
/// algorithms for energy minimization in vision", IEEE TPAMI 26(9), 2004:
/// two search trees (from the source and from the sink) are grown, an
/// augmenting path is found where they touch, and the trees are repaired by
/// adopting orphans, reusing the trees between augmentations. Terminal
/// capacities are kept per node (source minus sink), as in Kolmogorov's
/// maxflow-v3.0, so that a graph-cut over a voxel band needs no terminal arcs.
public struct MaxFlowGraph: Sendable {
    private static let none = -1, terminal = -2, orphan = -3

    // Arcs: arc 2k and 2k+1 are sisters (a ↔ a ^ 1).
    private var head: [Int32] = []
    private var nextArc: [Int32] = []
    private var residual: [Double] = []
    // Nodes.
    private var firstArc: [Int32]
    private var terminalCap: [Double]
    private var parent: [Int]
    private var inSinkTree: [Bool]
    private var timestamp: [Int]
    private var dist: [Int]
    private var active: [Bool]
    private(set) public var flow = 0.0
    private var solved = false

    /// A graph with `nodes` nodes and no arcs.
    public init(nodes: Int, expectedEdges: Int = 0) {
        firstArc = [Int32](repeating: -1, count: nodes)
        terminalCap = [Double](repeating: 0, count: nodes)
        parent = [Int](repeating: MaxFlowGraph.none, count: nodes)
        inSinkTree = [Bool](repeating: false, count: nodes)
        timestamp = [Int](repeating: 0, count: nodes)
        dist = [Int](repeating: 0, count: nodes)
        active = [Bool](repeating: false, count: nodes)
        head.reserveCapacity(2 * expectedEdges)
        nextArc.reserveCapacity(2 * expectedEdges)
        residual.reserveCapacity(2 * expectedEdges)
    }

    public var nodeCount: Int { firstArc.count }

    /// Adds capacity from the source to `node` and from `node` to the sink
    /// (both ≥ 0). The common part is a flow that any cut pays; it is
    /// counted at once.
    public mutating func addTerminalWeights(_ node: Int, source: Double, sink: Double) {
        precondition(source >= 0 && sink >= 0)
        var s = source, k = sink
        let t = terminalCap[node]
        if t > 0 { s += t } else { k -= t }
        flow += min(s, k)
        terminalCap[node] = s - k
    }

    /// Adds an arc pair u→v with `capacity` and v→u with `reverseCapacity` (≥ 0).
    public mutating func addEdge(_ u: Int, _ v: Int, capacity: Double, reverseCapacity: Double) {
        precondition(u != v && capacity >= 0 && reverseCapacity >= 0)
        let a = Int32(head.count)
        head.append(Int32(v))
        nextArc.append(firstArc[u])
        residual.append(capacity)
        firstArc[u] = a
        head.append(Int32(u))
        nextArc.append(firstArc[v])
        residual.append(reverseCapacity)
        firstArc[v] = a + 1
    }

    /// Computes the maximum flow; returns its value (the minimum cut's capacity).
    @discardableResult
    public mutating func solve() -> Double {
        if solved { return flow }
        solved = true
        let n = nodeCount
        var queue = RingQueue(capacity: n)
        var orphans: [Int] = []
        var orphanHead = 0
        var time = 0
        for i in 0..<n where terminalCap[i] != 0 {
            inSinkTree[i] = terminalCap[i] < 0
            parent[i] = Self.terminal
            dist[i] = 1
            active[i] = true
            queue.push(i)
        }
        var current = -1
        while true {
            // Next active node that still belongs to a tree.
            var i = current
            if i >= 0 && parent[i] == Self.none { i = -1 }
            if i < 0 {
                while let c = queue.pop() {
                    active[c] = false
                    if parent[c] != Self.none {
                        i = c
                        break
                    }
                }
            }
            if i < 0 { break }
            // Grow the tree of i.
            var meeting = -1
            var a = Int(firstArc[i])
            if !inSinkTree[i] {
                while a >= 0 {
                    if residual[a] > 0 {
                        let j = Int(head[a])
                        if parent[j] == Self.none {
                            inSinkTree[j] = false
                            parent[j] = a ^ 1
                            timestamp[j] = timestamp[i]
                            dist[j] = dist[i] + 1
                            if !active[j] { active[j] = true; queue.push(j) }
                        } else if inSinkTree[j] {
                            meeting = a
                            break
                        } else if timestamp[j] <= timestamp[i] && dist[j] > dist[i] {
                            parent[j] = a ^ 1
                            timestamp[j] = timestamp[i]
                            dist[j] = dist[i] + 1
                        }
                    }
                    a = Int(nextArc[a])
                }
            } else {
                while a >= 0 {
                    if residual[a ^ 1] > 0 {
                        let j = Int(head[a])
                        if parent[j] == Self.none {
                            inSinkTree[j] = true
                            parent[j] = a ^ 1
                            timestamp[j] = timestamp[i]
                            dist[j] = dist[i] + 1
                            if !active[j] { active[j] = true; queue.push(j) }
                        } else if !inSinkTree[j] {
                            meeting = a ^ 1
                            break
                        } else if timestamp[j] <= timestamp[i] && dist[j] > dist[i] {
                            parent[j] = a ^ 1
                            timestamp[j] = timestamp[i]
                            dist[j] = dist[i] + 1
                        }
                    }
                    a = Int(nextArc[a])
                }
            }
            time += 1
            guard meeting >= 0 else {
                current = -1
                continue
            }
            current = i
            augment(meeting, orphans: &orphans)
            // Adopt orphans.
            time += 1
            while orphanHead < orphans.count {
                let o = orphans[orphanHead]
                orphanHead += 1
                adopt(o, time: time, queue: &queue, orphans: &orphans)
            }
            orphans.removeAll(keepingCapacity: true)
            orphanHead = 0
        }
        return flow
    }

    /// True when `node` ends on the source side of the minimum cut.
    public func isSourceSide(_ node: Int) -> Bool {
        parent[node] != Self.none && !inSinkTree[node]
    }

    private mutating func augment(_ middle: Int, orphans: inout [Int]) {
        // Bottleneck.
        var bottleneck = residual[middle]
        var i = Int(head[middle ^ 1])
        while true {
            let a = parent[i]
            if a == Self.terminal { break }
            bottleneck = min(bottleneck, residual[a ^ 1])
            i = Int(head[a])
        }
        bottleneck = min(bottleneck, terminalCap[i])
        i = Int(head[middle])
        while true {
            let a = parent[i]
            if a == Self.terminal { break }
            bottleneck = min(bottleneck, residual[a])
            i = Int(head[a])
        }
        bottleneck = min(bottleneck, -terminalCap[i])
        // Push along the path.
        residual[middle ^ 1] += bottleneck
        residual[middle] -= bottleneck
        i = Int(head[middle ^ 1])
        while true {
            let a = parent[i]
            if a == Self.terminal { break }
            residual[a] += bottleneck
            residual[a ^ 1] -= bottleneck
            if residual[a ^ 1] <= 0 {
                residual[a ^ 1] = 0
                parent[i] = Self.orphan
                orphans.append(i)
            }
            i = Int(head[a])
        }
        terminalCap[i] -= bottleneck
        if terminalCap[i] <= 0 {
            terminalCap[i] = 0
            parent[i] = Self.orphan
            orphans.append(i)
        }
        i = Int(head[middle])
        while true {
            let a = parent[i]
            if a == Self.terminal { break }
            residual[a ^ 1] += bottleneck
            residual[a] -= bottleneck
            if residual[a] <= 0 {
                residual[a] = 0
                parent[i] = Self.orphan
                orphans.append(i)
            }
            i = Int(head[a])
        }
        terminalCap[i] += bottleneck
        if terminalCap[i] >= 0 {
            terminalCap[i] = 0
            parent[i] = Self.orphan
            orphans.append(i)
        }
        flow += bottleneck
    }

    private mutating func adopt(_ i: Int, time: Int, queue: inout RingQueue, orphans: inout [Int]) {
        let sink = inSinkTree[i]
        var bestArc = -1
        var bestDist = Int.max
        var a0 = Int(firstArc[i])
        while a0 >= 0 {
            // A parent must be able to send flow to i (source tree) or receive from it (sink tree).
            let capacity = sink ? residual[a0] : residual[a0 ^ 1]
            let j0 = Int(head[a0])
            if capacity > 0 && inSinkTree[j0] == sink && parent[j0] != Self.none {
                // Walk to the root to check that j0 is still connected to its terminal.
                var j = j0
                var d = 0
                while true {
                    if timestamp[j] == time {
                        d += dist[j]
                        break
                    }
                    let a = parent[j]
                    d += 1
                    if a == Self.terminal {
                        timestamp[j] = time
                        dist[j] = 1
                        break
                    }
                    if a == Self.orphan || a == Self.none {
                        d = Int.max
                        break
                    }
                    j = Int(head[a])
                }
                if d < Int.max {
                    if d < bestDist {
                        bestArc = a0
                        bestDist = d
                    }
                    var k = j0
                    var dd = d
                    while timestamp[k] != time {
                        timestamp[k] = time
                        dist[k] = dd
                        dd -= 1
                        k = Int(head[parent[k]])
                    }
                }
            }
            a0 = Int(nextArc[a0])
        }
        if bestArc >= 0 {
            parent[i] = bestArc
            timestamp[i] = time
            dist[i] = bestDist + 1
            return
        }
        // No parent: i becomes free; its children become orphans, and
        // neighbours that could reach it become active again.
        parent[i] = Self.none
        var a = Int(firstArc[i])
        while a >= 0 {
            let j = Int(head[a])
            if inSinkTree[j] == sink && parent[j] != Self.none {
                let capacity = sink ? residual[a] : residual[a ^ 1]
                if capacity > 0 && !active[j] {
                    active[j] = true
                    queue.push(j)
                }
                let pj = parent[j]
                if pj >= 0 && Int(head[pj]) == i {
                    parent[j] = Self.orphan
                    orphans.append(j)
                }
            }
            a = Int(nextArc[a])
        }
    }
}

/// A FIFO of node indices; each node is in it at most once (guarded by `active`).
private struct RingQueue {
    private var items: [Int]
    private var start = 0
    private var count = 0
    init(capacity: Int) { items = [Int](repeating: 0, count: max(capacity, 1)) }
    mutating func push(_ v: Int) {
        if count == items.count {
            var grown = [Int](repeating: 0, count: items.count * 2)
            for k in 0..<count { grown[k] = items[(start + k) % items.count] }
            items = grown
            start = 0
        }
        items[(start + count) % items.count] = v
        count += 1
    }
    mutating func pop() -> Int? {
        guard count > 0 else { return nil }
        let v = items[start]
        start = (start + 1) % items.count
        count -= 1
        return v
    }
}
