#!/usr/bin/env node
// probe_classes.js: classify every code point the way the Rust tokenizers'
// regular expressions (Oniguruma) and its Whitespace pre-tokenizer do, to
// check the character classes of package tokenize (unicode.go, config.go
// compileOnig). Takes about a minute.
//
// Usage: node probe_classes.js TOKENIZER_JSON > classes.txt
//
// Output: one character per code point from U+0000 to U+10FFFF (surrogates
// skipped), the digit '0' plus a bit set: 1 = matched by \w+ (Split regex),
// 2 = matched by [^\w\s]+, 4 = matched by \s+, 8 = matched by \d+ after "1",
// 16 = a word character of the Whitespace pre-tokenizer.
'use strict';
const fs = require('fs');
const { Tokenizer } = require('@anush008/tokenizers');

const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
doc.normalizer = null;
function pre(p) {
  doc.pre_tokenizer = p;
  return Tokenizer.fromString(JSON.stringify(doc)).getPreTokenizer();
}
const keep = (re) => pre({ type: 'Split', pattern: { Regex: re }, behavior: 'Removed', invert: true });
const W = keep('\\w+'), C = keep('[^\\w\\s]+'), S = keep('\\s+'), D = keep('\\d+');
const WS = pre({ type: 'Whitespace' });
const whole = (p, s) => { const r = p.preTokenizeString(s); return r.length === 1 && r[0][0] === s; };
let out = '';
for (let c = 0; c <= 0x10ffff; c++) {
  if (c >= 0xd800 && c <= 0xdfff) continue;
  const ch = String.fromCodePoint(c);
  let v = 0;
  if (whole(W, 'a' + ch)) v |= 1;
  if (whole(C, '!' + ch)) v |= 2;
  if (S.preTokenizeString(ch).length === 1) v |= 4;
  if (whole(D, '1' + ch)) v |= 8;
  if (whole(WS, 'a' + ch)) v |= 16;
  out += String.fromCharCode(48 + v);
}
process.stdout.write(out);
