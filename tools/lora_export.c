/* lora-export: a model (and a LoRA adapter) as GGUF files llama.cpp (and Ollama, LM Studio,
   anything built on ggml) runs without Python:
     build/lora-export --model M --out model.gguf                        the base model
     build/lora-export --model M --adapter DIR --out merged.gguf          the adapter merged in
     build/lora-export --model M --adapter DIR --adapter-only --out a.gguf  llama.cpp's LoRA adapter
   (llama-cli -m model.gguf --lora a.gguf). --dtype f32|f16|bf16 (default f32) is the type of the
   2-D weights (norms and biases stay f32). The model's tokenizer goes into a model file. M may
   itself be a GGUF file (its tokenizer comes along). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* readlink: the bundled tokenizer beside the executable */
#endif
#include "models.h"

static const char usage[] =
    "usage: lora-export (--model M [--config C] | --preset P [--init-seed S]) [--adapter DIR] --out FILE.gguf\n"
    "                   [--adapter-only] [--dtype f32|f16|bf16] [--tokenizer DIR]\n"
    "  without --adapter: the base model; with it: the adapter merged into the model;\n"
    "  with --adapter-only: the adapter alone, as llama.cpp's LoRA GGUF (--lora FILE in llama.cpp)\n";

int main(int argc, char **argv) {
    cli_args a;
    const char *model_path, *config, *preset, *adapter_dir, *out, *dtype_s, *tok_dir;
    int adapter_only;
    uint64_t init_seed;
    lora_ggml_type dtype;
    lora_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_tokenizer *tok = NULL;
    char *warnings = NULL;
    lora_status s;
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) { fputs(usage, stdout); cli_free(&a); return 0; }
    model_path = cli_str(&a, "--model", NULL);
    config = cli_str(&a, "--config", NULL);
    preset = cli_str(&a, "--preset", NULL);
    init_seed = cli_u64(&a, "--init-seed", 0);
    adapter_dir = cli_str(&a, "--adapter", NULL);
    out = cli_str(&a, "--out", NULL);
    adapter_only = cli_flag(&a, "--adapter-only");
    dtype_s = cli_str(&a, "--dtype", "f32");
    tok_dir = cli_str(&a, "--tokenizer", NULL);
    if (!cli_done(&a)) { cli_free(&a); return 2; }
    cli_free(&a); /* the values point into argv */
    if (!out) { fprintf(stderr, "lora-export: --out FILE.gguf is required\n%s", usage); return 2; }
    if (adapter_only && !adapter_dir) { fprintf(stderr, "lora-export: --adapter-only needs --adapter DIR\n"); return 2; }
    if (strcmp(dtype_s, "f32") == 0) dtype = LORA_GGML_F32;
    else if (strcmp(dtype_s, "f16") == 0) dtype = LORA_GGML_F16;
    else if (strcmp(dtype_s, "bf16") == 0) dtype = LORA_GGML_BF16;
    else { fprintf(stderr, "lora-export: --dtype must be f32, f16 or bf16, got '%s'\n", dtype_s); return 2; }
    if (!(m = cli_open_model("lora-export", model_path, config, preset, init_seed, NULL))) return 1;
    if (adapter_dir) {
        if ((s = lora_model_adapter_load(m, adapter_dir, &ad, &warnings)) != LORA_OK) goto fail;
        if (warnings) { fputs(warnings, stderr); lora_free(warnings); }
    }
    if (adapter_only) {
        if ((s = lora_model_save_adapter_gguf(m, ad, out, dtype)) != LORA_OK) goto fail;
        printf("wrote %s: LoRA adapter for llama.cpp, %d modules, r=%d, %s\n", out, ad->n_modules, ad->config.r, dtype_s);
    } else {
        if (!(tok = cli_open_tokenizer("lora-export", tok_dir, model_path))) goto done;
        if ((s = lora_model_save_gguf(m, tok, ad, out, dtype)) != LORA_OK) goto fail;
        printf("wrote %s: %s model%s, %s\n", out, lora_model_get_info(m)->gguf_arch ? lora_model_get_info(m)->gguf_arch : "?",
               ad ? " with the adapter merged" : "", dtype_s);
    }
    lora_tokenizer_free(tok);
    lora_adapter_free(ad);
    lora_model_free(m);
    return 0;
fail:
    fprintf(stderr, "lora-export: %s\n", lora_last_error());
done:
    lora_tokenizer_free(tok);
    lora_adapter_free(ad);
    lora_model_free(m);
    return 1;
}
