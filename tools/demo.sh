#!/bin/sh
# make demo: fine-tune a small GPT-2 on the bundled QA set with LoRA and show what it learnt.
# The base model is the "tiny" preset (2 layers, width 64, GPT-2's 50,257-token vocabulary),
# randomly initialised: no weights can be downloaded here. With real GPT-2 weights, pass
#   MODEL=path/to/model.safetensors make demo
set -eu
B=${BUILD:-build}
OUT=${OUT:-demo-out}
STEPS=${STEPS:-400}
THREADS=${THREADS:-0}
mkdir -p "$OUT"
if [ -n "${MODEL:-}" ]; then
  base="--model $MODEL"; gbase="--model $MODEL"
  echo "== base model: $MODEL"
else
  base="--preset tiny --init-seed 1"; gbase="--preset tiny --init-seed 1"
  echo "== base model: a SMALL, RANDOMLY INITIALISED GPT-2 (preset 'tiny': 2 layers, width 64, GPT-2 vocabulary)."
  echo "   It knows no English: everything it answers below it learnt from the 898 training pairs in"
  echo "   data/qa_train.jsonl during this run. Use MODEL=gpt2/model.safetensors for real GPT-2 weights."
fi
echo "== LoRA fine-tuning on data/qa_train.jsonl, validating on the 100 held-out pairs of data/qa_val.jsonl"
# shellcheck disable=SC2086
"$B/lora-finetune" $base --data data/qa_train.jsonl --val data/qa_val.jsonl \
  --targets c_attn,c_proj,c_fc,lm_head --r ${RANK:-16} --alpha ${ALPHA:-32} --dropout 0.0 \
  --batch 8 --seq 64 --steps "$STEPS" --lr 5e-3 --warmup 20 --schedule cosine --seed 1 --threads "$THREADS" \
  --report-every 50 --eval-every 100 --adapter-out "$OUT/adapter" --svg "$OUT/loss.svg" --csv "$OUT/steps.csv" \
  | tee "$OUT/train.log"
echo
echo "== answers to held-out questions (greedy decoding with the adapter)"
head -n 8 data/qa_val.jsonl | while IFS= read -r line; do
  q=$(printf '%s' "$line" | sed -e 's/^{"question": "//' -e 's/", "answer": ".*$//')
  a=$(printf '%s' "$line" | sed -e 's/^.*"answer": "//' -e 's/"}$//')
  prompt="Question: $q
Answer:"
  # shellcheck disable=SC2086
  out=$("$B/lora-generate" $gbase --adapter "$OUT/adapter" --prompt "$prompt" --max-new 8 --greedy 2>/dev/null)
  got=$(printf '%s' "${out#"$prompt"}" | tr '\n' ' ')
  printf '  Q: %s\n     expected: %-12s model:%s\n' "$q" "$a" "$got"
done
echo
grep 'val perplexity' "$OUT/train.log"
echo "adapter: $OUT/adapter (PEFT format), loss curve: $OUT/loss.svg, per-step CSV: $OUT/steps.csv"
