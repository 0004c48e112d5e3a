/* ---- Module-name patterns (PEFT's target_modules rules) ----
   A small backtracking regular-expression engine for the subset people write in
   target_modules: literals, . * + ? {m} {m,} {m,n} (greedy and lazy), [] [^] ranges,
   ( ) (?: ) groups, |, anchors ^ $, escapes \. \d \D \w \W \s \S. Patterns are
   matched against the whole name (Python's re.fullmatch). */
typedef struct lora_regex lora_regex;
LORA_API lora_status lora_regex_compile(const char *pattern, lora_regex **out);
LORA_API int lora_regex_fullmatch(const lora_regex *re, const char *text);
LORA_API int lora_regex_search(const lora_regex *re, const char *text); /* match anywhere */
LORA_API void lora_regex_free(lora_regex *re);

/* PEFT's list rule: name equals key, or ends with "." + key. */
LORA_API int lora_name_matches_key(const char *name, const char *key);

/* Which modules to adapt, as PEFT's LoraConfig says it. */
typedef struct lora_target_spec {
    const char *const *targets;    /* list form of target_modules (n_targets entries) */
    int n_targets;
    const char *target_regex;      /* string form of target_modules (fullmatch), or NULL */
    int all_linear;                /* "all-linear": every linear module except the output layer */
    const char *const *exclude;    /* exclude_modules, list form */
    int n_exclude;
    const char *exclude_regex;     /* exclude_modules, string form, or NULL */
    const int *layers;             /* layers_to_transform (n_layers entries), or NULL = all */
    int n_layers;
    const char *layers_pattern;    /* layers_pattern, e.g. "h"; NULL = PEFT's default list */
} lora_target_spec;

/* Decides, for each of n module names, whether it is targeted (selected[i] = 0/1).
   is_output[i] marks the output layer (lm_head) that "all-linear" leaves out; may be NULL.
   Fails like PEFT when nothing matches: LORA_ERR_NOT_FOUND with a message naming the
   targets and listing the module-name suffixes that exist. */
LORA_API lora_status lora_select_targets(const lora_target_spec *spec, const char *const *names, int n,
                                         const unsigned char *is_output, unsigned char *selected);
/* Layer index in a module name per PEFT (".h.3." -> 3 with pattern "h"); -1 if none. */
LORA_API int lora_layer_index(const char *name, const char *layers_pattern);
