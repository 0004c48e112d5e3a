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
"        [--chat-template auto|plain|chatml|llama3] [--system-prompt TEXT]  (chat/QA lines; auto = the tokenizer's)\n"
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

/* ---- loss curve ---- */
typedef struct { double *train, *val; int n; } curve;

static int write_svg(const char *path, const curve *c, int total_steps) {
    lora_buf f;
    lora_atomic_file af;
    double lo = 1e30, hi = -1e30;
    int i, first;
    const double W = 720, H = 360, L = 60, R = 20, Tp = 20, Bm = 40;
    if (c->n == 0) return 0;
    for (i = 0; i < c->n; i++) {
        if (isfinite(c->train[i])) { if (c->train[i] < lo) lo = c->train[i]; if (c->train[i] > hi) hi = c->train[i]; }
        if (isfinite(c->val[i])) { if (c->val[i] < lo) lo = c->val[i]; if (c->val[i] > hi) hi = c->val[i]; }
    }
    if (!(hi > lo)) { hi = lo + 1; }
    memset(&f, 0, sizeof f);
    lora_buf_printf(&f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    lora_buf_printf(&f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    lora_buf_printf(&f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n", L, H - Bm, W - R, H - Bm);
    lora_buf_printf(&f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n", L, Tp, L, H - Bm);
    for (i = 0; i <= 4; i++) {
        double v = lo + (hi - lo) * i / 4, y = H - Bm - (H - Tp - Bm) * i / 4;
        lora_buf_printf(&f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", L - 5, y + 4, v);
        lora_buf_printf(&f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, y, W - R, y);
    }
    lora_buf_printf(&f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">step (of %d)</text>\n", (L + W - R) / 2, H - 8, total_steps);
    lora_buf_printf(&f, "<text x=\"%.0f\" y=\"14\" text-anchor=\"middle\">loss: train (blue), validation (orange)</text>\n", (L + W - R) / 2);
#define SX(s) (L + (W - L - R) * (double)(s) / (double)(total_steps > 1 ? total_steps - 1 : 1))
#define SY(v) (H - Bm - (H - Tp - Bm) * ((v) - lo) / (hi - lo))
    lora_buf_printf(&f, "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"");
    for (i = 0; i < c->n; i++) if (isfinite(c->train[i])) lora_buf_printf(&f, "%.1f,%.1f ", SX(i), SY(c->train[i]));
    lora_buf_printf(&f, "\"/>\n<polyline fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"2\" points=\"");
    first = 1;
    for (i = 0; i < c->n; i++) if (isfinite(c->val[i])) { lora_buf_printf(&f, "%.1f,%.1f ", SX(i), SY(c->val[i])); first = 0; }
    lora_buf_printf(&f, "\"/>\n");
    for (i = 0; i < c->n && !first; i++) if (isfinite(c->val[i])) lora_buf_printf(&f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#ff7f0e\"/>\n", SX(i), SY(c->val[i]));
#undef SX
#undef SY
    lora_buf_printf(&f, "</svg>\n");
    if (f.failed || lora_atomic_open(&af, path) != LORA_OK) {
        fprintf(stderr, "lora-finetune: cannot write %s: %s\n", path, f.failed ? "out of memory" : lora_last_error());
        lora_buf_free(&f);
        return -1;
    }
    lora_atomic_write(&af, f.data, f.len);
    lora_buf_free(&f);
    if (lora_atomic_commit(&af) != LORA_OK) { fprintf(stderr, "lora-finetune: cannot write %s: %s\n", path, lora_last_error()); return -1; }
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
    const char *log_path, *csv_path, *failed_path;
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
        if (c->logf && (fprintf(c->logf, "{\"step\": %ld, \"loss\": %.9g, \"lr\": %.9g, \"grad_norm\": %.9g, \"ms\": %.3f}\n", s_idx,
                                (double)p->loss, p->lr, p->grad_norm, p->step_ms) < 0 || fflush(c->logf) != 0 || ferror(c->logf))) {
            c->interrupted = 2; c->failed_path = c->log_path;
        }
        if (isfinite(vl)) {
            c->cv->val[p->step] = vl;
            if (!c->quiet) printf("%sstep %lld: validation loss %.4f  perplexity %.3f\n", c->tty ? "\r\033[K" : "", (long long)p->step, vl, exp(vl));
        }
        if (c->csvf) {
            int bad = fprintf(c->csvf, "%ld,%.9g,%.9g,%.9g,%.3f,", s_idx, (double)p->loss, p->lr, p->grad_norm, p->step_ms) < 0;
            if (isfinite(vl) && fprintf(c->csvf, "%.9g", vl) < 0) bad = 1;
            if (fprintf(c->csvf, "\n") < 0 || fflush(c->csvf) != 0 || ferror(c->csvf)) bad = 1;
            if (bad) { c->interrupted = 2; c->failed_path = c->csv_path; }
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
    const char *model_path, *config, *preset, *tokens_path, *data_path, *tok_dir, *format, *chat_s, *system_prompt, *val_path, *adapter_in, *targets;
    const char *regex, *layers_s, *exclude_s, *bias_s, *init_s, *sched_s, *adapter_out, *model_out, *log_path;
    const char *csv_path, *svg_path, *ckpt_dir, *resume_dir;
    double val_split, lr, wd, eps, clip, dropout, alpha, epochs, betas[2];
    long steps, report_every, eval_every, save_every, val_batches, stop_after;
    uint64_t init_seed, seed;
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
    char **tv = NULL, **ev = NULL;
    int *lv = NULL;

    memset(&cv, 0, sizeof cv);
    memset(&ctx, 0, sizeof ctx);
    memset(&res, 0, sizeof res);
    cli_init(&a, argc, argv);
    if (cli_flag(&a, "--help") || cli_flag(&a, "-h")) { fputs(usage_text, stdout); cli_free(&a); return 0; }
    if (!cli_config_file(&a, "--config-file")) { rc = 2; goto done; }
    model_path = cli_str(&a, "--model", NULL);
    config = cli_str(&a, "--config", NULL);
    preset = cli_str(&a, "--preset", NULL);
    init_seed = cli_u64(&a, "--init-seed", 1);
    tokens_path = cli_str(&a, "--tokens", NULL);
    data_path = cli_str(&a, "--data", NULL);
    tok_dir = cli_str(&a, "--tokenizer", NULL);
    format = cli_str(&a, "--format", "auto");
    chat_s = cli_str(&a, "--chat-template", "auto");
    system_prompt = cli_str(&a, "--system-prompt", NULL);
    no_mask = cli_flag(&a, "--no-mask-prompt");
    no_pack = cli_flag(&a, "--no-pack");
    no_shuffle = cli_flag(&a, "--no-shuffle");
    val_path = cli_str(&a, "--val", NULL);
    val_split = cli_real(&a, "--val-split", 0.0, 0.0, 0.99);
    val_batches = (long)cli_int(&a, "--val-batches", 0, 0, INT_MAX);
    adapter_in = cli_str(&a, "--adapter-in", NULL);
    targets = cli_str(&a, "--targets", NULL);
    regex = cli_str(&a, "--target-regex", NULL);
    layers_s = cli_str(&a, "--layers", NULL);
    exclude_s = cli_str(&a, "--exclude", NULL);
    r = (int)cli_int(&a, "--r", 8, 1, 65536);
    alpha = cli_real(&a, "--alpha", 2.0 * r, 1e-6, 1e6);
    dropout = cli_real(&a, "--dropout", 0.0, 0.0, 0.99);
    rslora = cli_flag(&a, "--rslora");
    bias_s = cli_str(&a, "--bias", "none");
    init_s = cli_str(&a, "--init", "default");
    full = cli_flag(&a, "--full");
    base_dtype = cli_base_dtype("lora-finetune", cli_str(&a, "--base-dtype", "f32"));
    B = (int)cli_int(&a, "--batch", 4, 1, 65536);
    T = (int)cli_int(&a, "--seq", 128, 2, 1 << 20);
    steps = (long)cli_int(&a, "--steps", 0, 1, INT_MAX);
    epochs = cli_real(&a, "--epochs", 0.0, 1e-6, 1e6);
    lr = cli_real(&a, "--lr", 2e-4, 0.0, 10.0);
    wd = cli_real(&a, "--weight-decay", 0.0, 0.0, 10.0);
    betas[0] = cli_real(&a, "--beta1", 0.9, 0.0, 0.999999);
    betas[1] = cli_real(&a, "--beta2", 0.999, 0.0, 0.999999);
    cli_reals(&a, "--betas", 2, betas, 0.0, 0.999999);
    eps = cli_real(&a, "--eps", 1e-8, 1e-30, 1.0);
    warmup = (int)cli_int(&a, "--warmup", 0, 0, INT_MAX);
    sched_s = cli_str(&a, "--schedule", "constant");
    clip = cli_real(&a, "--clip", cli_real(&a, "--grad-clip", 0.0, 0.0, 1e6), 0.0, 1e6);
    grad_accum = (int)cli_int(&a, "--grad-accum", 1, 1, 65536);
    seed = cli_u64(&a, "--seed", 42);
    threads = (int)cli_int(&a, "--threads", 0, 0, 1024);
    adapter_out = cli_str(&a, "--adapter-out", NULL);
    model_out = cli_str(&a, "--model-out", NULL);
    log_path = cli_str(&a, "--log", NULL);
    csv_path = cli_str(&a, "--csv", NULL);
    svg_path = cli_str(&a, "--svg", NULL);
    report_every = (long)cli_int(&a, "--report-every", 10, 0, INT_MAX);
    eval_every = (long)cli_int(&a, "--eval-every", 0, 0, INT_MAX);
    save_every = (long)cli_int(&a, "--save-every", 0, 0, INT_MAX);
    ckpt_dir = cli_str(&a, "--checkpoint", NULL);
    resume_dir = cli_str(&a, "--resume", NULL);
    quiet = cli_flag(&a, "--quiet");
    stop_after = (long)cli_int(&a, "--stop-after", 0, 0, INT_MAX);
    if (!cli_done(&a)) { rc = 2; goto done; }
    oc.beta1 = betas[0]; oc.beta2 = betas[1];

    /* ---- validate options ---- */
#define USAGE_ERR(...) do { fprintf(stderr, "lora-finetune: " __VA_ARGS__); fputc('\n', stderr); rc = 2; goto done; } while (0)
    if (!!model_path == !!preset) USAGE_ERR("give exactly one of --model or --preset");
    if (!!tokens_path == !!data_path) USAGE_ERR("give exactly one of --tokens or --data");
    if ((long long)B * T > (1LL << 28)) USAGE_ERR("--batch x --seq is %lld tokens; at most %lld", (long long)B * T, 1LL << 28);
    if ((steps <= 0) == (epochs <= 0)) USAGE_ERR("give --steps N or --epochs E (one of them)");
    if (val_path && val_split > 0) USAGE_ERR("give --val or --val-split, not both");
    if (full && (adapter_in || targets || regex)) USAGE_ERR("--full trains every weight; it takes no adapter options");
    if (base_dtype < 0) return 2;
    if (full && base_dtype != LORA_DT_F32) USAGE_ERR("--full trains every weight in fp32: --base-dtype bf16 is for LoRA (frozen weights)");
    if (!full && !adapter_in && !targets && !regex) USAGE_ERR("choose what to train: --targets LIST, --target-regex RE, --adapter-in DIR or --full");
    if (!full && !adapter_out && !ckpt_dir) USAGE_ERR("--adapter-out DIR is required");
    if (full && !model_out && !ckpt_dir) USAGE_ERR("--model-out FILE is required with --full");
    if (adapter_out && !*adapter_out) USAGE_ERR("--adapter-out: the path is empty");
    if (model_out && !*model_out) USAGE_ERR("--model-out: the path is empty");
    if (ckpt_dir && !*ckpt_dir) USAGE_ERR("--checkpoint: the path is empty");
    if (log_path && !*log_path) USAGE_ERR("--log: the path is empty");
    if (csv_path && !*csv_path) USAGE_ERR("--csv: the path is empty");
    if (svg_path && !*svg_path) USAGE_ERR("--svg: the path is empty");
    if (adapter_in && adapter_out && strcmp(adapter_in, adapter_out) == 0 && !quiet)
        fprintf(stderr, "lora-finetune: note: --adapter-out is --adapter-in; it is replaced (as a whole) only when training succeeds\n");
    if (lora_schedule_from_name(sched_s) >= 0) oc.schedule = (lora_schedule)lora_schedule_from_name(sched_s);
    else USAGE_ERR("--schedule must be constant, linear or cosine");
    if (lora_bias_mode_from_name(bias_s) < 0) USAGE_ERR("--bias must be none, all or lora_only");
    if (strcmp(init_s, "default") != 0 && strcmp(init_s, "gaussian") != 0) USAGE_ERR("--init must be default or gaussian");
    if (strcmp(format, "auto") != 0 && strcmp(format, "text") != 0 && strcmp(format, "prompt-completion") != 0 && strcmp(format, "qa") != 0 &&
        strcmp(format, "chat") != 0)
        USAGE_ERR("--format must be auto, text, prompt-completion, qa or chat");
    if (cli_chat_template(chat_s) < 0) USAGE_ERR("--chat-template must be auto, plain, chatml or llama3");
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
        else dc.format = LORA_DATA_CHAT;
        dc.mask_prompt = !no_mask;
        dc.chat = (lora_chat_template)cli_chat_template(chat_s);
        dc.system_prompt = system_prompt;
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
        if ((s = lora_data_split(all, val_split, seed, &train, &val)) != LORA_OK) goto fail;
        lora_data_free(all); all = NULL;
    } else { train = all; all = NULL; }
    if (train->separate) {   /* samples longer than --seq are cut: a completion past the cut trains nothing */
        size_t k, cut = 0;
        for (k = 0; k < train->n_samples; k++) {
            size_t a0 = train->sample_start[k], a1 = train->sample_start[k + 1], e = a1 - a0 > (size_t)T ? a0 + (size_t)T : a1, t;
            int any = 0;
            for (t = a0 + 1; t < e && !any; t++) any = train->labels[t] != -100;
            cut += !any;
        }
        if (cut == train->n_samples) {
            fprintf(stderr, "lora-finetune: %s: no sample has a trained token within --seq %d (every prompt is longer than --seq, or all "
                            "labels are masked): raise --seq or shorten the prompts\n", data_path, T);
            goto done;
        }
        if (cut && !quiet)
            fprintf(stderr, "lora-finetune: warning: %zu of %zu samples have no trained token within --seq %d (prompt longer than --seq)\n",
                    cut, train->n_samples, T);
    }
    if (train->n_tokens < (size_t)B * T) {
        fprintf(stderr, "lora-finetune: the training data has %zu tokens, fewer than one batch of %d x %d\n", train->n_tokens, B, T);
        goto done;
    }
    if (val && val->n_tokens < (size_t)B * T) {
        fprintf(stderr, "lora-finetune: the validation data has %zu tokens, fewer than one batch of %d x %d; lower --batch/--seq\n", val->n_tokens, B, T);
        goto done;
    }
    if (epochs > 0) {
        double per_epoch = (double)lora_data_batches_per_epoch(train, B, T) / grad_accum, st;
        st = ceil(epochs * (per_epoch < 1 ? 1 : per_epoch));
        if (!(st >= 1 && st <= INT_MAX)) {
            fprintf(stderr, "lora-finetune: --epochs %g is %.0f steps of %.0f per epoch; at most %d steps\n", epochs, st, per_epoch, INT_MAX);
            rc = 2;
            goto done;
        }
        steps = (long)st;
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
        int nt = 0, ne = 0, nl = 0;
        lc.r = r; lc.alpha = (float)alpha; lc.dropout = (float)dropout; lc.use_rslora = rslora; lc.seed = seed;
        lc.bias = (lora_bias_mode)lora_bias_mode_from_name(bias_s);
        lc.init = (lora_init_mode)lora_init_mode_from_name(init_s);
        if (targets && strcmp(targets, "all-linear") == 0) lc.target.all_linear = 1;
        else if (targets) {
            if (!(tv = cli_split(targets, &nt))) { fprintf(stderr, "lora-finetune: out of memory\n"); goto done; }
            lc.target.targets = (const char *const *)tv; lc.target.n_targets = nt;
        }
        lc.target.target_regex = regex;
        if (exclude_s) {
            if (!(ev = cli_split(exclude_s, &ne))) { fprintf(stderr, "lora-finetune: out of memory\n"); goto done; }
            lc.target.exclude = (const char *const *)ev; lc.target.n_exclude = ne;
        }
        if (layers_s) {
            if (!(lv = cli_split_ints(layers_s, &nl, 0, info->n_layer > 0 ? info->n_layer - 1 : 0)))
                USAGE_ERR("--layers expects a comma list of layer numbers in [0, %d], got '%s'", info->n_layer - 1, layers_s);
            lc.target.layers = lv; lc.target.n_layers = nl;
        }
        s = lora_model_adapter_create(m, &lc, &ad);
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
    if (csvf && !resume_dir && (fprintf(csvf, "step,loss,lr,grad_norm,ms,val_loss\n") < 0 || fflush(csvf) != 0)) {
        fprintf(stderr, "lora-finetune: cannot write %s\n", csv_path);
        goto done;
    }
    lora_model_trainable_line(m, line, sizeof line);
    ctx.quiet = quiet; ctx.tty = !quiet && is_tty(stdout); ctx.B = B; ctx.T = T; ctx.grad_accum = grad_accum;
    ctx.steps = steps; ctx.report_every = report_every; ctx.eval_every = eval_every; ctx.stop_after = stop_after;
    ctx.logf = logf; ctx.csvf = csvf; ctx.log_path = log_path; ctx.csv_path = csv_path; ctx.cv = &cv; ctx.resume_dir = resume_dir; ctx.trainable_line = line;
    ctx.train_tokens = train->n_tokens; ctx.has_val = val != NULL; ctx.threads = lora_pool_threads(pool);
    ctx.isa = lora_wmat_kernel_name(pool, (lora_dtype)base_dtype);
    /* checkpoints: --checkpoint DIR, else beside the adapter (a full model has none unless asked) */
    cdir[0] = 0;
    if (ckpt_dir) snprintf(cdir, sizeof cdir, "%s", ckpt_dir);
    else if (!full && adapter_out) snprintf(cdir, sizeof cdir, "%s/checkpoint", adapter_out);
    tc.batch = B; tc.seq = T; tc.steps = steps; tc.grad_accum = grad_accum; tc.optim = oc; tc.seed = seed; tc.shuffle = !no_shuffle;
    tc.val = val; tc.val_batches = val_batches; tc.eval_every = eval_every;
    tc.checkpoint_dir = cdir[0] ? cdir : NULL; tc.save_every = cdir[0] ? save_every : 0; tc.checkpoint_at_end = ckpt_dir != NULL;
    tc.resume_dir = resume_dir; tc.on_progress = on_progress; tc.user = &ctx;
    if (!quiet) setvbuf(stdout, NULL, _IOLBF, 0);   /* progress lines as they happen, also into a file or pipe */
    signal(SIGINT, on_sigint);
    t_start = now_seconds();
    s = lora_train(m, train, &tc, &res);
    if (s == LORA_ERR_CANCELLED) {
        if (ctx.interrupted == 2) {
            fprintf(stderr, "lora-finetune: cannot write %s (disk full?); stopped at step %lld%s%s\n", ctx.failed_path,
                    (long long)res.state.step, tc.checkpoint_dir ? ", checkpoint saved to " : ", nothing saved", tc.checkpoint_dir ? cdir : "");
            goto done;
        }
        if (tc.checkpoint_dir)
            fprintf(stderr, "\nlora-finetune: interrupted at step %lld; checkpoint saved to %s (continue with --resume %s)\n",
                    (long long)res.state.step, cdir, cdir);
        else if (full)
            fprintf(stderr, "\nlora-finetune: interrupted at step %lld; nothing saved: %s was not written and no checkpoint was kept "
                            "(give --checkpoint DIR to keep interrupted --full runs)\n", (long long)res.state.step, model_out ? model_out : "--model-out");
        else
            fprintf(stderr, "\nlora-finetune: interrupted at step %lld; nothing saved (no --checkpoint DIR)\n", (long long)res.state.step);
        rc = 130;
        goto done;
    }
    if (s == LORA_ERR_NUMERIC && !isfinite(res.loss)) {
        char ts[4200];
        FILE *prev = NULL;
        const char *what = isnan(res.loss) ? "nan" : res.loss > 0 ? "inf" : "-inf";
        if (cdir[0]) { snprintf(ts, sizeof ts, "%s/trainer_state.bin", cdir); prev = fopen(ts, "rb"); }
        if (prev) fclose(prev);
        if (res.checkpoint)
            fprintf(stderr, "lora-finetune: step %lld: loss is %s (NaN/Inf); stopping. The last checkpoint, %s, is intact.\n",
                    (long long)res.state.step, what, res.checkpoint);
        else if (prev)
            fprintf(stderr, "lora-finetune: step %lld: loss is %s (NaN/Inf); stopping. The checkpoint in %s (written before this run) is intact.\n",
                    (long long)res.state.step, what, cdir);
        else
            fprintf(stderr, "lora-finetune: step %lld: loss is %s (NaN/Inf); stopping. Nothing was saved (no checkpoint had been written).\n",
                    (long long)res.state.step, what);
        goto done;
    }
    if (s != LORA_OK) goto fail;
    if (val && !quiet)
        printf("validation after training: loss %.4f  perplexity %.3f\nval perplexity: %.3f -> %.3f\n", res.val_after,
               exp(res.val_after), exp(res.val_before), exp(res.val_after));
    if (full) { if (model_out && (s = lora_model_save(m, model_out)) != LORA_OK) goto fail; }
    else if (adapter_out && (s = lora_model_adapter_save(m, ad, adapter_out)) != LORA_OK) goto fail;
    if (svg_path && write_svg(svg_path, &cv, (int)steps) != 0) goto done;
    if (ctx.interrupted == 2) {   /* the run finished and was saved, but a log line was lost */
        fprintf(stderr, "lora-finetune: cannot write %s (disk full?): the log is incomplete; the %s was saved\n", ctx.failed_path,
                full ? "model" : "adapter");
        goto done;
    }
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
    if (logf && (ferror(logf) | fclose(logf)) != 0 && rc == 0) { fprintf(stderr, "lora-finetune: cannot write %s\n", log_path); rc = 1; }
    if (csvf && (ferror(csvf) | fclose(csvf)) != 0 && rc == 0) { fprintf(stderr, "lora-finetune: cannot write %s\n", csv_path); rc = 1; }
    free(cv.train); free(cv.val);
    lora_model_free(m);
    lora_adapter_free(ad);
    lora_data_free(train); lora_data_free(val); lora_data_free(all);
    lora_tokenizer_free(tok);
    lora_pool_destroy(pool);
    free(tv); free(ev); free(lv);
    cli_free(&a);
    return rc;
}
