#!/usr/bin/python3
"""Runs and tabulates scripts/bench-variants.sh's measurements.

    bench_variants.py TMP ROUNDS DATA KIND:VARIANT ...

TMP holds the gliner binary and one model folder per KIND. Each round runs
`gliner eval` once per KIND, in turn; the table gives, per KIND, the strict F1,
the median wall-clock texts/s (gliner eval's), the median CPU time per text
(user + system of the process, from wait4), the median peak RSS, and the
ratios to the first KIND's (fp32) medians of the same run.
"""

import json
import os
import statistics
import subprocess
import sys


def run_once(tmp, kind, variant, data, report):
    cmd = [os.path.join(tmp, "gliner"), "eval", "--model", os.path.join(tmp, kind), "--variant", variant,
           "--data", data, "--labels", "Disease=disease", "--report", report]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = status
    if status != 0:
        sys.exit("gliner eval %s %s failed:\n%s" % (kind, variant, out.decode()))
    rep = json.load(open(report))
    return dict(f1=rep["scores"]["micro"]["f1"], texts=rep["texts"], tps=rep["cost"]["texts_per_second"],
                rss=rep["cost"]["rss_peak_bytes"], cpu=(ru.ru_utime + ru.ru_stime) / rep["texts"])


def main():
    tmp, rounds, data, specs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    runs = {s: [] for s in specs}
    for r in range(rounds):
        for spec in specs:
            kind, variant = spec.split(":")
            runs[spec].append(run_once(tmp, kind, variant, data, os.path.join(tmp, "%s.%d.json" % (kind, r))))
    rows = []
    for spec in specs:
        kind, variant = spec.split(":")
        rs = runs[spec]
        rel = "model.onnx" if kind == "fp32" else "onnx/model_%s.onnx" % variant
        rows.append(dict(kind=kind, f1=rs[0]["f1"], size=os.path.getsize(os.path.realpath(os.path.join(tmp, kind, rel))),
                         tps=statistics.median(x["tps"] for x in rs), cpu=statistics.median(x["cpu"] for x in rs),
                         rss=statistics.median(x["rss"] for x in rs)))
    base = rows[0]
    names = {"fp32": "model.onnx", "fp16io": "model_fp16.onnx, float16 logits"}
    print("| variant | graph file | size | strict F1 | F1 − fp32 | texts/s | vs fp32 | CPU ms/text | vs fp32 | peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %s | %.2f MB | %.4f | %+.4f | %.0f | %.2f× | %.2f | %.2f× | %.0f MB |" % (
            r["kind"], names.get(r["kind"], "model_%s.onnx" % r["kind"]), r["size"] / 1e6, r["f1"],
            r["f1"] - base["f1"], r["tps"], r["tps"] / base["tps"], 1000 * r["cpu"], r["cpu"] / base["cpu"],
            r["rss"] / 2**20))
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    print("\n%d texts; medians of %d rounds (each variant once per round, in turn); load average %s at the end"
          % (runs[specs[0]][0]["texts"], rounds, load))


if __name__ == "__main__":
    main()
