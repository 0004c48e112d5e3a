/* ---- JSON: strict RFC 8259 DOM parser and writing helpers ----

   Memory layout: every container owns one block holding its items, (objects) the key
   pointer and key length arrays, and the bytes of its direct children's keys, strings
   and number literals. The root node is its own block (with its bytes if it is a
   scalar). So a parse makes one allocation per container plus one, and lora_json_free
   walks the containers only.

   Parsing is iterative (explicit frame stack), so deep nesting never recurses on the C
   stack. Pending children live on a value stack; their text bytes on a byte stack sized
   once to len + 1 (decoded text is never longer than its source: escapes shrink, every
   number's NUL terminator is paid for by the delimiter after it, or by the + 1). */
#include <locale.h>

#define LORA__JSON_MAX_DEPTH 512

typedef struct lora__jkey { size_t off, len; } lora__jkey;
typedef struct lora__jframe { size_t val0, key0, chr0; int is_obj; } lora__jframe;

typedef struct lora__jparser {
    const unsigned char *start, *p, *end;
    const char *source;
    lora_json *vals; size_t nvals, capvals;      /* pending children (scalars: n = byte offset) */
    lora__jkey *keys; size_t nkeys, capkeys;    /* pending object keys */
    char *chars; size_t nchars, capchars;       /* pending text bytes */
    int depth;
    lora__jframe frames[LORA__JSON_MAX_DEPTH];
} lora__jparser;

LORA_API const char *lora_json_type_name(lora_json_type t) {
    switch (t) {
    case LORA_JSON_NULL: return "null";
    case LORA_JSON_FALSE: case LORA_JSON_TRUE: return "boolean";
    case LORA_JSON_NUMBER: return "number";
    case LORA_JSON_STRING: return "string";
    case LORA_JSON_ARRAY: return "array";
    case LORA_JSON_OBJECT: return "object";
    }
    return "unknown";
}

/* "a number", "an array", "null", ...: for messages ("... is a number, expected ..."). */
static LORA__UNUSED const char *lora__json_a_type(lora_json_type t) {
    switch (t) {
    case LORA_JSON_NULL: return "null";
    case LORA_JSON_FALSE: return "false";
    case LORA_JSON_TRUE: return "true";
    case LORA_JSON_NUMBER: return "a number";
    case LORA_JSON_STRING: return "a string";
    case LORA_JSON_ARRAY: return "an array";
    case LORA_JSON_OBJECT: return "an object";
    }
    return "an unknown value";
}

/* Decodes one UTF-8 sequence at p (strict: no overlongs, no surrogates, <= U+10FFFF).
   Returns its length, or 0 if invalid or truncated. */
static size_t lora__utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp) {
    unsigned c = p[0];
    size_t avail = (size_t)(end - p);
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        if (avail < 2 || (p[1] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (p[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (avail < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        return 3;
    }
    if (c < 0xF5) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (avail < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
              ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
        return 4;
    }
    return 0;
}

/* 1 if s[0..n) is valid UTF-8. */
static LORA__UNUSED int lora__utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    uint32_t cp;
    while (p < end) {
        size_t k;
        if (*p < 0x80) { p++; continue; }
        k = lora__utf8_decode(p, end, &cp);
        if (!k) return 0;
        p += k;
    }
    return 1;
}

static size_t lora__utf8_encode(char *q, uint32_t cp) {
    if (cp < 0x80) { q[0] = (char)cp; return 1; }
    if (cp < 0x800) { q[0] = (char)(0xC0 | (cp >> 6)); q[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        q[0] = (char)(0xE0 | (cp >> 12)); q[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        q[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    q[0] = (char)(0xF0 | (cp >> 18)); q[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    q[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); q[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Records "source:line:col: reason" for the byte at pos; always returns LORA_ERR_FORMAT. */
static LORA__PRINTF(3, 4) lora_status lora__jerr(const lora__jparser *P, const unsigned char *pos, const char *fmt, ...) {
    char reason[512];
    const unsigned char *q;
    unsigned long line = 1, col = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (pos > P->end) pos = P->end;
    for (q = P->start; q < pos; q++) {
        if (*q == '\n') { line++; col = 1; }
        else if ((*q & 0xC0) != 0x80) col++;
    }
    return lora__fail(LORA_ERR_FORMAT, "%s:%lu:%lu: %s", P->source, line, col, reason);
}

/* Describes the byte at p for messages: 'x', byte 0xNN, or end of input. */
static const char *lora__jdesc(const lora__jparser *P, const unsigned char *p, char *buf, size_t n) {
    if (p >= P->end) return "end of input";
    if (*p >= 0x20 && *p < 0x7F) snprintf(buf, n, "'%c'", *p);
    else snprintf(buf, n, "byte 0x%02X", *p);
    return buf;
}

#define LORA__JWS(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')

static int lora__jhex(unsigned c) {
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    return -1;
}
static long lora__jhex4(const unsigned char *p, const unsigned char *end) {
    long v = 0;
    int i;
    if (end - p < 4) return -1;
    for (i = 0; i < 4; i++) {
        int h = lora__jhex(p[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Bytes that end a plain run inside a string: '"', '\\', controls, non-ASCII. */
static const unsigned char lora__jstop[256] = {
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1
};

/* Parses the string starting at P->p (a '"'), appends its decoded bytes + NUL to the
   byte stack; *off and *len receive where. Leaves P->p after the closing quote. */
static lora_status lora__jstring(lora__jparser *P, size_t *off, size_t *len) {
    const unsigned char *p = P->p + 1, *end = P->end;
    char *q;
    if (P->nchars + (size_t)(end - P->p) + 1 > P->capchars)
        return lora__fail(LORA_ERR_FORMAT, "%s: internal error: JSON text buffer too small", P->source);
    q = P->chars + P->nchars;
    *off = P->nchars;
    for (;;) {
        const unsigned char *run = p;
        unsigned c;
        while (p < end && !lora__jstop[*p]) p++;
        if (p > run) { memcpy(q, run, (size_t)(p - run)); q += p - run; }
        if (p >= end) return lora__jerr(P, P->p, "unterminated string");
        c = *p;
        if (c == '"') { p++; break; }
        if (c == '\\') {
            const unsigned char *esc = p;
            if (p + 1 >= end) return lora__jerr(P, P->p, "unterminated string");
            c = p[1];
            p += 2;
            switch (c) {
            case '"': *q++ = '"'; break;
            case '\\': *q++ = '\\'; break;
            case '/': *q++ = '/'; break;
            case 'b': *q++ = '\b'; break;
            case 'f': *q++ = '\f'; break;
            case 'n': *q++ = '\n'; break;
            case 'r': *q++ = '\r'; break;
            case 't': *q++ = '\t'; break;
            case 'u': {
                long u = lora__jhex4(p, end);
                uint32_t cp;
                if (u < 0) return lora__jerr(P, esc, "invalid \\u escape (needs 4 hex digits)");
                p += 4;
                cp = (uint32_t)u;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    long lo = -1;
                    if (end - p >= 6 && p[0] == '\\' && p[1] == 'u') lo = lora__jhex4(p + 2, end);
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return lora__jerr(P, esc, "lone surrogate \\u%04lX (a high surrogate must be followed by a \\uDC00-\\uDFFF low surrogate)", u);
                    p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return lora__jerr(P, esc, "lone surrogate \\u%04lX (a low surrogate without a high one before it)", u);
                }
                q += lora__utf8_encode(q, cp);
                break;
            }
            default: {
                char d[16];
                return lora__jerr(P, esc, "invalid escape '\\' followed by %s", lora__jdesc(P, esc + 1, d, sizeof d));
            }
            }
        } else if (c < 0x20) {
            return lora__jerr(P, p, "control character U+%04X in string (must be escaped)", c);
        } else {
            uint32_t cp;
            size_t k = lora__utf8_decode(p, end, &cp);
            if (!k) return lora__jerr(P, p, "invalid UTF-8 in string (byte 0x%02X)", c);
            memcpy(q, p, k);
            q += k; p += k;
        }
    }
    *len = (size_t)(q - (P->chars + *off));
    *q++ = 0;
    P->nchars = (size_t)(q - P->chars);
    P->p = p;
    return LORA_OK;
}

static const double lora__pow10[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* strtod in the "C" locale whatever the current locale's decimal point is. */
static double lora__strtod_c(const char *s, size_t len) {
    const char *dp = localeconv()->decimal_point, *dot;
    char small[64], *tmp = small;
    size_t dl, pre;
    double d;
    if (!dp || (dp[0] == '.' && dp[1] == 0) || !(dot = strchr(s, '.'))) return strtod(s, NULL);
    dl = strlen(dp);
    if (len + dl + 1 > sizeof small) {
        tmp = (char *)LORA_MALLOC(len + dl + 1);
        if (!tmp) return strtod(s, NULL);
    }
    pre = (size_t)(dot - s);
    memcpy(tmp, s, pre);
    memcpy(tmp + pre, dp, dl);
    memcpy(tmp + pre + dl, dot + 1, len - pre);   /* includes the NUL */
    d = strtod(tmp, NULL);
    if (tmp != small) LORA_FREE(tmp);
    return d;
}

/* Parses the number at P->p into v (literal bytes appended to the byte stack). */
static lora_status lora__jnumber(lora__jparser *P, lora_json *v) {
    const unsigned char *s = P->p, *p = s, *end = P->end;
    uint64_t mant = 0;
    int ndig = 0, truncated = 0, neg = 0;
    long exp10 = 0;
    size_t n;
    char *lit;
    char d[16];
    if (*p == '-') { neg = 1; p++; }
    if (p >= end || *p < '0' || *p > '9')
        return lora__jerr(P, p, "invalid number: expected a digit after '-', found %s", lora__jdesc(P, p, d, sizeof d));
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9') return lora__jerr(P, s, "invalid number: leading zeros are not allowed");
    } else {
        while (p < end && *p >= '0' && *p <= '9') {
            if (ndig < 19) { mant = mant * 10 + (uint64_t)(*p - '0'); ndig++; }
            else { exp10++; if (*p != '0') truncated = 1; }
            p++;
        }
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9')
            return lora__jerr(P, p, "invalid number: expected a digit after '.', found %s", lora__jdesc(P, p, d, sizeof d));
        while (p < end && *p >= '0' && *p <= '9') {
            if (ndig < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                if (mant) ndig++;
                exp10--;
            } else if (*p != '0') truncated = 1;
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int eneg = 0;
        long e = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) { eneg = *p == '-'; p++; }
        if (p >= end || *p < '0' || *p > '9')
            return lora__jerr(P, p, "invalid number: expected a digit in the exponent, found %s", lora__jdesc(P, p, d, sizeof d));
        while (p < end && *p >= '0' && *p <= '9') {
            if (e < 100000000L) e = e * 10 + (*p - '0');
            p++;
        }
        exp10 += eneg ? -e : e;
    }
    n = (size_t)(p - s);
    if (P->nchars + n + 1 > P->capchars)
        return lora__fail(LORA_ERR_FORMAT, "%s: internal error: JSON text buffer too small", P->source);
    lit = P->chars + P->nchars;
    memcpy(lit, s, n);
    lit[n] = 0;
    if (!truncated && mant <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        /* Clinger's fast path: exact mantissa and power of ten, one rounding. */
        double x = (double)mant;
        x = exp10 < 0 ? x / lora__pow10[-exp10] : x * lora__pow10[exp10];
        v->number = neg ? -x : x;
    } else if (mant == 0 && !truncated) {
        v->number = neg ? -0.0 : 0.0;
    } else {
        v->number = lora__strtod_c(lit, n);
        if (v->number == HUGE_VAL || v->number == -HUGE_VAL)
            return lora__jerr(P, s, "number %.*s is out of the double range", n > 40 ? 40 : (int)n, lit);
    }
    v->type = LORA_JSON_NUMBER;
    v->n = P->nchars;   /* byte offset until the parent container is built */
    v->len = n;
    P->nchars += n + 1;
    P->p = p;
    return LORA_OK;
}

/* Frees what a node owns (not the node itself). */
static void lora__json_free_children(lora_json *v) {
    size_t i;
    if (v->type != LORA_JSON_ARRAY && v->type != LORA_JSON_OBJECT) return;
    for (i = 0; i < v->n; i++) lora__json_free_children(&v->items[i]);
    LORA_FREE(v->items);
    v->items = NULL;
    v->n = 0;
}

/* Builds the container of the innermost frame from the pending children into *v, pops it. */
static lora_status lora__jfinish(lora__jparser *P, lora_json *v) {
    lora__jframe *f = &P->frames[P->depth - 1];
    size_t n = P->nvals - f->val0, nch = P->nchars - f->chr0, i, per;
    memset(v, 0, sizeof *v);
    v->type = f->is_obj ? LORA_JSON_OBJECT : LORA_JSON_ARRAY;
    if (n) {
        char *block, *cb;
        lora_json *items;
        per = sizeof(lora_json) + (f->is_obj ? sizeof(char *) + sizeof(size_t) : 0);
        if (n > ((size_t)-1 - nch) / per) return lora__fail(LORA_ERR_OOM, "%s: JSON value too large", P->source);
        block = (char *)lora__malloc(n * per + nch, "JSON value");
        if (!block) return LORA_ERR_OOM;
        items = (lora_json *)block;
        memcpy(items, P->vals + f->val0, n * sizeof(lora_json));
        cb = block + n * per;
        memcpy(cb, P->chars + f->chr0, nch);
        for (i = 0; i < n; i++) {
            if (items[i].type == LORA_JSON_STRING || items[i].type == LORA_JSON_NUMBER) {
                items[i].str = cb + (items[i].n - f->chr0);
                items[i].n = 0;
            }
        }
        if (f->is_obj) {
            char **keys = (char **)(void *)(block + n * sizeof(lora_json));
            size_t *lens = (size_t *)(void *)(block + n * (sizeof(lora_json) + sizeof(char *)));
            const lora__jkey *pk = P->keys + f->key0;
            for (i = 0; i < n; i++) { keys[i] = cb + (pk[i].off - f->chr0); lens[i] = pk[i].len; }
            v->keys = keys;
            v->key_lens = lens;
        }
        v->items = items;
        v->n = n;
    }
    P->nvals = f->val0;
    P->nkeys = f->key0;
    P->nchars = f->chr0;
    P->depth--;
    return LORA_OK;
}

static lora_status lora__jpush(lora__jparser *P, const lora_json *v) {
    if (P->nvals == P->capvals) {
        size_t cap = P->capvals ? P->capvals * 2 : 64;
        lora_json *nv = (lora_json *)lora__realloc(P->vals, cap * sizeof(lora_json), "JSON parser stack");
        if (!nv) return LORA_ERR_OOM;
        P->vals = nv; P->capvals = cap;
    }
    P->vals[P->nvals++] = *v;
    return LORA_OK;
}

/* Parses `"key" :` at P->p (after whitespace), pushing the key. */
static lora_status lora__jkey_colon(lora__jparser *P) {
    lora_status s;
    lora__jkey k;
    char d[16];
    while (P->p < P->end && LORA__JWS(*P->p)) P->p++;
    if (P->p >= P->end || *P->p != '"') {
        if (P->p < P->end && *P->p == '}') return lora__jerr(P, P->p, "trailing comma before '}' is not allowed");
        return lora__jerr(P, P->p, "expected a string key, found %s", lora__jdesc(P, P->p, d, sizeof d));
    }
    if ((s = lora__jstring(P, &k.off, &k.len)) != LORA_OK) return s;
    if (P->nkeys == P->capkeys) {
        size_t cap = P->capkeys ? P->capkeys * 2 : 64;
        lora__jkey *nk = (lora__jkey *)lora__realloc(P->keys, cap * sizeof(lora__jkey), "JSON parser stack");
        if (!nk) return LORA_ERR_OOM;
        P->keys = nk; P->capkeys = cap;
    }
    P->keys[P->nkeys++] = k;
    while (P->p < P->end && LORA__JWS(*P->p)) P->p++;
    if (P->p >= P->end || *P->p != ':')
        return lora__jerr(P, P->p, "expected ':' after object key, found %s", lora__jdesc(P, P->p, d, sizeof d));
    P->p++;
    return LORA_OK;
}

LORA_API lora_status lora_json_parse(const char *text, size_t len, const char *source, lora_json **out) {
    lora__jparser *P;
    lora_status s = LORA_OK;
    lora_json v, *root = NULL;
    const unsigned char *p;
    char d[16];
    size_t i;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_json_parse: out is NULL");
    *out = NULL;
    if (!text && len) return lora__fail(LORA_ERR_INVALID_ARG, "lora_json_parse: text is NULL");
    if (!source) source = "<json>";
    if (len > (size_t)-1 - 16) return lora__fail(LORA_ERR_OOM, "%s: JSON text too large", source);
    P = (lora__jparser *)lora__malloc(sizeof *P, "JSON parser");
    if (!P) return LORA_ERR_OOM;
    memset(P, 0, offsetof(lora__jparser, frames));
    P->source = source;
    P->start = P->p = (const unsigned char *)(text ? text : "");
    P->end = P->start + len;
    P->capchars = len + 1;
    P->chars = (char *)lora__malloc(P->capchars, "JSON text");
    if (!P->chars) { LORA_FREE(P); return LORA_ERR_OOM; }
    memset(&v, 0, sizeof v);

    if (len >= 3 && P->start[0] == 0xEF && P->start[1] == 0xBB && P->start[2] == 0xBF) {
        s = lora__jerr(P, P->start, "UTF-8 byte order mark is not allowed");
        goto fail;
    }
    for (;;) {
        /* a value starts here */
        p = P->p;
        while (p < P->end && LORA__JWS(*p)) p++;
        P->p = p;
        memset(&v, 0, sizeof v);
        if (p >= P->end) {
            s = lora__jerr(P, p, P->depth ? "unexpected end of input, expected a value" : "empty input, expected a JSON value");
            goto fail;
        }
        switch (*p) {
        case '[': case '{': {
            lora__jframe *f;
            int obj = *p == '{';
            if (P->depth >= LORA__JSON_MAX_DEPTH) {
                s = lora__jerr(P, p, "nesting deeper than %d levels", LORA__JSON_MAX_DEPTH);
                goto fail;
            }
            f = &P->frames[P->depth++];
            f->val0 = P->nvals; f->key0 = P->nkeys; f->chr0 = P->nchars; f->is_obj = obj;
            p++;
            while (p < P->end && LORA__JWS(*p)) p++;
            P->p = p;
            if (p < P->end && *p == (obj ? '}' : ']')) {
                P->p++;
                if ((s = lora__jfinish(P, &v)) != LORA_OK) goto fail;
                break;
            }
            if (obj && (s = lora__jkey_colon(P)) != LORA_OK) goto fail;
            continue;
        }
        case '"': {
            size_t off, n;
            if ((s = lora__jstring(P, &off, &n)) != LORA_OK) goto fail;
            v.type = LORA_JSON_STRING; v.n = off; v.len = n;
            break;
        }
        case 't':
            if (P->end - p >= 4 && !memcmp(p, "true", 4)) { v.type = LORA_JSON_TRUE; P->p += 4; break; }
            s = lora__jerr(P, p, "invalid literal (expected true, false or null)");
            goto fail;
        case 'f':
            if (P->end - p >= 5 && !memcmp(p, "false", 5)) { v.type = LORA_JSON_FALSE; P->p += 5; break; }
            s = lora__jerr(P, p, "invalid literal (expected true, false or null)");
            goto fail;
        case 'n':
            if (P->end - p >= 4 && !memcmp(p, "null", 4)) { v.type = LORA_JSON_NULL; P->p += 4; break; }
            s = lora__jerr(P, p, "invalid literal (expected true, false or null)");
            goto fail;
        default:
            if (*p == '-' || (*p >= '0' && *p <= '9')) {
                if ((s = lora__jnumber(P, &v)) != LORA_OK) goto fail;
                break;
            }
            {
                const unsigned char *b = p;
                while (b > P->start && LORA__JWS(b[-1])) b--;
                if (P->depth && (*p == ']' || *p == '}') && b > P->start && b[-1] == ',') {
                    s = lora__jerr(P, p, "trailing comma before '%c' is not allowed", *p);
                    goto fail;
                }
            }
            if (0) ;
            else if (*p == '+' || *p == '.' || *p == 'N' || *p == 'I')
                s = lora__jerr(P, p, "expected a value, found %s (JSON numbers have no '+', leading '.', NaN or Infinity)", lora__jdesc(P, p, d, sizeof d));
            else
                s = lora__jerr(P, p, "expected a value, found %s", lora__jdesc(P, p, d, sizeof d));
            goto fail;
        }
        /* v is complete: attach it to its container, closing containers as they end */
        for (;;) {
            lora__jframe *f;
            if (P->depth == 0) goto done;
            if ((s = lora__jpush(P, &v)) != LORA_OK) goto fail;
            memset(&v, 0, sizeof v);
            f = &P->frames[P->depth - 1];
            p = P->p;
            while (p < P->end && LORA__JWS(*p)) p++;
            P->p = p;
            if (p < P->end && *p == ',') {
                P->p++;
                if (f->is_obj && (s = lora__jkey_colon(P)) != LORA_OK) goto fail;
                break;
            }
            if (p < P->end && *p == (f->is_obj ? '}' : ']')) {
                P->p++;
                if ((s = lora__jfinish(P, &v)) != LORA_OK) goto fail;
                continue;
            }
            s = lora__jerr(P, p, f->is_obj ? "expected ',' or '}' after object member, found %s"
                                           : "expected ',' or ']' after array element, found %s",
                           lora__jdesc(P, p, d, sizeof d));
            goto fail;
        }
    }
done:
    p = P->p;
    while (p < P->end && LORA__JWS(*p)) p++;
    if (p < P->end) {
        s = lora__jerr(P, p, "unexpected %s after the JSON value", lora__jdesc(P, p, d, sizeof d));
        goto fail;
    }
    if (v.type == LORA_JSON_STRING || v.type == LORA_JSON_NUMBER) {
        root = (lora_json *)lora__malloc(sizeof(lora_json) + v.len + 1, "JSON value");
        if (!root) { s = LORA_ERR_OOM; goto fail; }
        *root = v;
        root->str = (char *)(root + 1);
        memcpy(root->str, P->chars + v.n, v.len + 1);
        root->n = 0;
    } else {
        root = (lora_json *)lora__malloc(sizeof(lora_json), "JSON value");
        if (!root) { s = LORA_ERR_OOM; goto fail; }
        *root = v;
    }
    LORA_FREE(P->vals); LORA_FREE(P->keys); LORA_FREE(P->chars); LORA_FREE(P);
    *out = root;
    return LORA_OK;
fail:
    lora__json_free_children(&v);
    for (i = 0; i < P->nvals; i++) lora__json_free_children(&P->vals[i]);
    LORA_FREE(P->vals); LORA_FREE(P->keys); LORA_FREE(P->chars); LORA_FREE(P);
    return s;
}

LORA_API void lora_json_free(lora_json *v) {
    if (!v) return;
    lora__json_free_children(v);
    LORA_FREE(v);
}

LORA_API const lora_json *lora_json_get(const lora_json *v, const char *key) {
    size_t i, n;
    if (!v || !key || v->type != LORA_JSON_OBJECT) return NULL;
    n = strlen(key);
    for (i = v->n; i-- > 0;)
        if (v->key_lens[i] == n && !memcmp(v->keys[i], key, n)) return &v->items[i];
    return NULL;
}
LORA_API int lora_json_get_number(const lora_json *obj, const char *key, double *out) {
    const lora_json *v = lora_json_get(obj, key);
    if (!v || v->type != LORA_JSON_NUMBER) return 0;
    if (out) *out = v->number;
    return 1;
}
LORA_API int lora_json_get_bool(const lora_json *obj, const char *key, int *out) {
    const lora_json *v = lora_json_get(obj, key);
    if (!v || (v->type != LORA_JSON_TRUE && v->type != LORA_JSON_FALSE)) return 0;
    if (out) *out = v->type == LORA_JSON_TRUE;
    return 1;
}
LORA_API const char *lora_json_get_string(const lora_json *obj, const char *key) {
    const lora_json *v = lora_json_get(obj, key);
    return v && v->type == LORA_JSON_STRING ? v->str : NULL;
}
LORA_API int lora_json_int64(const lora_json *v, int64_t *out) {
    const char *s;
    size_t i = 0, n;
    uint64_t x = 0, lim;
    int neg = 0;
    if (!v || v->type != LORA_JSON_NUMBER) return 0;
    s = v->str; n = v->len;
    if (!s || !n) {   /* node not made by the parser: accept exact integral doubles */
        if (!(v->number >= -9223372036854775808.0 && v->number < 9223372036854775808.0) ||
            v->number != floor(v->number)) return 0;
        if (out) *out = (int64_t)v->number;
        return 1;
    }
    if (s[0] == '-') { neg = 1; i = 1; }
    if (i >= n) return 0;
    lim = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
    for (; i < n; i++) {
        unsigned dgt;
        if (s[i] < '0' || s[i] > '9') return 0;
        dgt = (unsigned)(s[i] - '0');
        if (x > (lim - dgt) / 10) return 0;
        x = x * 10 + dgt;
    }
    if (out) *out = neg ? (x == ((uint64_t)1 << 63) ? INT64_MIN : -(int64_t)x) : (int64_t)x;
    return 1;
}

/* ---- JSON writing helpers (for the library's writers) ----
   Strings are escaped as Python's json.dumps(..., ensure_ascii=False) does: '"', '\\'
   and control characters (\b \f \n \r \t short forms, others \u00xx lowercase), every
   other byte (UTF-8 included) as is. Numbers: integral values below 1e16 as integers,
   others in the shortest form that reads back to the same double, laid out like
   Python's repr (1e-05, 0.1, 1.5e+300); non-finite values as null (JSON has none). */
static LORA__UNUSED void lora__json_write_stringn(lora__buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
    lora__buf_append(b, "\"", 1);
    while (p < end) {
        unsigned c;
        run = p;
        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\') p++;
        if (p > run) lora__buf_append(b, run, (size_t)(p - run));
        if (p >= end) break;
        c = *p++;
        switch (c) {
        case '"': lora__buf_append(b, "\\\"", 2); break;
        case '\\': lora__buf_append(b, "\\\\", 2); break;
        case '\b': lora__buf_append(b, "\\b", 2); break;
        case '\f': lora__buf_append(b, "\\f", 2); break;
        case '\n': lora__buf_append(b, "\\n", 2); break;
        case '\r': lora__buf_append(b, "\\r", 2); break;
        case '\t': lora__buf_append(b, "\\t", 2); break;
        default: {
            char e[6];
            e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0'; e[4] = hex[c >> 4]; e[5] = hex[c & 15];
            lora__buf_append(b, e, 6);
        }
        }
    }
    lora__buf_append(b, "\"", 1);
}
static LORA__UNUSED void lora__json_write_string(lora__buf *b, const char *s) {
    lora__json_write_stringn(b, s, strlen(s));
}
static LORA__UNUSED void lora__json_write_int(lora__buf *b, int64_t x) {
    char tmp[24], *q = tmp + sizeof tmp;
    uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    do { *--q = (char)('0' + u % 10); u /= 10; } while (u);
    if (x < 0) *--q = '-';
    lora__buf_append(b, q, (size_t)(tmp + sizeof tmp - q));
}
/* Shortest round-trip digits of x (finite, nonzero): digits (no dot) and decimal exponent
   of the first digit, as printf("%.*e") gives them. Returns the digit count. */
static int lora__shortest_digits(double x, char *digits, int *exp10) {
    char buf[64];
    int prec, nd = 0;
    const char *q;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        if (prec == 17 || strtod(buf, NULL) == x) break;
    }
    for (q = buf; *q && *q != 'e' && *q != 'E'; q++)
        if (*q >= '0' && *q <= '9') digits[nd++] = *q;
    *exp10 = *q ? atoi(q + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = 0;
    return nd;
}
LORA_API void lora_json_write_number(lora_buf *b, double x) {
    char digits[32], out[64];
    int nd, e, k = 0, i;
    if (x != x || x - x != 0) { lora__buf_puts(b, "null"); return; }
    if (x == floor(x) && fabs(x) < 1e16) {
        if (x == 0) { lora__buf_puts(b, signbit(x) ? "-0" : "0"); return; }
        lora__json_write_int(b, (int64_t)x);
        return;
    }
    nd = lora__shortest_digits(x, digits, &e);
    if (x < 0) out[k++] = '-';
    if (e >= -4 && e < 16) {
        if (e < 0) {
            out[k++] = '0'; out[k++] = '.';
            for (i = 0; i < -e - 1; i++) out[k++] = '0';
            for (i = 0; i < nd; i++) out[k++] = digits[i];
        } else {
            for (i = 0; i <= e; i++) out[k++] = i < nd ? digits[i] : '0';
            if (nd > e + 1) {
                out[k++] = '.';
                for (i = e + 1; i < nd; i++) out[k++] = digits[i];
            }
        }
        out[k] = 0;
    } else {
        out[k++] = digits[0];
        if (nd > 1) {
            out[k++] = '.';
            for (i = 1; i < nd; i++) out[k++] = digits[i];
        }
        snprintf(out + k, sizeof out - (size_t)k, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    }
    lora__buf_puts(b, out);
}

/* A float with the fewest decimal digits that read back (as a float) to the same value: 0.05f is
   written "0.05", not "0.05000000074505806" (its exact double value). */
LORA_API void lora_json_write_float(lora_buf *b, float x) {
    double d = (double)x;
    int p;
    if (x != x || x - x != 0 || x == 0 || d == floor(d)) { lora_json_write_number(b, d); return; }
    for (p = 1; p <= 9; p++) {
        int e = (int)floor(log10(fabs(d))), k = p - 1 - e;
        double r;
        if (k >= 0 && k <= 22) r = floor(d * pow(10.0, k) + 0.5) / pow(10.0, k);
        else if (k < 0 && -k <= 22) r = floor(d / pow(10.0, -k) + 0.5) * pow(10.0, -k);
        else break;
        if ((float)r == x) { lora_json_write_number(b, r); return; }
    }
    lora_json_write_number(b, d);
}
/* Compact JSON of a parsed value (numbers keep their literal when they have one). */
static LORA__UNUSED void lora__json_write_value(lora__buf *b, const lora_json *v) {
    size_t i;
    switch (v->type) {
    case LORA_JSON_NULL: lora__buf_puts(b, "null"); break;
    case LORA_JSON_FALSE: lora__buf_puts(b, "false"); break;
    case LORA_JSON_TRUE: lora__buf_puts(b, "true"); break;
    case LORA_JSON_NUMBER:
        if (v->str && v->len) lora__buf_append(b, v->str, v->len);
        else lora__json_write_number(b, v->number);
        break;
    case LORA_JSON_STRING: lora__json_write_stringn(b, v->str, v->len); break;
    case LORA_JSON_ARRAY:
        lora__buf_append(b, "[", 1);
        for (i = 0; i < v->n; i++) {
            if (i) lora__buf_append(b, ",", 1);
            lora__json_write_value(b, &v->items[i]);
        }
        lora__buf_append(b, "]", 1);
        break;
    case LORA_JSON_OBJECT:
        lora__buf_append(b, "{", 1);
        for (i = 0; i < v->n; i++) {
            if (i) lora__buf_append(b, ",", 1);
            lora__json_write_stringn(b, v->keys[i], v->key_lens[i]);
            lora__buf_append(b, ":", 1);
            lora__json_write_value(b, &v->items[i]);
        }
        lora__buf_append(b, "}", 1);
        break;
    }
}
