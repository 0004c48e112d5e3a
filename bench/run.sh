#!/bin/sh
# Runs the benchmarks built in BUILD_DIR (default: build): bench-matmul first, then
# every other BUILD_DIR/bench-* (e.g. bench-train), each writing BUILD_DIR/<name>.json.
# Usage: sh bench/run.sh [BUILD_DIR]      (make bench does this)
# bench-matmul compares with OpenBLAS, loaded at run time if libopenblas.so.0 is
# installed. Debian's OpenBLAS mis-detects recent AVX-512 CPUs (it falls back to a
# Haswell or generic kernel), so on AVX-512 machines OPENBLAS_CORETYPE is exported as
# SkylakeX, its best kernel there (set LORA_BENCH_OPENBLAS_CORETYPE to pick another).
# bench-matmul prints the kernel OpenBLAS reports (openblas_get_corename).
set -u
BUILD=${1:-build}
if [ -n "${LORA_BENCH_OPENBLAS_CORETYPE:-}" ]; then
  OPENBLAS_CORETYPE=$LORA_BENCH_OPENBLAS_CORETYPE
  export OPENBLAS_CORETYPE
elif grep -q avx512f /proc/cpuinfo 2>/dev/null; then
  OPENBLAS_CORETYPE=SkylakeX
  export OPENBLAS_CORETYPE
fi
# OpenBLAS's worker threads busy-wait after each call (2^28 cycles by default) and then steal the
# second core from our threads when the two libraries are timed back to back; let them sleep.
OPENBLAS_THREAD_TIMEOUT=${OPENBLAS_THREAD_TIMEOUT:-4}
export OPENBLAS_THREAD_TIMEOUT
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(auto)}${OPENBLAS_L2_SIZE:+ OPENBLAS_L2_SIZE=$OPENBLAS_L2_SIZE}"
status=0
run() {
  name=$(basename "$1")
  echo "== $name"
  "$1" "$BUILD/$name.json" || { echo "bench/run.sh: $name failed" >&2; status=1; }
}
if [ -x "$BUILD/bench-matmul" ]; then
  run "$BUILD/bench-matmul"
else
  echo "bench/run.sh: $BUILD/bench-matmul is not built (make bench)" >&2
  status=1
fi
for b in "$BUILD"/bench-*; do
  [ -f "$b" ] && [ -x "$b" ] || continue
  case $b in */bench-matmul) continue ;; esac
  run "$b"
done
# PyTorch on the same machine in the same run (Debian's python3-torch), when available
ORACLE=${LORA_ORACLE_DIR:-../shared/oracle}
if [ -z "${LORA_BENCH_NO_TORCH:-}" ] && [ -f "$ORACLE/bench_torch.py" ] && [ -f "$BUILD/bench-train.json" ] &&
   /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "== PyTorch peer: $ORACLE/bench_torch.py (2 threads, OpenBLAS SkylakeX kernels)"
  /usr/bin/python3 "$ORACLE/bench_torch.py" --only lora:4x128,full:4x64,infer:4x128,lora_smollm2:4x128 --threads 2 --coretypes SkylakeX \
    --steps 5 --warmup 2 --wait-idle 30 --json "$BUILD/bench-torch.json" || status=1
  echo "== lora.h / gpt2.h / llama.h vs PyTorch"
  /usr/bin/python3 bench/compare.py "$BUILD/bench-train.json" "$BUILD/bench-torch.json" "$BUILD/bench-llama.json" || status=1
else
  echo "(PyTorch peer skipped: needs /usr/bin/python3 with torch and $ORACLE/bench_torch.py)"
fi
exit $status
