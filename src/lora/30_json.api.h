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
    double number;          /* LORA_JSON_NUMBER (correctly rounded) */
    char *str;              /* LORA_JSON_STRING: value; LORA_JSON_NUMBER: the literal as written */
    size_t len;             /*   its length in bytes */
    size_t n;               /* ARRAY/OBJECT: number of items */
    lora_json *items;       /* ARRAY/OBJECT: the n values */
    char **keys;            /* OBJECT: the n keys (NUL-terminated) */
    size_t *key_lens;       /* OBJECT: key lengths */
};

/* Parses text[0..len). Strict: the input must be valid UTF-8 (no BOM), strings may not hold raw
   control characters, escapes \uD800-\uDFFF must form surrogate pairs (lone surrogates are
   rejected, unlike Python's json, since they cannot be stored as UTF-8), numbers follow the
   grammar (no leading zeros, '+', NaN or Infinity; numbers beyond the double range are rejected),
   one value with only whitespace around it. Columns in messages count characters (code points).
   Nesting depth is limited to 512. On failure returns LORA_ERR_FORMAT with
   "<source>:<line>:<col>: reason" (source names the file or data for the message).
   Free the result with lora_json_free (on the returned root only: children live in
   their parent's allocation). */
LORA_API lora_status lora_json_parse(const char *text, size_t len, const char *source, lora_json **out);
LORA_API void lora_json_free(lora_json *v);
/* Object member lookup (last duplicate wins); NULL if v is not an object or key is absent. */
LORA_API const lora_json *lora_json_get(const lora_json *v, const char *key);
/* Typed accessors: return 1 and store the value if present with the right type, else 0. */
LORA_API int lora_json_get_number(const lora_json *obj, const char *key, double *out);
LORA_API int lora_json_get_bool(const lora_json *obj, const char *key, int *out);
LORA_API const char *lora_json_get_string(const lora_json *obj, const char *key);
/* Exact value of a number written as an integer literal (no fraction, no exponent) that fits
   in int64 (token ids, seeds, sizes beyond 2^53): returns 1 and stores it, else 0. */
LORA_API int lora_json_int64(const lora_json *v, int64_t *out);
/* "null", "boolean", "number", "string", "array", "object": for messages. */
LORA_API const char *lora_json_type_name(lora_json_type t);
