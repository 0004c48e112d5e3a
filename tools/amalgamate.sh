#!/bin/sh
# Builds the single-file headers lora.h, gpt2.h and llama.h from their parts in src/.
# Each part is a pair: NN_name.api.h (public declarations, emitted in the header
# section) and NN_name.impl.c (emitted inside the IMPLEMENTATION guard). Parts are
# concatenated in file-name order. Usage: tools/amalgamate.sh [outdir]
set -eu
out=${1:-.}
build() { # name GUARD
  name=$1; guard=$2; dir=src/$name
  tmp="$out/$name.h.tmp.$$"
  {
    cat "$dir/header_docs.txt"
    printf '#ifndef %s_H\n#define %s_H\n\n' "$guard" "$guard"
    for f in "$dir"/*.api.h; do
      printf '/* ---- %s ---- */\n' "${f#src/}"; cat "$f"; printf '\n'
    done
    printf '#endif /* %s_H */\n\n' "$guard"
    printf '#ifdef %s_IMPLEMENTATION\n#ifndef %s_IMPLEMENTATION_DONE\n#define %s_IMPLEMENTATION_DONE\n\n' "$guard" "$guard" "$guard"
    for f in "$dir"/*.impl.c; do
      printf '/* ---- %s ---- */\n' "${f#src/}"; cat "$f"; printf '\n'
    done
    printf '#endif /* %s_IMPLEMENTATION_DONE */\n#endif /* %s_IMPLEMENTATION */\n\n' "$guard" "$guard"
    cat "$dir/footer.txt"
  } > "$tmp"
  mv "$tmp" "$out/$name.h"
}
build lora LORA
build gpt2 GPT2
build llama LLAMA
