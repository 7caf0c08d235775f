#!/usr/bin/python3
"""Write einsum.onnx: the span-bert fixture's weights exported with the
reference's markerV0 head (committed generator).

    /usr/bin/python3 internal/spanhead/testdata/gen_einsum.py

The fixture models (testdata/models/span-*) are exported with the span head
already folded (tools/train/model.py SpanMarkerV0.logits). This script loads
the span-bert checkpoint and exports the same function the way the reference
package (gliner 0.2.27, span_rep.py SpanMarkerV0.forward and the einsum in
the span model) writes it: gather the start and end projections, ReLU of
their concatenation, out_project (Linear, ReLU, Linear) per span, then
einsum("BLKD,BCD->BLKC") with the label representations. Opset 14, as the
reference's ONNX conversion script uses. Needs Debian python3-torch and
python3-onnx; the graph computes the fixture's logits up to float rounding.
"""

import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, REPO)

import torch  # noqa: E402

from tools.train import export as E  # noqa: E402
from tools.train import tok as T  # noqa: E402
from tools.train.reference_head import use_reference_head  # noqa: E402


def main():
    folder = os.path.join(REPO, "testdata", "models", "span-bert")
    model, ck = E.load_checkpoint(os.path.join(folder, "torch_model.pt"))
    use_reference_head(model)
    tok = T.load(ck["tokenizer"], os.environ.get("GLINER_SHARED_DIR") or os.path.join(REPO, "..", "shared"))
    args = E.dummy_inputs(tok, True, ck["cfg"]["max_width"])
    out = os.path.join(HERE, "einsum.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, out, input_names=E.SPAN_INPUTS, output_names=["logits"],
                          dynamic_axes=E.SPAN_AXES, opset_version=14, do_constant_folding=True)
    E.check_onnx(out, E.SPAN_INPUTS, True)
    print("wrote", out)


if __name__ == "__main__":
    main()
