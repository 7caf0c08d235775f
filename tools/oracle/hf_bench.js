#!/usr/bin/env node
// hf_bench.js: throughput of the Rust Hugging Face tokenizers (via the
// @anush008/tokenizers addon) on a corpus, for scripts/bench-tokenize.sh.
//
// Usage: TOKENIZERS_PARALLELISM=false node hf_bench.js TOKENIZER_JSON CORPUS_JSONL [SECONDS]
//
// CORPUS_JSONL holds one {"text": "...", "words": [...]} per line. Two
// measurements, each repeated for at least SECONDS (default 3):
//   text:  encodeBatch of all texts with special tokens;
//   words: encodeBatch of every word of every text without special tokens
//          (the per-word encodings the Rust library builds for
//          is_split_into_words; merging them is not counted).
// With TOKENIZERS_PARALLELISM=false the batch runs on one thread. Prints one
// JSON object: {"text":{"tokens_per_s":...},"words":{"tokens_per_s":...}}.
'use strict';
const fs = require('fs');
const { Tokenizer } = require('@anush008/tokenizers');

async function measure(fn, seconds) {
  let tokens = await fn(); // warm-up, also counts tokens
  let runs = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    await fn();
    runs++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return { tokens_per_s: (tokens * runs) / elapsed, runs, seconds: elapsed };
}

async function main() {
  const [path, corpus, secs] = process.argv.slice(2);
  const seconds = Number(secs || 3);
  const tok = Tokenizer.fromFile(path);
  tok.disableTruncation();
  tok.disablePadding();
  const recs = fs.readFileSync(corpus, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  const texts = recs.map((r) => r.text);
  const words = recs.flatMap((r) => r.words);
  const count = (encs) => encs.reduce((n, e) => n + e.getLength(), 0);
  const text = await measure(async () => count(await tok.encodeBatch(texts, { addSpecialTokens: true })), seconds);
  const wordsRes = await measure(async () => count(await tok.encodeBatch(words, { addSpecialTokens: false })), seconds);
  console.log(JSON.stringify({ text, words: wordsRes }));
}

main().catch((e) => { console.error(e); process.exit(1); });
