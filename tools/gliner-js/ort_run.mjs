// ort_run.mjs MODEL.onnx < feeds.jsonl > logits.jsonl
//
// Runs an ONNX file with onnxruntime-node (ORT 1.30.0, the same library the Go
// side loads) on given input tensors. Input lines: {"id", "feeds": {name:
// nested int/bool lists}}; int tensors are fed as int64, span_mask as bool.
// Output lines: {"id", "dims": [...], "f32le_b64": "..."} (output "logits").
// Used by tools/reference/gen_goldens.py --ort-check to see whether the
// reference entities (from the torch forward) change under ONNX Runtime.
import * as ort from "onnxruntime-node";
import * as fs from "node:fs";
import * as readline from "node:readline";

function shapeOf(a) {
  const s = [];
  let x = a;
  while (Array.isArray(x)) { s.push(x.length); x = x[0]; }
  return s;
}

const session = await ort.InferenceSession.create(process.argv[2], { intraOpNumThreads: 1, interOpNumThreads: 1 });
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  const { id, feeds } = JSON.parse(line);
  const t = {};
  for (const [k, v] of Object.entries(feeds)) {
    const dims = shapeOf(v);
    const flat = v.flat(Infinity);
    t[k] = k === "span_mask"
      ? new ort.Tensor("bool", Uint8Array.from(flat, (b) => (b ? 1 : 0)), dims)
      : new ort.Tensor("int64", BigInt64Array.from(flat, (n) => BigInt(n)), dims);
  }
  const out = await session.run(t);
  const lg = out.logits;
  const buf = Buffer.from(lg.data.buffer, lg.data.byteOffset, lg.data.byteLength);
  fs.writeSync(1, JSON.stringify({ id, dims: Array.from(lg.dims), f32le_b64: buf.toString("base64") }) + "\n");
}
