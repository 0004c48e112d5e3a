#!/bin/sh
# Cross-compiles the matmul and thread-pool tests for arm64 (exercising the NEON
# kernels) with aarch64-linux-gnu-gcc -static and runs them under qemu-aarch64.
# Exits non-zero if a build or a test fails. Usage (from anywhere):
#   sh tests/neon_qemu.sh [build-dir]          (default build/neon)
# Environment: CROSS_CC (aarch64-linux-gnu-gcc), QEMU (qemu-aarch64), CROSS_CFLAGS (-O2).
# Needs: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
set -eu
cd "$(dirname "$0")/.."
CC=${CROSS_CC:-aarch64-linux-gnu-gcc}
QEMU=${QEMU:-qemu-aarch64}
CFLAGS=${CROSS_CFLAGS:--O2}
OUT=${1:-build/neon}
mkdir -p "$OUT"
# headers from the current sources (independent of the generated ones in the root)
sh tools/amalgamate.sh "$OUT"
printf '#define LORA_IMPLEMENTATION\n#include "lora.h"\n#define GPT2_IMPLEMENTATION\n#include "gpt2.h"\n' > "$OUT/impl_lora.c"
status=0
# the kernels, then the model, LoRA, optimiser, parsers and tokenizer against the same
# fixtures as on x86 (tests that run the x86 tools, and the RSS-based memory test, are left out)
TESTS="test_threads test_matmul test_gpt2_oracle test_adapter_io test_json test_safetensors test_pattern test_data test_tokenizer test_generate"
for t in $TESTS; do
  $CC $CFLAGS -static -std=c99 -Wall -Wextra -pedantic -I"$OUT" -Itests -o "$OUT/$t" "tests/$t.c" "$OUT/impl_lora.c" -lm -lpthread
done
$CC $CFLAGS -static -std=c99 -Wall -Wextra -pedantic -I"$OUT" -Itests -o "$OUT/test_internal_gradcheck" tests/test_internal_gradcheck.c -lm -lpthread
mkdir -p build
for t in $TESTS test_internal_gradcheck; do
  echo "== qemu-aarch64 $t"
  if ! "$QEMU" "$OUT/$t"; then status=1; fi
done
exit $status
