/* ---- JSON (RFC 8259, strict) ----
   A small DOM reader used for config.json, adapter_config.json, tokenizer vocabularies
   and jsonl data, plus helpers for writing. Strings are UTF-8, NUL-terminated, with
   their byte length (they may contain NUL via \u0000). Object member order is kept. */
typedef enum lora_json_type {
    LORA_JSON_NULL, LORA_JSON_FALSE, LORA_JSON_TRUE, LORA_JSON_NUMBER,
    LORA_JSON_STRING, LORA_JSON_ARRAY, LORA_JSON_OBJECT
} lora_json_type;

typedef struct lora_json lora_json;
struct lora_json {
    lora_json_type type;
    double number;          /* LORA_JSON_NUMBER */
    char *str;              /* LORA_JSON_STRING: value; */
    size_t len;             /*   its length in bytes */
    size_t n;               /* ARRAY/OBJECT: number of items */
    lora_json *items;       /* ARRAY/OBJECT: the n values */
    char **keys;            /* OBJECT: the n keys (NUL-terminated) */
    size_t *key_lens;       /* OBJECT: key lengths */
};

/* Parses text[0..len). On failure returns LORA_ERR_FORMAT with "<source>:<line>:<col>: reason"
   (source names the file or data for the message). Nesting depth is limited to 512. */
LORA_API lora_status lora_json_parse(const char *text, size_t len, const char *source, lora_json **out);
LORA_API void lora_json_free(lora_json *v);
/* Object member lookup (last duplicate wins); NULL if v is not an object or key is absent. */
LORA_API const lora_json *lora_json_get(const lora_json *v, const char *key);
/* Typed accessors: return 1 and store the value if present with the right type, else 0. */
LORA_API int lora_json_get_number(const lora_json *obj, const char *key, double *out);
LORA_API int lora_json_get_bool(const lora_json *obj, const char *key, int *out);
LORA_API const char *lora_json_get_string(const lora_json *obj, const char *key);
