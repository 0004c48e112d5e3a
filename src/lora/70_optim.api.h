/* ---- Optimiser: AdamW exactly as torch.optim.AdamW ----
   Per tensor, step t = 1, 2, ...:
     p = p * (1 - lr * wd);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
     p = p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
   Learning-rate schedules are Hugging Face's get_*_schedule_with_warmup. */
typedef struct lora_param {
    const char *name;
    float *value, *grad;
    int64_t n;
} lora_param;

typedef enum lora_schedule { LORA_SCHED_CONSTANT = 0, LORA_SCHED_LINEAR = 1, LORA_SCHED_COSINE = 2 } lora_schedule;
/* "constant" / "linear" / "cosine"; from_name returns -1 for an unknown name, name NULL for a bad value. */
LORA_API const char *lora_schedule_name(lora_schedule s);
LORA_API int lora_schedule_from_name(const char *name);

typedef struct lora_adamw_config {
    double lr;               /* default 1e-3 (torch's default) */
    double beta1, beta2;     /* 0.9, 0.999 */
    double eps;              /* 1e-8 */
    double weight_decay;     /* 0.01 (torch's default; PEFT/Trainer users usually set 0) */
    double grad_clip;        /* max global L2 norm, 0 = off */
    int warmup;              /* warm-up steps */
    int total_steps;         /* for linear/cosine decay */
    lora_schedule schedule;
} lora_adamw_config;
LORA_API lora_adamw_config lora_adamw_config_init(void);

typedef struct lora_adamw {
    lora_adamw_config config;
    int n_params;
    lora_param *params;      /* copy of the list (names not owned) */
    float **m, **v;          /* moment buffers, one pair per parameter */
    int64_t step;            /* number of steps taken */
} lora_adamw;

LORA_API lora_status lora_adamw_create(const lora_adamw_config *cfg, const lora_param *params, int n_params,
                                       lora_adamw **out);
LORA_API void lora_adamw_free(lora_adamw *opt);
/* Learning rate of 0-based step s under the schedule: lr * lambda(s). */
LORA_API double lora_schedule_lr(const lora_adamw_config *cfg, int64_t s);
/* Global L2 norm of all gradients (computed in double). */
LORA_API double lora_grad_norm(const lora_param *params, int n_params);
/* One update: optional clipping (torch's clip_grad_norm_: coef = clip / (norm + 1e-6),
   applied when < 1), then AdamW with lr = lora_schedule_lr(cfg, step). Returns
   LORA_ERR_NUMERIC (and changes nothing) if a gradient is NaN/Inf. *grad_norm_out (may be
   NULL) receives the norm before clipping, *lr_out the learning rate used. */
LORA_API lora_status lora_adamw_step(lora_adamw *opt, lora_pool *pool, double *grad_norm_out, double *lr_out);
