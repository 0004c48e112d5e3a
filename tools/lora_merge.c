/* lora-merge: fold a LoRA adapter into the base weights (W += scaling * (B @ A)^T) and write a
   plain GPT-2 that Hugging Face (or llm.c, with --llmc) loads without PEFT.
     build/lora-merge --model M.safetensors --adapter DIR --out merged/model.safetensors */
#include "lora.h"
#include "gpt2.h"
#include "cli.h"

int main(int argc, char **argv) {
    cli_args a;
    const char *model_path, *config, *adapter_dir, *out;
    int llmc;
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    char *warnings = NULL;
    lora_status s;
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) {
        puts("usage: lora-merge --model M [--config C] --adapter DIR --out merged.safetensors [--llmc]\n"
             "  writes merged.safetensors + config.json (HF GPT-2 layout), or an llm.c checkpoint with --llmc");
        return 0;
    }
    model_path = cli_str(&a, "--model", NULL);
    config = cli_str(&a, "--config", NULL);
    adapter_dir = cli_str(&a, "--adapter", NULL);
    out = cli_str(&a, "--out", NULL);
    llmc = cli_flag(&a, "--llmc");
    if (!cli_done(&a)) return 2;
    if (!model_path || !adapter_dir || !out) { fprintf(stderr, "lora-merge: --model, --adapter and --out are required\n"); return 2; }
    if ((s = gpt2_model_load(model_path, config, NULL, &m)) != LORA_OK) goto fail;
    if ((s = gpt2_lora_load(m, adapter_dir, &ad, &warnings)) != LORA_OK) goto fail;
    if (warnings) { fputs(warnings, stderr); free(warnings); }
    if ((s = gpt2_model_merge(m, ad, 1)) != LORA_OK) goto fail;
    s = llmc ? gpt2_model_save_llmc(m, out) : gpt2_model_save(m, out);
    if (s != LORA_OK) goto fail;
    printf("merged %d LoRA modules (r=%d, scaling %g) into %s\n", ad->n_modules, ad->config.r,
           ad->n_modules ? (double)ad->modules[0].scaling : 0.0, out);
    lora_adapter_free(ad);
    gpt2_model_free(m);
    return 0;
fail:
    fprintf(stderr, "lora-merge: %s\n", lora_last_error());
    lora_adapter_free(ad);
    gpt2_model_free(m);
    return 1;
}
