#define LORA__CKPT_MAGIC "LORACKPT"
#define LORA__CKPT_VERSION 1u

/* trainer_state.bin, little-endian: this header, then per trained tensor its name length (u32),
   name, value count (i64), values, AdamW first and second moments (float32 each) */
typedef struct lora__ckpt_header {
    char magic[8];
    uint32_t version, n_params;
    int64_t step;
    uint64_t data_pos, epoch, seed, dropout_step;
    double best_val_loss, elapsed_seconds;
} lora__ckpt_header;

/* header fields between host order and the file's little-endian order (either way) */
static void lora__ckpt_header_le(lora__ckpt_header *h) {
    lora__le_swap(&h->version, 4, 4); lora__le_swap(&h->n_params, 4, 4);
    lora__le_swap(&h->step, 8, 8); lora__le_swap(&h->data_pos, 8, 8); lora__le_swap(&h->epoch, 8, 8);
    lora__le_swap(&h->seed, 8, 8); lora__le_swap(&h->dropout_step, 8, 8);
    lora__le_swap(&h->best_val_loss, 8, 8); lora__le_swap(&h->elapsed_seconds, 8, 8);
}

LORA_API lora_status lora_checkpoint_save(const char *path, const lora_adamw *opt, const lora_train_state *state) {
    lora__atomic_file af;
    lora__ckpt_header h;
    lora_status s;
    int i;
    if (!path || !opt || !state) return lora__fail(LORA_ERR_INVALID_ARG, "lora_checkpoint_save: NULL argument");
    memset(&h, 0, sizeof h);
    memcpy(h.magic, LORA__CKPT_MAGIC, 8);
    h.version = LORA__CKPT_VERSION;
    h.n_params = (uint32_t)opt->n_params;
    h.step = opt->step;
    h.data_pos = state->data_pos; h.epoch = state->epoch; h.seed = state->seed; h.dropout_step = state->dropout_step;
    h.best_val_loss = state->best_val_loss; h.elapsed_seconds = state->elapsed_seconds;
    lora__ckpt_header_le(&h);
    if ((s = lora__atomic_open(&af, path)) != LORA_OK) return s;
    lora__atomic_write(&af, &h, sizeof h);
    for (i = 0; i < opt->n_params; i++) {
        const lora_param *p = &opt->params[i];
        uint32_t nl = (uint32_t)strlen(p->name ? p->name : "");
        int64_t n = p->n;
        lora__atomic_write_le(&af, &nl, sizeof nl, sizeof nl);
        lora__atomic_write(&af, p->name ? p->name : "", nl);
        lora__atomic_write_le(&af, &n, sizeof n, sizeof n);
        lora__atomic_write_le(&af, p->value, sizeof(float) * (size_t)n, sizeof(float));
        lora__atomic_write_le(&af, opt->m[i], sizeof(float) * (size_t)n, sizeof(float));
        lora__atomic_write_le(&af, opt->v[i], sizeof(float) * (size_t)n, sizeof(float));
    }
    return lora__atomic_commit(&af);
}

LORA_API lora_status lora_checkpoint_load(const char *path, lora_adamw *opt, lora_train_state *state) {
    FILE *f;
    lora__ckpt_header h;
    lora_status s = LORA_OK;
    int i, k;
    if (!path || !opt || !state) return lora__fail(LORA_ERR_INVALID_ARG, "lora_checkpoint_load: NULL argument");
    if ((s = lora__check_not_dir(path)) != LORA_OK) return s;
    f = fopen(path, "rb");
    if (!f) return lora__fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fread(&h, sizeof h, 1, f) != 1) { fclose(f); return lora__fail(LORA_ERR_FORMAT, "%s: truncated checkpoint header", path); }
    lora__ckpt_header_le(&h);
    if (memcmp(h.magic, LORA__CKPT_MAGIC, 8) != 0) { fclose(f); return lora__fail(LORA_ERR_FORMAT, "%s: not a lora.h checkpoint (bad magic)", path); }
    if (h.version != LORA__CKPT_VERSION) { fclose(f); return lora__fail(LORA_ERR_FORMAT, "%s: checkpoint version %u, expected %u", path, h.version, LORA__CKPT_VERSION); }
    if (h.n_params != (uint32_t)opt->n_params) {
        fclose(f);
        return lora__fail(LORA_ERR_SHAPE, "%s: checkpoint has %u tensors, the optimiser has %d (different targets or model?)", path, h.n_params, opt->n_params);
    }
    /* every field is input: checked before anything uses it */
    if (h.step < 0 || h.step > INT_MAX) {
        fclose(f);
        return lora__fail(LORA_ERR_FORMAT, "%s: step %lld: expected a step count in [0, %d]", path, (long long)h.step, INT_MAX);
    }
    if (h.epoch > (uint64_t)h.step * 65536u + 1u) {
        fclose(f);
        return lora__fail(LORA_ERR_FORMAT, "%s: epoch %llu after %lld steps: expected at most %llu", path, (unsigned long long)h.epoch,
                          (long long)h.step, (unsigned long long)h.step * 65536u + 1u);
    }
    if (!(h.best_val_loss != h.best_val_loss || (h.best_val_loss >= 0 && h.best_val_loss < 1e30))) {
        fclose(f);
        return lora__fail(LORA_ERR_FORMAT, "%s: best validation loss %g: expected NaN (none yet) or a finite value >= 0", path, h.best_val_loss);
    }
    if (!(h.elapsed_seconds >= 0 && h.elapsed_seconds < 1e12)) {
        fclose(f);
        return lora__fail(LORA_ERR_FORMAT, "%s: elapsed time %g s: expected a finite value >= 0", path, h.elapsed_seconds);
    }
    /* read everything into temporaries first: a bad file changes nothing */
    {
        float **vals = (float **)lora__calloc((size_t)(opt->n_params ? opt->n_params : 1), 3 * sizeof(float *), "checkpoint");
        if (!vals) { fclose(f); return LORA_ERR_OOM; }
        for (i = 0; i < opt->n_params && s == LORA_OK; i++) {
            const lora_param *p = &opt->params[i];
            uint32_t nl;
            int64_t n;
            char name[512];
            if (lora__fread_le(&nl, sizeof nl, 1, f) != 1) { s = lora__fail(LORA_ERR_FORMAT, "%s: truncated checkpoint (tensor %d)", path, i); break; }
            if (nl >= sizeof name) {
                s = lora__fail(LORA_ERR_FORMAT, "%s: tensor %d: name length %u, expected at most %u", path, i, nl, (unsigned)sizeof name - 1);
                break;
            }
            if (fread(name, 1, nl, f) != nl || lora__fread_le(&n, sizeof n, 1, f) != 1) {
                s = lora__fail(LORA_ERR_FORMAT, "%s: truncated checkpoint (tensor %d)", path, i);
                break;
            }
            name[nl] = 0;
            if (n != p->n || strcmp(name, p->name ? p->name : "") != 0) {
                s = lora__fail(LORA_ERR_SHAPE, "%s: tensor %d is '%s' with %lld values, expected '%s' with %lld", path, i, name,
                               (long long)n, p->name ? p->name : "", (long long)p->n);
                break;
            }
            for (k = 0; k < 3 && s == LORA_OK; k++) {
                float *buf = (float *)lora__malloc(sizeof(float) * (size_t)(n ? n : 1), "checkpoint");
                vals[3 * i + k] = buf;
                if (!buf) s = LORA_ERR_OOM;
                else if (lora__fread_le(buf, sizeof(float), (size_t)n, f) != (size_t)n) s = lora__fail(LORA_ERR_FORMAT, "%s: truncated checkpoint (tensor '%s')", path, name);
                else {
                    int64_t q;
                    static const char *const what[3] = {"value", "first moment", "second moment"};
                    for (q = 0; q < n; q++)
                        if (!isfinite(buf[q]) || (k == 2 && buf[q] < 0)) {
                            s = lora__fail(LORA_ERR_NUMERIC, "%s: tensor '%s': %s %lld is %g: expected a finite number%s", path, name, what[k],
                                           (long long)q, (double)buf[q], k == 2 ? " >= 0" : "");
                            break;
                        }
                }
            }
        }
        if (s == LORA_OK && fgetc(f) != EOF) s = lora__fail(LORA_ERR_FORMAT, "%s: trailing bytes after the last tensor", path);
        if (s == LORA_OK) {
            for (i = 0; i < opt->n_params; i++) {
                size_t bytes = sizeof(float) * (size_t)opt->params[i].n;
                memcpy(opt->params[i].value, vals[3 * i], bytes);
                memcpy(opt->m[i], vals[3 * i + 1], bytes);
                memcpy(opt->v[i], vals[3 * i + 2], bytes);
            }
            opt->step = h.step;
            state->step = h.step; state->data_pos = h.data_pos; state->epoch = h.epoch; state->seed = h.seed;
            state->dropout_step = h.dropout_step; state->best_val_loss = h.best_val_loss; state->elapsed_seconds = h.elapsed_seconds;
        }
        for (i = 0; i < 3 * opt->n_params; i++) LORA_FREE(vals[i]);
        LORA_FREE(vals);
    }
    fclose(f);
    return s;
}
