#!/bin/sh
# Embedding check: copy only lora.h, gpt2.h and one example into an empty folder and build it
# the way a user would (plain cc and c++, no flags beyond -O2), then run the self-contained ones.
cd "$(dirname "$0")/.." || exit 1
pass=0; fail=0
CC=${CC:-cc}; CXX=${CXX:-c++}
for ex in examples/*.c; do
  name=$(basename "$ex" .c)
  dir=$(mktemp -d)
  cp lora.h gpt2.h llama.h "$ex" "$dir/"
  if (cd "$dir" && $CC -O2 "$name.c" -o "$name" -lm -lpthread 2>err.txt && [ ! -s err.txt ]); then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAILED: $CC build of $name"; cat "$dir/err.txt"; fi
  if (cd "$dir" && $CXX -O2 -x c++ "$name.c" -o "${name}_cpp" -lm -lpthread 2>err.txt && [ ! -s err.txt ]); then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAILED: $CXX build of $name"; head -20 "$dir/err.txt"; fi
  case "$name" in
    inspect_targets|app_loop|custom_loop|llama_lora)
      if (cd "$dir" && ./"$name" > out.txt 2>&1 && ./"${name}_cpp" > out_cpp.txt 2>&1); then pass=$((pass+1)); else
        fail=$((fail+1)); echo "FAILED: running $name"; tail -5 "$dir/out.txt"; fi ;;
  esac
  if [ "$name" = inspect_targets ]; then
    if grep -q "trainable params: 811,008 || all params: 125,250,816 || trainable%: 0.6475" "$dir/out.txt"; then pass=$((pass+1)); else
      fail=$((fail+1)); echo "FAILED: inspect_targets did not print the 811,008 line"; fi
  fi
  rm -rf "$dir"
done
# every configuration macro of the header docs compiles without a warning (C and C++)
dir=$(mktemp -d)
cp lora.h gpt2.h llama.h "$dir/"
printf '#define LORA_IMPLEMENTATION\n#include "lora.h"\n#define GPT2_IMPLEMENTATION\n#include "gpt2.h"\n#define LLAMA_IMPLEMENTATION\n#include "llama.h"\nint main(void) { return 0; }\n' > "$dir/cfg.c"
for defs in "-DLORA_NO_THREADS" "-DLORA_NO_SIMD" "-DLORA_NO_AVX512" "-DLORA_NO_AVX2" "-DLORA_STATIC" \
            "-DLORA_NO_THREADS -DLORA_NO_SIMD -DLORA_STATIC"; do
  for c in "$CC -std=c99" "$CXX -x c++"; do
    # shellcheck disable=SC2086
    if (cd "$dir" && $c -O1 -Wall -Wextra -pedantic $defs -c cfg.c -o cfg.o 2>err.txt && [ ! -s err.txt ]); then pass=$((pass+1)); else
      fail=$((fail+1)); echo "FAILED: $c $defs"; head -10 "$dir/err.txt"; fi
  done
done
rm -rf "$dir"
# gpt2.h's implementation in a translation unit of its own, lora.h's in another (gpt2.h uses only
# lora.h's public API): compiled as C and as C++, linked, run. No part of src/gpt2 may spell lora.h's
# internal names (lora__*, LORA__*, the LORA_FREE hooks).
dir=$(mktemp -d)
mkdir -p "$dir/src" "$dir/tools"
cp -r src/lora src/gpt2 src/llama "$dir/src/"
cp tools/amalgamate.sh "$dir/tools/"
for part in src/gpt2/* src/llama/*; do
  if grep -q 'lora__\|LORA__\|LORA_FREE\|LORA_MALLOC\|LORA_REALLOC' "$part"; then
    fail=$((fail+1)); echo "FAILED: $part uses lora.h's internal names"; grep -n 'lora__\|LORA__\|LORA_FREE\|LORA_MALLOC\|LORA_REALLOC' "$part" | head -5
  else pass=$((pass+1)); fi
done
(cd "$dir" && sh tools/amalgamate.sh)
printf '#define LORA_IMPLEMENTATION\n#include "lora.h"\n' > "$dir/lora_impl.c"
printf '#define GPT2_IMPLEMENTATION\n#include "gpt2.h"\n' > "$dir/gpt2_impl.c"
cat > "$dir/main.c" <<'EOC'
#include "gpt2.h"
#include <stdio.h>
#include <string.h>
/* a tiny model through gpt2.h's own translation unit: save, load back, same logits; errors as usual */
int main(void) {
    gpt2_config cfg;
    gpt2_model *m = NULL, *m2 = NULL;
    int32_t ids[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    float l1 = 0, l2 = 0;
    lora_memory_estimate e;
    if (gpt2_config_preset("tiny", &cfg) != LORA_OK || gpt2_model_create(&cfg, NULL, &m) != LORA_OK) return 1;
    gpt2_model_init_random(m, 7);
    if (gpt2_model_save_llmc(m, "tiny.bin") != LORA_OK || gpt2_model_load("tiny.bin", NULL, NULL, &m2) != LORA_OK) return 2;
    if (gpt2_forward(m, ids, ids, 2, 4, &l1) != LORA_OK || gpt2_forward(m2, ids, ids, 2, 4, &l2) != LORA_OK) return 3;
    if (l1 != l2 || memcmp(gpt2_logits(m), gpt2_logits(m2), sizeof(float) * 8 * (size_t)cfg.vocab_size) != 0) return 4;
    gpt2_estimate_memory(&cfg, NULL, 0, 2, 4, 1, &e);
    if (e.activations == 0) return 5;
    if (gpt2_config_preset("gpt5", &cfg) != LORA_ERR_NOT_FOUND || !strstr(lora_last_error(), "gpt5")) return 6;
    gpt2_model_free(m); gpt2_model_free(m2);
    printf("ok\n");
    return 0;
}
EOC
# the partial header leaves later parts' declarations undefined and their helpers unused
w="-Wall -Wextra -pedantic"
# shellcheck disable=SC2086
if (cd "$dir" && $CC -std=c99 $w -O1 -c lora_impl.c && $CC -std=c99 $w -O1 -c gpt2_impl.c && $CC -std=c99 $w -O1 -c main.c &&
    $CC -o two_tu lora_impl.o gpt2_impl.o main.o -lm -lpthread && ./two_tu) > "$dir/err.txt" 2>&1 && grep -qx ok "$dir/err.txt" &&
   ! grep -q warning "$dir/err.txt"; then pass=$((pass+1)); else
  fail=$((fail+1)); echo "FAILED: gpt2.h's implementation in its own translation unit ($CC)"; head -20 "$dir/err.txt"; fi
# shellcheck disable=SC2086
if (cd "$dir" && $CXX -x c++ $w -O1 -c gpt2_impl.c -o gpt2_impl_cpp.o && $CXX -o two_tu_cpp lora_impl.o gpt2_impl_cpp.o main.o -lm -lpthread &&
    ./two_tu_cpp) > "$dir/err.txt" 2>&1 && grep -qx ok "$dir/err.txt" && ! grep -q warning "$dir/err.txt"; then pass=$((pass+1)); else
  fail=$((fail+1)); echo "FAILED: gpt2.h's implementation in its own translation unit ($CXX)"; head -20 "$dir/err.txt"; fi
# llama.h's implementation in a translation unit of its own, like gpt2.h's above
printf '#define LLAMA_IMPLEMENTATION\n#include "llama.h"\n' > "$dir/llama_impl.c"
cat > "$dir/lmain.c" <<'EOC'
#include "llama.h"
#include <stdio.h>
#include <string.h>
/* a tiny Qwen3 through llama.h's own translation unit: save, load back, same logits, a backward */
int main(void) {
    llama_config cfg;
    llama_model *m = NULL;
    lora_model *b2 = NULL;
    const lora_model_family *fams[1];
    int32_t ids[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    float l1 = 0, l2 = 0;
    lora_memory_estimate e;
    fams[0] = llama_family();
    if (llama_config_preset("tiny-qwen3", &cfg) != LORA_OK || llama_model_create(&cfg, NULL, &m) != LORA_OK) return 1;
    llama_model_init_random(m, 7);
    if (llama_model_save(m, "tq/model.safetensors") != LORA_OK || lora_model_open(fams, 1, "tq", NULL, NULL, 0, NULL, &b2) != LORA_OK) return 2;
    if (lora_model_forward(llama_model_base(m), ids, ids, 2, 4, &l1) != LORA_OK || lora_model_forward(b2, ids, ids, 2, 4, &l2) != LORA_OK) return 3;
    if (l1 != l2 || memcmp(lora_model_logits(llama_model_base(m)), lora_model_logits(b2), sizeof(float) * 8 * (size_t)cfg.vocab_size) != 0) return 4;
    if (lora_model_set_full_finetune(b2, 1) != LORA_OK || lora_model_backward(b2) != LORA_OK) return 5;
    lora_model_estimate_memory(b2, NULL, 0, 2, 4, 1, &e);
    if (e.activations == 0) return 6;
    if (llama_config_preset("llama-9", &cfg) != LORA_ERR_NOT_FOUND || !strstr(lora_last_error(), "llama-9")) return 7;
    lora_model_free(llama_model_base(m)); lora_model_free(b2);
    printf("ok\n");
    return 0;
}
EOC
# shellcheck disable=SC2086
if (cd "$dir" && $CC -std=c99 $w -O1 -c llama_impl.c && $CC -std=c99 $w -O1 -c lmain.c &&
    $CC -o two_tu_llama lora_impl.o llama_impl.o lmain.o -lm -lpthread && ./two_tu_llama) > "$dir/err.txt" 2>&1 && grep -qx ok "$dir/err.txt" &&
   ! grep -q warning "$dir/err.txt"; then pass=$((pass+1)); else
  fail=$((fail+1)); echo "FAILED: llama.h's implementation in its own translation unit ($CC)"; head -20 "$dir/err.txt"; fi
# shellcheck disable=SC2086
if (cd "$dir" && $CXX -x c++ $w -O1 -c llama_impl.c -o llama_impl_cpp.o && $CXX -o two_tu_llama_cpp lora_impl.o llama_impl_cpp.o lmain.o -lm -lpthread &&
    ./two_tu_llama_cpp) > "$dir/err.txt" 2>&1 && grep -qx ok "$dir/err.txt" && ! grep -q warning "$dir/err.txt"; then pass=$((pass+1)); else
  fail=$((fail+1)); echo "FAILED: llama.h's implementation in its own translation unit ($CXX)"; head -20 "$dir/err.txt"; fi
rm -rf "$dir"
echo "tests/test_embed.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
