/* Merge a PEFT LoRA adapter into GPT-2's weights and save a plain model (what lora-merge does).
     cc -O2 merge_adapter.c -lm -lpthread
     ./a.out gpt2/model.safetensors my-adapter merged/model.safetensors */
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"
#include <stdio.h>

int main(int argc, char **argv) {
    gpt2_model *m = NULL;
    lora_adapter *ad = NULL;
    lora_status s;
    if (argc != 4) { fprintf(stderr, "usage: %s MODEL.safetensors ADAPTER_DIR OUT.safetensors\n", argv[0]); return 2; }
    if ((s = gpt2_model_load(argv[1], NULL, NULL, &m)) == LORA_OK &&
        (s = gpt2_lora_load(m, argv[2], &ad, NULL)) == LORA_OK &&
        (s = gpt2_model_merge(m, ad, +1)) == LORA_OK &&      /* W += scaling * (B @ A)^T */
        (s = gpt2_model_save(m, argv[3])) == LORA_OK)
        printf("merged %d modules into %s (+ config.json)\n", ad->n_modules, argv[3]);
    else
        fprintf(stderr, "error: %s\n", lora_last_error());
    lora_adapter_free(ad);
    gpt2_model_free(m);
    return s == LORA_OK ? 0 : 1;
}
