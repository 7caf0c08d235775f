// Runs a token-classification model folder with transformers.js
// (@huggingface/transformers, ONNX Runtime through onnxruntime-node), offline.
//
//   node tjs_token_classify.mjs MODEL_DIR < request.json > response.json
//
// request:  {"texts": ["...", ...]}
// response: {"results": [{"ids": [...], "dims": [1, T, tags],
//             "logits": [...],             // float32 values, row-major
//             "pipeline": [{entity, score, index, word}, ...]}, ...]}
//
// ids and logits come from the tokenizer and a direct model call (the
// tokenizer adds [CLS]/[SEP] and truncates to model_max_length); "pipeline"
// is the output of pipeline('token-classification') with its defaults
// (aggregation_strategy "none", ignore_labels ["O"]) on the same text.
import fs from 'node:fs';
import path from 'node:path';
import { env, AutoTokenizer, AutoModelForTokenClassification, pipeline } from '@huggingface/transformers';

const dir = path.resolve(process.argv[2]);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(dir) + path.sep;
const name = path.basename(dir);

const req = JSON.parse(fs.readFileSync(0, 'utf8'));
const tokenizer = await AutoTokenizer.from_pretrained(name);
const model = await AutoModelForTokenClassification.from_pretrained(name, { dtype: 'fp32', device: 'cpu' });
const classify = await pipeline('token-classification', name, { dtype: 'fp32', device: 'cpu' });

const results = [];
for (const text of req.texts) {
    const inputs = tokenizer(text, { truncation: true });
    const out = await model(inputs);
    const ids = Array.from(inputs.input_ids.data, (x) => Number(x));
    const entities = await classify(text);
    results.push({
        ids,
        dims: out.logits.dims,
        logits: Array.from(out.logits.data),
        pipeline: entities.map((e) => ({ entity: e.entity, score: e.score, index: e.index, word: e.word })),
    });
}
process.stdout.write(JSON.stringify({ results }));
