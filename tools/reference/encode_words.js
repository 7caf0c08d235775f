// encode_words.js TOKENIZER_JSON < lines > lines
//
// The per-word step of Hugging Face tokenizers' pre-tokenized encode
// (is_split_into_words=True): every word of {"words": [...]} is encoded on its
// own, without special tokens, by the real Rust library (npm
// @anush008/tokenizers, installed in tools/oracle).  Output, one line per input
// line: {"ids": [[ids of word 0], [ids of word 1], ...]}.  gliner_ref.py adds
// the post-processor's special tokens, truncation and padding.
"use strict";
const fs = require("fs");
const readline = require("readline");
const { Tokenizer } = require("@anush008/tokenizers");

async function main() {
  const tok = Tokenizer.fromFile(process.argv[2]);
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = [];
  for await (const line of rl) {
    if (line === "") continue;
    const { words } = JSON.parse(line);
    const encs = words.length
      ? await tok.encodeBatch(words, { addSpecialTokens: false })
      : [];
    out.push(JSON.stringify({ ids: encs.map((e) => e.getIds()) }));
    if (out.length >= 256) { fs.writeSync(1, out.join("\n") + "\n"); out.length = 0; }
  }
  if (out.length) fs.writeSync(1, out.join("\n") + "\n");
}
main().catch((e) => { console.error(e && e.stack || String(e)); process.exit(1); });
