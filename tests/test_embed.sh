#!/bin/sh
# Embedding check: copy only lora.h, gpt2.h and one example into an empty folder and build it
# the way a user would (plain cc and c++, no flags beyond -O2), then run the self-contained ones.
cd "$(dirname "$0")/.." || exit 1
pass=0; fail=0
CC=${CC:-cc}; CXX=${CXX:-c++}
for ex in examples/*.c; do
  name=$(basename "$ex" .c)
  dir=$(mktemp -d)
  cp lora.h gpt2.h "$ex" "$dir/"
  if (cd "$dir" && $CC -O2 "$name.c" -o "$name" -lm -lpthread 2>err.txt && [ ! -s err.txt ]); then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAILED: $CC build of $name"; cat "$dir/err.txt"; fi
  if (cd "$dir" && $CXX -O2 -x c++ "$name.c" -o "${name}_cpp" -lm -lpthread 2>err.txt && [ ! -s err.txt ]); then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAILED: $CXX build of $name"; head -20 "$dir/err.txt"; fi
  case "$name" in
    inspect_targets|app_loop|custom_loop)
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
cp lora.h gpt2.h "$dir/"
printf '#define LORA_IMPLEMENTATION\n#include "lora.h"\n#define GPT2_IMPLEMENTATION\n#include "gpt2.h"\nint main(void) { return 0; }\n' > "$dir/cfg.c"
for defs in "-DLORA_NO_THREADS" "-DLORA_NO_SIMD" "-DLORA_NO_AVX512" "-DLORA_NO_AVX2" "-DLORA_STATIC" \
            "-DLORA_NO_THREADS -DLORA_NO_SIMD -DLORA_STATIC"; do
  for c in "$CC -std=c99" "$CXX -x c++"; do
    # shellcheck disable=SC2086
    if (cd "$dir" && $c -O1 -Wall -Wextra -pedantic $defs -c cfg.c -o cfg.o 2>err.txt && [ ! -s err.txt ]); then pass=$((pass+1)); else
      fail=$((fail+1)); echo "FAILED: $c $defs"; head -10 "$dir/err.txt"; fi
  done
done
rm -rf "$dir"
echo "tests/test_embed.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
