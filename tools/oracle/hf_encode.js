#!/usr/bin/env node
// hf_encode.js: encode texts or pre-split words with the real Hugging Face
// tokenizers library (Rust, via the @anush008/tokenizers Node addon), for the
// Go parity tests of package tokenize.
//
// Usage: node hf_encode.js TOKENIZER_JSON < input.jsonl > output.jsonl
//
// Each input line is {"text": "..."} or {"words": ["...", ...]}, with an
// optional "special": false to encode without the post-processor's special
// tokens. Each output line (same order) is
// {"ids":[...],"tokens":[...],"word_ids":[...],"offsets":[[s,e],...],"special":[...]}
// with offsets in code points (relative to each word for "words").
//
// Truncation and padding of the tokenizer.json are disabled: the Go package
// never truncates or pads. The binding has no is_split_into_words, so words
// are encoded exactly as the Rust library does it internally
// (TokenizerImpl::encode_single_sequence with InputSequence::PreTokenized):
// each word as its own sequence without post-processing, the encodings merged
// without growing offsets, then post-processed; the word id of every token is
// the index of its word.
'use strict';
const fs = require('fs');
const readline = require('readline');
const { Tokenizer, mergeEncodings } = require('@anush008/tokenizers');

async function main() {
  const tok = Tokenizer.fromFile(process.argv[2]);
  tok.disableTruncation();
  tok.disablePadding();
  // Words are encoded like encode_single_sequence does: no post-processing
  // per word (a post-processor may change offsets even without special
  // tokens), only once on the merged encoding.
  const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  doc.post_processor = null;
  doc.truncation = null;
  doc.padding = null;
  raw = Tokenizer.fromString(JSON.stringify(doc));
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const recs = [];
  for await (const line of rl) {
    if (line.trim() !== '') recs.push(JSON.parse(line));
  }
  const out = fs.createWriteStream(null, { fd: 1 });
  const CHUNK = 512;
  for (let i = 0; i < recs.length; i += CHUNK) {
    const chunk = recs.slice(i, i + CHUNK);
    const results = await encodeChunk(tok, chunk);
    let buf = '';
    for (const r of results) buf += JSON.stringify(r) + '\n';
    if (!out.write(buf)) await new Promise((res) => out.once('drain', res));
  }
  out.end();
}

function dump(enc, wordIds) {
  return {
    ids: enc.getIds(),
    tokens: enc.getTokens(),
    word_ids: wordIds || enc.getWordIds().map((w) => (w === undefined ? null : w)),
    offsets: enc.getOffsets(),
    special: enc.getSpecialTokensMask(),
  };
}

const wordCache = new Map();
let raw; // the tokenizer without post-processor

async function encodeChunk(tok, chunk) {
  const results = new Array(chunk.length);
  // Plain texts, batched by the special flag.
  for (const special of [true, false]) {
    const idx = [];
    chunk.forEach((r, k) => {
      if (r.text !== undefined && (r.special !== false) === special) idx.push(k);
    });
    if (idx.length === 0) continue;
    const encs = await tok.encodeBatch(idx.map((k) => chunk[k].text), { addSpecialTokens: special });
    idx.forEach((k, j) => { results[k] = dump(encs[j]); });
  }
  // Pre-split words: each distinct word is encoded once (encoding a word
  // does not depend on its neighbours) and kept for later chunks.
  const fresh = [];
  const seen = new Set();
  chunk.forEach((r) => {
    if (r.words === undefined) return;
    for (const w of r.words) {
      if (!wordCache.has(w) && !seen.has(w)) { seen.add(w); fresh.push(w); }
    }
  });
  if (fresh.length) {
    const encs = await raw.encodeBatch(fresh, { addSpecialTokens: false });
    fresh.forEach((w, j) => { wordCache.set(w, { enc: encs[j], len: encs[j].getLength() }); });
  }
  for (let k = 0; k < chunk.length; k++) {
    const r = chunk[k];
    if (r.words === undefined) continue;
    const mine = r.words.map((w) => wordCache.get(w));
    const seqWords = [];
    mine.forEach((c, w) => { for (let n = c.len; n > 0; n--) seqWords.push(w); });
    const merged = mergeEncodings(mine.map((c) => c.enc), false);
    const post = tok.postProcess(merged, null, r.special !== false);
    // Tokens of the sequence keep their order; special tokens added by the
    // post-processor have no sequence id.
    const seqIds = post.getSequenceIds();
    let n = 0;
    const wordIds = seqIds.map((s) => (s === null || s === undefined ? null : seqWords[n++]));
    results[k] = dump(post, wordIds);
  }
  return results;
}

main().catch((e) => { console.error(e); process.exit(1); });
