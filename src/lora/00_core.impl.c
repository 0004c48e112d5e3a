#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <stdarg.h>
#include <math.h>
#include <errno.h>
#include <limits.h>
#include <time.h>
#if defined(__unix__) || defined(__unix) || defined(__APPLE__)
#include <sys/stat.h>
#define LORA__HAVE_STAT 1
#endif

/* Allocation hooks: define all three before including the implementation to route
   every allocation of the library through your allocator. */
#if !defined(LORA_MALLOC) || !defined(LORA_FREE) || !defined(LORA_REALLOC)
#undef LORA_MALLOC
#undef LORA_FREE
#undef LORA_REALLOC
#define LORA_MALLOC(sz) malloc(sz)
#define LORA_FREE(p) free(p)
#define LORA_REALLOC(p, sz) realloc(p, sz)
#endif

#if defined(__cplusplus) && __cplusplus >= 201103L
#define LORA__TLS thread_local
#elif defined(_MSC_VER)
#define LORA__TLS __declspec(thread)
#elif defined(__GNUC__) || defined(__clang__)
#define LORA__TLS __thread
#else
#define LORA__TLS /* no thread-local storage: the message is shared by all threads */
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LORA__PRINTF(a, b) __attribute__((format(printf, a, b)))
#define LORA__UNUSED __attribute__((unused))
#else
#define LORA__PRINTF(a, b)
#define LORA__UNUSED
#endif

#define LORA__ERRLEN 1024
static LORA__TLS char lora__errbuf[LORA__ERRLEN];

/* The engine's parts spell the public helpers of the model authors' block (lora.h, "For model
   authors") with their internal names: these are the same functions, not copies. */
#define lora__fail lora_fail
#define lora__malloc lora_malloc
#define lora__calloc lora_calloc
#define lora__realloc lora_realloc
#define lora__alloc_aligned lora_alloc_aligned
#define lora__free_aligned lora_free_aligned
typedef lora_buf lora__buf;
#define lora__buf_append lora_buf_append
#define lora__buf_puts lora_buf_puts
#define lora__buf_printf lora_buf_printf
#define lora__buf_free lora_buf_free
typedef lora_atomic_file lora__atomic_file;
#define lora__atomic_open lora_atomic_open
#define lora__atomic_write lora_atomic_write
#define lora__atomic_write_le lora_atomic_write_le
#define lora__atomic_finish lora_atomic_finish
#define lora__atomic_commit lora_atomic_commit
#define lora__atomic_abort lora_atomic_abort
#define lora__read_file lora_read_file
#define lora__fread_le lora_fread_le
#define lora__ensure_dir lora_ensure_dir
#define lora__json_write_number lora_json_write_number
#define lora__splitmix64 lora_splitmix64
#define lora__rng_keep_mask lora_rng_keep_mask

LORA_API const char *lora_status_name(lora_status s) {
    switch (s) {
    case LORA_OK: return "LORA_OK";
    case LORA_ERR_INVALID_ARG: return "LORA_ERR_INVALID_ARG";
    case LORA_ERR_OOM: return "LORA_ERR_OOM";
    case LORA_ERR_IO: return "LORA_ERR_IO";
    case LORA_ERR_FORMAT: return "LORA_ERR_FORMAT";
    case LORA_ERR_SHAPE: return "LORA_ERR_SHAPE";
    case LORA_ERR_NOT_FOUND: return "LORA_ERR_NOT_FOUND";
    case LORA_ERR_NUMERIC: return "LORA_ERR_NUMERIC";
    case LORA_ERR_UNSUPPORTED: return "LORA_ERR_UNSUPPORTED";
    case LORA_ERR_CANCELLED: return "LORA_ERR_CANCELLED";
    case LORA_ERR_RANGE: return "LORA_ERR_RANGE";
    }
    return "LORA_ERR_UNKNOWN";
}

LORA_API const char *lora_last_error(void) { return lora__errbuf; }
LORA_API void lora_free(void *p) { LORA_FREE(p); }

LORA_API void lora_clear_error(void) { lora__errbuf[0] = 0; }

/* Records a formatted message for the calling thread and returns status, so that failures read:
   return lora__fail(LORA_ERR_FORMAT, "%s: ...", path). The message is formatted aside first, so
   lora_last_error() may be one of the arguments. */
LORA_API lora_status lora_fail(lora_status status, const char *fmt, ...) {
    char msg[LORA__ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0) msg[0] = 0;
    va_end(ap);
    memcpy(lora__errbuf, msg, sizeof msg);
    return status;
}

/* Allocation that records an out-of-memory message naming what was allocated. */
LORA_API void *lora_malloc(size_t n, const char *what) {
    void *p = LORA_MALLOC(n ? n : 1);
    if (!p) lora__fail(LORA_ERR_OOM, "out of memory allocating %zu bytes for %s", n, what);
    return p;
}
LORA_API void *lora_calloc(size_t n, size_t size, const char *what) {
    void *p;
    if (size && n > (size_t)-1 / size) {
        lora__fail(LORA_ERR_OOM, "allocation size overflow for %s", what);
        return NULL;
    }
    p = lora__malloc(n * size, what);
    if (p) memset(p, 0, n * size);
    return p;
}
LORA_API void *lora_realloc(void *p, size_t n, const char *what) {
    void *q = LORA_REALLOC(p, n ? n : 1);
    if (!q) lora__fail(LORA_ERR_OOM, "out of memory growing %s to %zu bytes", what, n);
    return q;
}
/* lora_strdup with the name of what is copied in the out-of-memory message */
static LORA__UNUSED char *lora__strdup(const char *s, const char *what) {
    size_t n = strlen(s) + 1;
    char *p = (char *)lora__malloc(n, what);
    if (p) memcpy(p, s, n);
    return p;
}
LORA_API char *lora_strdup(const char *s) { return lora__strdup(s, "a string copy"); }

/* 64-byte aligned allocation built on the hooks (the offset is stored just before
   the returned pointer), so SIMD kernels can use aligned loads on arenas. */
#define LORA__ALIGN 64
LORA_API void *lora_alloc_aligned(size_t n, const char *what) {
    unsigned char *raw, *p;
    if (n > (size_t)-1 - LORA__ALIGN - sizeof(void *)) {
        lora__fail(LORA_ERR_OOM, "allocation size overflow for %s", what);
        return NULL;
    }
    raw = (unsigned char *)lora__malloc(n + LORA__ALIGN + sizeof(void *), what);
    if (!raw) return NULL;
    p = raw + sizeof(void *);
    p += (LORA__ALIGN - ((uintptr_t)p % LORA__ALIGN)) % LORA__ALIGN;
    memcpy(p - sizeof(void *), &raw, sizeof raw);
    return p;
}
LORA_API void lora_free_aligned(void *p) {
    void *raw;
    if (!p) return;
    memcpy(&raw, (unsigned char *)p - sizeof(void *), sizeof raw);
    LORA_FREE(raw);
}

/* ---- growable byte buffer, used by writers (JSON, safetensors headers) ---- */
static LORA__UNUSED int lora__buf_reserve(lora__buf *b, size_t extra) {
    size_t need, cap;
    char *p;
    if (b->failed) return 0;
    need = b->len + extra + 1;
    if (need <= b->cap) return 1;
    cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    p = (char *)lora__realloc(b->data, cap, "text buffer");
    if (!p) { b->failed = 1; return 0; }
    b->data = p; b->cap = cap;
    return 1;
}
LORA_API void lora_buf_append(lora_buf *b, const void *data, size_t n) {
    if (!lora__buf_reserve(b, n)) return;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
}
LORA_API void lora_buf_puts(lora_buf *b, const char *s) { lora__buf_append(b, s, strlen(s)); }
LORA_API void lora_buf_printf(lora_buf *b, const char *fmt, ...) {
    va_list ap;
    int n;
    char small[256];
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) { b->failed = 1; return; }
    if ((size_t)n < sizeof small) { lora__buf_append(b, small, (size_t)n); return; }
    if (!lora__buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}
LORA_API void lora_buf_free(lora_buf *b) { LORA_FREE(b->data); memset(b, 0, sizeof *b); }

/* ---- files ---- */

/* LORA_ERR_IO "is a directory" when path names one (fopen succeeds on directories). */
static LORA__UNUSED lora_status lora__check_not_dir(const char *path) {
#ifdef LORA__HAVE_STAT
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return lora__fail(LORA_ERR_IO, "%s: is a directory, not a file", path);
#else
    (void)path;
#endif
    return LORA_OK;
}

/* Reads a whole file into a NUL-terminated buffer (LORA_FREE it). */
LORA_API lora_status lora_read_file(const char *path, char **out, size_t *len) {
    FILE *f;
    long sz;
    char *buf;
    size_t got;
    lora_status s;
    *out = NULL; *len = 0;
    if ((s = lora__check_not_dir(path)) != LORA_OK) return s;
    f = fopen(path, "rb");
    if (!f) return lora__fail(LORA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return lora__fail(LORA_ERR_IO, "%s: cannot determine file size", path);
    }
    buf = (char *)lora__malloc((size_t)sz + 1, path);
    if (!buf) { fclose(f); return LORA_ERR_OOM; }
    got = fread(buf, 1, (size_t)sz, f);
    fclose(f);
    if (got != (size_t)sz) {
        LORA_FREE(buf);
        return lora__fail(LORA_ERR_IO, "%s: short read (%zu of %ld bytes)", path, got, sz);
    }
    buf[sz] = 0;
    *out = buf; *len = (size_t)sz;
    return LORA_OK;
}

/* Atomic file replacement (SQLite's commit is the model): the bytes go to a temporary file with a
   unique name in the destination's directory, created with O_CREAT|O_EXCL (never an existing file,
   never through a planted symlink), flushed to disk with fsync, renamed over the destination, and
   the directory is fsynced so that the rename itself survives a crash. An error, a full disk, a
   crash or a concurrent writer never leaves a half-written or mixed file where the previous one
   was: the destination holds the old file or one writer's complete new file. */
#ifdef LORA__HAVE_STAT
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#endif
/* Forgets the file (its paths freed, af zeroed: abort and commit then have nothing to do). */
static void lora__atomic_release(lora_atomic_file *af) {
    LORA_FREE(af->final_path); LORA_FREE(af->tmp_path);
    memset(af, 0, sizeof *af);
    af->fd = -1;
}
/* LORA_ERR_INVALID_ARG unless path names a file that can be written: not empty, not ending in '/',
   not "." or ".." or a directory. */
static lora_status lora__check_output_path(const char *path, const char *what) {
    const char *base;
    size_t n;
    if (!path || !*path) return lora__fail(LORA_ERR_INVALID_ARG, "%s: the output path is empty", what);
    n = strlen(path);
    if (path[n - 1] == '/') return lora__fail(LORA_ERR_INVALID_ARG, "%s: output path '%s' names a directory, not a file", what, path);
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: output path '%s' names a directory, not a file", what, path);
#ifdef LORA__HAVE_STAT
    {
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) { (void)what; return lora__fail(LORA_ERR_IO, "%s: is a directory, not a file (output path)", path); }
    }
#endif
    return LORA_OK;
}
/* A name no other writer uses: "<dir>/.<base>.<tag>-<pid>-<random>" (the random part mixes the
   clock, the pid, a stack address and the attempt number through splitmix64). */
static char *lora__unique_sibling(const char *path, const char *tag, unsigned attempt) {
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path + 1) : 0, n = strlen(path) + strlen(tag) + 64;
    char *p = (char *)lora__malloc(n, "file path");
    uint64_t st = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)&n << 16) ^ ((uint64_t)clock() << 40) ^ ((uint64_t)attempt * 0x9E3779B97F4A7C15ull);
    uint64_t r, z;
    long pid = 0;
#ifdef LORA__HAVE_STAT
    pid = (long)getpid();
#endif
    st ^= (uint64_t)pid << 24;
    z = (st += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    r = z ^ (z >> 31);
    if (!p) return NULL;
    memcpy(p, path, dir);
    snprintf(p + dir, n - dir, ".%s.%s-%ld-%08lx", path + dir, tag, pid, (unsigned long)(r & 0xffffffffu));
    return p;
}
/* fsync of a directory (makes a rename or a new entry durable); errors ignored where the
   file system cannot sync directories. */
static void lora__fsync_dir_of(const char *path, int is_dir) {
#ifdef LORA__HAVE_STAT
    char *d;
    int fd;
    if (is_dir) d = lora__strdup(path, "path");
    else {
        const char *slash = strrchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : 1;
        d = (char *)lora__malloc(n + 1, "path");
        if (d) {
            if (!slash) memcpy(d, ".", 1);
            else if (n == 0) { memcpy(d, "/", 1); n = 1; }
            else memcpy(d, path, n);
            d[n] = 0;
        }
    }
    if (!d) return;
    fd = open(d, O_RDONLY);
    if (fd >= 0) { (void)fsync(fd); close(fd); }
    LORA_FREE(d);
#else
    (void)path; (void)is_dir;
#endif
}
LORA_API lora_status lora_atomic_open(lora_atomic_file *af, const char *path) {
    lora_status s;
    unsigned attempt;
    memset(af, 0, sizeof *af);
    af->fd = -1;
    if ((s = lora__check_output_path(path, "lora_atomic_open")) != LORA_OK) return s;
    af->final_path = lora__strdup(path, "file path");
    if (!af->final_path) { lora__atomic_release(af); return LORA_ERR_OOM; }
    for (attempt = 0; attempt < 64; attempt++) {
        int err;
        af->tmp_path = lora__unique_sibling(path, "tmp-lora", attempt);
        if (!af->tmp_path) { lora__atomic_release(af); return LORA_ERR_OOM; }
#ifdef LORA__HAVE_STAT
        {
            int flags = O_WRONLY | O_CREAT | O_EXCL; /* O_EXCL: never an existing file, never through a symlink */
#ifdef O_NOFOLLOW
            flags |= O_NOFOLLOW;
#endif
#ifdef O_CLOEXEC
            flags |= O_CLOEXEC;
#endif
            af->fd = open(af->tmp_path, flags, 0644);
            if (af->fd >= 0) return LORA_OK;
        }
#else
        af->f = fopen(af->tmp_path, "wbx");
        if (af->f) return LORA_OK;
#endif
        err = errno;
        if (err != EEXIST) {
            s = lora__fail(LORA_ERR_IO, "%s: cannot create a temporary file beside it: %s", path, strerror(err));
            lora__atomic_release(af);
            return s;
        }
        LORA_FREE(af->tmp_path);
        af->tmp_path = NULL;
    }
    s = lora__fail(LORA_ERR_IO, "%s: cannot create a unique temporary file beside it", path);
    lora__atomic_release(af);
    return s;
}
LORA_API void lora_atomic_write(lora_atomic_file *af, const void *data, size_t n) {
    const char *p = (const char *)data;
    if (af->failed || n == 0 || !af->tmp_path) return;
#ifdef LORA__HAVE_STAT
    if (af->fd < 0) return;
    while (n > 0) {
        size_t chunk = n < ((size_t)1 << 30) ? n : ((size_t)1 << 30);
        ssize_t w = write(af->fd, p, chunk);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { af->failed = w < 0 && errno ? errno : EIO; return; }
        p += w; n -= (size_t)w;
    }
#else
    if (!af->f) return;
    if (fwrite(p, 1, n, af->f) != n) af->failed = errno ? errno : EIO;
#endif
}
/* First phase of a two-file save: flushes the temporary file to disk (fsync), closes it and checks
   that everything reached it, without renaming it yet (lora__atomic_commit does, lora__atomic_abort
   drops it). */
LORA_API lora_status lora_atomic_finish(lora_atomic_file *af) {
    int err = af->failed;
#ifdef LORA__HAVE_STAT
    if (af->fd < 0) return LORA_OK; /* already finished (or never opened) */
    if (fsync(af->fd) != 0 && !err) err = errno ? errno : EIO;
    if (close(af->fd) != 0 && !err) err = errno ? errno : EIO;
    af->fd = -1;
#else
    if (!af->f) return LORA_OK;
    if (fflush(af->f) != 0 && !err) err = errno ? errno : EIO;
    if (fclose(af->f) != 0 && !err) err = errno ? errno : EIO;
    af->f = NULL;
#endif
    if (err) {
        lora_status s = lora__fail(LORA_ERR_IO, "%s: write failed: %s (previous file left intact)", af->final_path, strerror(err));
        remove(af->tmp_path);
        lora__atomic_release(af);
        return s;
    }
    return LORA_OK;
}
LORA_API lora_status lora_atomic_commit(lora_atomic_file *af) {
    lora_status s;
    if (!af->tmp_path) return lora__fail(LORA_ERR_INVALID_ARG, "lora_atomic_commit: no file open (already committed, aborted or failed)");
    if ((s = lora_atomic_finish(af)) != LORA_OK) return s;
    if (rename(af->tmp_path, af->final_path) != 0) {
        s = lora__fail(LORA_ERR_IO, "%s: cannot rename the temporary file into place: %s", af->final_path, strerror(errno));
        remove(af->tmp_path);
    } else lora__fsync_dir_of(af->final_path, 0);
    lora__atomic_release(af);
    return s;
}
/* Aborts the write: removes the temporary file, keeps the previous file intact. */
LORA_API void lora_atomic_abort(lora_atomic_file *af) {
    if (!af->tmp_path) return;
#ifdef LORA__HAVE_STAT
    if (af->fd >= 0) close(af->fd);
#else
    if (af->f) fclose(af->f);
#endif
    remove(af->tmp_path);
    lora__atomic_release(af);
}

/* ---- directories that change as a whole (an adapter, a checkpoint) ----
   lora_dir_begin makes a new, empty directory with a unique name beside dir; the caller writes every
   file into lora_dir_path(t) (with lora_atomic_*, so each is fsynced); lora_dir_commit puts it in
   place: by one rename when dir does not exist, else by renaming the old directory aside, the new
   one in, and moving over the entries of the old one the new one does not have (a checkpoint/
   folder inside an adapter directory, the user's own files), then deleting the rest of the old one.
   Until the new directory is complete the old one is untouched; a crash between the two renames
   leaves the complete old directory as "<dir>/../.<name>.old-lora-*". lora_dir_abort removes the new
   directory and what was written in it. */
static lora_status lora__dir_check(const char *dir, const char *what, char **norm) {
    size_t n;
    char *d;
    const char *base;
    *norm = NULL;
    if (!dir || !*dir) return lora__fail(LORA_ERR_INVALID_ARG, "%s: the output directory path is empty", what);
    d = lora__strdup(dir, "path");
    if (!d) return LORA_ERR_OOM;
    n = strlen(d);
    while (n > 1 && d[n - 1] == '/') d[--n] = 0;
    base = strrchr(d, '/');
    base = base ? base + 1 : d;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        LORA_FREE(d);
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: '%s' cannot be replaced as a whole (give a directory name, not '/', '.' or '..')", what, dir);
    }
    *norm = d;
    return LORA_OK;
}
static void lora__dir_release(lora_dir_txn *t) {
    LORA_FREE(t->final_dir); LORA_FREE(t->tmp_dir);
    memset(t, 0, sizeof *t);
}
static lora_status lora__ensure_parent_dir(const char *path);
LORA_API lora_status lora_dir_begin(lora_dir_txn *t, const char *dir) {
    lora_status s;
    unsigned attempt;
    memset(t, 0, sizeof *t);
    if ((s = lora__dir_check(dir, "lora_dir_begin", &t->final_dir)) != LORA_OK) return s;
#ifdef LORA__HAVE_STAT
    {
        struct stat sb;
        if (stat(t->final_dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
            s = lora__fail(LORA_ERR_IO, "%s: exists and is not a directory", dir);
            lora__dir_release(t);
            return s;
        }
    }
    if ((s = lora__ensure_parent_dir(t->final_dir)) != LORA_OK) { lora__dir_release(t); return s; }
    for (attempt = 0; attempt < 64; attempt++) {
        if (!(t->tmp_dir = lora__unique_sibling(t->final_dir, "tmp-lora", attempt))) { lora__dir_release(t); return LORA_ERR_OOM; }
        if (mkdir(t->tmp_dir, 0755) == 0) return LORA_OK;
        if (errno != EEXIST) {
            s = lora__fail(LORA_ERR_IO, "%s: cannot create a temporary directory beside it: %s", dir, strerror(errno));
            lora__dir_release(t);
            return s;
        }
        LORA_FREE(t->tmp_dir);
        t->tmp_dir = NULL;
    }
    s = lora__fail(LORA_ERR_IO, "%s: cannot create a unique temporary directory beside it", dir);
    lora__dir_release(t);
    return s;
#else
    (void)attempt;
    if ((s = lora_ensure_dir(t->final_dir)) != LORA_OK) { lora__dir_release(t); return s; }
    if (!(t->tmp_dir = lora__strdup(t->final_dir, "path"))) { lora__dir_release(t); return LORA_ERR_OOM; }
    return LORA_OK;
#endif
}
LORA_API const char *lora_dir_path(const lora_dir_txn *t) { return t->tmp_dir; }
#ifdef LORA__HAVE_STAT
/* removes the regular files (and symlinks) directly inside dir, then dir itself if empty */
static void lora__dir_remove_files(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t dl = strlen(dir);
    if (d) {
        while ((e = readdir(d)) != NULL) {
            size_t n = strlen(e->d_name);
            char *p;
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            p = (char *)LORA_MALLOC(dl + n + 2);
            if (!p) continue;
            memcpy(p, dir, dl); p[dl] = '/'; memcpy(p + dl + 1, e->d_name, n + 1);
            {
                struct stat sb;
                if (stat(p, &sb) == 0 && !S_ISDIR(sb.st_mode)) unlink(p);
            }
            LORA_FREE(p);
        }
        closedir(d);
    }
    rmdir(dir);
}
#endif
LORA_API lora_status lora_dir_commit(lora_dir_txn *t) {
    lora_status s = LORA_OK;
    if (!t->tmp_dir) return lora__fail(LORA_ERR_INVALID_ARG, "lora_dir_commit: no directory open");
#ifdef LORA__HAVE_STAT
    lora__fsync_dir_of(t->tmp_dir, 1);
    if (rename(t->tmp_dir, t->final_dir) == 0) {   /* dir did not exist (or was empty) */
        lora__fsync_dir_of(t->final_dir, 0);
        lora__dir_release(t);
        return LORA_OK;
    }
    if (errno != EEXIST && errno != ENOTEMPTY) {
        s = lora__fail(LORA_ERR_IO, "%s: cannot rename the new directory into place: %s", t->final_dir, strerror(errno));
        lora__dir_remove_files(t->tmp_dir);
        lora__dir_release(t);
        return s;
    }
    {
        char *old = NULL;
        unsigned attempt;
        for (attempt = 0; attempt < 64 && !old; attempt++) {
            struct stat sb;
            if (!(old = lora__unique_sibling(t->final_dir, "old-lora", attempt))) { lora_dir_abort(t); return LORA_ERR_OOM; }
            if (stat(old, &sb) == 0 || errno != ENOENT) { LORA_FREE(old); old = NULL; }
        }
        if (!old || rename(t->final_dir, old) != 0) {
            s = lora__fail(LORA_ERR_IO, "%s: cannot move the previous directory aside: %s", t->final_dir, strerror(errno));
            LORA_FREE(old);
            lora_dir_abort(t);
            return s;
        }
        if (rename(t->tmp_dir, t->final_dir) != 0) {
            int err = errno;
            if (rename(old, t->final_dir) != 0 && err == ENOTEMPTY) err = EBUSY; /* another writer published meanwhile */
            s = lora__fail(LORA_ERR_IO, "%s: cannot rename the new directory into place: %s (another process saving to the same directory?)",
                           t->final_dir, strerror(err));
            LORA_FREE(old);
            lora_dir_abort(t);
            return s;
        }
        lora__fsync_dir_of(t->final_dir, 0);
        {   /* carry over what the new directory does not replace */
            DIR *d = opendir(old);
            struct dirent *e;
            size_t ol = strlen(old), fl = strlen(t->final_dir);
            if (d) {
                while ((e = readdir(d)) != NULL) {
                    size_t n = strlen(e->d_name);
                    char *from, *to;
                    struct stat sb;
                    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
                    from = (char *)LORA_MALLOC(ol + n + 2);
                    to = (char *)LORA_MALLOC(fl + n + 2);
                    if (from && to) {
                        memcpy(from, old, ol); from[ol] = '/'; memcpy(from + ol + 1, e->d_name, n + 1);
                        memcpy(to, t->final_dir, fl); to[fl] = '/'; memcpy(to + fl + 1, e->d_name, n + 1);
                        if (stat(to, &sb) != 0 && errno == ENOENT) (void)rename(from, to);
                    }
                    LORA_FREE(from); LORA_FREE(to);
                }
                closedir(d);
            }
            lora__fsync_dir_of(t->final_dir, 1);
        }
        lora__dir_remove_files(old);
        LORA_FREE(old);
    }
#endif
    lora__dir_release(t);
    return s;
}
LORA_API void lora_dir_abort(lora_dir_txn *t) {
    if (!t->tmp_dir) return;
    {   /* messages about files in the new directory name the directory they were for */
        char msg[LORA__ERRLEN];
        const char *at = strstr(lora__errbuf, t->tmp_dir);
        if (at && strcmp(t->tmp_dir, t->final_dir) != 0) {
            snprintf(msg, sizeof msg, "%.*s%s%s", (int)(at - lora__errbuf), lora__errbuf, t->final_dir, at + strlen(t->tmp_dir));
            memcpy(lora__errbuf, msg, sizeof msg);
        }
    }
#ifdef LORA__HAVE_STAT
    lora__dir_remove_files(t->tmp_dir);
#endif
    lora__dir_release(t);
}

/* ---- byte order: every file format here is little-endian, whatever the host ---- */
static LORA__UNUSED int lora__host_is_le(void) {
    const uint16_t one = 1;
    unsigned char c;
    memcpy(&c, &one, 1);
    return c == 1;
}
/* Reverses the bytes of each of the n / es elements of size es in p (a no-op on
   little-endian hosts): file order <-> host order. */
static LORA__UNUSED void lora__le_swap(void *p, size_t n, size_t es) {
    unsigned char *b = (unsigned char *)p;
    size_t i, k;
    if (es <= 1 || lora__host_is_le()) return;
    for (i = 0; i + es <= n; i += es)
        for (k = 0; k < es / 2; k++) {
            unsigned char t = b[i + k];
            b[i + k] = b[i + es - 1 - k];
            b[i + es - 1 - k] = t;
        }
}
/* fread of count elements of size es stored little-endian, into host order */
LORA_API size_t lora_fread_le(void *dst, size_t elem_size, size_t count, FILE *f) {
    size_t got = fread(dst, elem_size, count, f);
    lora__le_swap(dst, got * elem_size, elem_size);
    return got;
}
/* Writes n bytes (a whole number of elements of size es) in little-endian order (on big-endian
   hosts a byte swap through a small buffer, whose size is a multiple of every es: tensors are
   never copied whole; es = 1 writes bytes as they are). */
LORA_API void lora_atomic_write_le(lora_atomic_file *af, const void *data, size_t n, size_t elem_size) {
    unsigned char tmp[8192];
    const unsigned char *p = (const unsigned char *)data;
    const size_t es = elem_size;
    size_t done = 0;
    if (es <= 1 || lora__host_is_le()) { lora__atomic_write(af, data, n); return; }
    while (done < n) {
        size_t chunk = n - done < sizeof tmp ? n - done : sizeof tmp;
        memcpy(tmp, p + done, chunk);
        lora__le_swap(tmp, chunk, es);
        lora__atomic_write(af, tmp, chunk);
        done += chunk;
    }
}

/* Writes a whole buffer atomically. */
static LORA__UNUSED lora_status lora__write_file_atomic(const char *path, const void *data, size_t n) {
    lora__atomic_file af;
    lora_status s = lora__atomic_open(&af, path);
    if (s != LORA_OK) return s;
    lora__atomic_write(&af, data, n);
    return lora__atomic_commit(&af);
}

/* ---- rng ---- */
LORA_API uint64_t lora_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
LORA_API void lora_rng_seed(lora_rng *rng, uint64_t seed) {
    uint64_t a, b;
    if (!rng) return;
    a = lora__splitmix64(&seed);
    b = lora__splitmix64(&seed);
    rng->s[0] = (uint32_t)a; rng->s[1] = (uint32_t)(a >> 32);
    rng->s[2] = (uint32_t)b; rng->s[3] = (uint32_t)(b >> 32);
    if (!(rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3])) rng->s[0] = 1;
    rng->has_spare = 0; rng->spare = 0.0f;
}
static LORA__UNUSED uint32_t lora__rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
/* one xoshiro128** step: the output, and s advanced */
static uint32_t lora__xoshiro_next(uint32_t s[4]) {
    const uint32_t result = lora__rotl32(s[1] * 5, 7) * 9, t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = lora__rotl32(s[3], 11);
    return result;
}
LORA_API uint32_t lora_rng_u32(lora_rng *rng) { return rng ? lora__xoshiro_next(rng->s) : 0; }
LORA_API float lora_rng_uniform(lora_rng *rng) { return rng ? (float)(lora_rng_u32(rng) >> 8) * (1.0f / 16777216.0f) : 0.0f; }
/* mk[i] = (lora_rng_uniform(rng) >= p) for i < n: the same draws and the same outcome, with the
   state in registers (dropout masks: a call per element kept the state in memory, reloaded after
   every mask byte store, which may alias it). uniform = (u >> 8) / 2^24 exactly, so the test is
   (u >> 8) >= ceil(p * 2^24) (p NaN: never, as the float comparison). The state is copied to a
   local array whose address never escapes, so the compiler keeps it in registers. */
LORA_API void lora_rng_keep_mask(lora_rng *rng, unsigned char *mask, int n, float p) {
    uint32_t s[4], thr;
    int i;
    memcpy(s, rng->s, sizeof s);
    if (p != p) thr = 16777217u;
    else if (p <= 0.0f) thr = 0;
    else if (p >= 1.0f) thr = 16777216u;
    else thr = (uint32_t)ceil((double)p * 16777216.0);
    for (i = 0; i < n; i++) mask[i] = (unsigned char)((lora__xoshiro_next(s) >> 8) >= thr);
    memcpy(rng->s, s, sizeof s);
}
/* Marsaglia's polar method: two normals per accepted pair, one log and no trig. */
LORA_API float lora_rng_normal(lora_rng *rng) {
    double u, v, q, f;
    if (!rng) return 0.0f;
    if (rng->has_spare) { rng->has_spare = 0; return rng->spare; }
    do {
        u = 2.0 * ((double)(lora_rng_u32(rng) >> 8) + 0.5) / 16777216.0 - 1.0;
        v = 2.0 * ((double)(lora_rng_u32(rng) >> 8) + 0.5) / 16777216.0 - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    f = sqrt(-2.0 * log(q) / q);
    rng->spare = (float)(v * f);
    rng->has_spare = 1;
    return (float)(u * f);
}

/* ---- half precision ---- */
LORA_API float lora_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    float f;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { /* subnormal: value = man * 2^-24 */
            f = (float)man * (1.0f / 16777216.0f);
            return (h & 0x8000) ? -f : f;
        }
    } else if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
    else bits = sign | ((exp + 112) << 23) | (man << 13);
    memcpy(&f, &bits, 4);
    return f;
}
LORA_API uint16_t lora_f32_to_f16(float f) {
    uint32_t x, sign, absx;
    memcpy(&x, &f, 4);
    sign = (x >> 16) & 0x8000; absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u) return (uint16_t)(sign | 0x7e00); /* NaN */
    if (absx >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* overflow (rounds to >= 65520) -> inf */
    if (absx < 0x38800000u) { /* subnormal or zero in half: round(|f| * 2^24) to nearest even */
        float a; double v; uint32_t m; double fl;
        memcpy(&a, &absx, 4);
        v = (double)a * 16777216.0;
        fl = floor(v); m = (uint32_t)fl;
        if (v - fl > 0.5 || (v - fl == 0.5 && (m & 1))) m++;
        return (uint16_t)(sign | m);
    }
    { /* normal: rebias and round mantissa to nearest even */
        uint32_t e = ((absx >> 23) - 112) << 10, m = (absx >> 13) & 0x3ff, rest = absx & 0x1fff;
        uint32_t h = e | m;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;
        return (uint16_t)(sign | h);
    }
}
LORA_API float lora_bf16_to_f32(uint16_t h) { uint32_t b = (uint32_t)h << 16; float f; memcpy(&f, &b, 4); return f; }
LORA_API uint16_t lora_f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;
    x += 0x7fff + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}
