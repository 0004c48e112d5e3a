/* The model families the tools are built with, and opening a model from the usual options
   (--model M [--config C] | --preset NAME [--init-seed S]). A new family is one more header
   and one more line in cli_families. */
#ifndef LORA_TOOLS_MODELS_H
#define LORA_TOOLS_MODELS_H
#include "lora.h"
#include "gpt2.h"
#include "llama.h"
#include "cli.h"
#if defined(__linux__)
#include <unistd.h>
#endif

#define CLI_MAX_FAMILIES 8

CLI_FN int cli_families(const lora_model_family **out) {
    int n = 0;
    out[n++] = gpt2_family();
    out[n++] = llama_family();
    return n;
}

/* --base-dtype f32|bf16: how the frozen base weights are stored; -1 (message printed) otherwise. */
CLI_FN int cli_base_dtype(const char *prog, const char *s) {
    if (!s || strcmp(s, "f32") == 0 || strcmp(s, "fp32") == 0) return (int)LORA_DT_F32;
    if (strcmp(s, "bf16") == 0) return (int)LORA_DT_BF16;
    fprintf(stderr, "%s: --base-dtype must be f32 or bf16, not '%s'\n", prog, s);
    return -1;
}

/* Opens the model the options name with its frozen weights in dtype; prints the error and
   returns NULL on failure. */
CLI_FN lora_model *cli_open_model_as(const char *prog, const char *model_path, const char *config, const char *preset,
                                     uint64_t init_seed, lora_pool *pool, lora_dtype dtype) {
    const lora_model_family *fams[CLI_MAX_FAMILIES];
    int n = cli_families(fams);
    lora_model *m = NULL;
    if (!!model_path == !!preset) {
        fprintf(stderr, "%s: give exactly one of --model or --preset\n", prog);
        return NULL;
    }
    if (lora_model_open_as(fams, n, model_path, config, preset, init_seed, pool, dtype, &m) != LORA_OK) {
        fprintf(stderr, "%s: %s\n", prog, lora_last_error());
        return NULL;
    }
    return m;
}

/* The same with fp32 weights. */
CLI_FN lora_model *cli_open_model(const char *prog, const char *model_path, const char *config, const char *preset,
                                  uint64_t init_seed, lora_pool *pool) {
    return cli_open_model_as(prog, model_path, config, preset, init_seed, pool, LORA_DT_F32);
}

/* The tokenizer: --tokenizer PATH (a directory, or a tokenizer.json file), else the one inside a
   GGUF model file, else the model's directory when it holds one (tokenizer.json, or vocab.json + merges.txt / encoder.json +
   vocab.bpe, as a Hugging Face folder), else the bundled GPT-2 vocabulary: data/gpt2-tokenizer of
   the repository the tool was built in (found from the executable's own path, build/../data/...),
   whatever the current directory. The GPT-2 fallback is only taken for a GPT-2 model: when the
   model's directory has a config.json whose model_type is not "gpt2" (a LLaMA-family checkpoint
   without its tokenizer files), or its tokenizer files cannot be read, it fails instead. */
CLI_FN int cli__model_dir_tokenizer(const char *prog, const char *dir, lora_tokenizer **tok, int *not_gpt2) {
    char cfg[4200];
    char *text = NULL;
    size_t len = 0;
    lora_status st = lora_tokenizer_load(dir, tok);
    if (st == LORA_OK) return 1;
    if (st != LORA_ERR_NOT_FOUND) { fprintf(stderr, "%s: %s\n", prog, lora_last_error()); return -1; }
    snprintf(cfg, sizeof cfg, "%s/config.json", dir);
    if (lora_read_file(cfg, &text, &len) == LORA_OK) {
        lora_json *root = NULL;
        if (lora_json_parse(text, len, cfg, &root) == LORA_OK) {
            const char *mt = lora_json_get_string(root, "model_type");
            if (mt && strcmp(mt, "gpt2") != 0) *not_gpt2 = 1;
            lora_json_free(root);
        }
        lora_free(text);
    }
    return 0;
}
CLI_FN lora_tokenizer *cli_open_tokenizer(const char *prog, const char *tok_dir, const char *model_path) {
    lora_tokenizer *tok = NULL;
    int not_gpt2 = 0, r;
    if (tok_dir) {
        if (lora_tokenizer_load(tok_dir, &tok) != LORA_OK) { fprintf(stderr, "%s: %s\n", prog, lora_last_error()); return NULL; }
        return tok;
    }
    if (model_path && lora_gguf_probe(model_path)) {           /* a GGUF model carries its tokenizer */
        if (lora_tokenizer_load_gguf(model_path, &tok) != LORA_OK) { fprintf(stderr, "%s: %s\n", prog, lora_last_error()); return NULL; }
        return tok;
    }
    if (model_path) {
        char dir[4096];
        const char *slash = strrchr(model_path, '/');
        if ((r = cli__model_dir_tokenizer(prog, model_path, &tok, &not_gpt2)) != 0) return r > 0 ? tok : NULL; /* a model directory */
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - model_path) : 1, slash ? model_path : ".");
        if ((r = cli__model_dir_tokenizer(prog, dir, &tok, &not_gpt2)) != 0) return r > 0 ? tok : NULL;
        if (not_gpt2) {
            fprintf(stderr, "%s: %s: no tokenizer beside the model (tokenizer.json, or vocab.json + merges.txt) and it is "
                    "not a GPT-2 model: pass --tokenizer PATH\n", prog, model_path);
            return NULL;
        }
    }
#if defined(__linux__)
    {
        char exe[4096], dir[4200];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        char *slash;
        if (n > 0) {
            exe[n] = 0;
            if ((slash = strrchr(exe, '/')) != NULL) {
                *slash = 0;
                snprintf(dir, sizeof dir, "%s/../data/gpt2-tokenizer", exe);
                if (lora_tokenizer_load(dir, &tok) == LORA_OK) return tok;
            }
        }
    }
#endif
    if (lora_tokenizer_load("data/gpt2-tokenizer", &tok) != LORA_OK) {
        fprintf(stderr, "%s: %s (pass --tokenizer DIR)\n", prog, lora_last_error());
        return NULL;
    }
    return tok;
}
/* cli_open_model_shape opens what the options name like cli_open_model, except that a preset
   comes without weights (lora_model_open_shape): enough to list modules, create adapters,
   print PEFT's line and estimate memory. */
CLI_FN lora_model *cli_open_model_shape(const char *prog, const char *model_path, const char *config, const char *preset,
                                        lora_pool *pool) {
    const lora_model_family *fams[CLI_MAX_FAMILIES];
    int n = cli_families(fams);
    lora_model *m = NULL;
    if (!preset || model_path) return cli_open_model(prog, model_path, config, preset, 0, pool);
    if (lora_model_open_shape(fams, n, preset, &m) != LORA_OK) {
        fprintf(stderr, "%s: %s\n", prog, lora_last_error());
        return NULL;
    }
    return m;
}

/* A line saying what the model is (no newline), from lora_model_info. *output_note: what to
   print after the output layer when it shares the input embedding, or NULL. */
CLI_FN void cli_describe_model(lora_model *m, char *buf, size_t size, const char **output_note) {
    const lora_model_info *in = lora_model_get_info(m);
    char num[48];
    lora_format_count(in->num_params, num, sizeof num);
    *output_note = in->tied_output ? "(tied to the input embedding)" : NULL;
    if (in->summary) snprintf(buf, size, "%s: %s parameters", in->summary, num);
    else snprintf(buf, size, "%s: %d layers, %d positions, vocab %d: %s parameters", in->family ? in->family : "model",
                  in->n_layer, in->max_seq, in->vocab_size, num);
}
#endif
