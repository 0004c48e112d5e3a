#if defined(__unix__) || defined(__APPLE__)
#include <sys/time.h>
#endif
/* Wall-clock seconds (gettimeofday is declared even in strict C99 mode, clock_gettime is not). */
static double gpt2__seconds(void) {
#if defined(__unix__) || defined(__APPLE__)
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
#else
    return (double)time(NULL);
#endif
}

LORA_API gpt2_train_config gpt2_train_config_init(void) {
    gpt2_train_config c;
    memset(&c, 0, sizeof c);
    c.batch = 4;
    c.seq = 128;
    c.steps = 100;
    c.grad_accum = 1;
    c.optim = lora_adamw_config_init();
    c.optim.lr = 2e-4;
    c.optim.weight_decay = 0.0;
    c.seed = 42;
    return c;
}

LORA_API lora_status gpt2_train(gpt2_model *m, const lora_dataset *train, const gpt2_train_config *cfg, size_t *pos) {
    lora_param *params = NULL;
    lora_adamw *opt = NULL;
    lora_adamw_config oc;
    int32_t *in = NULL, *lab = NULL;
    int n_params = 0, k;
    size_t local_pos = 0;
    lora_status s;
    double t0;
    int64_t step;
    if (!m || !train || !cfg) return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_train: NULL argument");
    if (cfg->batch <= 0 || cfg->seq <= 1 || cfg->steps <= 0 || cfg->grad_accum <= 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "gpt2_train: batch %d, seq %d, steps %lld, grad_accum %d must be positive (seq > 1)",
                          cfg->batch, cfg->seq, (long long)cfg->steps, cfg->grad_accum);
    if (!pos) pos = &local_pos;
    if ((s = gpt2_trainable_params(m, &params, &n_params)) != LORA_OK) return s;
    oc = cfg->optim;
    if (oc.total_steps <= 0) oc.total_steps = (int)cfg->steps;
    if ((s = lora_adamw_create(&oc, params, n_params, &opt)) != LORA_OK) goto done;
    in = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)cfg->batch * cfg->seq, "batch");
    lab = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)cfg->batch * cfg->seq, "batch");
    if (!in || !lab) { s = LORA_ERR_OOM; goto done; }
    gpt2_model_set_training(m, 1, cfg->seed);
    t0 = gpt2__seconds();
    for (step = 0; step < cfg->steps; step++) {
        gpt2_train_progress p;
        double loss_sum = 0.0;
        gpt2_zero_grad(m);
        for (k = 0; k < cfg->grad_accum; k++) {
            float loss;
            if ((s = lora_data_batch(train, pos, cfg->batch, cfg->seq, in, lab)) != LORA_OK) goto done;
            if ((s = gpt2_forward(m, in, lab, cfg->batch, cfg->seq, &loss)) != LORA_OK) goto done;
            if (!isfinite(loss)) {
                s = lora__fail(LORA_ERR_NUMERIC, "training loss is %g at step %lld; stopped before updating any weight", (double)loss, (long long)step);
                goto done;
            }
            if ((s = gpt2_backward(m)) != LORA_OK) goto done;
            loss_sum += loss;
        }
        if (cfg->grad_accum > 1) {
            int i;
            int64_t j;
            for (i = 0; i < n_params; i++)
                for (j = 0; j < params[i].n; j++) params[i].grad[j] /= (float)cfg->grad_accum;
        }
        memset(&p, 0, sizeof p);
        if ((s = lora_adamw_step(opt, m->pool, &p.grad_norm, &p.lr)) != LORA_OK) goto done;
        p.step = step + 1;
        p.total_steps = cfg->steps;
        p.loss = (float)(loss_sum / cfg->grad_accum);
        p.elapsed_s = gpt2__seconds() - t0;
        p.tokens_per_s = p.elapsed_s > 0 ? (double)(step + 1) * cfg->batch * cfg->seq * cfg->grad_accum / p.elapsed_s : 0.0;
        if (cfg->on_step && cfg->on_step(cfg->user, &p)) {
            s = lora__fail(LORA_ERR_CANCELLED, "training cancelled by the progress callback after step %lld", (long long)p.step);
            goto done;
        }
    }
    s = LORA_OK;
done:
    gpt2_model_set_training(m, 0, cfg->seed);
    LORA_FREE(in); LORA_FREE(lab);
    lora_adamw_free(opt);
    LORA_FREE(params);
    return s;
}
