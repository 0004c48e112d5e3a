#!/bin/sh
# Atomic writes reach the disk: under strace, every file lora-finetune publishes (adapter files,
# checkpoint files, the adapter and checkpoint directories themselves) is fsynced before it is
# renamed into place, and the directory it was renamed in is fsynced after the rename. Also
# lora-merge (weights + config.json) and lora_checkpoint_save. Needs strace (.ci/run installs it);
# without it the test says so and counts one skip as a failure-free run.
cd "$(dirname "$0")/.." || exit 1
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAILED: $*"; }
if ! command -v strace >/dev/null 2>&1; then
  echo "tests/test_fsync.sh: strace not installed: skipped"
  echo "tests/test_fsync.sh: 0 passed, 0 failed"
  exit 0
fi
out=$(mktemp -d)
FX=tests/fixtures/oracle/A
# checks one trace: for each rename(src, dst): src (an fd opened on it) was fsynced before (except
# the previous directory moved aside), and dst's directory is fsynced after the rename. Prints "renames N problems M" and the problems.
check() {
  awk '
    function dirof(p) { if (p ~ /\//) { sub(/\/[^\/]*$/, "", p); return p == "" ? "/" : p } return "." }
    {
      pid = $1
      if (match($0, /openat\(AT_FDCWD, "[^"]*"/)) {
        s = substr($0, RSTART, RLENGTH); sub(/^openat\(AT_FDCWD, "/, "", s); sub(/"$/, "", s)
        if (match($0, /= [0-9]+$/)) { fd = substr($0, RSTART + 2); path[pid, fd] = s }
      } else if (match($0, /fsync\([0-9]+\)/)) {
        fd = substr($0, RSTART + 6, RLENGTH - 7)
        if ($0 ~ /= 0$/) { synced[path[pid, fd]] = 1; delete pending[path[pid, fd]] }
      } else if (match($0, /rename\("[^"]*", "[^"]*"\) = 0/)) {
        split(substr($0, RSTART, RLENGTH), q, "\"")
        src = q[2]; dst = q[4]; n++
        # moving the previous directory aside (and its entries back) needs no data fsync
        if (!(src in synced) && src !~ /old-lora/ && dst !~ /old-lora/) { bad++; print "  " src " renamed without an fsync before" }
        pending[dirof(dst)] = 1
      }
    }
    END {
      for (d in pending) { bad++; print "  no fsync of directory " d " after a rename into it" }
      print "renames " n + 0 " problems " bad + 0
    }' "$1"
}
run() {   # name, command...
  name=$1; shift
  # LeakSanitizer cannot run under ptrace: off for the traced run (the sanitized suite runs this too)
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -qq -e trace=openat,fsync,rename -o "$out/$name.trace" "$@" > "$out/$name.log" 2>&1
  rc=$?
  [ $rc -eq 0 ] && ok || { bad "$name: exit $rc"; cat "$out/$name.log"; }
  res=$(check "$out/$name.trace")
  n=$(echo "$res" | tail -n 1 | awk '{print $2}')
  p=$(echo "$res" | tail -n 1 | awk '{print $4}')
  [ "$n" -ge "${MIN:-1}" ] && ok || bad "$name: only $n renames traced"
  [ "$p" -eq 0 ] && ok || { bad "$name: $p fsync problems"; echo "$res"; }
  echo "$name: $n renames, each fsynced before and its directory after"
}
MIN=6 run finetune build/lora-finetune --model $FX/model/model.safetensors --tokens $FX/tokens.bin --targets c_attn \
  --seq 16 --batch 2 --steps 2 --save-every 1 --quiet --threads 1 --adapter-out "$out/ad" --log "$out/log.jsonl" --svg "$out/loss.svg"
# the directories were replaced as a whole: both levels hold complete saves
[ -s "$out/ad/adapter_model.safetensors" ] && [ -s "$out/ad/checkpoint/trainer_state.bin" ] && ok || bad "adapter or checkpoint missing"
MIN=2 run merge build/lora-merge --model $FX/model/model.safetensors --adapter $FX/adapter --out "$out/merged/model.safetensors"
[ -s "$out/merged/config.json" ] && ok || bad "merge: config.json missing"
ls -a "$out" "$out/ad" "$out/merged" | grep -q 'tmp-lora\|old-lora' && bad "temporary files left behind" || ok
rm -rf "$out"
echo "tests/test_fsync.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
