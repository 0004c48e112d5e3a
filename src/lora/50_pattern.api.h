/* ---- Module-name patterns (PEFT's target_modules rules) ----
   A small regular-expression engine for the subset people write in target_modules, with
   Python's `re` syntax and results: literals, . (any character but \n) * + ? {m} {m,} {,n}
   {m,n} (greedy and lazy ?), [] [^] ranges and escapes in classes, ( ) (?: ) groups, |,
   anchors ^ $ \A \Z \b \B, escapes \. \\ \d \D \w \W \s \S \n \t \r \f \v \a \xhh \uhhhh
   \Uhhhhhhhh \ooo and any escaped punctuation. A '{' that is not a quantifier is a literal
   (as in Python). Patterns are matched against the whole name (Python's re.fullmatch).
   Matching is a Pike VM: time O(len(pattern) * len(text)), no catastrophic backtracking.
   Text and pattern are UTF-8 (one character = one code point; any other byte is a character of
   its own, so no input crashes); \d \w \s \b use ASCII definitions.
   Rejected with LORA_ERR_INVALID_ARG and a message naming the pattern and the position (a byte
   offset; Python's position when Python rejects it too and the pattern is ASCII): Python's syntax errors (nothing to repeat, multiple
   repeat, unbalanced parentheses, bad ranges, bad escapes, ...) and what is not supported here:
   backreferences, lookarounds, named groups, inline flags, comments, atomic groups, conditionals,
   possessive quantifiers, \N{...}; limits: 65536 bytes of pattern, counts in {m,n} <= 1000,
   200000 instructions after expanding counted repetitions, 200 nested groups. */
typedef struct lora_regex lora_regex;
LORA_API lora_status lora_regex_compile(const char *pattern, lora_regex **out);
/* 1 if the whole text matches, 0 if not, -1 on a NULL argument or out of memory. Thread-safe
   (the compiled regex is read-only). */
LORA_API int lora_regex_fullmatch(const lora_regex *re, const char *text);
LORA_API int lora_regex_search(const lora_regex *re, const char *text); /* match anywhere (re.search); 1/0/-1 */
LORA_API void lora_regex_free(lora_regex *re);

/* PEFT's list rule: name equals key, or ends with "." + key. */
LORA_API int lora_name_matches_key(const char *name, const char *key);

/* Which modules to adapt, as PEFT's LoraConfig says it. Exactly one of targets (a non-empty
   list), target_regex or all_linear. target_regex "all-linear" (any case) means all_linear, as
   in PEFT. An exclude_modules match wins over everything. layers_to_transform (list form of
   target_modules only, as PEFT requires) keeps a module whose layer index is in the list; a module
   without a layer index is dropped, and one named exactly in targets is kept (PEFT). */
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
   Fails like PEFT when nothing matches: LORA_ERR_NOT_FOUND with PEFT's message ("Target modules
   {'query'} not found in the base model. ...", "All modules were excluded. ...", "No modules were
   targeted for adaptation. ...") followed by the module-name suffixes that exist ("Module names in
   the base model end with: q_proj, k_proj, v_proj, lm_head."). LORA_ERR_INVALID_ARG for what PEFT's
   LoraConfig rejects (empty target list, layers_to_transform/layers_pattern with a regex string,
   layers_pattern without layers_to_transform), NULL names or entries, and invalid regexes. */
LORA_API lora_status lora_select_targets(const lora_target_spec *spec, const char *const *names, int n,
                                         const unsigned char *is_output, unsigned char *selected);
/* PEFT also fails when target_modules matches a module it cannot adapt (e.g. the regex
   ".*\.mlp\..*" matches transformer.h.0.mlp.act). Pass the names of the model's modules that are
   NOT Conv1D/Linear (transformer.h.0.attn, transformer.h.0.mlp.act, transformer.wte, ...): returns
   LORA_ERR_INVALID_ARG naming the first one the spec targets, LORA_OK if none. */
LORA_API lora_status lora_check_unsupported_targets(const lora_target_spec *spec, const char *const *names, int n);
/* Layer index in a module name per PEFT: the first number of re.match(r".*?\.{p}\.(\d+)\.", name)
   where p = layers_pattern (a regex fragment, e.g. "h" or "layers"), or r"[^.]*" when
   layers_pattern is NULL or "" ("model.layers.3.self_attn.q_proj" -> 3). -1 if none (also for an
   invalid layers_pattern or an index above INT_MAX). */
LORA_API int lora_layer_index(const char *name, const char *layers_pattern);
