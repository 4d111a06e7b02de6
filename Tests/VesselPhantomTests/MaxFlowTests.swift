import Testing
import VesselPhantom

@Suite struct MaxFlowTests {
    struct Edge { var u: Int, v: Int, c: Double, r: Double }

    /// Minimum cut by enumerating every source/sink assignment.
    static func bruteForce(n: Int, source: [Double], sink: [Double], edges: [Edge]) -> Double {
        var best = Double.infinity
        for s in 0..<(1 << n) {
            best = min(best, cutCost(n: n, source: source, sink: sink, edges: edges) { (s >> $0) & 1 == 1 })
        }
        return best
    }

    /// Capacity of the cut where `inSource(i)` puts node i on the source side.
    static func cutCost(n: Int, source: [Double], sink: [Double], edges: [Edge], inSource: (Int) -> Bool) -> Double {
        var cost = 0.0
        for i in 0..<n { cost += inSource(i) ? sink[i] : source[i] }
        for e in edges {
            if inSource(e.u) && !inSource(e.v) { cost += e.c }
            if inSource(e.v) && !inSource(e.u) { cost += e.r }
        }
        return cost
    }

    /// Integer capacities make flows exact in Double, so the max flow must
    /// equal the brute-force min cut exactly, and the returned labelling
    /// must be a cut of that capacity.
    @Test func matchesBruteForceOnRandomGraphs() {
        var state: UInt64 = 42
        func rand(_ m: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(m))
        }
        for trial in 0..<400 {
            let n = 1 + rand(10)
            let source = (0..<n).map { _ in rand(3) == 0 ? 0 : Double(rand(10)) }
            let sink = (0..<n).map { _ in rand(3) == 0 ? 0 : Double(rand(10)) }
            var edges: [Edge] = []
            if n > 1 {
                for _ in 0..<rand(3 * n + 1) {
                    let u = rand(n), v = rand(n)
                    if u != v { edges.append(Edge(u: u, v: v, c: Double(rand(8)), r: Double(rand(8)))) }
                }
            }
            var g = MaxFlowGraph(nodes: n)
            for i in 0..<n { g.addTerminalWeights(i, source: source[i], sink: sink[i]) }
            for e in edges { g.addEdge(e.u, e.v, capacity: e.c, reverseCapacity: e.r) }
            let flow = g.solve()
            let expected = Self.bruteForce(n: n, source: source, sink: sink, edges: edges)
            #expect(flow == expected, "trial \(trial): n \(n)")
            let labelled = Self.cutCost(n: n, source: source, sink: sink, edges: edges) { g.isSourceSide($0) }
            #expect(labelled == expected, "trial \(trial): the labelling's cut")
        }
    }

    /// Terminal weights added twice to a node combine as their sums.
    @Test func repeatedTerminalWeightsAccumulate() {
        var g = MaxFlowGraph(nodes: 1)
        g.addTerminalWeights(0, source: 3, sink: 1)
        g.addTerminalWeights(0, source: 0, sink: 4)
        #expect(g.solve() == 3)
        #expect(!g.isSourceSide(0))
    }

    /// A chain source→0→1→…→k→sink carries its smallest link.
    @Test func chainBottleneck() {
        let caps = [5.0, 2, 7, 3]
        var g = MaxFlowGraph(nodes: caps.count + 1)
        g.addTerminalWeights(0, source: 9, sink: 0)
        g.addTerminalWeights(caps.count, source: 0, sink: 9)
        for (i, c) in caps.enumerated() { g.addEdge(i, i + 1, capacity: c, reverseCapacity: 0) }
        #expect(g.solve() == 2)
        #expect(g.isSourceSide(0) && g.isSourceSide(1) && !g.isSourceSide(2))
    }
}
