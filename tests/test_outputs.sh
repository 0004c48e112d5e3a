#!/bin/sh
# Every file lora-finetune promises is produced and holds what it should: the adapter (loads
# again and evaluates), the checkpoint (resumes), the --log JSONL and --csv rows of every step,
# and the --svg loss curve, rendered (rsvg-convert + ImageMagick when installed) to check that
# the curve is drawn. Progress lines reach a pipe as they happen. Runs from outside the
# repository too (the tokenizer is found without --tokenizer).
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAILED: $*"; }
out=$(mktemp -d)
steps=12
# run from another directory: paths of the data are absolute, the tokenizer is not given
(cd "$out" && "$root/build/lora-finetune" --preset tiny --init-seed 1 --data "$root/data/qa_train.jsonl" \
   --val "$root/data/qa_val.jsonl" --targets c_attn --r 4 --batch 4 --seq 64 --steps $steps --lr 1e-3 --seed 3 \
   --eval-every 6 --report-every 1 --adapter-out ad --log steps.jsonl --csv steps.csv --svg loss.svg \
   --checkpoint ckpt --threads 2 > train.log 2> err.log)
rc=$?
[ $rc -eq 0 ] && ok || { bad "lora-finetune exit $rc"; cat "$out/err.log"; }
# adapter: PEFT files that load again
[ -s "$out/ad/adapter_model.safetensors" ] && grep -q '"target_modules"' "$out/ad/adapter_config.json" && ok || bad "adapter files"
grep -q '"base_model_name_or_path": "tiny"' "$out/ad/adapter_config.json" && ok || bad "base_model_name_or_path is not the preset"
"$root/build/lora-eval" --preset tiny --init-seed 1 --adapter "$out/ad" --data "$root/data/qa_val.jsonl" --batch 4 --seq 64 \
  --json > "$out/eval.json" 2>&1 && grep -q '"perplexity"' "$out/eval.json" && ok || { bad "lora-eval with the adapter"; cat "$out/eval.json"; }
# checkpoint: adapter + trainer_state.bin, and it resumes (nothing left to do: exits 0)
[ -s "$out/ckpt/trainer_state.bin" ] && [ -s "$out/ckpt/adapter_model.safetensors" ] && ok || bad "checkpoint files"
# log: one JSON object per step, steps 0 .. steps-1, finite losses
n=$(grep -c '"loss"' "$out/steps.jsonl")
[ "$n" -eq $steps ] && ok || bad "steps.jsonl has $n loss lines, expected $steps"
last=$(tail -n 1 "$out/steps.jsonl")
case "$last" in *"\"step\": $((steps-1)),"*) ok ;; *) bad "last log line: $last" ;; esac
grep -qi 'nan\|inf' "$out/steps.jsonl" && bad "non-finite values in the log" || ok
# csv: header + one row per step; validation in the rows of steps 6 and 12 (the column is the step after)
head -n 1 "$out/steps.csv" | grep -q '^step,loss,lr,grad_norm,ms,val_loss$' && ok || bad "csv header"
n=$(($(wc -l < "$out/steps.csv") - 1))
[ "$n" -eq $steps ] && ok || bad "steps.csv has $n rows"
nv=$(awk -F, 'NR > 1 && $6 != "" { n++ } END { print n + 0 }' "$out/steps.csv")
[ "$nv" -eq 2 ] && ok || bad "steps.csv has $nv validation values, expected 2"
# progress reached the pipe/file line by line: every step and both validation lines
n=$(grep -c '^step [0-9]*/' "$out/train.log")
[ "$n" -eq $steps ] && ok || bad "train.log has $n progress lines"
grep -q '^validation before training' "$out/train.log" && grep -q '^val perplexity' "$out/train.log" && ok || bad "validation lines"
# svg: a polyline with a point per step (train) and the validation points
tp=$(grep -o '<polyline[^>]*stroke="#1f77b4"[^>]*points="[^"]*"' "$out/loss.svg" | sed 's/.*points="//; s/"$//' | wc -w)
[ "$tp" -eq $steps ] && ok || bad "the training curve has $tp points, expected $steps"
vp=$(grep -c '<circle' "$out/loss.svg")
[ "$vp" -eq 3 ] && ok || bad "the validation curve has $vp points, expected 3 (before, 6, 12)"
IM=""
for c in convert-im6.q16 /usr/bin/convert; do command -v "$c" >/dev/null 2>&1 && { IM=$c; break; }; done
if command -v rsvg-convert >/dev/null 2>&1 && [ -n "$IM" ]; then
  rsvg-convert -f png -o "$out/loss.png" "$out/loss.svg" && ok || bad "rsvg-convert could not render loss.svg"
  # pixels of the curve's colour (#1f77b4, blue; #ff7f0e, orange): the curves are drawn
  blue=$("$IM" "$out/loss.png" -alpha off -fuzz 12% -fill black +opaque "#1f77b4" -fill white -opaque "#1f77b4" \
         -format "%[fx:round(mean*w*h)]" info: 2>/dev/null)
  orange=$("$IM" "$out/loss.png" -alpha off -fuzz 12% -fill black +opaque "#ff7f0e" -fill white -opaque "#ff7f0e" \
           -format "%[fx:round(mean*w*h)]" info: 2>/dev/null)
  [ "${blue:-0}" -gt 200 ] && ok || bad "rendered SVG: $blue pixels of the training curve"
  [ "${orange:-0}" -gt 20 ] && ok || bad "rendered SVG: $orange pixels of the validation curve"
else
  echo "note: rsvg-convert or ImageMagick missing: the SVG was checked as text only"
fi
rm -rf "$out"
echo "tests/test_outputs.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
