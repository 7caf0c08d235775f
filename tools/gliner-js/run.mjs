// run.mjs: run GLiNER.js (npm gliner@0.0.19, imported from "gliner/node") on
// texts from JSON lines and write, per text, the input tensors GLiNER.js
// builds, its raw logits and its entities.
//
// Usage:
//   node run.mjs --tokenizer DIR --onnx FILE --labels "disease,chemical,gene" \
//        [--max-width 12] [--model-type span-level|token-level] \
//        [--settings flat:0.5,nested:0.5,flat_multi:0.3] < in.jsonl > out.jsonl
//
// Input lines: {"id": ..., "text": "..."}.  Each text is run alone (batch of
// one), once per setting, through Gliner.inference() (the public API); the
// tensors and logits are captured from the ONNX session wrapper during the
// first call (they do not depend on the setting).
//
// Output line per text:
//   {"id", "text",
//    "inputs": {"input_ids": [[...]], "attention_mask": [[...]], "words_mask": [[...]],
//               "text_lengths": [[n]], "span_idx": [[[s,e],...]], "span_mask": [[true,...]]},
//               (span_idx/span_mask only for span-level models; shapes as fed)
//    "logits": {"dims": [...], "f32le_b64": "..."},   // raw float32 little endian
//    "entities": {"flat_0.5": [{"start","end","text","label","score"}...], ...}}
// Offsets are GLiNER.js's own: UTF-16 code units (JS string indices).
//
// ONNX Runtime: GLiNER.js uses onnxruntime-node; its native library is part of
// the npm package (bin/napi-v6/linux/x64/libonnxruntime.so.1, ORT 1.30.0 via
// the package.json override); installing with ONNXRUNTIME_NODE_INSTALL=skip
// only skips the optional CUDA/TensorRT download.
import { Gliner } from "gliner/node";
import { env } from "@xenova/transformers";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";

function parseArgs(argv) {
  const a = { maxWidth: 12, modelType: "span-level", settings: "flat:0.5,nested:0.5,flat_multi:0.3" };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    switch (k) {
      case "--tokenizer": a.tokenizer = v; i++; break;
      case "--onnx": a.onnx = v; i++; break;
      case "--labels": a.labels = v.split(","); i++; break;
      case "--max-width": a.maxWidth = Number(v); i++; break;
      case "--model-type": a.modelType = v; i++; break;
      case "--settings": a.settings = v; i++; break;
      default: throw new Error(`unknown argument ${k}`);
    }
  }
  if (!a.tokenizer || !a.onnx || !a.labels) throw new Error("need --tokenizer, --onnx and --labels");
  a.settings = a.settings.split(",").map((s) => {
    const [mode, thr] = s.split(":");
    const name = `${mode}_${thr}`;
    return { name, flatNer: mode !== "nested", multiLabel: mode === "flat_multi", threshold: Number(thr) };
  });
  return a;
}

function tensorToNested(t) {
  const data = Array.from(t.data, (x) => (typeof x === "bigint" ? Number(x) : t.type === "bool" ? !!x : x));
  const dims = t.dims;
  const build = (off, d) => {
    if (d === dims.length - 1) return data.slice(off, off + dims[d]);
    const stride = dims.slice(d + 1).reduce((p, q) => p * q, 1);
    const out = [];
    for (let i = 0; i < dims[d]; i++) out.push(build(off + i * stride, d + 1));
    return out;
  };
  return build(0, 0);
}

async function main() {
  const a = parseArgs(process.argv);
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = "";
  const gliner = new Gliner({
    tokenizerPath: path.resolve(a.tokenizer),
    onnxSettings: { modelPath: path.resolve(a.onnx) },
    maxWidth: a.maxWidth,
    modelType: a.modelType,
    transformersSettings: { allowLocalModels: true, useBrowserCache: false },
  });
  await gliner.initialize();
  env.allowRemoteModels = false;
  const wrapper = gliner.model.onnxWrapper;
  const run = wrapper.run.bind(wrapper);
  let captured = null;
  wrapper.run = async (feeds, opts) => {
    const res = await run(feeds, opts);
    if (!captured) captured = { feeds, logits: res.logits };
    return res;
  };
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line);
    captured = null;
    const entities = {};
    for (const s of a.settings) {
      const r = await gliner.inference({
        texts: [rec.text], entities: a.labels, flatNer: s.flatNer, threshold: s.threshold, multiLabel: s.multiLabel,
      });
      entities[s.name] = r[0].map((e) => ({ start: e.start, end: e.end, text: e.spanText, label: e.label, score: e.score }));
    }
    const inputs = {};
    for (const [k, t] of Object.entries(captured.feeds)) inputs[k] = tensorToNested(t);
    const lg = captured.logits;
    const buf = Buffer.from(lg.data.buffer, lg.data.byteOffset, lg.data.byteLength);
    const out = {
      id: rec.id, text: rec.text, inputs,
      logits: { dims: Array.from(lg.dims), f32le_b64: buf.toString("base64") },
      entities,
    };
    fs.writeSync(1, JSON.stringify(out) + "\n");
  }
}

main().catch((e) => { console.error(e && e.stack || String(e)); process.exit(1); });
