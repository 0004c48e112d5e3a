#!/bin/sh
# make demo: LoRA teaches a small GPT-2 to answer questions about facts it already knows.
#
# A randomly initialised model knows nothing, and LoRA adapts what a base model knows, so:
#  stage 1 (full fine-tuning, cached in $OUT/base/): a small GPT-2 (preset "small": 4 layers,
#    4 heads, width 128, GPT-2's vocabulary, random init) reads data/facts.jsonl, plain
#    sentences such as "The capital of Iran is Tehran." or "10 plus 8 is 18." (several
#    phrasings per fact, never a question) and learns the facts;
#  stage 2 (LoRA): an adapter on that frozen base learns the question/answer format from
#    data/qa_train.jsonl ("Question: What is the capital of Iran?\nAnswer: Tehran.").
# Exact match is measured for the base alone and with the adapter, on 100 training questions and
# on the 100 held-out questions of data/qa_val.jsonl, which ask about facts the base read as
# sentences only (for arithmetic: sums no training question contains).
# Variables: BUILD (tools), OUT (outputs, default demo-out), THREADS (0 = all cores),
#   MODEL=path/to/model.safetensors to skip stage 1 with a real model (e.g. GPT-2's weights).
set -eu
B=${BUILD:-build}
OUT=${OUT:-demo-out}
THREADS=${THREADS:-0}
mkdir -p "$OUT"

if [ -n "${MODEL:-}" ]; then
  base=$MODEL
  echo "== stage 1 skipped: base model $MODEL"
else
  base=$OUT/base/model.safetensors
  if [ -f "$base" ]; then
    echo "== stage 1 skipped: reusing the base model $base (rm -rf $OUT to train it again)"
  else
    echo "== stage 1: full fine-tuning of a randomly initialised GPT-2 (preset 'small': 4 layers, 4 heads,"
    echo "   width 128, GPT-2 vocabulary) on the $(wc -l < data/facts.jsonl | tr -d ' ') sentences of data/facts.jsonl, e.g."
    head -n 3 data/facts.jsonl | sed 's/^{"text": "\(.*\)"}$/     \1/'
    echo "   (no questions: the question/answer format is stage 2's job)"
    mkdir -p "$OUT/base"
    rm -f "$OUT/base/partial.safetensors"
    # Sentences are packed into rows of 64 tokens, each attending only to itself.
    "$B/lora-finetune" --preset small --init-seed 1 --full --data data/facts.jsonl \
      --batch 4 --seq 64 --epochs 40 --lr 1.5e-3 --warmup 20 --schedule cosine --seed 1 --threads "$THREADS" \
      --report-every 310 --model-out "$OUT/base/partial.safetensors" | tee "$OUT/base/train.log"
    mv "$OUT/base/partial.safetensors" "$base" # (fails, and so stops the demo, if training did)
  fi
fi

rm -rf "$OUT/adapter"
echo
echo "== stage 2: LoRA on data/qa_train.jsonl (898 questions), validating on the 100 held-out ones of data/qa_val.jsonl"
"$B/lora-finetune" --model "$base" --data data/qa_train.jsonl --val data/qa_val.jsonl \
  --targets c_attn,c_proj,c_fc --r "${RANK:-16}" --alpha "${ALPHA:-32}" --dropout 0.0 \
  --batch 4 --seq 64 --epochs "${EPOCHS:-10}" --lr "${LR:-4e-3}" --warmup 20 --schedule cosine --seed 1 --threads "$THREADS" \
  --report-every 106 --eval-every 53 --adapter-out "$OUT/adapter" --svg "$OUT/loss.svg" --csv "$OUT/steps.csv" \
  | tee "$OUT/train.log"
[ -f "$OUT/adapter/adapter_config.json" ] || { echo "demo: LoRA training failed" >&2; exit 1; }

# em FILE [adapter args]: exact matches of the first 100 questions of FILE, as "C/N"
em() {
  f=$1; shift
  r=$("$B/lora-eval" --model "$base" "$@" --data "$f" --exact-match --max-items 100 --json --threads "$THREADS")
  c=${r#*'"exact_match": '}; n=${r#*'"items": '}
  echo "${c%%,*}/${n%%\}*}"
}
echo
echo "== exact match (greedy answer, then end of text), base alone -> base with the adapter"
train_before=$(em data/qa_train.jsonl)
train_after=$(em data/qa_train.jsonl --adapter "$OUT/adapter")
val_before=$(em data/qa_val.jsonl)
val_after=$(em data/qa_val.jsonl --adapter "$OUT/adapter")
echo "training exact match: $train_before -> $train_after"
echo "held-out exact match: $val_before -> $val_after"
grep 'val perplexity' "$OUT/train.log"
echo
echo "== held-out questions answered with the adapter"
"$B/lora-eval" --model "$base" --adapter "$OUT/adapter" --data data/qa_val.jsonl --exact-match --max-items 8 --show 8 \
  --threads "$THREADS" | sed -n 's/^\(\[[a-z]*\] *\)Question: /  \1/p; s/^Answer: ->\(.*\)$/         ->\1/p'
echo
echo "adapter: $OUT/adapter (PEFT format), loss curve: $OUT/loss.svg, per-step CSV: $OUT/steps.csv"
