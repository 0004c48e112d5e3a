/* build/lora-export (GGUF for llama.cpp) from the command line, and the other tools taking a GGUF
   model (--model FILE.gguf, tokenizer from the file): the F16 model and the adapter equal the
   golden files of test_gguf byte for byte, lora-eval gives the same loss on the GGUF model as on
   the safetensors one (with the PEFT adapter, and merged), lora-generate runs on it, and the
   command-line errors. Uses the tiny GPT-2 of tests/fixtures/gguf (gguf-py's fixture weights), and
   gguf-py's tiny llama with the oracle's PEFT adapter (merged / adapter-only; Qwen3 refused). */
#include "lora.h"
#include "gpt2.h"
#include "test.h"
#include <stdlib.h>

#define FX "tests/fixtures/gguf/"
#define OUT "build/export_test/"
#define MODEL FX "gpt2_tiny_hf/model.safetensors"

static int same_file(const char *a, const char *b) {
    size_t na = 0, nb = 0;
    char *x = test_slurp(a, &na), *y = test_slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x); free(y);
    return same;
}

static float fx_value(long i) { return (float)((i * 37) % 101 - 50) / 16.0f; }

/* the adapters: "golden" as test_gguf's (c_attn, c_fc, lm_head; r 4, alpha 8, rsLoRA), "nolm" without lm_head */
static void make_adapters(void) {
    const lora_model_family *fams[1];
    lora_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_config c = lora_config_init();
    static const char *const targets[3] = {"c_attn", "c_fc", "lm_head"};
    int k, i;
    int64_t j;
    fams[0] = gpt2_family();
    CHECK_OK(lora_model_open(fams, 1, MODEL, NULL, NULL, 0, NULL, &m));
    if (!m) return;
    c.r = 4; c.alpha = 8; c.use_rslora = 1; c.seed = 7;
    c.target.targets = targets;
    for (k = 0; k < 2; k++) {
        c.target.n_targets = k == 0 ? 3 : 2;
        CHECK_OK(lora_model_adapter_create(m, &c, &ad));
        if (!ad) break;
        for (i = 0; i < ad->n_modules; i++)
            for (j = 0; j < (int64_t)ad->modules[i].out * ad->modules[i].r; j++) ad->modules[i].B[j] = fx_value(j + i) / 8.0f;
        CHECK_OK(lora_model_adapter_save(m, ad, k == 0 ? OUT "golden" : OUT "nolm"));
        lora_adapter_free(ad);
        ad = NULL;
    }
    lora_model_free(m);
}

static double eval_loss_on(const char *args, const char *tokens) {
    char cmd[1024];
    char *out;
    double loss = NAN;
    snprintf(cmd, sizeof cmd, "build/lora-eval %s --tokens %s --batch 1 --seq 16 --json > " OUT "eval.json", args, tokens);
    if (system(cmd) != 0) return NAN;
    if ((out = test_slurp(OUT "eval.json", NULL)) != NULL) {
        lora_json *j = NULL;
        if (lora_json_parse(out, strlen(out), "lora-eval output", &j) == LORA_OK) lora_json_get_number(j, "loss", &loss);
        lora_json_free(j);
        free(out);
    }
    return loss;
}
static double eval_loss(const char *args) { return eval_loss_on(args, OUT "tokens.bin"); }

int main(void) {
    static const unsigned short ids[16] = {5, 80, 17, 200, 3, 99, 256, 270, 12, 45, 33, 1, 2, 100, 150, 7};
    lora_gguf *g = NULL;
    char *out;
    double a, b;
    FILE *f;
    int i;
    CHECK(system("rm -rf " OUT " && mkdir -p " OUT) == 0);
    if ((f = fopen(OUT "tokens.bin", "wb")) != NULL) {   /* uint16 little-endian ids */
        for (i = 0; i < 16; i++) { fputc(ids[i] & 255, f); fputc(ids[i] >> 8, f); }
        fclose(f);
    }
    make_adapters();
    /* the model (tokenizer from the model's directory) and the adapter: the goldens */
    CHECK(system("build/lora-export --model " MODEL " --dtype f16 --out " OUT "base_f16.gguf > " OUT "out.txt") == 0);
    CHECK(same_file(OUT "base_f16.gguf", FX "golden_gpt2_tiny_f16.gguf"));
    out = test_slurp(OUT "out.txt", NULL);
    CHECK(out && strstr(out, "wrote " OUT "base_f16.gguf: gpt2 model, f16"));
    free(out);
    CHECK(system("build/lora-export --model " MODEL " --adapter " OUT "golden --adapter-only --out " OUT "adapter.gguf > /dev/null") == 0);
    CHECK(same_file(OUT "adapter.gguf", FX "golden_adapter.gguf"));
    /* the GGUF model in the other tools: the same loss as the safetensors model */
    CHECK(system("build/lora-export --model " MODEL " --out " OUT "base.gguf > /dev/null") == 0);
    a = eval_loss("--model " MODEL " --adapter " OUT "golden");
    b = eval_loss("--model " OUT "base.gguf --adapter " OUT "golden");
    CHECK(a == a && a == b);
    /* merged: the adapted model */
    CHECK(system("build/lora-export --model " MODEL " --adapter " OUT "nolm --out " OUT "merged.gguf > /dev/null") == 0);
    a = eval_loss("--model " MODEL " --adapter " OUT "nolm");
    b = eval_loss("--model " OUT "merged.gguf");
    CHECK_MSG(a == a && fabs(a - b) < 1e-5 * a, "merged %.9g vs adapter %.9g", b, a);
    CHECK_OK(lora_gguf_open(OUT "merged.gguf", &g));
    if (g) {
        const char *s = NULL;
        CHECK(lora_gguf_get_str(g, "general.type", &s) == LORA_OK && strcmp(s, "model") == 0);
        CHECK(lora_gguf_find_tensor(g, "output.weight") && lora_gguf_find_kv(g, "tokenizer.ggml.merges"));
        lora_gguf_close(g);
    }
    /* fine-tuning a GGUF model (gguf-py's file, its tokenizer for the jsonl data): the adapter fits
       the same weights in safetensors */
    if ((f = fopen(OUT "train.jsonl", "w")) != NULL) {
        fputs("{\"text\": \"the cat and the hat in the end\"}\n{\"text\": \"it is on the cat, and the hat is on it\"}\n", f);
        fclose(f);
    }
    CHECK(system("build/lora-finetune --model " FX "gpt2_tiny.gguf --data " OUT "train.jsonl --targets c_attn,c_proj --batch 2 "
                 "--seq 16 --steps 3 --lr 1e-2 --adapter-out " OUT "ft --quiet --threads 1 > /dev/null") == 0);
    a = eval_loss("--model " FX "gpt2_tiny.gguf --adapter " OUT "ft");
    b = eval_loss("--model " MODEL " --adapter " OUT "ft");
    CHECK(a == a && a == b && a != eval_loss("--model " MODEL));
    /* a GGUF model generates with the tokenizer inside it */
    CHECK(system("build/lora-generate --model " OUT "base.gguf --prompt 'the cat' --max-new 4 --greedy --threads 1 > " OUT "gen.txt 2> /dev/null") == 0);
    out = test_slurp(OUT "gen.txt", NULL);
    CHECK(out && strncmp(out, "the cat", 7) == 0);
    free(out);
    /* errors */
    CHECK(system("build/lora-export --model " MODEL " --adapter-only --out " OUT "x.gguf 2> " OUT "err.txt") != 0);
    out = test_slurp(OUT "err.txt", NULL);
    CHECK(out && strstr(out, "--adapter-only needs --adapter DIR"));
    free(out);
    CHECK(system("build/lora-export --model " MODEL " --dtype q4 --out " OUT "x.gguf 2> " OUT "err.txt") != 0);
    out = test_slurp(OUT "err.txt", NULL);
    CHECK(out && strstr(out, "--dtype must be f32, f16 or bf16, got 'q4'"));
    free(out);
    CHECK(system("build/lora-export --model " MODEL " 2> " OUT "err.txt > /dev/null") != 0);
    /* a model whose vocabulary is smaller than the tokenizer's (the oracle fixture's 97 rows, GPT-2's tokenizer) */
    CHECK(system("build/lora-export --model tests/fixtures/oracle/A/model/model.safetensors --tokenizer data/gpt2-tokenizer "
                 "--out " OUT "x.gguf 2> " OUT "err.txt > /dev/null") != 0);
    out = test_slurp(OUT "err.txt", NULL);
    CHECK(out && strstr(out, "the model has 97 token rows, the tokenizer 50257 tokens"));
    free(out);
    CHECK(!test_slurp(OUT "x.gguf", NULL));   /* nothing written by the failures above */
    /* an adapter alone needs no tokenizer: the oracle fixture's (vocabulary 97) */
    CHECK(system("build/lora-export --model tests/fixtures/oracle/A/model/model.safetensors --adapter tests/fixtures/oracle/A/adapter "
                 "--adapter-only --dtype bf16 --out " OUT "a.gguf > /dev/null") == 0);
    CHECK_OK(lora_gguf_open(OUT "a.gguf", &g));
    if (g) {
        const char *s = NULL;
        CHECK(lora_gguf_get_str(g, "general.type", &s) == LORA_OK && strcmp(s, "adapter") == 0);
        CHECK(g->n_tensors > 0 && g->tensors[0].type == LORA_GGML_BF16);
        lora_gguf_close(g);
    }
    /* the LLaMA family: gguf-py's tiny llama (convert_hf_to_gguf.py's layout) + the oracle's PEFT adapter, merged and
       adapter-only through the tool; lora-eval: the same loss from the GGUF model as from the safetensors one */
    if ((f = fopen(OUT "ltokens.bin", "wb")) != NULL) {
        for (i = 0; i < 64; i++) { unsigned char b2[2]; b2[0] = (unsigned char)((i * 7 + 3) % 59); b2[1] = 0; fwrite(b2, 1, 2, f); }
        fclose(f);
    }
#define LLAMA_ST "tests/fixtures/llama/llama/model/model.safetensors"
#define LLAMA_GG "tests/fixtures/gguf/llama_tiny.gguf"
#define LLAMA_AD "tests/fixtures/llama/llama/adapter"
    a = eval_loss_on("--model " LLAMA_ST " --adapter " LLAMA_AD, OUT "ltokens.bin");
    b = eval_loss_on("--model " LLAMA_GG " --adapter " LLAMA_AD, OUT "ltokens.bin");
    CHECK_MSG(a == a && a == b, "llama: %.9g (safetensors) vs %.9g (GGUF)", a, b);
    CHECK(system("build/lora-export --model " LLAMA_GG " --adapter " LLAMA_AD " --out " OUT "llama_merged.gguf > " OUT "out.txt") == 0);
    out = test_slurp(OUT "out.txt", NULL);
    CHECK(out && strstr(out, "llama model with the adapter merged, f32"));
    free(out);
    b = eval_loss_on("--model " OUT "llama_merged.gguf", OUT "ltokens.bin");
    CHECK_MSG(a == a && fabs(a - b) < 1e-5 * a, "llama merged %.9g vs adapter %.9g", b, a);
    CHECK(system("build/lora-export --model " LLAMA_GG " --adapter " LLAMA_AD " --adapter-only --out " OUT "llama_a.gguf > /dev/null") == 0);
    CHECK_OK(lora_gguf_open(OUT "llama_a.gguf", &g));
    if (g) {
        CHECK(g->n_tensors == 2 * 7 * 2 && lora_gguf_find_tensor(g, "blk.1.attn_k.weight.lora_b") != NULL);
        lora_gguf_close(g);
    }
    /* Qwen3: not a llama.cpp architecture at the commit checked against */
    CHECK(system("build/lora-export --model tests/fixtures/gguf/qwen3_tiny.gguf --out " OUT "x.gguf 2> " OUT "err.txt > /dev/null") != 0);
    out = test_slurp(OUT "err.txt", NULL);
    CHECK(out && strstr(out, "Qwen3 has no GGUF architecture"));
    free(out);
    return TEST_END();
}
