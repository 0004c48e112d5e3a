/* The command-line tools agree with the PyTorch oracle: lora-eval's loss equals the oracle's
   forward loss, lora-finetune's adapter and per-step log equal the oracle's train command,
   lora-merge's output equals the oracle's merged model, lora-inspect prints PEFT's numbers,
   and our adapter writer reproduces the oracle's (PEFT's) files byte for byte. */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <stdlib.h>

#define FX "tests/fixtures/oracle/"


static int same_file(const char *a, const char *b) {
    size_t na = 0, nb = 0;
    char *x = test_slurp(a, &na), *y = test_slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x); free(y);
    return same;
}

static double oracle_loss(const char *path) {
    lora_safetensors *st;
    float v = NAN;
    if (lora_st_open(path, &st) != LORA_OK) return NAN;
    if (lora_st_find(st, "loss")) lora_st_read_f32(st, lora_st_find(st, "loss"), &v, 1);
    lora_st_close(st);
    return v;
}

int main(void) {
    char *out;
    int rc;
    /* lora-eval: one batch of the oracle's forward */
    rc = system("build/lora-eval --model " FX "A/model/model.safetensors --adapter " FX "A/adapter --tokens " FX "A/tokens.bin "
                "--batch 2 --seq 16 --max-batches 1 --json > build/test_tools_eval.json");
    CHECK(rc == 0);
    out = test_slurp("build/test_tools_eval.json", NULL);
    CHECK(out != NULL);
    if (out) {
        lora_json *j = NULL;
        double loss = NAN, ppl = NAN, ref = oracle_loss(FX "A/fwd.safetensors");
        CHECK_OK(lora_json_parse(out, strlen(out), "lora-eval output", &j));
        CHECK(lora_json_get_number(j, "loss", &loss) && lora_json_get_number(j, "perplexity", &ppl));
        CHECK_MSG(fabs(loss - ref) < 1e-5 * ref, "lora-eval loss %.9g vs oracle %.9g", loss, ref);
        CHECK_NEAR(ppl, exp(ref), 1e-4 * exp(ref));
        lora_json_free(j);
        free(out);
    }
    /* lora-finetune vs oracle.py train (same settings as tests/fixtures/oracle/make_fixtures.sh) */
    rc = system("rm -rf build/test_tools_ft && build/lora-finetune --no-shuffle --model " FX "A/model/model.safetensors --tokens " FX "A/tokens.bin "
                "--adapter-in " FX "A/adapter --batch 2 --seq 16 --steps 10 --lr 1e-2 --weight-decay 0.01 --grad-clip 1.0 --warmup 2 "
                "--schedule cosine --dropout 0 --adapter-out build/test_tools_ft --log build/test_tools_ft.jsonl --quiet --threads 2");
    CHECK(rc == 0);
    {
        gpt2_model *m = NULL;
        lora_adapter *ours = NULL, *ref = NULL;
        CHECK_OK(gpt2_model_load(FX "A/model/model.safetensors", NULL, NULL, &m));
        CHECK_OK(gpt2_lora_load(m, "build/test_tools_ft", &ours, NULL));
        CHECK_OK(gpt2_lora_load(m, FX "A/trained", &ref, NULL));
        if (ours && ref) {
            int i;
            double worst = 0;
            for (i = 0; i < ours->n_modules; i++) {
                double a = test_max_abs_diff(ours->modules[i].A, ref->modules[i].A, (long)ours->modules[i].r * ours->modules[i].in);
                double b = test_max_abs_diff(ours->modules[i].B, ref->modules[i].B, (long)ours->modules[i].r * ours->modules[i].out);
                if (a > worst) worst = a;
                if (b > worst) worst = b;
            }
            CHECK_MSG(worst < 1e-3, "lora-finetune adapter differs from the oracle's by %g", worst);
        }
        CHECK(same_file("build/test_tools_ft/adapter_config.json", FX "A/trained/adapter_config.json"));
        lora_adapter_free(ours); lora_adapter_free(ref);
        /* our writer reproduces the oracle's adapter files exactly */
        CHECK_OK(gpt2_lora_load(m, FX "A/adapter", &ours, NULL));
        if (ours) {
            CHECK_OK(lora_adapter_save(ours, "build/test_tools_resaved", 1));
            CHECK(same_file("build/test_tools_resaved/adapter_model.safetensors", FX "A/adapter/adapter_model.safetensors"));
            CHECK(same_file("build/test_tools_resaved/adapter_config.json", FX "A/adapter/adapter_config.json"));
            lora_adapter_free(ours);
        }
        gpt2_model_free(m);
        m = NULL;
        CHECK_OK(gpt2_model_load(FX "B/model/model.safetensors", NULL, NULL, &m));
        CHECK_OK(gpt2_lora_load(m, FX "B/adapter", &ours, NULL));
        if (ours) {
            CHECK_OK(lora_adapter_save(ours, "build/test_tools_resaved_b", 1));
            CHECK(same_file("build/test_tools_resaved_b/adapter_config.json", FX "B/adapter/adapter_config.json"));
            lora_adapter_free(ours);
        }
        gpt2_model_free(m);
    }
    /* the per-step log: one JSON object per line with step, loss, lr, grad_norm, ms */
    out = test_slurp("build/test_tools_ft.jsonl", NULL);
    CHECK(out != NULL);
    if (out) {
        char *line = out, *nl;
        int n = 0;
        size_t ref_len = 0;
        char *ref_text = test_slurp(FX "A/losses.json", &ref_len);
        lora_json *ref = NULL;
        const lora_json *steps = NULL;
        if (ref_text && lora_json_parse(ref_text, ref_len, "losses.json", &ref) == LORA_OK) steps = lora_json_get(ref, "steps");
        while ((nl = strchr(line, '\n')) != NULL) {
            lora_json *j = NULL;
            double step, loss, lr, gn, ms;
            *nl = 0;
            CHECK_OK(lora_json_parse(line, strlen(line), "log line", &j));
            CHECK(j && lora_json_get_number(j, "step", &step) && lora_json_get_number(j, "loss", &loss) &&
                  lora_json_get_number(j, "lr", &lr) && lora_json_get_number(j, "grad_norm", &gn) && lora_json_get_number(j, "ms", &ms));
            if (steps && (size_t)n < steps->n) {
                double rl = 0, rlr = 0, rgn = 0;
                lora_json_get_number(&steps->items[n], "loss", &rl);
                lora_json_get_number(&steps->items[n], "lr", &rlr);
                lora_json_get_number(&steps->items[n], "grad_norm", &rgn);
                CHECK_MSG(fabs(loss - rl) < 1e-4 * rl, "step %d loss %.9g vs %.9g", n, loss, rl);
                CHECK_NEAR(lr, rlr, 1e-9);
                CHECK_MSG(fabs(gn - rgn) < 1e-3 * rgn, "step %d grad_norm %.9g vs %.9g", n, gn, rgn);
            }
            lora_json_free(j);
            n++;
            line = nl + 1;
        }
        CHECK(n == 10);
        lora_json_free(ref);
        free(ref_text);
        free(out);
    }
    /* lora-merge equals the oracle's merged model */
    rc = system("mkdir -p build/test_tools_merged && build/lora-merge --model " FX "A/model/model.safetensors --adapter " FX "A/adapter "
                "--out build/test_tools_merged/model.safetensors > /dev/null");
    CHECK(rc == 0);
    {
        gpt2_model *a = NULL, *b = NULL;
        CHECK_OK(gpt2_model_load("build/test_tools_merged/model.safetensors", NULL, NULL, &a));
        CHECK_OK(gpt2_model_load(FX "A/merged/model.safetensors", NULL, NULL, &b));
        if (a && b) {
            int i;
            for (i = 0; i < gpt2_model_num_tensors(a); i++) {
                float *x, *y;
                int64_t sh[2];
                int nd;
                gpt2_model_tensor(a, i, &nd, sh, &x);
                gpt2_model_tensor(b, i, NULL, NULL, &y);
                CHECK(test_max_abs_diff(x, y, (long)(sh[0] * (nd > 1 ? sh[1] : 1))) < 1e-6);
            }
        }
        gpt2_model_free(a); gpt2_model_free(b);
    }
    /* lora-inspect prints PEFT's numbers for GPT-2 124M without any weights */
    rc = system("build/lora-inspect --preset gpt2 --targets c_attn,c_proj --r 8 > build/test_tools_inspect.txt");
    CHECK(rc == 0);
    out = test_slurp("build/test_tools_inspect.txt", NULL);
    CHECK(out && strstr(out, "trainable params: 811,008 || all params: 125,250,816 || trainable%: 0.6475"));
    CHECK(out && strstr(out, "(8, 768)") && strstr(out, "(2304, 8)") && strstr(out, "24,576"));
    CHECK(out && strstr(out, "c_attn            12") && strstr(out, "c_proj            24") && strstr(out, "c_fc              12") &&
          strstr(out, "lm_head            1"));
    free(out);
    rc = system("build/lora-inspect --preset gpt2 --targets q_proj > build/test_tools_inspect_bad.txt 2>&1");
    CHECK(rc != 0);
    out = test_slurp("build/test_tools_inspect_bad.txt", NULL);
    CHECK(out && strstr(out, "q_proj") && strstr(out, "not found") && strstr(out, "c_attn, c_proj, c_fc, lm_head"));
    free(out);
    return TEST_END();
}
