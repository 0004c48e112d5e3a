/* lora-merge: fold a LoRA adapter into the base weights (W += scaling * (B @ A)^T) and write a
   plain model that Hugging Face (or llm.c, with --llmc for GPT-2) loads without PEFT. Any
   model family the tools know (config.json's model_type).
     build/lora-merge --model M.safetensors --adapter DIR --out merged/model.safetensors */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* readlink: the bundled tokenizer beside the executable */
#endif
#include "models.h"

int main(int argc, char **argv) {
    cli_args a;
    const char *model_path, *config, *adapter_dir, *out;
    int llmc;
    lora_model *m = NULL;
    lora_adapter *ad = NULL;
    char *warnings = NULL;
    lora_status s;
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) {
        puts("usage: lora-merge --model M [--config C] --adapter DIR --out merged.safetensors [--llmc]\n"
             "  writes merged.safetensors + config.json (the family's HF layout), or an llm.c checkpoint with --llmc (GPT-2)");
        cli_free(&a);
        return 0;
    }
    model_path = cli_str(&a, "--model", NULL);
    config = cli_str(&a, "--config", NULL);
    adapter_dir = cli_str(&a, "--adapter", NULL);
    out = cli_str(&a, "--out", NULL);
    llmc = cli_flag(&a, "--llmc");
    if (!cli_done(&a)) { cli_free(&a); return 2; }
    cli_free(&a);
    if (!model_path || !adapter_dir || !out) { fprintf(stderr, "lora-merge: --model, --adapter and --out are required\n"); return 2; }
    if (!*out) { fprintf(stderr, "lora-merge: --out: the path is empty\n"); return 2; }
    if (!(m = cli_open_model("lora-merge", model_path, config, NULL, 0, NULL))) goto done;
    if (llmc && !gpt2_model_from_base(m)) { fprintf(stderr, "lora-merge: --llmc writes GPT-2 models only\n"); goto done; }
    if ((s = lora_model_adapter_load(m, adapter_dir, &ad, &warnings)) != LORA_OK) goto fail;
    if (warnings) { fputs(warnings, stderr); lora_free(warnings); }
    if ((s = lora_model_merge(m, ad, 1)) != LORA_OK) goto fail;
    s = llmc ? gpt2_model_save_llmc(gpt2_model_from_base(m), out) : lora_model_save(m, out);
    if (s != LORA_OK) goto fail;
    printf("merged %d LoRA modules (r=%d, scaling %g) into %s\n", ad->n_modules, ad->config.r,
           ad->n_modules ? (double)ad->modules[0].scaling : 0.0, out);
    lora_adapter_free(ad);
    lora_model_free(m);
    return 0;
fail:
    fprintf(stderr, "lora-merge: %s\n", lora_last_error());
done:
    lora_adapter_free(ad);
    lora_model_free(m);
    return 1;
}
