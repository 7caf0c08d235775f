"""Load a fixture model folder (testdata/models/NAME) for the reference:
gliner_config.json, the tokenizer (tokenizer.json, or spm.model + added_tokens.json
turned into a tokenizer.json by scripts/spm_to_tokenizer_json.py) and the torch
checkpoint with its forward (tools/train)."""

import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import gliner_ref as g

def tokenizer_json_for(model_dir: str, work_dir: str) -> str:
    """Path of a tokenizer.json for the folder; builds one from spm.model if needed."""
    tj = os.path.join(model_dir, "tokenizer.json")
    if os.path.exists(tj):
        return tj
    spm = os.path.join(model_dir, "spm.model")
    if not os.path.exists(spm):
        raise FileNotFoundError(f"{model_dir}: neither tokenizer.json nor spm.model")
    added = []
    at = os.path.join(model_dir, "added_tokens.json")
    if os.path.exists(at):
        with open(at, encoding="utf-8") as f:
            added = sorted(json.load(f).items(), key=lambda kv: kv[1])
    # [MASK] is registered by the converter itself (id 128000 for DeBERTa-v3).
    plain = [t for t, _ in added if t != "[MASK]"]
    out = os.path.join(work_dir, os.path.basename(os.path.normpath(model_dir)) + ".tokenizer.json")
    cmd = [sys.executable, os.path.join(g.REPO, "scripts", "spm_to_tokenizer_json.py"), spm, out]
    if plain:
        cmd += ["--add-tokens", ",".join(plain)]
    tc = os.path.join(model_dir, "tokenizer_config.json")
    if os.path.exists(tc):
        with open(tc, encoding="utf-8") as f:
            tcfg = json.load(f)
        if tcfg.get("do_lower_case"):
            cmd.append("--do-lower-case")
        if tcfg.get("split_by_punct"):
            cmd.append("--split-by-punct")
    subprocess.run(cmd, check=True)
    with open(out, encoding="utf-8") as f:
        built = {t["content"]: t["id"] for t in json.load(f)["added_tokens"]}
    for t, i in added:
        if built.get(t) != i:
            raise RuntimeError(f"added token {t!r}: id {built.get(t)} in built tokenizer.json, {i} in added_tokens.json")
    return out


def find_checkpoint(model_dir: str) -> str:
    fj = os.path.join(model_dir, "fixture.json")
    if os.path.exists(fj):  # tools/train fixtures: "checkpoint" may point to a sibling folder's file
        with open(fj, encoding="utf-8") as f:
            rel = json.load(f).get("checkpoint")
        if rel and os.path.exists(os.path.join(model_dir, rel)):
            return os.path.normpath(os.path.join(model_dir, rel))
    for pat in ("torch_model.pt", "*.pt", "*.pth"):
        c = sorted(glob.glob(os.path.join(model_dir, pat)))
        if c:
            return c[0]
    raise FileNotFoundError(f"{model_dir}: no torch checkpoint (*.pt)")


class Fixture:
    def __init__(self, model_dir: str, work_dir: str = None, checkpoint: str = None):
        self.dir = os.path.abspath(model_dir)
        self.name = os.path.basename(os.path.normpath(model_dir))
        self.cfg = g.Config.load(os.path.join(model_dir, "gliner_config.json"))
        with open(os.path.join(model_dir, "gliner_config.json"), encoding="utf-8") as f:
            self.raw_cfg = json.load(f)
        self.work = work_dir or tempfile.mkdtemp(prefix="gliner-ref-")
        self.tokenizer_json = tokenizer_json_for(model_dir, self.work)
        self.tok = g.HFTokenizer.from_folder(model_dir, tokenizer_json=self.tokenizer_json)
        ent = self.tok.token_id(self.cfg.ent_token)
        if ent != self.cfg.class_token_index:
            raise RuntimeError(f"{self.name}: class_token_index {self.cfg.class_token_index} != tokenizer id {ent} of {self.cfg.ent_token}")
        if g.REPO not in sys.path:
            sys.path.insert(0, g.REPO)
        # The fixture's documented torch entry point (tools/train/infer.py).
        from tools.train import infer
        self._infer = infer
        self.checkpoint = checkpoint or find_checkpoint(model_dir)
        self.model, self.ck = infer.load(self.checkpoint)
        # Layout of the checkpoint's torch output and of the folder's model.onnx (token-level models).
        self.torch_layout = "3BWC" if self.ck.get("layout") == "old" else "BWC3"
        onnx_layout = (self.raw_cfg.get("gliner_go_export") or {}).get("token_logits_layout") or self.ck.get("layout")
        self.token_layout = "3BWC" if onnx_layout == "old" else "BWC3"

    def forward(self, batch: g.Batch) -> np.ndarray:
        """Logits: span [B,W,K,C]; token [B,W,C,3] (the >= 0.2.21 layout; an
        old-layout checkpoint's [3,B,W,C] output is permuted back)."""
        out = self._infer.forward(self.checkpoint, batch.feeds())
        if self.cfg.token_level and self.torch_layout == "3BWC":
            out = np.ascontiguousarray(np.transpose(out, (1, 2, 3, 0)))
        return out
