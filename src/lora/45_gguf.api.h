/* ---- GGUF (llama.cpp's file format) ----
   Layout (version 3, little-endian on every host): "GGUF", u32 version, u64 tensor count,
   u64 key-value count; the key-values (string key, u32 type, value; arrays: u32 element
   type, u64 count, elements; strings: u64 length + bytes); the tensor infos (name, u32 n_dims,
   u64 ne[n_dims] with ne[0] the fastest-varying dimension, i.e. a weight's in-features,
   u32 ggml type, u64 offset into the data section); padding to general.alignment (u32,
   default 32); the data section, every tensor at a multiple of the alignment.

   The reader treats every byte as untrusted and answers LORA_ERR_FORMAT naming the file and
   the item for: a bad magic, a truncated file, counts larger than the bytes that follow could
   hold, unknown value or tensor types, empty, over-long (64 bytes and more, llama.cpp's limit)
   or duplicate tensor names, duplicate keys, more than 4 dimensions, element counts that
   overflow, rows that are not whole blocks, general.alignment that is not a u32 power of two,
   offsets that are not aligned, tensors past the end of the file or overlapping another.
   Big-endian GGUF files and version 1 are LORA_ERR_UNSUPPORTED. Values are converted to host
   order, so the same file reads the same on every host. The file is memory-mapped where
   available (tensor data points into it), else read once. */
typedef enum lora_gguf_type {
    LORA_GGUF_UINT8 = 0, LORA_GGUF_INT8 = 1, LORA_GGUF_UINT16 = 2, LORA_GGUF_INT16 = 3,
    LORA_GGUF_UINT32 = 4, LORA_GGUF_INT32 = 5, LORA_GGUF_FLOAT32 = 6, LORA_GGUF_BOOL = 7,
    LORA_GGUF_STRING = 8, LORA_GGUF_ARRAY = 9, LORA_GGUF_UINT64 = 10, LORA_GGUF_INT64 = 11,
    LORA_GGUF_FLOAT64 = 12
} lora_gguf_type;

/* ggml tensor types this library writes (F32, F16, BF16) or dequantizes (also Q8_0). The
   reader knows the sizes of every type of ggml's table, so files holding other types open;
   converting such a tensor is LORA_ERR_UNSUPPORTED. */
typedef enum lora_ggml_type {
    LORA_GGML_F32 = 0, LORA_GGML_F16 = 1, LORA_GGML_Q8_0 = 8, LORA_GGML_BF16 = 30
} lora_ggml_type;
/* "F32", "Q4_K", ...; NULL for a type ggml does not define. */
LORA_API const char *lora_ggml_type_name(uint32_t type);

#define LORA_GGUF_MAX_DIMS 4
#define LORA_GGUF_MAX_NAME 64          /* tensor names are shorter (llama.cpp's GGML_MAX_NAME) */
#define LORA_GGUF_DEFAULT_ALIGNMENT 32

typedef struct lora_gguf_kv {
    char *key;
    lora_gguf_type type;       /* LORA_GGUF_ARRAY for arrays */
    lora_gguf_type elem_type;  /* arrays: the element type; scalars: = type */
    uint64_t n;                /* arrays: number of elements; scalars: 1 */
    /* numeric scalars (and bool): the value as each of these (u for unsigned and bool, i for
       signed, f for every number) */
    uint64_t u;
    int64_t i;
    double f;
    char *str;                 /* STRING: NUL-terminated copy (str_len bytes; may hold NULs) */
    size_t str_len;
    void *arr;                 /* numeric arrays: n values of the element type, host order */
    char **strs;               /* string arrays: n NUL-terminated copies, lengths in str_lens */
    size_t *str_lens;
} lora_gguf_kv;

typedef struct lora_gguf_tensor {
    char *name;
    int n_dims;
    int64_t ne[LORA_GGUF_MAX_DIMS];  /* ne[0] fastest; unused dimensions are 1 */
    uint32_t type;                   /* a ggml type (lora_ggml_type for the common ones) */
    int64_t numel;
    uint64_t offset;                 /* into the data section */
    uint64_t nbytes;
    const void *data;                /* the file's bytes (little-endian), not aligned in general */
} lora_gguf_tensor;

typedef struct lora_gguf {
    char *path;
    uint32_t version;
    uint32_t alignment;
    size_t n_kv;
    lora_gguf_kv *kv;                /* in file order */
    size_t n_tensors;
    lora_gguf_tensor *tensors;       /* in file order */
    uint64_t data_offset;            /* where the data section starts in the file */
    void *impl_;
} lora_gguf;

/* Nonzero when the file at path starts with the GGUF magic. */
LORA_API int lora_gguf_probe(const char *path);
LORA_API lora_status lora_gguf_open(const char *path, lora_gguf **out);
/* Parses an in-memory file; name is used in messages; data must outlive the result. */
LORA_API lora_status lora_gguf_open_memory(const void *data, size_t size, const char *name, lora_gguf **out);
LORA_API void lora_gguf_close(lora_gguf *g);
LORA_API const lora_gguf_kv *lora_gguf_find_kv(const lora_gguf *g, const char *key);
LORA_API const lora_gguf_tensor *lora_gguf_find_tensor(const lora_gguf *g, const char *name);
/* Typed getters: LORA_ERR_NOT_FOUND when the key is absent, LORA_ERR_FORMAT naming the file,
   key, expected and found type otherwise. get_int takes any integer type (or bool), get_float
   FLOAT32 / FLOAT64 (or an integer). */
LORA_API lora_status lora_gguf_get_str(const lora_gguf *g, const char *key, const char **out);
LORA_API lora_status lora_gguf_get_int(const lora_gguf *g, const char *key, int64_t *out);
LORA_API lora_status lora_gguf_get_float(const lora_gguf *g, const char *key, double *out);
/* Converts a tensor (F32, F16, BF16, Q8_0) to float32 in the file's element order (numel
   values); LORA_ERR_SHAPE if numel differs, LORA_ERR_UNSUPPORTED for other types. */
LORA_API lora_status lora_gguf_tensor_f32(const lora_gguf *g, const lora_gguf_tensor *t, float *dst, int64_t numel);
/* Finds name, checks that its ne[0 .. n_dims) equals ne and converts it: the one-call form
   loaders use; errors name the file, the tensor, the expected and found shapes. */
LORA_API lora_status lora_gguf_load_f32(const lora_gguf *g, const char *name, int n_dims, const int64_t *ne, float *dst);

/* ---- GGUF writer ----
   Collects key-values and tensors, then lora_gguf_write writes the file atomically (the
   previous file survives any error): version 3, keys in the order they were set, tensors in
   the order they were added, each at the next multiple of the alignment, padded after (as
   llama.cpp's and gguf-py's writers do). Setting a key twice or adding a tensor name twice is
   LORA_ERR_INVALID_ARG. Tensor values are float32 in host order, converted when written
   (F16 / BF16 round to nearest even); the writer keeps the pointer, so the data must live
   until lora_gguf_write, unless LORA_GGUF_COPY is given. */
typedef struct lora_gguf_writer lora_gguf_writer;
LORA_API lora_status lora_gguf_writer_create(lora_gguf_writer **out);
LORA_API void lora_gguf_writer_free(lora_gguf_writer *w);
/* Alignment of the data (a power of two, default 32; other values write general.alignment). */
LORA_API lora_status lora_gguf_set_alignment(lora_gguf_writer *w, uint32_t alignment);
LORA_API lora_status lora_gguf_set_str(lora_gguf_writer *w, const char *key, const char *value);
LORA_API lora_status lora_gguf_set_u32(lora_gguf_writer *w, const char *key, uint32_t value);
LORA_API lora_status lora_gguf_set_i32(lora_gguf_writer *w, const char *key, int32_t value);
LORA_API lora_status lora_gguf_set_u64(lora_gguf_writer *w, const char *key, uint64_t value);
LORA_API lora_status lora_gguf_set_f32(lora_gguf_writer *w, const char *key, float value);
LORA_API lora_status lora_gguf_set_bool(lora_gguf_writer *w, const char *key, int value);
/* Array of n strings (lens may be NULL: NUL-terminated), copied. */
LORA_API lora_status lora_gguf_set_str_array(lora_gguf_writer *w, const char *key, const char *const *strs,
                                             const size_t *lens, size_t n);
/* Array of n numbers of type elem (any numeric lora_gguf_type), host order, copied. */
LORA_API lora_status lora_gguf_set_array(lora_gguf_writer *w, const char *key, lora_gguf_type elem, const void *values,
                                         size_t n);
#define LORA_GGUF_COPY 1        /* copy the values now (the caller may free them at once) */
#define LORA_GGUF_TRANSPOSE 2   /* 2-D: data is row-major (ne[0], ne[1]), i.e. ne[1] fastest; written
                                   transposed into GGUF's order (a Conv1D (in, out) weight as ne (in, out)) */
/* Adds a tensor of n_dims (1..4) dimensions ne (ne[0] fastest) stored as type (F32, F16, BF16)
   from data: numel float32 values in host order, in GGUF's element order unless TRANSPOSE. */
LORA_API lora_status lora_gguf_add_tensor(lora_gguf_writer *w, const char *name, int n_dims, const int64_t *ne,
                                          lora_ggml_type type, const float *data, int flags);
LORA_API lora_status lora_gguf_write(lora_gguf_writer *w, const char *path);

/* llama.cpp's row permutation of q_proj / k_proj for its `llama` architecture (what
   convert_hf_to_gguf.py's LlamaModel.permute does): within each of n_head heads of
   rows / n_head rows, the halves are interleaved, HF's rotate-half RoPE becoming ggml's
   adjacent-pair RoPE. w is (rows, cols) row-major (nn.Linear layout, or LoRA's B with cols = r);
   dst gets the permuted rows (not w). inverse = 1 undoes it (GGUF -> HF). rows must be a
   multiple of 2 * n_head (LORA_ERR_SHAPE). */
LORA_API lora_status lora_gguf_permute_rows(const float *w, float *dst, int64_t rows, int64_t cols, int n_head, int inverse);
