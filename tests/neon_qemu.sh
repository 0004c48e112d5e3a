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
printf '#define LORA_IMPLEMENTATION\n#include "lora.h"\n' > "$OUT/impl_lora.c"
status=0
for t in test_threads test_matmul; do
  $CC $CFLAGS -static -std=c99 -Wall -Wextra -pedantic -I"$OUT" -Itests -o "$OUT/$t" "tests/$t.c" "$OUT/impl_lora.c" -lm -lpthread
done
for t in test_threads test_matmul; do
  echo "== qemu-aarch64 $t"
  if ! "$QEMU" "$OUT/$t"; then status=1; fi
done
exit $status
