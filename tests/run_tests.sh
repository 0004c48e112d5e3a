#!/bin/sh
# Runs every test binary given, prints each one's output and a closing total line.
pass=0; fail=0; broken=""
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  printf '%s\n' "$out" | tail -n 40
  line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  p=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/'); f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  [ -n "$line" ] || { p=0; f=1; }
  [ $rc -ne 0 ] && [ "$f" = 0 ] && f=1
  [ "$f" != 0 ] && broken="$broken $t"
  pass=$((pass + p)); fail=$((fail + f))
done
[ -n "$broken" ] && echo "failing:$broken"
echo "total: $pass passed, $fail failed"
[ $fail -eq 0 ]
