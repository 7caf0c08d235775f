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
import types
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, REPO)

import torch  # noqa: E402

from tools.train import export as E  # noqa: E402
from tools.train import tok as T  # noqa: E402


def gather(seq, idx):
    """The reference's extract_elements: seq [B, L, D] at idx [B, S] -> [B, S, D]."""
    return torch.gather(seq, 1, idx.unsqueeze(2).expand(-1, -1, seq.size(2)))


def reference_logits(self, h, span_idx, prompts):
    B, L, D = h.size()
    start = gather(self.project_start(h), span_idx[:, :, 0])
    end = gather(self.project_end(h), span_idx[:, :, 1])
    cat = torch.cat([start, end], dim=-1).relu()
    rep = self.out_project(cat).view(B, L, self.max_width, D)
    return torch.einsum("BLKD,BCD->BLKC", rep, prompts)


def main():
    folder = os.path.join(REPO, "testdata", "models", "span-bert")
    model, ck = E.load_checkpoint(os.path.join(folder, "torch_model.pt"))
    head = model.span_rep_layer
    head.logits = types.MethodType(reference_logits, head)
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
