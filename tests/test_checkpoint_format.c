/* The training checkpoint format is little-endian on every host: a checkpoint written here is
   byte-identical to the committed fixture (written on x86), and the fixture loads back into the
   same values, moments, step and training position (this test also runs on big-endian s390x
   under qemu, see tests/cross_qemu.sh). Regenerate the fixture with: build/test_checkpoint_format --write */
#include "lora.h"
#include "test.h"
#include <stdlib.h>
#include <string.h>

#define FIXTURE "tests/fixtures/trainer_state_le.bin"


int main(int argc, char **argv) {
    float a[5], ga[5], b[3], gb[3];
    lora_param params[2];
    lora_adamw_config cfg = lora_adamw_config_init();
    lora_adamw *opt = NULL;
    lora_train_state st, back;
    const char *out = argc > 1 && !strcmp(argv[1], "--write") ? FIXTURE : "build/test_checkpoint_format.bin";
    int i;
    double gn, lr;
    for (i = 0; i < 5; i++) { a[i] = 0.25f * (float)i - 1.0f; ga[i] = 0.125f * (float)(i + 1); }
    for (i = 0; i < 3; i++) { b[i] = 3.5f - (float)i; gb[i] = -0.5f * (float)i; }
    params[0].name = "h.0.attn.c_attn.lora_A"; params[0].value = a; params[0].grad = ga; params[0].n = 5;
    params[1].name = "h.0.attn.c_attn.lora_B"; params[1].value = b; params[1].grad = gb; params[1].n = 3;
    cfg.lr = 1e-2;
    CHECK_OK(lora_adamw_create(&cfg, params, 2, &opt));
    if (!opt) return TEST_END();
    /* moments and step set by hand, exact binary fractions (AdamW steps, or decimal constants
       evaluated in wider precision on some targets, could differ in the last bit) */
    for (i = 0; i < 5; i++) { opt->m[0][i] = 0.03125f * (float)i; opt->v[0][i] = 0.0009765625f * (float)(i + 1); }
    for (i = 0; i < 3; i++) { opt->m[1][i] = -0.0625f * (float)i; opt->v[1][i] = 0.00048828125f * (float)(i + 2); }
    opt->step = 2;
    memset(&st, 0, sizeof st);
    st.step = 2; st.data_pos = 0x0102030405060708ull; st.epoch = 3; st.seed = 42; st.dropout_step = 7;
    st.best_val_loss = 1.5; st.elapsed_seconds = 12.25;
    CHECK_OK(lora_checkpoint_save(out, opt, &st));
    {
        size_t n1 = 0, n2 = 0;
        char *x = test_slurp(out, &n1), *y = test_slurp(FIXTURE, &n2);
        CHECK_MSG(x && y && n1 == n2 && n1 > 0 && !memcmp(x, y, n1), "%s differs from %s (%zu vs %zu bytes)", out, FIXTURE, n1, n2);
        free(x); free(y);
    }
    {   /* the fixture restores exactly what was saved */
        float a2[5], b2[3];
        memcpy(a2, a, sizeof a); memcpy(b2, b, sizeof b);
        for (i = 0; i < 5; i++) a[i] = 0.0f;
        for (i = 0; i < 3; i++) b[i] = 0.0f;
        memset(&back, 0, sizeof back);
        CHECK_OK(lora_checkpoint_load(FIXTURE, opt, &back));
        CHECK(!memcmp(a, a2, sizeof a) && !memcmp(b, b2, sizeof b));
        CHECK(opt->step == 2 && opt->m[0][3] == 0.09375f && opt->v[0][4] == 0.0048828125f && opt->m[1][2] == -0.125f && opt->v[1][0] == 0.0009765625f);
        CHECK(back.step == 2 && back.data_pos == 0x0102030405060708ull && back.epoch == 3 && back.seed == 42 &&
              back.dropout_step == 7 && back.best_val_loss == 1.5 && back.elapsed_seconds == 12.25);
        /* the same next step from the restored state as from the original */
        CHECK_OK(lora_adamw_step(opt, NULL, &gn, &lr));
        CHECK(a[0] != a2[0]);
    }
    lora_adamw_free(opt);
    return TEST_END();
}
