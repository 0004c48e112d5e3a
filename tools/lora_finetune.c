/* lora-finetune: train a LoRA adapter (or the full model) on a GPT-2.
   See --help, README.md and examples/. Deterministic for a given seed and thread count
   (and across thread counts: the kernels reduce in a fixed order). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include "lora.h"
#include "models.h"
#include <math.h>
#include <signal.h>
#include <time.h>
#if !defined(_WIN32)
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#endif

static const char *usage_text =
"usage: lora-finetune (--model M [--config C] | --preset NAME [--init-seed S]) DATA LORA OPTIM [OUTPUT]\n"
"data:   --tokens F.bin | --data train.jsonl [--tokenizer DIR] [--format auto|text|prompt-completion|qa|chat]\n"
"        [--no-mask-prompt] [--no-pack] [--no-shuffle]   --val FILE | --val-split 0.1   [--val-batches N]\n"
"lora:   --adapter-in DIR | --targets c_attn,c_proj|all-linear [--target-regex RE] [--layers 0,1] [--exclude LIST]\n"
"        [--r 8] [--alpha 16] [--dropout 0.05] [--rslora] [--bias none|all|lora_only] [--init default|gaussian]\n"
"        --full (full fine-tuning instead of LoRA)   [--base-dtype f32|bf16] (frozen weights in bf16: LoRA only)\n"
"optim:  --batch 4 --seq 128 (--steps N | --epochs E) [--lr 2e-4] [--weight-decay 0] [--betas 0.9,0.999] [--eps 1e-8]\n"
"        [--warmup 0] [--schedule constant|linear|cosine] [--clip 0] [--grad-accum 1] [--seed 42] [--threads N]\n"
"output: --adapter-out DIR (--model-out F.safetensors with --full) [--log steps.jsonl] [--csv steps.csv] [--svg loss.svg]\n"
"        [--report-every 10] [--eval-every N] [--save-every N] [--checkpoint DIR] [--resume DIR] [--quiet]\n"
"        [--config-file train.json]  (same keys without dashes; command-line options override it)\n"
"        [--stop-after N]  stop as Ctrl-C does (checkpoint, exit 130) after step N\n";

static volatile sig_atomic_t g_interrupted;
static void on_sigint(int sig) { (void)sig; g_interrupted = 1; }

static double now_seconds(void) {
#if defined(CLOCK_MONOTONIC) && !defined(_WIN32)
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

static double peak_rss_mib(void) {
#if !defined(_WIN32)
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) return (double)ru.ru_maxrss / 1024.0;
#endif
    return 0.0;
}

static int is_tty(FILE *f) {
#if !defined(_WIN32)
    return isatty(fileno(f));
#else
    (void)f; return 0;
#endif
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static void fmt_duration(double s, char *buf, size_t n) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

/* ---- config file: a JSON object whose keys are option names without dashes ---- */
typedef struct { int argc; char **argv; char *storage; lora_json *json; } merged_args;

static int load_config_file(const char *path, int argc, char **argv, merged_args *out) {
    FILE *f = fopen(path, "rb");
    long len;
    char *text;
    size_t i, total = 0, k;
    lora_json *j;
    char *p;
    if (!f) { fprintf(stderr, "lora-finetune: %s: cannot open config file\n", path); return 0; }
    fseek(f, 0, SEEK_END); len = ftell(f); fseek(f, 0, SEEK_SET);
    text = (char *)malloc((size_t)len + 1);
    if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) { fclose(f); free(text); return 0; }
    fclose(f);
    if (lora_json_parse(text, (size_t)len, path, &j) != LORA_OK) { fprintf(stderr, "lora-finetune: %s\n", lora_last_error()); free(text); return 0; }
    free(text);
    if (j->type != LORA_JSON_OBJECT) { fprintf(stderr, "lora-finetune: %s: expected a JSON object of options\n", path); lora_json_free(j); return 0; }
    for (i = 0; i < j->n; i++) total += strlen(j->keys[i]) + 3 + 64 + (j->items[i].type == LORA_JSON_STRING ? j->items[i].len : 0);
    out->argv = (char **)calloc((size_t)argc + 2 * j->n + 1, sizeof(char *));
    out->storage = p = (char *)malloc(total + 1);
    if (!out->argv || !p) { lora_json_free(j); return 0; }
    for (k = 0; k < (size_t)argc; k++) out->argv[k] = argv[k];   /* command line first: it wins */
    for (i = 0; i < j->n; i++) {
        const lora_json *v = &j->items[i];
        if (v->type == LORA_JSON_FALSE || v->type == LORA_JSON_NULL) continue;
        out->argv[k++] = p; p += sprintf(p, "--%s", j->keys[i]) + 1;
        if (v->type == LORA_JSON_TRUE) continue;
        out->argv[k++] = p;
        if (v->type == LORA_JSON_STRING) { memcpy(p, v->str, v->len + 1); p += v->len + 1; }
        else if (v->type == LORA_JSON_NUMBER) p += sprintf(p, "%.17g", v->number) + 1;
        else { fprintf(stderr, "lora-finetune: %s: option \"%s\" must be a string, number or boolean\n", path, j->keys[i]); lora_json_free(j); return 0; }
    }
    out->argc = (int)k;
    out->json = j;
    return 1;
}

/* ---- loss curve ---- */
typedef struct { double *train, *val; int n; } curve;

static int write_svg(const char *path, const curve *c, int total_steps) {
    FILE *f;
    char tmp[1024];
    double lo = 1e30, hi = -1e30;
    int i, first;
    const double W = 720, H = 360, L = 60, R = 20, Tp = 20, Bm = 40;
    if (c->n == 0) return 0;
    for (i = 0; i < c->n; i++) {
        if (isfinite(c->train[i])) { if (c->train[i] < lo) lo = c->train[i]; if (c->train[i] > hi) hi = c->train[i]; }
        if (isfinite(c->val[i])) { if (c->val[i] < lo) lo = c->val[i]; if (c->val[i] > hi) hi = c->val[i]; }
    }
    if (!(hi > lo)) { hi = lo + 1; }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f) { fprintf(stderr, "lora-finetune: cannot write %s\n", path); return -1; }
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n", L, H - Bm, W - R, H - Bm);
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n", L, Tp, L, H - Bm);
    for (i = 0; i <= 4; i++) {
        double v = lo + (hi - lo) * i / 4, y = H - Bm - (H - Tp - Bm) * i / 4;
        fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", L - 5, y + 4, v);
        fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, y, W - R, y);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">step (of %d)</text>\n", (L + W - R) / 2, H - 8, total_steps);
    fprintf(f, "<text x=\"%.0f\" y=\"14\" text-anchor=\"middle\">loss: train (blue), validation (orange)</text>\n", (L + W - R) / 2);
#define SX(s) (L + (W - L - R) * (double)(s) / (double)(total_steps > 1 ? total_steps - 1 : 1))
#define SY(v) (H - Bm - (H - Tp - Bm) * ((v) - lo) / (hi - lo))
    fprintf(f, "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"");
    for (i = 0; i < c->n; i++) if (isfinite(c->train[i])) fprintf(f, "%.1f,%.1f ", SX(i), SY(c->train[i]));
    fprintf(f, "\"/>\n<polyline fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"2\" points=\"");
    first = 1;
    for (i = 0; i < c->n; i++) if (isfinite(c->val[i])) { fprintf(f, "%.1f,%.1f ", SX(i), SY(c->val[i])); first = 0; }
    fprintf(f, "\"/>\n");
    for (i = 0; i < c->n && !first; i++) if (isfinite(c->val[i])) fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#ff7f0e\"/>\n", SX(i), SY(c->val[i]));
#undef SX
#undef SY
    fprintf(f, "</svg>\n");
    if (fclose(f) != 0 || rename(tmp, path) != 0) { fprintf(stderr, "lora-finetune: cannot write %s\n", path); return -1; }
    return 0;
}

/* What the progress callback needs: printing, the log files and the loss curve. */
typedef struct {
    int quiet, tty, B, T, grad_accum;
    long steps, report_every, eval_every, stop_after;
    FILE *logf, *csvf;
    curve *cv;
    int64_t resumed_step;
    const char *resume_dir, *trainable_line;
    size_t train_tokens;
    int has_val, threads;
    const char *isa;
    int interrupted;
} run_ctx;

static int on_progress(void *user, const lora_train_progress *p) {
    run_ctx *c = (run_ctx *)user;
    if (p->event == LORA_TRAIN_BEGIN) {
        if (!c->quiet) {
            if (c->resume_dir) printf("resumed from %s at step %lld\n", c->resume_dir, (long long)p->step);
            printf("%s\n", c->trainable_line);
            printf("training %ld steps: batch %d x seq %d%s, %zu training tokens%s, %d threads (%s)\n", c->steps, c->B, c->T,
                   c->grad_accum > 1 ? " (with gradient accumulation)" : "", c->train_tokens, c->has_val ? " + validation" : "",
                   c->threads, c->isa);
        }
    } else if (p->event == LORA_TRAIN_VALIDATION) {
        if (!c->quiet) printf("validation before training: loss %.4f  perplexity %.3f\n", p->val_loss, exp(p->val_loss));
        if (p->step <= c->steps) c->cv->val[p->step] = p->val_loss;
    } else if (p->event == LORA_TRAIN_STEP) {
        long s_idx = (long)p->step - 1;
        double vl = c->eval_every > 0 && (p->step % c->eval_every == 0 || p->step == c->steps) ? p->val_loss : NAN;
        c->cv->train[s_idx] = p->loss;
        if (c->logf && fprintf(c->logf, "{\"step\": %ld, \"loss\": %.9g, \"lr\": %.9g, \"grad_norm\": %.9g, \"ms\": %.3f}\n", s_idx,
                               (double)p->loss, p->lr, p->grad_norm, p->step_ms) < 0) c->interrupted = 2;
        if (c->logf) fflush(c->logf);
        if (isfinite(vl)) {
            c->cv->val[p->step] = vl;
            if (!c->quiet) printf("%sstep %lld: validation loss %.4f  perplexity %.3f\n", c->tty ? "\r\033[K" : "", (long long)p->step, vl, exp(vl));
        }
        if (c->csvf) {
            fprintf(c->csvf, "%ld,%.9g,%.9g,%.9g,%.3f,", s_idx, (double)p->loss, p->lr, p->grad_norm, p->step_ms);
            if (isfinite(vl)) fprintf(c->csvf, "%.9g", vl);
            fprintf(c->csvf, "\n");
        }
        if (!c->quiet && (p->step % (c->report_every > 0 ? c->report_every : 1) == 0 || p->step == c->steps || c->tty)) {
            double done_frac = (double)p->step / (double)c->steps;
            double eta = p->tokens_per_s > 0 ? (double)(c->steps - p->step) * c->B * c->T * c->grad_accum / p->tokens_per_s : 0;
            char e1[32], e2[32];
            fmt_duration(p->elapsed_s, e1, sizeof e1);
            fmt_duration(eta, e2, sizeof e2);
            if (c->tty) {
                int w = 24, f = (int)(done_frac * w + 0.5), j;
                char bar[32];
                for (j = 0; j < w; j++) bar[j] = j < f ? '#' : '.';
                bar[w] = 0;
                printf("\r\033[K[%s] %lld/%ld loss %.4f lr %.2e %.0f tok/s %s<%s", bar, (long long)p->step, c->steps, (double)p->loss,
                       p->lr, p->tokens_per_s, e1, e2);
                if (p->step % (c->report_every > 0 ? c->report_every : 1) == 0 || p->step == c->steps) printf("\n");
            } else {
                printf("step %lld/%ld  loss %.4f  lr %.3e  grad_norm %.3f  %.0f tok/s  elapsed %s  eta %s\n", (long long)p->step, c->steps,
                       (double)p->loss, p->lr, p->grad_norm, p->tokens_per_s, e1, e2);
            }
            fflush(stdout);
        }
        if (c->stop_after > 0 && p->step >= c->stop_after) g_interrupted = 1;
    }
    if (g_interrupted) c->interrupted = 1;
    return c->interrupted != 0;
}

int main(int argc, char **argv) {
    cli_args a;
    merged_args merged;
    const char *model_path, *config, *preset, *tokens_path, *data_path, *tok_dir, *format, *val_path, *adapter_in, *targets;
    const char *regex, *layers_s, *exclude_s, *bias_s, *init_s, *sched_s, *betas_s, *adapter_out, *model_out, *log_path;
    const char *csv_path, *svg_path, *ckpt_dir, *resume_dir, *cfg_file;
    double val_split, lr, wd, eps, clip, dropout, alpha, epochs;
    long init_seed, steps, report_every, eval_every, save_every, val_batches, seed, stop_after;
    int B, T, r, warmup, grad_accum, threads, full, base_dtype, quiet, rslora, no_mask, no_pack, no_shuffle;
    lora_pool *pool = NULL;
    lora_model *m = NULL;
    const lora_model_info *info;
    lora_tokenizer *tok = NULL;
    lora_dataset *train = NULL, *val = NULL, *all = NULL;
    lora_adapter *ad = NULL;
    lora_adamw_config oc = lora_adamw_config_init();
    lora_train_config tc = lora_train_config_init();
    lora_train_result res;
    run_ctx ctx;
    int rc = 1, i;
    FILE *logf = NULL, *csvf = NULL;
    curve cv;
    double t_start;
    lora_status s = LORA_OK;
    char line[512], cdir[4096];

    memset(&merged, 0, sizeof merged);
    memset(&cv, 0, sizeof cv);
    memset(&ctx, 0, sizeof ctx);
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) { fputs(usage_text, stdout); return 0; }
    cfg_file = cli_str(&a, "--config-file", NULL);
    if (cfg_file) {
        if (!load_config_file(cfg_file, argc, argv, &merged)) return 2;
        cli_init(&a, merged.argc, merged.argv);
        cli_str(&a, "--config-file", NULL);
    }
    model_path = cli_str(&a, "--model", NULL);
    config = cli_str(&a, "--config", NULL);
    preset = cli_str(&a, "--preset", NULL);
    init_seed = cli_long(&a, "--init-seed", 1);
    tokens_path = cli_str(&a, "--tokens", NULL);
    data_path = cli_str(&a, "--data", NULL);
    tok_dir = cli_str(&a, "--tokenizer", NULL);
    format = cli_str(&a, "--format", "auto");
    no_mask = cli_flag(&a, "--no-mask-prompt");
    no_pack = cli_flag(&a, "--no-pack");
    no_shuffle = cli_flag(&a, "--no-shuffle");
    val_path = cli_str(&a, "--val", NULL);
    val_split = cli_double(&a, "--val-split", 0.0);
    val_batches = cli_long(&a, "--val-batches", 0);
    adapter_in = cli_str(&a, "--adapter-in", NULL);
    targets = cli_str(&a, "--targets", NULL);
    regex = cli_str(&a, "--target-regex", NULL);
    layers_s = cli_str(&a, "--layers", NULL);
    exclude_s = cli_str(&a, "--exclude", NULL);
    r = (int)cli_long(&a, "--r", 8);
    alpha = cli_double(&a, "--alpha", 2.0 * r);
    dropout = cli_double(&a, "--dropout", 0.0);
    rslora = cli_flag(&a, "--rslora");
    bias_s = cli_str(&a, "--bias", "none");
    init_s = cli_str(&a, "--init", "default");
    full = cli_flag(&a, "--full");
    base_dtype = cli_base_dtype("lora-finetune", cli_str(&a, "--base-dtype", "f32"));
    B = (int)cli_long(&a, "--batch", 4);
    T = (int)cli_long(&a, "--seq", 128);
    steps = cli_long(&a, "--steps", 0);
    epochs = cli_double(&a, "--epochs", 0.0);
    lr = cli_double(&a, "--lr", 2e-4);
    wd = cli_double(&a, "--weight-decay", 0.0);
    betas_s = cli_str(&a, "--betas", NULL);
    oc.beta1 = cli_double(&a, "--beta1", 0.9);
    oc.beta2 = cli_double(&a, "--beta2", 0.999);
    eps = cli_double(&a, "--eps", 1e-8);
    warmup = (int)cli_long(&a, "--warmup", 0);
    sched_s = cli_str(&a, "--schedule", "constant");
    clip = cli_double(&a, "--clip", cli_double(&a, "--grad-clip", 0.0));
    grad_accum = (int)cli_long(&a, "--grad-accum", 1);
    seed = cli_long(&a, "--seed", 42);
    threads = (int)cli_long(&a, "--threads", 0);
    adapter_out = cli_str(&a, "--adapter-out", NULL);
    model_out = cli_str(&a, "--model-out", NULL);
    log_path = cli_str(&a, "--log", NULL);
    csv_path = cli_str(&a, "--csv", NULL);
    svg_path = cli_str(&a, "--svg", NULL);
    report_every = cli_long(&a, "--report-every", 10);
    eval_every = cli_long(&a, "--eval-every", 0);
    save_every = cli_long(&a, "--save-every", 0);
    ckpt_dir = cli_str(&a, "--checkpoint", NULL);
    resume_dir = cli_str(&a, "--resume", NULL);
    quiet = cli_flag(&a, "--quiet");
    stop_after = cli_long(&a, "--stop-after", 0);
    if (!cli_done(&a)) return 2;

    /* ---- validate options ---- */
#define USAGE_ERR(...) do { fprintf(stderr, "lora-finetune: " __VA_ARGS__); fputc('\n', stderr); return 2; } while (0)
    if (!!model_path == !!preset) USAGE_ERR("give exactly one of --model or --preset");
    if (!!tokens_path == !!data_path) USAGE_ERR("give exactly one of --tokens or --data");
    if (B <= 0 || T <= 1) USAGE_ERR("--batch must be > 0 and --seq > 1");
    if ((steps <= 0) == (epochs <= 0)) USAGE_ERR("give --steps N or --epochs E");
    if (grad_accum <= 0) USAGE_ERR("--grad-accum must be >= 1");
    if (val_split < 0 || val_split >= 1) USAGE_ERR("--val-split must be in [0, 1)");
    if (val_path && val_split > 0) USAGE_ERR("give --val or --val-split, not both");
    if (full && (adapter_in || targets || regex)) USAGE_ERR("--full trains every weight; it takes no adapter options");
    if (base_dtype < 0) return 2;
    if (full && base_dtype != LORA_DT_F32) USAGE_ERR("--full trains every weight in fp32: --base-dtype bf16 is for LoRA (frozen weights)");
    if (!full && !adapter_in && !targets && !regex) USAGE_ERR("choose what to train: --targets LIST, --target-regex RE, --adapter-in DIR or --full");
    if (!full && !adapter_out && !ckpt_dir) USAGE_ERR("--adapter-out DIR is required");
    if (full && !model_out && !ckpt_dir) USAGE_ERR("--model-out FILE is required with --full");
    if (betas_s && sscanf(betas_s, "%lf,%lf", &oc.beta1, &oc.beta2) != 2) USAGE_ERR("--betas expects B1,B2");
    if (lora_schedule_from_name(sched_s) >= 0) oc.schedule = (lora_schedule)lora_schedule_from_name(sched_s);
    else USAGE_ERR("--schedule must be constant, linear or cosine");
    oc.lr = lr; oc.weight_decay = wd; oc.eps = eps; oc.grad_clip = clip; oc.warmup = warmup;

    /* ---- model ---- */
    if ((s = lora_pool_create(&pool, threads)) != LORA_OK) goto fail;
    if (!(m = cli_open_model_as("lora-finetune", model_path, config, preset, (uint64_t)init_seed, pool, (lora_dtype)base_dtype)))
        goto done;
    info = lora_model_get_info(m);
    if (T > info->max_seq) {
        fprintf(stderr, "lora-finetune: --seq %d exceeds the model's n_positions %d\n", T, info->max_seq);
        goto done;
    }

    /* ---- data ---- */
    if (tokens_path) {
        if ((s = lora_data_load_tokens(tokens_path, info->vocab_size, info->eos, &all)) != LORA_OK) goto fail;
    } else {
        lora_data_config dc = lora_data_config_init();
        if (strcmp(format, "auto") == 0) dc.format = LORA_DATA_AUTO;
        else if (strcmp(format, "text") == 0) dc.format = LORA_DATA_TEXT;
        else if (strcmp(format, "prompt-completion") == 0) dc.format = LORA_DATA_PROMPT_COMPLETION;
        else if (strcmp(format, "qa") == 0) dc.format = LORA_DATA_QA;
        else if (strcmp(format, "chat") == 0) dc.format = LORA_DATA_CHAT;
        else USAGE_ERR("--format must be auto, text, prompt-completion, qa or chat");
        dc.mask_prompt = !no_mask;
        dc.pack = !no_pack;
        dc.seq = T;
        if (!(tok = cli_open_tokenizer("lora-finetune", tok_dir, model_path))) goto done;
        if ((s = lora_data_load_jsonl(data_path, tok, &dc, &all)) != LORA_OK) goto fail;
        if (val_path) {
            if (ends_with(val_path, ".bin")) s = lora_data_load_tokens(val_path, info->vocab_size, info->eos, &val);
            else s = lora_data_load_jsonl(val_path, tok, &dc, &val);
            if (s != LORA_OK) goto fail;
        }
    }
    if (tokens_path && val_path && (s = lora_data_load_tokens(val_path, info->vocab_size, info->eos, &val)) != LORA_OK) goto fail;
    if (val_split > 0) {
        if ((s = lora_data_split(all, val_split, (uint64_t)seed, &train, &val)) != LORA_OK) goto fail;
        lora_data_free(all); all = NULL;
    } else { train = all; all = NULL; }
    if (train->n_tokens < (size_t)B * T) {
        fprintf(stderr, "lora-finetune: the training data has %zu tokens, fewer than one batch of %d x %d\n", train->n_tokens, B, T);
        goto done;
    }
    if (val && val->n_tokens < (size_t)B * T) {
        fprintf(stderr, "lora-finetune: the validation data has %zu tokens, fewer than one batch of %d x %d; lower --batch/--seq\n", val->n_tokens, B, T);
        goto done;
    }
    if (epochs > 0) {
        double per_epoch = (double)lora_data_batches_per_epoch(train, B, T) / grad_accum;
        steps = (long)ceil(epochs * (per_epoch < 1 ? 1 : per_epoch));
    }
    oc.total_steps = (int)steps;

    /* ---- what to train ---- */
    if (full) {
        if ((s = lora_model_set_full_finetune(m, 1)) != LORA_OK) goto fail;
    } else if (adapter_in) {
        char *warnings = NULL;
        if ((s = lora_model_adapter_load(m, adapter_in, &ad, &warnings)) != LORA_OK) goto fail;
        if (warnings) { if (!quiet) fputs(warnings, stderr); lora_free(warnings); }
        ad->config.dropout = (float)dropout;
    } else {
        lora_config lc = lora_config_init();
        char **tv = NULL, **ev = NULL;
        int nt = 0, ne = 0, nl = 0, *lv = NULL;
        lc.r = r; lc.alpha = (float)alpha; lc.dropout = (float)dropout; lc.use_rslora = rslora; lc.seed = (uint64_t)seed;
        if (lora_bias_mode_from_name(bias_s) >= 0) lc.bias = (lora_bias_mode)lora_bias_mode_from_name(bias_s);
        else USAGE_ERR("--bias must be none, all or lora_only");
        if (strcmp(init_s, "default") == 0 || strcmp(init_s, "gaussian") == 0) lc.init = (lora_init_mode)lora_init_mode_from_name(init_s);
        else USAGE_ERR("--init must be default or gaussian");
        if (targets && strcmp(targets, "all-linear") == 0) lc.target.all_linear = 1;
        else if (targets) { tv = cli_split(targets, &nt); lc.target.targets = (const char *const *)tv; lc.target.n_targets = nt; }
        lc.target.target_regex = regex;
        if (exclude_s) { ev = cli_split(exclude_s, &ne); lc.target.exclude = (const char *const *)ev; lc.target.n_exclude = ne; }
        if (layers_s) {
            if (!(lv = cli_split_ints(layers_s, &nl))) USAGE_ERR("--layers expects a comma list of layer numbers");
            lc.target.layers = lv; lc.target.n_layers = nl;
        }
        s = lora_model_adapter_create(m, &lc, &ad);
        free(tv); free(ev); free(lv);
        if (s != LORA_OK) goto fail;
    }
    if (ad && (s = lora_model_set_adapter(m, ad)) != LORA_OK) goto fail;

    /* ---- outputs and the run ---- */
    for (i = 0; i < 2; i++) {
        double *v = (double *)malloc(sizeof(double) * (size_t)(steps + 1));
        if (!v) { fprintf(stderr, "lora-finetune: out of memory\n"); goto done; }
        if (i == 0) cv.train = v; else cv.val = v;
    }
    cv.n = (int)steps + 1;
    for (i = 0; i <= steps; i++) cv.train[i] = cv.val[i] = NAN;
    if (log_path && !(logf = fopen(log_path, resume_dir ? "a" : "w"))) { fprintf(stderr, "lora-finetune: cannot write %s\n", log_path); goto done; }
    if (csv_path && !(csvf = fopen(csv_path, resume_dir ? "a" : "w"))) { fprintf(stderr, "lora-finetune: cannot write %s\n", csv_path); goto done; }
    if (csvf && !resume_dir) fprintf(csvf, "step,loss,lr,grad_norm,ms,val_loss\n");
    lora_model_trainable_line(m, line, sizeof line);
    ctx.quiet = quiet; ctx.tty = !quiet && is_tty(stdout); ctx.B = B; ctx.T = T; ctx.grad_accum = grad_accum;
    ctx.steps = steps; ctx.report_every = report_every; ctx.eval_every = eval_every; ctx.stop_after = stop_after;
    ctx.logf = logf; ctx.csvf = csvf; ctx.cv = &cv; ctx.resume_dir = resume_dir; ctx.trainable_line = line;
    ctx.train_tokens = train->n_tokens; ctx.has_val = val != NULL; ctx.threads = lora_pool_threads(pool);
    ctx.isa = lora_wmat_kernel_name(pool, (lora_dtype)base_dtype);
    /* checkpoints: --checkpoint DIR, else beside the adapter (a full model has none unless asked) */
    cdir[0] = 0;
    if (ckpt_dir) snprintf(cdir, sizeof cdir, "%s", ckpt_dir);
    else if (!full && adapter_out) snprintf(cdir, sizeof cdir, "%s/checkpoint", adapter_out);
    tc.batch = B; tc.seq = T; tc.steps = steps; tc.grad_accum = grad_accum; tc.optim = oc; tc.seed = (uint64_t)seed; tc.shuffle = !no_shuffle;
    tc.val = val; tc.val_batches = val_batches; tc.eval_every = eval_every;
    tc.checkpoint_dir = cdir[0] ? cdir : NULL; tc.save_every = cdir[0] ? save_every : 0; tc.checkpoint_at_end = ckpt_dir != NULL;
    tc.resume_dir = resume_dir; tc.on_progress = on_progress; tc.user = &ctx;
    if (!quiet) setvbuf(stdout, NULL, _IOLBF, 0);   /* progress lines as they happen, also into a file or pipe */
    signal(SIGINT, on_sigint);
    t_start = now_seconds();
    s = lora_train(m, train, &tc, &res);
    if (s == LORA_ERR_CANCELLED) {
        if (ctx.interrupted == 2) { fprintf(stderr, "lora-finetune: cannot write %s\n", log_path); goto done; }
        if (tc.checkpoint_dir)
            fprintf(stderr, "\nlora-finetune: interrupted at step %lld; checkpoint saved to %s (continue with --resume %s)\n",
                    (long long)res.state.step, cdir, cdir);
        else
            fprintf(stderr, "\nlora-finetune: interrupted at step %lld; nothing saved (no --checkpoint DIR)\n", (long long)res.state.step);
        rc = 130;
        goto done;
    }
    if (s == LORA_ERR_NUMERIC && !isfinite(res.loss)) {
        fprintf(stderr, "lora-finetune: step %lld: loss is %g (NaN/Inf); stopping. The last saved checkpoint is intact.\n",
                (long long)res.state.step, (double)res.loss);
        goto done;
    }
    if (s != LORA_OK) goto fail;
    if (val && !quiet)
        printf("validation after training: loss %.4f  perplexity %.3f\nval perplexity: %.3f -> %.3f\n", res.val_after,
               exp(res.val_after), exp(res.val_before), exp(res.val_after));
    if (full) { if (model_out && (s = lora_model_save(m, model_out)) != LORA_OK) goto fail; }
    else if (adapter_out && (s = lora_model_adapter_save(m, ad, adapter_out)) != LORA_OK) goto fail;
    if (svg_path && write_svg(svg_path, &cv, (int)steps) != 0) goto done;
    if (!quiet) {
        double el = now_seconds() - t_start;
        printf("done: %lld steps in %.1f s (%.0f tokens/s), peak memory %.0f MiB%s%s\n", (long long)res.state.step, el,
               res.tokens / (el > 0 ? el : 1), peak_rss_mib(), full ? "" : ", adapter saved to ", full ? "" : adapter_out ? adapter_out : ckpt_dir);
    }
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "lora-finetune: %s\n", lora_last_error());
    rc = 1;
done:
    if (logf && fclose(logf) != 0 && rc == 0) { fprintf(stderr, "lora-finetune: cannot write %s\n", log_path); rc = 1; }
    if (csvf && fclose(csvf) != 0 && rc == 0) { fprintf(stderr, "lora-finetune: cannot write %s\n", csv_path); rc = 1; }
    free(cv.train); free(cv.val);
    lora_model_free(m);
    lora_adapter_free(ad);
    lora_data_free(train); lora_data_free(val); lora_data_free(all);
    lora_tokenizer_free(tok);
    lora_pool_destroy(pool);
    free(merged.argv); free(merged.storage); lora_json_free(merged.json);
    return rc;
}
