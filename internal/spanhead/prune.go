package spanhead

import (
	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// prune removes the nodes, initializers and value infos the graph's outputs
// do not need. Graph inputs are kept: the contract does not change.
func prune(g *pb.GraphProto) {
	need := map[string]bool{}
	for _, o := range g.GetOutput() {
		need[o.GetName()] = true
	}
	nodes := g.GetNode()
	keep := make([]bool, len(nodes))
	for i := len(nodes) - 1; i >= 0; i-- {
		if !anyNeeded(nodes[i].GetOutput(), need) {
			continue
		}
		keep[i] = true
		markInputs(nodes[i], need)
	}
	kept := nodes[:0]
	for i, n := range nodes {
		if keep[i] {
			kept = append(kept, n)
		}
	}
	g.Node = kept
	g.Initializer = filter(g.GetInitializer(), func(t *pb.TensorProto) bool { return need[t.GetName()] })
	g.ValueInfo = filter(g.GetValueInfo(), func(v *pb.ValueInfoProto) bool { return need[v.GetName()] })
}

func anyNeeded(names []string, need map[string]bool) bool {
	for _, n := range names {
		if need[n] {
			return true
		}
	}
	return false
}

// markInputs marks the node's inputs as needed, with the outer-scope names
// its subgraphs (If, Loop, Scan bodies) read.
func markInputs(n *pb.NodeProto, need map[string]bool) {
	for _, in := range n.GetInput() {
		need[in] = true
	}
	for _, a := range n.GetAttribute() {
		for _, sg := range append([]*pb.GraphProto{a.GetG()}, a.GetGraphs()...) {
			for _, sn := range sg.GetNode() {
				markInputs(sn, need)
			}
		}
	}
}

func filter[T any](xs []T, ok func(T) bool) []T {
	out := xs[:0]
	for _, x := range xs {
		if ok(x) {
			out = append(out, x)
		}
	}
	return out
}
