package spanhead

// spanIdxInput is the name of the span model's span candidate input.
const spanIdxInput = "span_idx"

// matchGathers checks that a and b are GatherElements on the word axis of
// per-word tensors, indexed by the span starts and ends (columns 0 and 1 of
// span_idx), and returns the gathered tensors, start first. With anyOrder
// the operands may come in either order (they are summed); otherwise a
// must be the start gather.
func (ix *index) matchGathers(a, b string, anyOrder bool) (start, end string, err error) {
	srcA, colA, err := ix.matchGather(a)
	if err != nil {
		return "", "", err
	}
	srcB, colB, err := ix.matchGather(b)
	if err != nil {
		return "", "", err
	}
	switch {
	case colA == 0 && colB == 1:
		return srcA, srcB, nil
	case anyOrder && colA == 1 && colB == 0:
		return srcB, srcA, nil
	}
	return "", "", notRecognised("the gathers read span_idx columns %d and %d, want the start then the end", colA, colB)
}

// matchGather matches GatherElements(x, idx, axis 1) with idx a column of
// span_idx, and returns x and the column.
func (ix *index) matchGather(name string) (src string, col int64, err error) {
	g := ix.node(name, "GatherElements")
	if g == nil || attr(g, "axis").GetI() != 1 {
		return "", 0, notRecognised("%q is not a GatherElements on axis 1", name)
	}
	idx := ix.strip(g.GetInput()[1], "Expand", "Unsqueeze", "Squeeze", "Clip", "Cast", "Reshape")
	col, ok := ix.spanColumn(idx)
	if !ok {
		return "", 0, notRecognised("the indices of GatherElements %q are not a column of span_idx", g.GetName())
	}
	return g.GetInput()[0], col, nil
}

// spanColumn reports which column of span_idx the tensor name is:
// Gather(span_idx (masked), c, axis 2).
func (ix *index) spanColumn(name string) (int64, bool) {
	g := ix.node(name, "Gather")
	if g == nil || !lastAxis(attr(g, "axis").GetI(), 3) {
		return 0, false
	}
	c, ok := ix.ints(g.GetInput()[1])
	if !ok || len(c) != 1 {
		return 0, false
	}
	if ix.strip(g.GetInput()[0], "Mul", "Cast", "Reshape") != spanIdxInput {
		return 0, false
	}
	return c[0], true
}
