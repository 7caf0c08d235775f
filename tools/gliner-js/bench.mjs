// bench.mjs: time GLiNER.js (npm gliner@0.0.19) on a texts file, the peer
// row of scripts/bench-peers.sh.
//
// Usage:
//   node bench.mjs --tokenizer DIR --onnx FILE --texts FILE --labels "disease,chemical,gene" \
//        [--batch 8] [--threads 2] [--threshold 0.5] [--max-width 12] [--passes 3] \
//        [--entities OUT.jsonl]
//
// TEXTS: one text per line. Texts go to Gliner.inference() (the public API,
// flat NER) in slices of --batch. One warm-up pass, then --passes timed
// passes; texts_per_s is the median pass. Prints one JSON line on stdout:
//   {"peer":"GLiNER.js","batch":N,"threads":T,"texts":n,"passes":P,
//    "texts_per_s":..,"peak_rss_mb":..}
// peak_rss_mb is the process's maximum resident set (getrusage), model
// included. --entities writes one line per text, from the warm-up pass:
//   {"id":i,"entities":[{"start","end","text","label","score"}...]}
// with GLiNER.js's own offsets (UTF-16 code units). --entities-fixed writes
// the same from one more (untimed) pass in which the decoder's greedy search
// treats character ends as exclusive, as the reference treats word ends
// (GLiNER.js's own check makes spans that merely touch conflict, e.g. "(" and
// the next word); it shows which entity differences that deviation explains.
//
// GLiNER.js passes no session options to ONNX Runtime; for a fair comparison
// ort.InferenceSession.create is wrapped to set intra-op threads = --threads
// and inter-op threads = 1 (what the Go side sets).
import * as ort from "onnxruntime-node";
import { Gliner } from "gliner/node";
import { env } from "@xenova/transformers";
import * as fs from "node:fs";
import * as path from "node:path";

function parseArgs(argv) {
  const a = { batch: 1, threads: 2, threshold: 0.5, maxWidth: 12, passes: 3 };
  const num = { "--batch": "batch", "--threads": "threads", "--threshold": "threshold", "--max-width": "maxWidth", "--passes": "passes" };
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i], v = argv[i + 1];
    if (v === undefined) throw new Error(`bench: ${k} needs a value`);
    if (k in num) a[num[k]] = Number(v);
    else if (k === "--tokenizer") a.tokenizer = v;
    else if (k === "--onnx") a.onnx = v;
    else if (k === "--texts") a.texts = v;
    else if (k === "--labels") a.labels = v.split(",");
    else if (k === "--entities") a.entities = v;
    else if (k === "--entities-fixed") a.entitiesFixed = v;
    else throw new Error(`bench: unknown argument ${k}`);
  }
  if (!a.tokenizer || !a.onnx || !a.texts || !a.labels) throw new Error("bench: need --tokenizer, --onnx, --texts and --labels");
  for (const k of Object.values(num)) {
    if (!(a[k] > 0)) throw new Error(`bench: --${k} must be a positive number`);
  }
  return a;
}

function setThreads(threads) {
  const create = ort.InferenceSession.create.bind(ort.InferenceSession);
  ort.InferenceSession.create = (p, opts) => create(p, { ...opts, intraOpNumThreads: threads, interOpNumThreads: 1 });
}

async function open(a) {
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = "";
  const gliner = new Gliner({
    tokenizerPath: path.resolve(a.tokenizer),
    onnxSettings: { modelPath: path.resolve(a.onnx) },
    maxWidth: a.maxWidth,
    modelType: "span-level",
    transformersSettings: { allowLocalModels: true, useBrowserCache: false },
  });
  await gliner.initialize();
  return gliner;
}

// pass runs every text once, in slices of a.batch, and returns the entities.
async function pass(gliner, texts, a) {
  const out = [];
  for (let i = 0; i < texts.length; i += a.batch) {
    const r = await gliner.inference({
      texts: texts.slice(i, i + a.batch), entities: a.labels, flatNer: true, threshold: a.threshold, multiLabel: false,
    });
    out.push(...r);
  }
  return out;
}

// exclusiveEndGreedy is flat, single-label greedy selection on character
// offsets [start, end): best score first, a span is kept unless it shares a
// character with a kept span. Spans are GLiNER.js's [text, start, end, label, score].
function exclusiveEndGreedy(spans) {
  const kept = [];
  for (const sp of spans.slice().sort((x, y) => y[4] - x[4])) {
    if (!kept.some((k) => sp[1] < k[2] && k[1] < sp[2])) kept.push(sp);
  }
  return kept.sort((x, y) => x[1] - y[1]);
}

function writeEntities(file, res) {
  const lines = res.map((r, i) => JSON.stringify({
    id: i, entities: r.map((e) => ({ start: e.start, end: e.end, text: e.spanText, label: e.label, score: e.score })),
  }));
  fs.writeFileSync(file, lines.join("\n") + "\n");
}

async function main() {
  const a = parseArgs(process.argv);
  const texts = fs.readFileSync(a.texts, "utf8").split("\n");
  if (texts[texts.length - 1] === "") texts.pop();
  if (texts.length === 0) throw new Error(`bench: ${a.texts}: no texts`);
  setThreads(a.threads);
  const gliner = await open(a);
  const warm = await pass(gliner, texts, a);
  if (a.entities) writeEntities(a.entities, warm);
  const rates = [];
  for (let p = 0; p < a.passes; p++) {
    const t0 = process.hrtime.bigint();
    await pass(gliner, texts, a);
    rates.push(texts.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  rates.sort((x, y) => x - y);
  if (a.entitiesFixed) {
    gliner.model.decoder.greedySearch = exclusiveEndGreedy;
    writeEntities(a.entitiesFixed, await pass(gliner, texts, a));
  }
  const row = {
    peer: "GLiNER.js", batch: a.batch, threads: a.threads, texts: texts.length, passes: a.passes,
    texts_per_s: rates[Math.floor(rates.length / 2)], peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  fs.writeSync(1, JSON.stringify(row) + "\n");
}

main().catch((e) => { console.error(e && e.stack || String(e)); process.exit(1); });
