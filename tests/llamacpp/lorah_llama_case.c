/* The lora.h side of tests/llamacpp/run_llama.sh (not part of make test): one LLaMA-family case.
     lorah-llama-case MODEL DIR TARGETS R ALPHA RSLORA T SEED
   MODEL: an oracle fixture's model.safetensors, or "odd" (a llama with hidden 40, 3 heads of
   head_dim 12 != 40 / 3, one kv head, untied head, llama3 rope, vocab 96). The 2-D weights are
   scaled by 6 so that predictions are far from uniform; the adapter (PEFT's init, B drawn at
   random) is written as DIR/adapter; DIR/ids.txt holds T ids; DIR/{base,merged,adapter}-{f32,f16}.gguf
   are the GGUF files (with a compact tokenizer of the model's vocabulary size: llama.cpp needs
   one in the file, the loss program feeds ids). Prints "BASE_LOSS ADAPTED_LOSS" (lora.h, F32)
   and then the losses lora.h computes reading its own base-f32.gguf, merged-f32.gguf. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "../../tools/models.h"

static lora_tokenizer *tiny_tokenizer(int n_vocab) {
    static char json[65536];
    size_t n = 0;
    int i;
    lora_tokenizer *tok = NULL;
    n += (size_t)snprintf(json + n, sizeof json - n, "{\"model\":{\"type\":\"BPE\",\"merges\":[],\"vocab\":{\"\xc4\x8a\":0,\"\xc4\xa0\":1");
    for (i = 2; i < n_vocab && i < 96; i++) {
        int ch = 33 + i - 2;
        if (ch == '"' || ch == '\\') n += (size_t)snprintf(json + n, sizeof json - n, ",\"\\%c\":%d", ch, i);
        else n += (size_t)snprintf(json + n, sizeof json - n, ",\"%c\":%d", ch, i);
    }
    n += (size_t)snprintf(json + n, sizeof json - n,
                          "}},\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false},\"decoder\":{\"type\":\"ByteLevel\"}}");
    if (lora_tokenizer_load_hf_memory(json, n, NULL, 0, &tok) != LORA_OK) return NULL;
    return tok;
}

static const lora_model_family *const *fams0(void) {
    static const lora_model_family *f[1];
    f[0] = llama_family();
    return f;
}

static double loss_of(lora_model *m, const int32_t *ids, int T) {
    float l = NAN;
    if (lora_model_forward(m, ids, ids, 1, T, &l) != LORA_OK) { fprintf(stderr, "%s\n", lora_last_error()); return NAN; }
    return l;
}

int main(int argc, char **argv) {
    const lora_model_family *fams[1];
    lora_model *m = NULL, *back = NULL;
    lora_tokenizer *tok = NULL;
    lora_adapter *ad = NULL;
    lora_config lc = lora_config_init();
    lora_rng rng;
    char path[4096], **targets;
    int n_targets, i, T, V, k;
    int32_t ids[512];
    int64_t j;
    double l0, l1;
    FILE *f;
    static const lora_ggml_type dts[2] = {LORA_GGML_F32, LORA_GGML_F16};
    static const char *const dtn[2] = {"f32", "f16"};
    if (argc == 5 && strcmp(argv[1], "tok") == 0) {
        /* lorah-llama-case tok TOKENIZER_DIR OUT.gguf TEXT: a one-layer llama of the tokenizer's vocabulary
           with it inside (for llama.cpp's tokenizer), and the ids of TEXT's bytes by lora.h's tokenizer read from that file */
        llama_config c;
        llama_model *lm;
        char *text = NULL;
        size_t len = 0, n_ids = 0, q;
        int32_t *out_ids = NULL;
        long sz;
        if (lora_tokenizer_load(argv[2], &tok) != LORA_OK || llama_config_preset("tiny-llama", &c) != LORA_OK) goto fail;
        c.n_layer = 1; c.hidden_size = 8; c.n_head = 2; c.head_dim = 4; c.n_kv_head = 1; c.intermediate_size = 8;
        c.vocab_size = lora_tokenizer_vocab_size(tok);
        if (llama_model_create(&c, NULL, &lm) != LORA_OK) goto fail;
        m = llama_model_base(lm);
        if (lora_model_save_gguf(m, tok, NULL, argv[3], LORA_GGML_F32) != LORA_OK) goto fail;
        if (!(f = fopen(argv[4], "rb"))) goto fail;
        fseek(f, 0, SEEK_END); sz = ftell(f); fseek(f, 0, SEEK_SET);
        if (sz < 0 || !(text = (char *)malloc((size_t)sz + 1))) { fclose(f); goto fail; }
        len = fread(text, 1, (size_t)sz, f);
        fclose(f);
        /* the tokenizer read back from the file: convert_hf_to_gguf.py makes added tokens that look special
           ("<|fim_prefix|>") control tokens, which llama.cpp (and lora.h) match only when asked to */
        lora_tokenizer_free(tok);
        tok = NULL;
        if (lora_tokenizer_load_gguf(argv[3], &tok) != LORA_OK) goto fail;
        if (lora_encode(tok, text, len, 0, &out_ids, &n_ids) != LORA_OK) goto fail;
        for (q = 0; q < n_ids; q++) printf("%d%c", (int)out_ids[q], q + 1 < n_ids ? ' ' : '\n');
        lora_free(out_ids); free(text);
        lora_tokenizer_free(tok); lora_model_free(m);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "loss") == 0) {
        /* lorah-llama-case loss MODEL IDS.txt: lora.h's loss of the ids */
        int nid = 0;
        if (lora_model_open(fams0(), 1, argv[2], NULL, NULL, 0, NULL, &m) != LORA_OK || !(f = fopen(argv[3], "r"))) goto fail;
        while (nid < 512 && fscanf(f, "%d", &ids[nid]) == 1) nid++;
        fclose(f);
        printf("%.9f\n", loss_of(m, ids, nid));
        lora_model_free(m);
        return 0;
    }
    if (argc != 9) { fprintf(stderr, "usage: lorah-llama-case MODEL DIR TARGETS R ALPHA RSLORA T SEED\n"); return 2; }
    fams[0] = llama_family();
    lora_rng_seed(&rng, (uint64_t)atoll(argv[8]));
    if (strcmp(argv[1], "odd") == 0) {
        llama_config c;
        llama_model *lm;
        if (llama_config_preset("tiny-llama3", &c) != LORA_OK) goto fail;
        c.hidden_size = 40; c.n_head = 3; c.head_dim = 12; c.n_kv_head = 1; c.tie_word_embeddings = 0; c.vocab_size = 96;
        c.intermediate_size = 72; c.max_position_embeddings = 64;
        if (llama_model_create(&c, NULL, &lm) != LORA_OK) goto fail;
        llama_model_init_random(lm, (uint64_t)atoll(argv[8]));
        m = llama_model_base(lm);
    } else if (lora_model_open(fams, 1, argv[1], NULL, NULL, 0, NULL, &m) != LORA_OK) goto fail;
    V = lora_model_get_info(m)->vocab_size;
    {   /* weights far from Hugging Face's init */
        llama_model *lm = llama_model_from_base(m);
        for (i = 0; i < llama_model_num_tensors(lm); i++) {
            int nd;
            int64_t sh[2];
            float *d;
            llama_model_tensor(lm, i, &nd, sh, &d);
            if (nd == 2) for (j = 0; j < sh[0] * sh[1]; j++) d[j] *= 6.0f;
            else if (strstr(llama_model_tensor(lm, i, NULL, NULL, NULL), ".bias"))
                for (j = 0; j < sh[0]; j++) d[j] = (float)(0.1 * lora_rng_normal(&rng));
        }
    }
    targets = cli_split(argv[3], &n_targets);
    lc.r = atoi(argv[4]); lc.alpha = (float)atof(argv[5]); lc.use_rslora = atoi(argv[6]); lc.seed = 5;
    lc.target.targets = (const char *const *)targets; lc.target.n_targets = n_targets;
    T = atoi(argv[7]);
    if (T < 2 || T > 512) goto fail;
    if (lora_model_adapter_create(m, &lc, &ad) != LORA_OK) goto fail;
    for (i = 0; i < ad->n_modules; i++)
        for (j = 0; j < (int64_t)ad->modules[i].out * ad->modules[i].r; j++) ad->modules[i].B[j] = (float)(0.3 * lora_rng_normal(&rng));
    snprintf(path, sizeof path, "%s/adapter", argv[2]);
    if (lora_adapter_save(ad, path, 0) != LORA_OK) goto fail;
    snprintf(path, sizeof path, "%s/ids.txt", argv[2]);
    if (!(f = fopen(path, "w"))) goto fail;
    for (i = 0; i < T; i++) { ids[i] = (int32_t)(lora_rng_u32(&rng) % (uint32_t)V); fprintf(f, "%d%c", ids[i], i + 1 < T ? ' ' : '\n'); }
    fclose(f);
    if (!(tok = tiny_tokenizer(V))) goto fail;
    l0 = loss_of(m, ids, T);
    if (lora_model_set_adapter(m, ad) != LORA_OK) goto fail;
    l1 = loss_of(m, ids, T);
    if (lora_model_set_adapter(m, NULL) != LORA_OK) goto fail;
    for (k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/base-%s.gguf", argv[2], dtn[k]);
        if (lora_model_save_gguf(m, tok, NULL, path, dts[k]) != LORA_OK) goto fail;
        snprintf(path, sizeof path, "%s/merged-%s.gguf", argv[2], dtn[k]);
        if (lora_model_save_gguf(m, tok, ad, path, dts[k]) != LORA_OK) goto fail;
        snprintf(path, sizeof path, "%s/adapter-%s.gguf", argv[2], dtn[k]);
        if (lora_model_save_adapter_gguf(m, ad, path, dts[k]) != LORA_OK) goto fail;
    }
    printf("%.9f %.9f", l0, l1);
    for (k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s-f32.gguf", argv[2], k ? "merged" : "base");
        if (lora_model_open(fams, 1, path, NULL, NULL, 0, NULL, &back) != LORA_OK) goto fail;
        printf(" %.9f", loss_of(back, ids, T));
        lora_model_free(back);
    }
    printf("\n");
    lora_tokenizer_free(tok);
    lora_adapter_free(ad);
    lora_model_free(m);
    return 0;
fail:
    fprintf(stderr, "lorah-llama-case: %s\n", lora_last_error());
    return 1;
}
