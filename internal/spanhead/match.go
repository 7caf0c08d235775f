package spanhead

import (
	"strings"

	pb "github.com/gliner-go/gliner/internal/onnxpb"
)

// Form is the shape of a recognised span head.
type Form int

const (
	// FormEinsum is the reference export: span representations from
	// out_project, multiplied with the label representations.
	FormEinsum Form = iota
	// FormFolded is a head that already applies W1 per word and folds W2 into
	// the labels, but still builds the per-span hidden layer.
	FormFolded
)

var formNames = [...]string{"einsum", "folded"}

// String returns "einsum" or "folded".
func (f Form) String() string {
	if f < 0 || int(f) >= len(formNames) {
		return "Form(?)"
	}
	return formNames[f]
}

// parts are the tensors of a recognised head the rewrite starts from.
type parts struct {
	form Form
	// FormEinsum: per-word start/end projections, labels and out_project.
	start, end, labels string
	l1, l2             linear
	// FormFolded: the per-word products, b1 and the folded labels.
	startProd, endProd, labelProd, labelBias string
	b1                                       []float32
}

// hidden returns H, the width of out_project's hidden layer.
func (p *parts) hidden() int {
	if p.form == FormEinsum {
		return p.l1.out
	}
	return len(p.b1)
}

// match recognises the head producing the logits tensor, trying both forms.
func (ix *index) match(logits string) (*parts, error) {
	p, errE := ix.matchEinsum(logits)
	if errE == nil {
		return p, nil
	}
	p, errF := ix.matchFolded(logits)
	if errF == nil {
		return p, nil
	}
	return nil, notRecognised("not the reference head (%s), not a folded head (%s)", reason(errE), reason(errF))
}

func reason(err error) string {
	if nr, ok := err.(*NotRecognisedError); ok {
		return nr.Reason
	}
	return err.Error()
}

// matchEinsum matches einsum(reshape(out_project(relu(concat(gather(s),
// gather(e))))), labels).
func (ix *index) matchEinsum(logits string) (*parts, error) {
	reps, labels, err := ix.matchLabelProduct(logits)
	if err != nil {
		return nil, err
	}
	p := &parts{form: FormEinsum, labels: labels}
	if p.l2, err = ix.matchLinear(ix.strip(reps, "Reshape")); err != nil {
		return nil, err
	}
	r := ix.node(p.l2.x, "Relu")
	if r == nil {
		return nil, notRecognised("no ReLU between out_project's layers")
	}
	return p, ix.matchFirstLayer(p, r.GetInput()[0])
}

// matchFirstLayer matches out_project's first layer on the ReLU of the
// Concat of the start and end gathers, producing the tensor hidden, and
// fills p's l1, start and end.
func (ix *index) matchFirstLayer(p *parts, hidden string) error {
	var err error
	if p.l1, err = ix.matchLinear(hidden); err != nil {
		return err
	}
	if err := p.checkSizes(); err != nil {
		return err
	}
	cr := ix.node(p.l1.x, "Relu")
	if cr == nil {
		return notRecognised("out_project's input is not a ReLU")
	}
	cat := ix.node(cr.GetInput()[0], "Concat")
	if cat == nil || len(cat.GetInput()) != 2 || !lastAxis(attr(cat, "axis").GetI(), 3) {
		return notRecognised("the ReLU's input is not a Concat of two tensors on the last axis")
	}
	p.start, p.end, err = ix.matchGathers(cat.GetInput()[0], cat.GetInput()[1], false)
	return err
}

// checkSizes checks out_project's shapes: Linear(2D, H), Linear(H, D).
func (p *parts) checkSizes() error {
	d := p.l2.out
	if p.l1.in != 2*d || p.l1.out != p.l2.in || p.l1.b == nil {
		return notRecognised("out_project is Linear(%d, %d) then Linear(%d, %d), want Linear(2D, H) with bias then Linear(H, D)", p.l1.in, p.l1.out, p.l2.in, p.l2.out)
	}
	return nil
}

// lastAxis reports whether axis names the last axis of a tensor of the
// given rank.
func lastAxis(axis int64, rank int64) bool { return axis == -1 || axis == rank-1 }

// matchLabelProduct matches Einsum("BLKD,BCD->BLKC", reps, labels) or
// MatMul(reps, Transpose(labels, [0, 2, 1])) behind Reshapes.
func (ix *index) matchLabelProduct(logits string) (reps, labels string, err error) {
	if e := ix.node(logits, "Einsum"); e != nil && len(e.GetInput()) == 2 {
		if !labelEquation(string(attr(e, "equation").GetS())) {
			return "", "", notRecognised("Einsum %q has equation %q, want BLKD,BCD->BLKC", e.GetName(), attr(e, "equation").GetS())
		}
		return e.GetInput()[0], e.GetInput()[1], nil
	}
	mm := ix.node(ix.strip(logits, "Reshape"), "MatMul")
	if mm == nil {
		return "", "", notRecognised("logits come from neither an Einsum nor a MatMul")
	}
	labels, ok := ix.transposedLabels(mm.GetInput()[1])
	if !ok {
		return "", "", notRecognised("MatMul %q does not take transposed [B, C, D] labels", mm.GetName())
	}
	return mm.GetInput()[0], labels, nil
}

// transposedLabels returns x if name is Transpose(x, perm [0, 2, 1]).
func (ix *index) transposedLabels(name string) (string, bool) {
	tr := ix.node(name, "Transpose")
	if tr == nil {
		return "", false
	}
	perm := attr(tr, "perm").GetInts()
	if len(perm) != 3 || perm[0] != 0 || perm[1] != 2 || perm[2] != 1 {
		return "", false
	}
	return tr.GetInput()[0], true
}

// labelEquation reports whether eq is "blkd,bcd->blkc" up to letter names
// and spaces.
func labelEquation(eq string) bool {
	eq = strings.ReplaceAll(eq, " ", "")
	lhs, out, ok := strings.Cut(eq, "->")
	a, b, ok2 := strings.Cut(lhs, ",")
	if !ok || !ok2 || len(a) != 4 || len(b) != 3 || len(out) != 4 {
		return false
	}
	B, L, K, D, C := a[0], a[1], a[2], a[3], b[1]
	distinct := strings.Count(string([]byte{B, L, K, D, C}), string(B)) == 1 &&
		len(map[byte]bool{B: true, L: true, K: true, D: true, C: true}) == 5
	return distinct && b[0] == B && b[2] == D && out == string([]byte{B, L, K, C})
}

// matchFolded matches reshape(relu(gather(A) + gather(B) + b1) ·
// transpose(Q) + unsqueeze(c0)).
func (ix *index) matchFolded(logits string) (*parts, error) {
	add := ix.node(ix.strip(logits, "Reshape"), "Add")
	if add == nil || len(add.GetInput()) != 2 {
		return nil, notRecognised("logits do not come from an Add")
	}
	p := &parts{form: FormFolded}
	var mm string
	for i := range 2 {
		if u := ix.node(add.GetInput()[i], "Unsqueeze"); u != nil && ix.unsqueezeAxis1(u.GetAttribute(), u.GetInput()) {
			p.labelBias, mm = u.GetInput()[0], add.GetInput()[1-i]
		}
	}
	if p.labelBias == "" {
		return nil, notRecognised("no label bias Unsqueeze(c0, 1) added to the span products")
	}
	prod := ix.node(mm, "MatMul")
	if prod == nil {
		return nil, notRecognised("no MatMul of span hidden layer and labels")
	}
	var ok bool
	if p.labelProd, ok = ix.transposedLabels(prod.GetInput()[1]); !ok {
		return nil, notRecognised("MatMul %q does not take transposed [B, C, H] labels", prod.GetName())
	}
	r := ix.node(prod.GetInput()[0], "Relu")
	if r == nil {
		return nil, notRecognised("the span hidden layer is not a ReLU")
	}
	return p, ix.matchFoldedSum(p, r.GetInput()[0])
}

// matchFoldedSum matches gather(A) + gather(B) + b1.
func (ix *index) matchFoldedSum(p *parts, name string) error {
	biasAdd := ix.node(name, "Add")
	if biasAdd == nil {
		return notRecognised("the span hidden layer is not a sum")
	}
	sum, b1, ok := ix.splitConst(biasAdd)
	if !ok {
		return notRecognised("the span hidden layer has no constant bias")
	}
	pair := ix.node(sum, "Add")
	if pair == nil {
		return notRecognised("the span hidden layer is not a sum of two gathers")
	}
	p.b1 = b1
	var err error
	p.startProd, p.endProd, err = ix.matchGathers(pair.GetInput()[0], pair.GetInput()[1], true)
	return err
}

// unsqueezeAxis1 reports whether an Unsqueeze inserts axis 1 (or -2 of a
// rank-3 result), read from its attribute (opset < 13) or constant input.
func (ix *index) unsqueezeAxis1(attrs []*pb.AttributeProto, in []string) bool {
	var axes []int64
	for _, a := range attrs {
		if a.GetName() == "axes" {
			axes = a.GetInts()
		}
	}
	if len(in) > 1 {
		axes, _ = ix.ints(in[1])
	}
	return len(axes) == 1 && (axes[0] == 1 || axes[0] == -2)
}
