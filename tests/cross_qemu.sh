#!/bin/sh
# Cross-compiles the portable part of the suite for another architecture with its Debian cross
# compiler (-static) and runs it under qemu user-mode emulation:
#   aarch64  the NEON kernels (matmul, matrix-vector, vector math, generation) on arm64
#   s390x    a big-endian host: every file format (safetensors, llm.c checkpoints, adapters,
#            token files, trainer checkpoints, GGUF) must read and write the same little-endian bytes
# Exits non-zero if a build or a test fails. Usage (from anywhere):
#   sh tests/cross_qemu.sh aarch64|s390x [build-dir]       (default build/<arch>)
# Environment: CROSS_CC (<arch>-linux-gnu-gcc), QEMU (qemu-<arch>), CROSS_CFLAGS (-O2).
# Needs: apt-get install qemu-user gcc-<arch>-linux-gnu libc6-dev-<debian arch>-cross
set -eu
cd "$(dirname "$0")/.."
ARCH=${1:?usage: cross_qemu.sh aarch64|s390x [build-dir]}
CC=${CROSS_CC:-$ARCH-linux-gnu-gcc}
QEMU=${QEMU:-qemu-$ARCH}
CFLAGS=${CROSS_CFLAGS:--O2}
OUT=${2:-build/$ARCH}
mkdir -p "$OUT"
# headers from the current sources (independent of the generated ones in the root)
sh tools/amalgamate.sh "$OUT"
printf '#define LORA_IMPLEMENTATION\n#include "lora.h"\n#define GPT2_IMPLEMENTATION\n#include "gpt2.h"\n#define LLAMA_IMPLEMENTATION\n#include "llama.h"\n' > "$OUT/impl_lora.c"
status=0
# the kernels, then the model, LoRA, optimiser, file formats, parsers and tokenizer against the
# same fixtures as on x86 (tests that run the x86 tools, and the RSS-based memory test, are left out)
# (emulation is ~50x slower: the heaviest tests run where they test something this host adds: the
# bf16 kernels on arm64; on s390x the formats and the models' numerics, not the kernels again)
TESTS="test_authors test_threads test_matmul test_gemv test_determinism test_gpt2_oracle test_adapter_io test_checkpoint_format test_json test_safetensors test_pattern test_data test_tokenizer test_generate test_packing test_exact_match test_atomic test_gguf test_gguf_llama test_llama_oracle test_llama_io"
INTERNAL="test_internal_gradcheck test_internal_pack test_internal_direct test_internal_rowops test_internal_steal"
if [ "$ARCH" = aarch64 ]; then
  TESTS="$TESTS test_llama_gradcheck test_bf16"
  INTERNAL="$INTERNAL test_internal_rowops_llama test_internal_bf16"
fi
$CC $CFLAGS -std=c99 -Wall -Wextra -pedantic -I"$OUT" -c -o "$OUT/impl_lora.o" "$OUT/impl_lora.c"
for t in $TESTS; do
  $CC $CFLAGS -static -std=c99 -Wall -Wextra -pedantic -I"$OUT" -Itests -o "$OUT/$t" "tests/$t.c" "$OUT/impl_lora.o" -lm -lpthread
done
for t in $INTERNAL; do
  $CC $CFLAGS -static -std=c99 -Wall -Wextra -pedantic -I"$OUT" -Itests -o "$OUT/$t" "tests/$t.c" -lm -lpthread
done
mkdir -p build
for t in $TESTS $INTERNAL; do
  echo "== qemu-$ARCH $t"
  if ! "$QEMU" "$OUT/$t"; then status=1; fi
done
exit $status
