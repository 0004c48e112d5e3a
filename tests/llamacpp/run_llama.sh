#!/bin/sh
# lora.h's LLaMA-family GGUF files checked with llama.cpp itself (not part of make test; needs
# llama.cpp's source and a C++ compiler; run.sh does the GPT-2 cases). For the oracle's tiny
# llama (biases, one kv head, untied head), llama3 rope (rope_freqs), linear rope scaling,
# mistral (sequence shorter than its window 5: llama.cpp's llama ignores sliding windows),
# qwen2 (biases, one kv head, tied) and a llama with head_dim 12 != hidden 40 / 3 heads, and
# adapters on q,k,v,o / all seven linears / + lm_head, with and without rsLoRA: the mean
# next-token loss of a random id sequence by lora.h vs llama.cpp on our base GGUF, our merged
# GGUF and our base GGUF + our adapter GGUF, and lora.h reading its own GGUF files.
# Tolerance: 1e-4 relative for F32 files, 2e-3 for F16. Qwen3 is not written: llama.cpp
# c392e509 has no qwen3 architecture.
#   LLAMACPP=/path/to/llama.cpp sh tests/llamacpp/run_llama.sh      (default: ../llamacpp-src)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LLAMACPP=${LLAMACPP:-$ROOT/../llamacpp-src}
LLAMACPP=$(cd "$LLAMACPP" && pwd)
OUT=${OUT:-$ROOT/build/llamacpp-llama-check}
mkdir -p "$OUT"
cd "$ROOT"
make -j1 build/impl.o >/dev/null
cc -O2 -std=c99 -I. -o "$OUT/lorah-llama-case" tests/llamacpp/lorah_llama_case.c build/impl.o -lm -lpthread
if [ ! -f "$LLAMACPP/build/src/libllama.a" ]; then
  (cd "$LLAMACPP" && nice -n 10 cmake -B build -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
     -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DBUILD_SHARED_LIBS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null &&
   nice -n 10 cmake --build build -j1 --target llama >/dev/null)
fi
L=$LLAMACPP/build
LIBS="$L/src/libllama.a $L/ggml/src/libggml.a $L/ggml/src/libggml-cpu.a $L/ggml/src/libggml-base.a -lstdc++ -fopenmp -lm -lpthread"
[ -x "$OUT/llama-loss" ] || cc -O2 -std=c11 -I"$LLAMACPP/include" -I"$LLAMACPP/ggml/include" -o "$OUT/llama-loss" tests/llamacpp/llama_loss.c $LIBS
echo "llama.cpp: $(git -C "$LLAMACPP" rev-parse HEAD 2>/dev/null || echo unknown)"

fails=0
compare() {
  r=$(awk -v a="$2" -v b="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; printf "%.2e", d / (a < 0 ? -a : a) }')
  ok=$(awk -v r="$r" -v t="$4" -v a="$2" -v b="$3" 'BEGIN { print (a != "" && b != "" && r + 0 >= 0 && r <= t) ? "ok" : "FAIL" }')
  [ "$ok" = ok ] || fails=$((fails + 1))
  printf '  %-44s %14s %14s  rel %s  %s (tol %s)\n' "$1" "$2" "$3" "$r" "$ok" "$4"
}
# run_case NAME MODEL TARGETS R ALPHA RSLORA T SEED
run_case() {
  D=$OUT/$1
  rm -rf "$D"; mkdir -p "$D"
  set -- "$@"
  res=$("$OUT/lorah-llama-case" "$2" "$D" "$3" "$4" "$5" "$6" "$7" "$8")
  ours=$(echo $res | cut -d' ' -f1); ours_a=$(echo $res | cut -d' ' -f2)
  echo "case $1: $2, targets $3, r $4, alpha $5, rslora $6, $7 ids"
  compare "lora.h reading f32 base.gguf / lora.h" "$(echo $res | cut -d' ' -f3)" "$ours" 1e-6
  compare "lora.h reading f32 merged.gguf / lora.h" "$(echo $res | cut -d' ' -f4)" "$ours_a" 1e-5
  for dt in f32 f16; do
    tol=1e-4; [ $dt = f16 ] && tol=2e-3
    compare "llama.cpp $dt base.gguf / lora.h" "$("$OUT/llama-loss" "$D/base-$dt.gguf" "$D/ids.txt")" "$ours" $tol
    compare "llama.cpp $dt merged.gguf / lora.h" "$("$OUT/llama-loss" "$D/merged-$dt.gguf" "$D/ids.txt")" "$ours_a" $tol
    compare "llama.cpp $dt base.gguf + adapter.gguf / lora.h" \
      "$("$OUT/llama-loss" "$D/base-$dt.gguf" --lora "$D/adapter-$dt.gguf" "$D/ids.txt")" "$ours_a" $tol
  done
}
FX=tests/fixtures/llama
ALL7=q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj
run_case llama $FX/llama/model/model.safetensors q_proj,k_proj,v_proj,o_proj 4 16 0 24 1
run_case llama-all $FX/llama/model/model.safetensors $ALL7,lm_head 3 5 1 24 2
run_case llama3 $FX/llama3/model/model.safetensors $ALL7 4 8 1 32 3
run_case llamalin $FX/llamalin/model/model.safetensors q_proj,k_proj,v_proj,o_proj 2 4 0 24 4
run_case mistral $FX/mistral/model/model.safetensors $ALL7,lm_head 4 16 1 5 5
run_case qwen2 $FX/qwen2/model/model.safetensors q_proj,k_proj,v_proj,o_proj 4 16 1 24 6
run_case qwen2-all $FX/qwen2/model/model.safetensors $ALL7 8 8 0 24 7
run_case odd odd $ALL7,lm_head 4 16 1 40 8
# gguf-py's files of the oracle's llama, llama3, qwen2 (tests/fixtures/gguf/make_llama_fixtures.py, as
# convert_hf_to_gguf.py writes them): llama.cpp's loss = lora.h's reading them
echo "gguf-py fixtures (convert_hf_to_gguf.py's layout), 24 ids:"
echo "3 9 1 17 40 2 11 5 29 8 13 0 21 6 33 4 19 7 26 12 1 30 15 10" > "$OUT/ids24.txt"
for fx in llama_tiny llama3_tiny qwen2_tiny; do
  compare "llama.cpp $fx.gguf / lora.h reading it" "$("$OUT/llama-loss" tests/fixtures/gguf/$fx.gguf "$OUT/ids24.txt")" \
    "$("$OUT/lorah-llama-case" loss tests/fixtures/gguf/$fx.gguf "$OUT/ids24.txt")" 1e-4
done
# Hugging Face tokenizers in our GGUF files: llama.cpp's ids = lora.h's (reading the same file) on
# 60 kB of the tokenizer corpus, for the compact Llama 3 (pre "llama-bpe") and Qwen3 ("qwen2")
# fixtures. The text is put in NFC and U+FEFF removed first: llama.cpp skips Qwen's NFC
# normalizer, and lora.h's \s includes U+FEFF (JavaScript's, see lora.h), llama.cpp's does not.
if [ -x /usr/bin/python3 ]; then
  head -c 60000 tests/fixtures/tokenizer/hf/corpus.txt | sed '$d' | /usr/bin/python3 -c '
import sys, unicodedata
sys.stdout.write(unicodedata.normalize("NFC", sys.stdin.read()).replace("\ufeff", ""))' > "$OUT/text.txt"
  for t in llama3 qwen3; do
    ours_ids=$("$OUT/lorah-llama-case" tok tests/fixtures/tokenizer/hf/$t "$OUT/tok-$t.gguf" "$OUT/text.txt")
    llama_ids=$("$OUT/llama-loss" "$OUT/tok-$t.gguf" --tokenize "$OUT/text.txt")
    if [ "$ours_ids" = "$llama_ids" ]; then echo "  tokenizer $t: llama.cpp's ids = lora.h's ($(echo $ours_ids | wc -w) ids)  ok"
    else fails=$((fails + 1)); echo "  tokenizer $t: FAIL"; fi
  done
fi
echo "llamacpp llama-family check: $fails failed"
[ "$fails" -eq 0 ]
