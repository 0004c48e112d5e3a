/* ---- evaluation and the training loop ---- */

static double lora__seconds(void) {
#if defined(CLOCK_MONOTONIC) && !defined(_WIN32)
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

static lora_status lora__evaluate(lora_model *m, const lora_dataset *ds, int B, int T, int64_t max_batches,
                                  int32_t *in, int32_t *lab, int32_t *pos, lora_eval_result *r) {
    lora_batcher *bt = NULL;
    size_t at = 0, nb, b;
    double sum = 0, count = 0;
    lora_status s = LORA_OK;
    /* separate samples go through a batcher in file order (positions per sample); a stream is
       cut from its start */
    if (ds->separate && (s = lora_batcher_create(ds, B, T, 0, 0, &bt)) != LORA_OK) return s;
    nb = bt ? lora_batcher_epoch_batches(bt) : lora_data_batches_per_epoch(ds, B, T);
    if (max_batches > 0 && nb > (size_t)max_batches) nb = (size_t)max_batches;
    for (b = 0; b < nb; b++) {
        float loss;
        int row, t, n = 0;
        if (bt) s = lora_batcher_next(bt, in, lab, pos);
        else s = lora_data_batch(ds, &at, B, T, in, lab);
        if (s != LORA_OK) break;
        if ((s = lora_model_forward_positions(m, in, lab, bt ? pos : NULL, B, T, &loss)) != LORA_OK) break;
        /* the logits at t predict labels[t + 1]: the first label of a row has no prediction */
        for (row = 0; row < B; row++)
            for (t = 1; t < T; t++) n += lab[row * T + t] != LORA_IGNORE_LABEL;
        if (n) { sum += (double)loss * n; count += n; }
    }
    lora_batcher_free(bt);
    if (s != LORA_OK) return s;
    r->loss = count ? sum / count : NAN;
    r->perplexity = exp(r->loss);
    r->tokens = (int64_t)count;
    r->batches = (int64_t)nb;
    return LORA_OK;
}

static lora_status lora__check_batch_shape(const char *what, const lora_dataset *ds, int B, int T) {
    if (B <= 0 || T <= 1)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: batch %d and seq %d must be positive (seq > 1)", what, B, T);
    if ((size_t)B > SIZE_MAX / (size_t)T / sizeof(int32_t))
        return lora__fail(LORA_ERR_RANGE, "%s: batch %d x seq %d is too large", what, B, T);
    if (ds && !ds->separate && ds->n_tokens < (size_t)B * (size_t)T)
        return lora__fail(LORA_ERR_RANGE, "%s: the data has %zu tokens, fewer than one batch of %d x %d", what,
                          ds->n_tokens, B, T);
    return LORA_OK;
}

LORA_API lora_status lora_evaluate(lora_model *m, const lora_dataset *ds, int B, int T, int64_t max_batches,
                                   lora_eval_result *out) {
    int32_t *in, *lab, *pos;
    lora_status s;
    if (out) memset(out, 0, sizeof *out);
    if (!m || !ds || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_evaluate: NULL argument");
    if ((s = lora__check_batch_shape("lora_evaluate", ds, B, T)) != LORA_OK) return s;
    if (T > m->info.max_seq)
        return lora__fail(LORA_ERR_RANGE, "lora_evaluate: seq %d exceeds the model's context length %d", T, m->info.max_seq);
    in = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)B * T, "evaluation batch");
    lab = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)B * T, "evaluation batch");
    pos = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)B * T, "evaluation batch");
    if (!in || !lab || !pos) s = LORA_ERR_OOM;
    else s = lora__evaluate(m, ds, B, T, max_batches, in, lab, pos, out);
    LORA_FREE(in);
    LORA_FREE(lab);
    LORA_FREE(pos);
    return s;
}

LORA_API lora_status lora_exact_match(lora_model *m, const lora_dataset *ds, int64_t max_items,
                                      lora_exact_match_fn on_item, void *user, lora_exact_match_result *out) {
    lora_sampler greedy = lora_sampler_init();
    int32_t *got = NULL;
    size_t k, cap = 0;
    lora_status s = LORA_OK;
    if (out) memset(out, 0, sizeof *out);
    if (!m || !ds || !out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_exact_match: NULL argument");
    if (m->info.eos < 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_exact_match: the %s model has no end-of-text token", m->info.family);
    greedy.greedy = 1;
    for (k = 0; k < ds->n_samples && (max_items <= 0 || out->items < max_items); k++) {
        size_t a = ds->sample_start[k], b = ds->sample_start[k + 1], p = a;
        int n_prompt, n_exp, n_got = 0, want, ok, i;
        while (p < b && ds->labels[p] == LORA_IGNORE_LABEL) p++;
        if (p == a || p == b) continue;                      /* no prompt, or nothing to answer */
        n_prompt = (int)(p - a);
        for (b = p; b < ds->sample_start[k + 1] && ds->labels[b] != LORA_IGNORE_LABEL; b++) {}
        n_exp = (int)(b - p);                                /* the labelled run: a chat template's answer
                                                                ends at its end-of-turn token */
        if (n_prompt >= m->info.max_seq) continue;          /* no room to answer */
        if (ds->tokens[b - 1] == m->info.eos) n_exp--;        /* compare the text; the stop is checked apart */
        want = n_exp + 1;                                   /* the answer, then the end-of-text token */
        if ((size_t)want > cap) {
            int32_t *g = (int32_t *)lora__realloc(got, sizeof(int32_t) * (size_t)want, "exact-match answer");
            if (!g) { s = LORA_ERR_OOM; break; }
            got = g;
            cap = (size_t)want;
        }
        if ((s = lora_generate(m, ds->tokens + a, n_prompt, want, &greedy, 1, got, &n_got, NULL, NULL)) != LORA_OK) break;
        /* stop_at_eot leaves the end-of-text token out: n_got < want means the model stopped there,
           unless the context was full */
        ok = n_got == n_exp && n_prompt + n_got < m->info.max_seq;
        for (i = 0; ok && i < n_exp; i++) ok = got[i] == ds->tokens[p + (size_t)i];
        out->items++;
        out->correct += ok;
        if (on_item && on_item(user, out->items - 1, ds->tokens + a, n_prompt, ds->tokens + p, n_exp, got, n_got, ok)) {
            s = lora__fail(LORA_ERR_CANCELLED, "lora_exact_match: stopped by the callback after %lld items",
                           (long long)out->items);
            break;
        }
    }
    LORA_FREE(got);
    return s;
}

LORA_API lora_train_config lora_train_config_init(void) {
    lora_train_config c;
    memset(&c, 0, sizeof c);
    c.batch = 4;
    c.seq = 128;
    c.steps = 100;
    c.grad_accum = 1;
    c.optim = lora_adamw_config_init();
    c.optim.lr = 2e-4;
    c.optim.weight_decay = 0.0;
    c.seed = 42;
    c.shuffle = 1;
    return c;
}

/* The training run's state shared by the loop's helpers. */
typedef struct lora__trainer {
    lora_model *m;
    const lora_train_config *cfg;
    const lora_dataset *train;
    lora_batcher *batches;
    lora_adamw *opt;
    lora_param *params;
    int n_params;
    int full;                    /* no adapter: the checkpoint holds the model's weights */
    int32_t *in, *lab, *pos;
    lora_train_state st;
    double t_start, tokens;
    lora_train_result *res;
} lora__trainer;

static void lora__trainer_progress(lora__trainer *tr, lora_train_progress *p, lora_train_event ev) {
    double el = lora__seconds() - tr->t_start;
    memset(p, 0, sizeof *p);
    p->event = ev;
    p->step = tr->st.step;
    p->total_steps = tr->cfg->steps;
    p->val_loss = NAN;
    p->elapsed_s = el;
    p->tokens_per_s = el > 0 ? tr->tokens / el : 0.0;
}

/* Writes the adapter (or the full model) and trainer_state.bin into the checkpoint directory. */
static lora_status lora__trainer_save(lora__trainer *tr, int *cancel) {
    const char *dir = tr->cfg->checkpoint_dir;
    char *path;
    lora_status s;
    lora_train_progress p;
    lora_dir_txn txn;
    double now = lora__seconds();
    tr->st.elapsed_seconds += now - tr->t_start;
    tr->t_start = now;
    tr->tokens = 0;
    /* the weights (or adapter) and trainer_state.bin go into a new directory that replaces the
       previous checkpoint as a whole: never a new adapter with an old trainer state */
    if ((s = lora_dir_begin(&txn, dir)) != LORA_OK) return s;
    if (tr->full) {
        if (!(path = lora__path_join(lora_dir_path(&txn), "model.safetensors"))) { lora_dir_abort(&txn); return LORA_ERR_OOM; }
        s = lora_model_save(tr->m, path);
        LORA_FREE(path);
    } else {
        s = lora__adapter_write_files(lora_model_adapter(tr->m), lora_dir_path(&txn), tr->m->info.fan_in_fan_out);
    }
    if (s == LORA_OK) {
        if (!(path = lora__path_join(lora_dir_path(&txn), "trainer_state.bin"))) s = LORA_ERR_OOM;
        else {
            s = lora_checkpoint_save(path, tr->opt, &tr->st);
            LORA_FREE(path);
        }
    }
    if (s != LORA_OK) { lora_dir_abort(&txn); return s; }
    if ((s = lora_dir_commit(&txn)) != LORA_OK) return s;
    if (tr->res) tr->res->checkpoint = dir;
    if (tr->cfg->on_progress) {
        lora__trainer_progress(tr, &p, LORA_TRAIN_CHECKPOINT);
        p.checkpoint = dir;
        if (tr->cfg->on_progress(tr->cfg->user, &p) && cancel) *cancel = 1;
    }
    return LORA_OK;
}

/* A validation pass in eval mode; the dropout stream continues where it was. */
static lora_status lora__trainer_validate(lora__trainer *tr, double *loss) {
    lora_eval_result r;
    lora_status s;
    lora_model_set_training(tr->m, 0, tr->st.seed);
    s = lora__evaluate(tr->m, tr->cfg->val, tr->cfg->batch, tr->cfg->seq, tr->cfg->val_batches, tr->in, tr->lab, tr->pos, &r);
    lora_model_set_training(tr->m, 1, tr->st.seed);
    lora_model_set_dropout_step(tr->m, tr->st.dropout_step);
    if (s != LORA_OK) return s;
    *loss = r.loss;
    if (!(r.loss >= tr->st.best_val_loss)) tr->st.best_val_loss = r.loss;
    return LORA_OK;
}

/* One optimiser step: grad_accum micro-batches, their mean gradient, AdamW. */
static lora_status lora__trainer_step(lora__trainer *tr, lora_train_progress *p) {
    const lora_train_config *c = tr->cfg;
    double t0 = lora__seconds(), loss_sum = 0.0;
    int k;
    lora_status s;
    lora_model_zero_grad(tr->m);
    for (k = 0; k < c->grad_accum; k++) {
        float loss;
        if ((s = lora_batcher_next(tr->batches, tr->in, tr->lab, tr->pos)) != LORA_OK) return s;
        lora_batcher_position(tr->batches, &tr->st.epoch, &tr->st.data_pos);
        if ((s = lora_model_forward_positions(tr->m, tr->in, tr->lab, tr->train->separate ? tr->pos : NULL, c->batch,
                                              c->seq, &loss)) != LORA_OK)
            return s;
        if (tr->res) tr->res->loss = loss;
        if (!isfinite(loss))
            return lora__fail(LORA_ERR_NUMERIC, "training loss is %g at step %lld; stopped before updating any weight",
                              (double)loss, (long long)tr->st.step);
        if ((s = lora_model_backward(tr->m)) != LORA_OK) return s;
        loss_sum += loss;
    }
    if (c->grad_accum > 1) {
        int i;
        int64_t j;
        for (i = 0; i < tr->n_params; i++)
            for (j = 0; j < tr->params[i].n; j++) tr->params[i].grad[j] /= (float)c->grad_accum;
    }
    lora__trainer_progress(tr, p, LORA_TRAIN_STEP);
    if ((s = lora_adamw_step(tr->opt, lora_model_pool(tr->m), &p->grad_norm, &p->lr)) != LORA_OK) return s;
    tr->st.step = tr->opt->step;
    tr->st.dropout_step = lora_model_dropout_step(tr->m);
    tr->tokens += (double)c->batch * c->seq * c->grad_accum;
    p->step = tr->st.step;
    p->loss = (float)(loss_sum / c->grad_accum);
    if (tr->res) tr->res->loss = p->loss;
    p->step_ms = 1000.0 * (lora__seconds() - t0);
    p->elapsed_s = lora__seconds() - tr->t_start;
    p->tokens_per_s = p->elapsed_s > 0 ? tr->tokens / p->elapsed_s : 0.0;
    return LORA_OK;
}

LORA_API lora_status lora_train(lora_model *m, const lora_dataset *train, const lora_train_config *cfg,
                                lora_train_result *out) {
    lora__trainer tr;
    lora_train_result local;
    lora_adamw_config oc;
    lora_status s;
    int cancel = 0;
    char *path = NULL;
    if (!out) out = &local;
    memset(out, 0, sizeof *out);
    out->val_before = out->val_after = NAN;
    if (!m || !train || !cfg) return lora__fail(LORA_ERR_INVALID_ARG, "lora_train: NULL argument");
    if ((s = lora__check_batch_shape("lora_train", train, cfg->batch, cfg->seq)) != LORA_OK) return s;
    if (cfg->val && (s = lora__check_batch_shape("lora_train: validation", cfg->val, cfg->batch, cfg->seq)) != LORA_OK) return s;
    if (cfg->steps <= 0 || cfg->steps > INT_MAX || cfg->grad_accum <= 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_train: steps %lld must be in [1, %d] and grad_accum %d positive",
                          (long long)cfg->steps, INT_MAX, cfg->grad_accum);
    if (cfg->seq > m->info.max_seq)
        return lora__fail(LORA_ERR_RANGE, "lora_train: seq %d exceeds the model's context length %d", cfg->seq, m->info.max_seq);
    if (cfg->eval_every < 0 || cfg->save_every < 0 || cfg->val_batches < 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_train: eval_every, save_every and val_batches must be >= 0");
    if ((cfg->save_every > 0 || cfg->checkpoint_at_end) && !cfg->checkpoint_dir)
        return lora__fail(LORA_ERR_INVALID_ARG, "lora_train: checkpoints asked for but checkpoint_dir is NULL");
    memset(&tr, 0, sizeof tr);
    tr.m = m; tr.cfg = cfg; tr.train = train; tr.res = out;
    tr.full = lora_model_adapter(m) == NULL;
    if (!tr.full && (s = lora__check_config(&lora_model_adapter(m)->config)) != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        return lora__fail(s, "lora_train: the adapter's settings: %s", msg);
    }
    if ((s = lora_model_trainable_params(m, &tr.params, &tr.n_params)) != LORA_OK) return s;
    oc = cfg->optim;
    if (oc.total_steps <= 0) oc.total_steps = (int)cfg->steps;
    if ((s = lora_adamw_create(&oc, tr.params, tr.n_params, &tr.opt)) != LORA_OK) goto done;
    tr.st.seed = cfg->seed;
    tr.st.best_val_loss = NAN;
    if (cfg->resume_dir) {
        if (!(path = lora__path_join(cfg->resume_dir, "trainer_state.bin"))) { s = LORA_ERR_OOM; goto done; }
        if ((s = lora_checkpoint_load(path, tr.opt, &tr.st)) != LORA_OK) goto done;
        if (tr.st.step > cfg->steps) {   /* checked against this run before anything uses it */
            s = lora__fail(LORA_ERR_RANGE, "%s: the checkpoint is at step %lld, past this run's %lld steps (resume with --steps >= %lld)", path,
                           (long long)tr.st.step, (long long)cfg->steps, (long long)tr.st.step);
            goto done;
        }
    }
    if ((s = lora_batcher_create(train, cfg->batch, cfg->seq, cfg->shuffle, tr.st.seed, &tr.batches)) != LORA_OK) goto done;
    if (cfg->resume_dir && (s = lora_batcher_seek(tr.batches, tr.st.epoch, tr.st.data_pos)) != LORA_OK) {
        char msg[LORA__ERRLEN];
        snprintf(msg, sizeof msg, "%s", lora_last_error());
        s = lora__fail(s, "%s: %s (not a checkpoint of this data and batch shape)", path, msg);
        goto done;
    }
    tr.in = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)cfg->batch * cfg->seq, "training batch");
    tr.lab = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)cfg->batch * cfg->seq, "training batch");
    tr.pos = (int32_t *)lora__malloc(sizeof(int32_t) * (size_t)cfg->batch * cfg->seq, "training batch");
    if (!tr.in || !tr.lab || !tr.pos) { s = LORA_ERR_OOM; goto done; }
    lora_model_set_training(m, 1, tr.st.seed);
    lora_model_set_dropout_step(m, tr.st.dropout_step);
    tr.t_start = lora__seconds();
    if (cfg->on_progress) {
        lora_train_progress p;
        lora__trainer_progress(&tr, &p, LORA_TRAIN_BEGIN);
        if (cfg->on_progress(cfg->user, &p)) cancel = 1;
    }
    if (cfg->val && !cancel) {
        if ((s = lora__trainer_validate(&tr, &out->val_before)) != LORA_OK) goto done;
        if (tr.st.step >= cfg->steps) out->val_after = out->val_before;
        if (cfg->on_progress) {
            lora_train_progress p;
            lora__trainer_progress(&tr, &p, LORA_TRAIN_VALIDATION);
            p.val_loss = out->val_before;
            if (cfg->on_progress(cfg->user, &p)) cancel = 1;
        }
    }
    while (!cancel && tr.st.step < cfg->steps) {
        lora_train_progress p;
        int last;
        if ((s = lora__trainer_step(&tr, &p)) != LORA_OK) goto done;
        out->tokens += (double)cfg->batch * cfg->seq * cfg->grad_accum;
        last = tr.st.step >= cfg->steps;
        /* validation every eval_every steps and after the last one, reported with the step */
        if (cfg->val && (last || (cfg->eval_every > 0 && tr.st.step % cfg->eval_every == 0))) {
            if ((s = lora__trainer_validate(&tr, &p.val_loss)) != LORA_OK) goto done;
            if (last) out->val_after = p.val_loss;
        }
        if (cfg->on_progress && cfg->on_progress(cfg->user, &p)) cancel = 1;
        if (!cancel && !last && cfg->save_every > 0 && tr.st.step % cfg->save_every == 0 &&
            (s = lora__trainer_save(&tr, &cancel)) != LORA_OK)
            goto done;
    }
    if (cancel && tr.st.step < cfg->steps) {
        if (cfg->checkpoint_dir && (s = lora__trainer_save(&tr, NULL)) != LORA_OK) goto done;
        s = lora__fail(LORA_ERR_CANCELLED, "training cancelled after step %lld%s%s", (long long)tr.st.step,
                       cfg->checkpoint_dir ? "; checkpoint saved to " : "", cfg->checkpoint_dir ? cfg->checkpoint_dir : "");
        goto done;
    }
    if (cfg->checkpoint_at_end && (s = lora__trainer_save(&tr, NULL)) != LORA_OK) goto done;
    s = LORA_OK;
done:
    if (tr.opt) {
        double now = lora__seconds();
        if (tr.t_start > 0) tr.st.elapsed_seconds += now - tr.t_start;
        out->state = tr.st;
        out->elapsed_s = tr.st.elapsed_seconds;
    }
    lora_model_set_training(m, 0, tr.st.seed);
    lora_batcher_free(tr.batches);
    LORA_FREE(path);
    LORA_FREE(tr.in);
    LORA_FREE(tr.lab);
    LORA_FREE(tr.pos);
    lora_adamw_free(tr.opt);
    LORA_FREE(tr.params);
    return s;
}
