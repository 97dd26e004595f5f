// The exported ONNX model in onnxruntime-node (the runtime IntelliCode shipped inside Pylance) on the
// same contexts as bench/runtime_latency, printed as JSON: cold latency per context length (the
// graph has no state cache), agreement with our FP32 scores, and the process's peak RSS.
//   node bench/onnx_run.mjs MODEL.onnx CONTEXTS.json [OURS_LOGITS.json] [--threads N]
// ONNX Runtime runs single-threaded by default, like our runtime; --threads 0 lets it choose.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const args = process.argv.slice(2);
const threadsAt = args.indexOf('--threads');
const threads = threadsAt >= 0 ? Number(args.splice(threadsAt, 2)[1]) : 1;
const [modelPath, contextsPath, oursPath] = args;
if (!modelPath || !contextsPath) {
  console.error('usage: node bench/onnx_run.mjs MODEL.onnx CONTEXTS.json [OURS_LOGITS.json] [--threads N]');
  process.exit(2);
}

const t0 = performance.now();
const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const loadMs = performance.now() - t0;
const contexts = JSON.parse(readFileSync(contextsPath, 'utf8')).contexts;

async function scores(ids, candidates) {
  const tokens = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [ids.length]);
  const { logits } = await session.run({ tokens });
  return candidates.map((c) => logits.data[c]);
}

function percentiles(v) {
  v.sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { n: v.length, min_ms: v[0], p50_ms: at(0.5), p99_ms: at(0.99), mean_ms: v.reduce((a, b) => a + b, 0) / v.length };
}

await scores(contexts[0].ids, contexts[0].candidates);  // warm-up: first run allocates
const byLen = {};
for (const c of contexts) {
  const t = performance.now();
  await scores(c.ids, c.candidates);
  (byLen[c.ids.length] ??= []).push(performance.now() - t);
}
const cold = Object.fromEntries(Object.entries(byLen).map(([k, v]) => [k, percentiles(v)]));

let agreement = null;
if (oursPath) {
  let maxAbs = 0, n = 0;
  for (const o of JSON.parse(readFileSync(oursPath, 'utf8'))) {
    const c = contexts[o.index];
    const theirs = await scores(c.ids, c.candidates);
    theirs.forEach((x, i) => { maxAbs = Math.max(maxAbs, Math.abs(x - o.scores[i])); n++; });
  }
  agreement = { compared_scores: n, max_abs_diff_vs_ours_fp32: maxAbs };
}

console.log(JSON.stringify({
  runtime: `onnxruntime-node ${ort.env.versions?.common ?? ''}`.trim(),
  model: modelPath,
  intra_op_threads: threads,
  load_ms: loadMs,
  cold_candidates: cold,
  agreement,
  peak_rss_kb: process.resourceUsage().maxRSS,
}, null, 2));
