#!/bin/sh
# Runs every test binary given, prints each one's output and a closing total line. The failing
# tests' "FAILED" lines and the tail of their output are repeated just above the total, so a log
# that keeps only its last lines (as CI's does) still says what failed.
pass=0; fail=0; broken=""; report=""
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  printf '%s\n' "$out" | tail -n 40
  line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  p=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/'); f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  [ -n "$line" ] || { p=0; f=1; }
  [ $rc -ne 0 ] && [ "$f" = 0 ] && f=1
  if [ "$f" != 0 ]; then
    broken="$broken $t"
    report="$report
---- $t (exit $rc): failed checks, then its last lines
$(printf '%s\n' "$out" | grep -E 'FAIL|ERROR|error:|Sanitizer|runtime error' | head -n 30)
....
$(printf '%s\n' "$out" | tail -n 25)"
  fi
  pass=$((pass + p)); fail=$((fail + f))
done
[ -n "$report" ] && printf '%s\n' "$report"
[ -n "$broken" ] && echo "failing:$broken"
echo "total: $pass passed, $fail failed"
[ $fail -eq 0 ]
