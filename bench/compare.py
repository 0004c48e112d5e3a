#!/usr/bin/env python3
"""Prints our GPT-2 124M training/inference speed (and SmolLM2-135M's LoRA step from
build/bench-llama) next to PyTorch's, from the JSON files of build/bench-train, build/bench-llama
and ../shared/oracle/bench_torch.py measured in the same `make bench` run.
usage: compare.py bench-train.json bench-torch.json [bench-llama.json]"""
import json, os, sys

LLMC_FULL_TOKS = 42.0   # llm.c CPU trainer, full fine-tuning B=4 T=64, 2 threads, this machine kind (issue 4)

ours = {r["mode"]: r for r in json.load(open(sys.argv[1]))}
if len(sys.argv) > 3 and os.path.exists(sys.argv[3]):
    ours.update({r["mode"]: r for r in json.load(open(sys.argv[3]))})
torch_rows = json.load(open(sys.argv[2])).get("results", [])
theirs = {}
for r in torch_rows:
    if r.get("tokens_per_s"):
        theirs[(r["mode"], r["threads"])] = r
print("%-6s %8s %12s %14s %8s %14s %14s" % ("mode", "B x T", "ours tok/s", "PyTorch tok/s", "ratio", "ours RSS MiB", "torch RSS MiB"))
for mode in ("lora", "full", "infer", "lora_smollm2"):
    o = ours.get(mode)
    t = theirs.get((mode, o["threads"])) if o else None
    if not o:
        continue
    ratio = o["tokens_per_s"] / t["tokens_per_s"] if t else float("nan")
    print("%-6s %8s %12.1f %14s %8s %14.0f %14s" % (
        mode, "%dx%d" % (o["batch"], o["seq"]), o["tokens_per_s"],
        "%.1f" % t["tokens_per_s"] if t else "n/a", "%.2fx" % ratio if t else "n/a",
        o["peak_rss_mib"], "%.0f" % t["peak_rss_mib"] if t else "n/a"))
if "full" in ours:
    print("full fine-tuning vs llm.c's CPU trainer (%.0f tok/s measured on this machine kind): %.1fx"
          % (LLMC_FULL_TOKS, ours["full"]["tokens_per_s"] / LLMC_FULL_TOKS))
