/* ---- safetensors ----
   Reader (mmap where available, else read into memory) and atomic writer. The reader
   checks everything: header size limit (100 MB), strict JSON, dtype x shape = byte
   length, offsets in bounds, tensors non-overlapping and tiling the data section.
   Also rejected (LORA_ERR_FORMAT, message "<file>: ..."): duplicate tensor names or entry
   keys, keys other than dtype/shape/data_offsets in an entry, shapes or offsets that are not
   non-negative integer literals (1.0, 1e2, -0), __metadata__ that is not string -> string,
   names or metadata holding NUL (\u0000). Valid dtypes this library does not handle (F8_*,
   F4, F6_*) and more than LORA_ST_MAX_DIMS dimensions give LORA_ERR_UNSUPPORTED. */
typedef enum lora_dtype {
    LORA_DT_F64, LORA_DT_F32, LORA_DT_F16, LORA_DT_BF16,
    LORA_DT_I64, LORA_DT_I32, LORA_DT_I16, LORA_DT_I8, LORA_DT_U8, LORA_DT_BOOL,
    LORA_DT_U64, LORA_DT_U32, LORA_DT_U16
} lora_dtype;
LORA_API const char *lora_dtype_name(lora_dtype dt);   /* "F32", ... */
LORA_API size_t lora_dtype_size(lora_dtype dt);        /* bytes per element */

#define LORA_ST_MAX_DIMS 8
typedef struct lora_st_tensor {
    char *name;
    lora_dtype dtype;
    int ndim;
    int64_t shape[LORA_ST_MAX_DIMS];
    int64_t numel;
    uint64_t nbytes;
    const void *data;        /* the file's bytes, little-endian whatever the host (read values with
                                lora_st_read_f32); points into the mapped file, not aligned in general */
} lora_st_tensor;

typedef struct lora_safetensors {
    char *path;
    size_t n_tensors;
    lora_st_tensor *tensors; /* in header order */
    size_t n_meta;           /* __metadata__ entries */
    char **meta_keys, **meta_values;
    void *impl_;             /* mapping details */
} lora_safetensors;

LORA_API lora_status lora_st_open(const char *path, lora_safetensors **out);
/* Parses an in-memory file; `name` is used in messages; data must outlive the result. */
LORA_API lora_status lora_st_open_memory(const void *data, size_t size, const char *name, lora_safetensors **out);
LORA_API void lora_st_close(lora_safetensors *st);
LORA_API const lora_st_tensor *lora_st_find(const lora_safetensors *st, const char *name);
LORA_API const char *lora_st_meta(const lora_safetensors *st, const char *key);
/* Converts a floating tensor (F64/F32/F16/BF16) to float32 into dst (numel floats).
   Fails with LORA_ERR_SHAPE if numel != t->numel, LORA_ERR_UNSUPPORTED for integer dtypes. */
LORA_API lora_status lora_st_read_f32(const lora_safetensors *st, const lora_st_tensor *t, float *dst, int64_t numel);
/* Finds `name`, checks its shape equals shape[0..ndim) and converts it into dst:
   the one-call form loaders use; errors name the file, tensor, expected and found shapes. */
LORA_API lora_status lora_st_load_f32(const lora_safetensors *st, const char *name, int ndim, const int64_t *shape, float *dst);

/* Drops the pages of a tensor of a memory-mapped file from this process after it has been
   copied or converted, so that loading a model holds one copy of the weights at a time (peak
   memory ~ the model, not twice it). t->data must not be read afterwards. No-op for files
   that were read into memory. */
LORA_API void lora_st_release(const lora_safetensors *st, const lora_st_tensor *t);

typedef struct lora_st_entry {
    const char *name;
    lora_dtype dtype;        /* data is in this dtype already */
    int ndim;
    int64_t shape[LORA_ST_MAX_DIMS];
    const void *data;        /* host byte order, or little-endian when little_endian is set */
    int little_endian;       /* 1: data is already in file order (e.g. t->data of a file being
                                rewritten), written as is; 0: host order, byte-swapped on big-endian */
} lora_st_entry;
/* Writes a file the reference implementation accepts: tensors ordered by dtype width
   (widest first) then name, compact JSON with __metadata__ first, header padded with
   spaces to a multiple of 8. meta is n_meta key/value pairs (may be NULL). Atomic:
   written to a temporary file and renamed, so the previous file survives any error. */
LORA_API lora_status lora_st_write(const char *path, const lora_st_entry *tensors, size_t n,
                                   const char *const *meta_keys, const char *const *meta_values, size_t n_meta);
