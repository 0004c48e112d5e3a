/* ---- module-name patterns: a small regex engine + PEFT's target_modules rules ----

   Regex: parsed (Python's re syntax rules, incl. its error positions) into a small AST, compiled
   to a Thompson NFA program and run by a Pike VM: O(len(program) * len(text)) time, no
   backtracking, no recursion on the text. Text and pattern are decoded as UTF-8 (a byte that is
   not part of valid UTF-8 is its own "character" 0x110000 + byte), so `.` and classes see whole
   characters like Python's str patterns do; \d \w \s and \b use ASCII definitions. */

#define LORA__RE_MAX_PATTERN 65536   /* bytes of pattern */
#define LORA__RE_MAX_REPEAT 1000     /* m, n in {m,n} */
#define LORA__RE_MAX_INST 200000     /* instructions after expanding counted repetitions */
#define LORA__RE_MAX_DEPTH 200       /* nested groups */
#define LORA__RE_MAXCP 0x1100FFu     /* largest "character": 0x110000 + byte for invalid UTF-8 */
#define LORA__RE_INF (-1)

enum { LORA__RN_EMPTY, LORA__RN_CHAR, LORA__RN_ANY, LORA__RN_CLASS, LORA__RN_ASSERT, LORA__RN_CAT, LORA__RN_ALT,
       LORA__RN_REPEAT, LORA__RN_GROUP };
enum { LORA__RA_BOL, LORA__RA_EOL, LORA__RA_EOT, LORA__RA_WORDB, LORA__RA_NWORDB };
enum { LORA__RO_CHAR, LORA__RO_ANY, LORA__RO_CLASS, LORA__RO_ASSERT, LORA__RO_SPLIT, LORA__RO_JMP, LORA__RO_SAVE,
       LORA__RO_MATCH };
enum { LORA__RM_FULL, LORA__RM_SEARCH, LORA__RM_PREFIX };

typedef struct lora__rnode {
    int type, child, next; /* CAT/ALT: children linked by next; REPEAT/GROUP: child */
    int min, max, greedy;  /* REPEAT (max LORA__RE_INF = unbounded) */
    uint32_t val;          /* CHAR: code point; CLASS: class index; ASSERT: kind; GROUP: group number */
} lora__rnode;

typedef struct lora__rclass {
    uint32_t ascii[4]; /* membership of 0..127 (negation applied) */
    int negate;        /* applies to the ranges */
    int off, n;        /* sorted, disjoint ranges of characters >= 128 in the regex's range pool */
} lora__rclass;

typedef struct lora__rinst {
    int op, x, y; /* SPLIT: x preferred, y other; JMP: x; SAVE: x = slot; ASSERT: x = kind; CLASS: x = index */
    uint32_t c;   /* CHAR */
} lora__rinst;

struct lora_regex {
    lora__rinst *prog;
    int ninst;
    lora__rclass *classes;
    int nclasses;
    uint32_t *ranges; /* pairs lo, hi */
    int ngroups;
};

typedef struct lora__rparse {
    const unsigned char *s;
    size_t n, i;
    const char *pattern;
    lora__rnode *nodes;
    int nnodes, capnodes;
    lora__rclass *classes;
    int nclasses, capclasses;
    uint32_t *ranges; /* pool of final ranges (pairs) */
    int nranges, capranges;
    uint32_t *tmp;    /* ranges of the class being parsed (pairs) */
    int ntmp, captmp;
    int ngroups, depth;
    unsigned char *gclosed; /* gclosed[g]: group g is closed */
    int capg;
    size_t unsup_pos;       /* first deferred "not supported" (reported if the pattern is valid Python) */
    char unsup[96];
    lora_status err;
    lora__rinst *prog;
    int ninst, capinst;
} lora__rparse;

/* Strict UTF-8 decoding; anything else is one byte b -> 0x110000 + b. */
static uint32_t lora__re_decode(const unsigned char *s, size_t n, size_t *len) {
    uint32_t c = s[0], cp;
    if (c < 0x80) { *len = 1; return c; }
    if (c >= 0xC2 && c <= 0xDF && n >= 2 && (s[1] & 0xC0) == 0x80) {
        *len = 2;
        return ((c & 0x1F) << 6) | (s[1] & 0x3Fu);
    }
    if (c >= 0xE0 && c <= 0xEF && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        cp = ((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) { *len = 3; return cp; }
    }
    if (c >= 0xF0 && c <= 0xF4 && n >= 4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
        cp = ((c & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
        if (cp >= 0x10000 && cp <= 0x10FFFF) { *len = 4; return cp; }
    }
    *len = 1;
    return 0x110000u + c;
}

static int lora__re_isword(unsigned char b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
}

/* Records "invalid pattern '<pattern>': <what> at position <pos>" (INVALID_ARG). Returns -1. */
static LORA__PRINTF(3, 4) int lora__re_error(lora__rparse *P, size_t pos, const char *fmt, ...) {
    char what[256];
    va_list ap;
    int plen = (int)(P->n > 200 ? 200 : P->n);
    if (P->err != LORA_OK) return -1;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    P->err = lora__fail(LORA_ERR_INVALID_ARG, "invalid pattern '%.*s%s': %s at position %d", plen, P->pattern,
                        P->n > 200 ? "..." : "", what, (int)pos);
    return -1;
}
/* Notes syntax that Python accepts but this engine does not; parsing goes on so that Python's own
   errors (reported first, with Python's position) take precedence. */
static void lora__re_unsupported(lora__rparse *P, size_t pos, const char *what) {
    if (P->unsup[0]) return;
    P->unsup_pos = pos;
    snprintf(P->unsup, sizeof P->unsup, "%s", what);
}
static int lora__re_oom(lora__rparse *P) {
    if (P->err == LORA_OK) P->err = LORA_ERR_OOM;
    return -1;
}

static int lora__re_grow(lora__rparse *P, void **p, int *cap, int need, size_t elem, const char *what) {
    void *q;
    int nc;
    if (need <= *cap) return 1;
    nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    q = lora__realloc(*p, (size_t)nc * elem, what);
    if (!q) { lora__re_oom(P); return 0; }
    *p = q;
    *cap = nc;
    return 1;
}

static int lora__re_node(lora__rparse *P, int type) {
    lora__rnode *nd;
    if (!lora__re_grow(P, (void **)&P->nodes, &P->capnodes, P->nnodes + 1, sizeof *P->nodes, "regex nodes")) return -1;
    nd = &P->nodes[P->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->type = type;
    nd->child = nd->next = -1;
    return P->nnodes++;
}

static int lora__re_tmp_add(lora__rparse *P, uint32_t lo, uint32_t hi) {
    if (!lora__re_grow(P, (void **)&P->tmp, &P->captmp, P->ntmp * 2 + 2, sizeof *P->tmp, "regex class")) return 0;
    P->tmp[P->ntmp * 2] = lo;
    P->tmp[P->ntmp * 2 + 1] = hi;
    P->ntmp++;
    return 1;
}

/* Category escapes: d D s S w W as ranges over all characters (ASCII definitions). */
static int lora__re_tmp_category(lora__rparse *P, int cat) {
    static const uint32_t digit[] = {'0', '9'};
    static const uint32_t word[] = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
    static const uint32_t space[] = {0x09, 0x0D, 0x1C, 0x20};
    const uint32_t *r;
    int k, nr, neg = (cat >= 'A' && cat <= 'Z');
    uint32_t prev = 0;
    switch (cat | 0x20) {
    case 'd': r = digit; nr = 1; break;
    case 'w': r = word; nr = 4; break;
    default: r = space; nr = 2; break;
    }
    for (k = 0; k < nr; k++) {
        if (!neg) {
            if (!lora__re_tmp_add(P, r[2 * k], r[2 * k + 1])) return 0;
        } else {
            if (r[2 * k] > prev && !lora__re_tmp_add(P, prev, r[2 * k] - 1)) return 0;
            prev = r[2 * k + 1] + 1;
        }
    }
    if (neg && !lora__re_tmp_add(P, prev, LORA__RE_MAXCP)) return 0;
    return 1;
}

static int lora__re_cmp_range(const void *a, const void *b) {
    uint32_t x = ((const uint32_t *)a)[0], y = ((const uint32_t *)b)[0];
    return x < y ? -1 : x > y;
}

/* Turns the pending ranges into a class; returns its index. */
static int lora__re_finish_class(lora__rparse *P, int negate) {
    lora__rclass *k;
    int i, m = 0;
    uint32_t c;
    if (!lora__re_grow(P, (void **)&P->classes, &P->capclasses, P->nclasses + 1, sizeof *P->classes, "regex classes"))
        return -1;
    if (P->ntmp > 1) qsort(P->tmp, (size_t)P->ntmp, 2 * sizeof *P->tmp, lora__re_cmp_range);
    for (i = 0; i < P->ntmp; i++) { /* merge overlapping / adjacent */
        uint32_t lo = P->tmp[2 * i], hi = P->tmp[2 * i + 1];
        if (m > 0 && lo <= P->tmp[2 * m - 1] + 1) {
            if (hi > P->tmp[2 * m - 1]) P->tmp[2 * m - 1] = hi;
        } else {
            P->tmp[2 * m] = lo;
            P->tmp[2 * m + 1] = hi;
            m++;
        }
    }
    k = &P->classes[P->nclasses];
    memset(k, 0, sizeof *k);
    k->negate = negate;
    k->off = P->nranges;
    for (i = 0; i < m; i++) {
        uint32_t lo = P->tmp[2 * i], hi = P->tmp[2 * i + 1];
        for (c = lo; c <= hi && c < 128; c++) k->ascii[c >> 5] |= 1u << (c & 31);
        if (hi >= 128) {
            if (!lora__re_grow(P, (void **)&P->ranges, &P->capranges, P->nranges * 2 + 2, sizeof *P->ranges,
                               "regex classes"))
                return -1;
            P->ranges[P->nranges * 2] = lo < 128 ? 128 : lo;
            P->ranges[P->nranges * 2 + 1] = hi;
            P->nranges++;
            k->n++;
        }
    }
    if (negate)
        for (i = 0; i < 4; i++) k->ascii[i] = ~k->ascii[i];
    P->ntmp = 0;
    return P->nclasses++;
}

static int lora__re_hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parses the escape at P->i (a backslash). in_class: inside [...]. Result: *cp for a single
   character (returns 1), *cat = d/D/s/S/w/W for a category (returns 2), *cat = assertion kind
   (returns 3, outside classes only). Returns -1 on error. */
static int lora__re_escape(lora__rparse *P, int in_class, uint32_t *cp, int *cat) {
    size_t at = P->i, len;
    unsigned char e;
    if (P->i + 1 >= P->n) return lora__re_error(P, at, "bad escape (end of pattern)");
    e = P->s[P->i + 1];
    P->i += 2;
    switch (e) {
    case 'd': case 'D': case 's': case 'S': case 'w': case 'W': *cat = e; return 2;
    case 'a': *cp = 7; return 1;
    case 'f': *cp = 12; return 1;
    case 'n': *cp = 10; return 1;
    case 'r': *cp = 13; return 1;
    case 't': *cp = 9; return 1;
    case 'v': *cp = 11; return 1;
    case '\\': *cp = '\\'; return 1;
    case 'b':
        if (in_class) { *cp = 8; return 1; }
        *cat = LORA__RA_WORDB; return 3;
    case 'B': case 'A': case 'Z':
        if (in_class) break;
        *cat = e == 'B' ? LORA__RA_NWORDB : e == 'A' ? LORA__RA_BOL : LORA__RA_EOT;
        return 3;
    case 'x': case 'u': case 'U': {
        int want = e == 'x' ? 2 : e == 'u' ? 4 : 8, k, h;
        uint32_t v = 0;
        for (k = 0; k < want && P->i < P->n && (h = lora__re_hexval(P->s[P->i])) >= 0; k++, P->i++) v = v * 16 + (uint32_t)h;
        if (k != want)
            return lora__re_error(P, at, "incomplete escape \\%c%.*s", e, (int)(P->i - at - 2), (const char *)P->s + at + 2);
        if (v > 0x10FFFF) return lora__re_error(P, at, "bad escape \\%c%.*s", e, want, (const char *)P->s + at + 2);
        *cp = v;
        return 1;
    }
    case 'N':
        return lora__re_error(P, at, "named character escapes \\N{...} are not supported");
    default: break;
    }
    if (e >= '0' && e <= '9') {
        uint32_t v;
        if (in_class) {
            int k;
            if (e > '7') return lora__re_error(P, at, "bad escape \\%c", e);
            v = (uint32_t)(e - '0');
            for (k = 0; k < 2 && P->i < P->n && P->s[P->i] >= '0' && P->s[P->i] <= '7'; k++, P->i++)
                v = v * 8 + (uint32_t)(P->s[P->i] - '0');
        } else if (e == '0') {
            int k;
            v = 0;
            for (k = 0; k < 2 && P->i < P->n && P->s[P->i] >= '0' && P->s[P->i] <= '7'; k++, P->i++)
                v = v * 8 + (uint32_t)(P->s[P->i] - '0');
        } else if (e <= '7' && P->i + 1 < P->n && P->s[P->i] >= '0' && P->s[P->i] <= '7' && P->s[P->i + 1] >= '0' &&
                   P->s[P->i + 1] <= '7') {
            v = (uint32_t)((e - '0') * 64 + (P->s[P->i] - '0') * 8 + (P->s[P->i + 1] - '0'));
            P->i += 2;
        } else { /* a group reference (Python's errors first) */
            int g = e - '0';
            if (P->i < P->n && P->s[P->i] >= '0' && P->s[P->i] <= '9') g = g * 10 + (P->s[P->i++] - '0');
            if (g > P->ngroups) return lora__re_error(P, at + 1, "invalid group reference %d", g);
            if (!P->gclosed[g]) return lora__re_error(P, at, "cannot refer to an open group");
            lora__re_unsupported(P, at, "backreferences are not supported");
            *cp = 0;
            return 1;
        }
        if (v > 0377)
            return lora__re_error(P, at, "octal escape value %.*s outside of range 0-0o377", (int)(P->i - at),
                                  (const char *)P->s + at);
        *cp = v;
        return 1;
    }
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) return lora__re_error(P, at, "bad escape \\%c", e);
    P->i = at + 1; /* any other character, escaped, is itself */
    *cp = lora__re_decode(P->s + P->i, P->n - P->i, &len);
    P->i += len;
    return 1;
}

/* [...] at P->i; returns a class index. Python's rules: ']' first is literal, '-' first/last
   is literal, ranges need single characters on both sides and lo <= hi. */
static int lora__re_parse_class(lora__rparse *P) {
    size_t here = P->i, start, len;
    int negate = 0, nitems = 0, r1, r2, cat1 = 0, cat2 = 0;
    uint32_t c1 = 0, c2 = 0;
    P->i++;
    P->ntmp = 0;
    if (P->i < P->n && P->s[P->i] == '^') { negate = 1; P->i++; }
    for (;;) {
        if (P->i >= P->n) return lora__re_error(P, here, "unterminated character set");
        start = P->i;
        if (P->s[P->i] == ']' && nitems > 0) { P->i++; break; }
        if (P->s[P->i] == '\\') {
            if ((r1 = lora__re_escape(P, 1, &c1, &cat1)) < 0) return -1;
        } else {
            c1 = lora__re_decode(P->s + P->i, P->n - P->i, &len);
            P->i += len;
            r1 = 1;
        }
        nitems++;
        if (P->i < P->n && P->s[P->i] == '-') {
            P->i++;
            if (P->i >= P->n) return lora__re_error(P, here, "unterminated character set");
            if (P->s[P->i] == ']') { /* trailing '-': literal */
                P->i++;
                if (!(r1 == 1 ? lora__re_tmp_add(P, c1, c1) : lora__re_tmp_category(P, cat1))) return -1;
                if (!lora__re_tmp_add(P, '-', '-')) return -1;
                break;
            }
            if (P->s[P->i] == '\\') {
                if ((r2 = lora__re_escape(P, 1, &c2, &cat2)) < 0) return -1;
            } else {
                c2 = lora__re_decode(P->s + P->i, P->n - P->i, &len);
                P->i += len;
                r2 = 1;
            }
            if (r1 != 1 || r2 != 1 || c2 < c1)
                return lora__re_error(P, start, "bad character range %.*s", (int)(P->i - start),
                                      (const char *)P->s + start);
            if (!lora__re_tmp_add(P, c1, c2)) return -1;
        } else if (!(r1 == 1 ? lora__re_tmp_add(P, c1, c1) : lora__re_tmp_category(P, cat1))) {
            return -1;
        }
    }
    return lora__re_finish_class(P, negate);
}

/* Is there a quantifier at P->i? Fills min/max (LORA__RE_INF) and its length; a '{' that is not
   {m}, {m,}, {,n}, {m,n} or {,} is a literal (Python). Counts saturate at LORA__RE_MAX_REPEAT+1. */
static int lora__re_quantifier(const lora__rparse *P, int *min, int *max, size_t *qlen) {
    size_t j;
    int lo = 0, hi = 0, have_lo = 0, have_hi = 0, comma = 0;
    if (P->i >= P->n) return 0;
    switch (P->s[P->i]) {
    case '*': *min = 0; *max = LORA__RE_INF; *qlen = 1; return 1;
    case '+': *min = 1; *max = LORA__RE_INF; *qlen = 1; return 1;
    case '?': *min = 0; *max = 1; *qlen = 1; return 1;
    case '{': break;
    default: return 0;
    }
    j = P->i + 1;
    if (j < P->n && P->s[j] == '}') return 0;
    for (; j < P->n && P->s[j] >= '0' && P->s[j] <= '9'; j++) {
        have_lo = 1;
        if (lo <= LORA__RE_MAX_REPEAT) lo = lo * 10 + (P->s[j] - '0');
    }
    if (j < P->n && P->s[j] == ',') {
        comma = 1;
        for (j++; j < P->n && P->s[j] >= '0' && P->s[j] <= '9'; j++) {
            have_hi = 1;
            if (hi <= LORA__RE_MAX_REPEAT) hi = hi * 10 + (P->s[j] - '0');
        }
    }
    if (j >= P->n || P->s[j] != '}') return 0;
    *min = have_lo ? lo : 0;
    *max = comma ? (have_hi ? hi : LORA__RE_INF) : *min;
    *qlen = j + 1 - P->i;
    return 1;
}

/* Checks the counts of the quantifier at P->i (Python reports min > max first). */
static int lora__re_check_counts(lora__rparse *P, int min, int max) {
    if (min > LORA__RE_MAX_REPEAT || max > LORA__RE_MAX_REPEAT)
        return lora__re_error(P, P->i, "repetition count too large (the limit is %d)", LORA__RE_MAX_REPEAT);
    if (max != LORA__RE_INF && max < min) return lora__re_error(P, P->i + 1, "min repeat greater than max repeat");
    return 0;
}

static int lora__re_parse_alt(lora__rparse *P);

/* '(' at P->i. */
static int lora__re_parse_group(lora__rparse *P) {
    size_t start = P->i;
    int capture = 1, inner, g = 0, nd;
    P->i++;
    if (P->i < P->n && P->s[P->i] == '?') {
        unsigned char c;
        P->i++;
        if (P->i >= P->n) return lora__re_error(P, P->n, "unexpected end of pattern");
        c = P->s[P->i];
        if (c == ':') {
            capture = 0;
            P->i++;
        } else if (c == 'P') {
            P->i++;
            if (P->i >= P->n) return lora__re_error(P, P->n, "unexpected end of pattern");
            if (P->s[P->i] == '<') return lora__re_error(P, start, "named groups (?P<name>...) are not supported");
            if (P->s[P->i] == '=') return lora__re_error(P, start, "backreferences (?P=name) are not supported");
            return lora__re_error(P, start + 1, "unknown extension ?P%c", P->s[P->i]);
        } else if (c == '=' || c == '!') {
            return lora__re_error(P, start, "lookahead assertions (?%c...) are not supported", c);
        } else if (c == '<') {
            P->i++;
            if (P->i >= P->n) return lora__re_error(P, P->n, "unexpected end of pattern");
            if (P->s[P->i] == '=' || P->s[P->i] == '!')
                return lora__re_error(P, start, "lookbehind assertions (?<%c...) are not supported", P->s[P->i]);
            return lora__re_error(P, start + 1, "unknown extension ?<%c", P->s[P->i]);
        } else if (c == '#') {
            return lora__re_error(P, start, "comments (?#...) are not supported");
        } else if (c == '>') {
            return lora__re_error(P, start, "atomic groups (?>...) are not supported");
        } else if (c == '(') {
            return lora__re_error(P, start, "conditional groups (?(...)...) are not supported");
        } else if (strchr("aiLmsux-", c) && c) {
            return lora__re_error(P, start, "inline flags (?%c...) are not supported", c);
        } else {
            return lora__re_error(P, start + 1, "unknown extension ?%c", c);
        }
    }
    if (P->depth >= LORA__RE_MAX_DEPTH)
        return lora__re_error(P, start, "groups nested too deeply (the limit is %d)", LORA__RE_MAX_DEPTH);
    if (capture) {
        g = ++P->ngroups;
        if (!lora__re_grow(P, (void **)&P->gclosed, &P->capg, g + 1, 1, "regex groups")) return -1;
        P->gclosed[g] = 0;
    }
    P->depth++;
    inner = lora__re_parse_alt(P);
    P->depth--;
    if (inner < 0) return -1;
    if (P->i >= P->n || P->s[P->i] != ')') return lora__re_error(P, start, "missing ), unterminated subpattern");
    P->i++;
    if (!capture) return inner;
    P->gclosed[g] = 1;
    if ((nd = lora__re_node(P, LORA__RN_GROUP)) < 0) return -1;
    P->nodes[nd].child = inner;
    P->nodes[nd].val = (uint32_t)g;
    return nd;
}

/* One atom and its quantifiers. */
static int lora__re_parse_atom(lora__rparse *P) {
    int nd = -1, kind = 0, min, max, r; /* kind: 0 item, 1 anchor, 2 repeat */
    size_t qlen, len;
    unsigned char c = P->s[P->i];
    uint32_t cp;
    int cat;
    if (lora__re_quantifier(P, &min, &max, &qlen)) {
        if (lora__re_check_counts(P, min, max) < 0) return -1;
        return lora__re_error(P, P->i, "nothing to repeat");
    }
    if (c == '(') {
        nd = lora__re_parse_group(P);
    } else if (c == '[') {
        if ((r = lora__re_parse_class(P)) < 0) return -1;
        if ((nd = lora__re_node(P, LORA__RN_CLASS)) >= 0) P->nodes[nd].val = (uint32_t)r;
    } else if (c == '.') {
        P->i++;
        nd = lora__re_node(P, LORA__RN_ANY);
    } else if (c == '^' || c == '$') {
        P->i++;
        if ((nd = lora__re_node(P, LORA__RN_ASSERT)) >= 0) P->nodes[nd].val = c == '^' ? LORA__RA_BOL : LORA__RA_EOL;
        kind = 1;
    } else if (c == '\\') {
        if ((r = lora__re_escape(P, 0, &cp, &cat)) < 0) return -1;
        if (r == 1) {
            if ((nd = lora__re_node(P, LORA__RN_CHAR)) >= 0) P->nodes[nd].val = cp;
        } else if (r == 2) {
            P->ntmp = 0;
            if (!lora__re_tmp_category(P, cat) || (r = lora__re_finish_class(P, 0)) < 0) return -1;
            if ((nd = lora__re_node(P, LORA__RN_CLASS)) >= 0) P->nodes[nd].val = (uint32_t)r;
        } else {
            if ((nd = lora__re_node(P, LORA__RN_ASSERT)) >= 0) P->nodes[nd].val = (uint32_t)cat;
            kind = 1;
        }
    } else {
        cp = lora__re_decode(P->s + P->i, P->n - P->i, &len);
        P->i += len;
        if ((nd = lora__re_node(P, LORA__RN_CHAR)) >= 0) P->nodes[nd].val = cp;
    }
    if (nd < 0) return -1;
    while (lora__re_quantifier(P, &min, &max, &qlen)) {
        int rep, greedy = 1;
        if (lora__re_check_counts(P, min, max) < 0) return -1;
        if (kind == 1) return lora__re_error(P, P->i, "nothing to repeat");
        if (kind == 2) return lora__re_error(P, P->i, "multiple repeat");
        P->i += qlen;
        if (P->i < P->n && P->s[P->i] == '?') {
            greedy = 0;
            P->i++;
        } else if (P->i < P->n && P->s[P->i] == '+') {
            lora__re_unsupported(P, P->i, "possessive quantifiers are not supported");
            P->i++;
        }
        if ((rep = lora__re_node(P, LORA__RN_REPEAT)) < 0) return -1;
        P->nodes[rep].child = nd;
        P->nodes[rep].min = min;
        P->nodes[rep].max = max;
        P->nodes[rep].greedy = greedy;
        nd = rep;
        kind = 2;
    }
    return nd;
}

static int lora__re_parse_seq(lora__rparse *P) {
    int head = -1, tail = -1, count = 0, nd;
    while (P->i < P->n && P->s[P->i] != '|' && P->s[P->i] != ')') {
        if ((nd = lora__re_parse_atom(P)) < 0) return -1;
        if (tail < 0) head = nd; else P->nodes[tail].next = nd;
        tail = nd;
        count++;
    }
    if (count == 1) return head;
    if ((nd = lora__re_node(P, count ? LORA__RN_CAT : LORA__RN_EMPTY)) < 0) return -1;
    P->nodes[nd].child = head;
    return nd;
}

static int lora__re_parse_alt(lora__rparse *P) {
    int first, alt, tail, nd;
    if ((first = lora__re_parse_seq(P)) < 0) return -1;
    if (P->i >= P->n || P->s[P->i] != '|') return first;
    if ((alt = lora__re_node(P, LORA__RN_ALT)) < 0) return -1;
    P->nodes[alt].child = tail = first;
    while (P->i < P->n && P->s[P->i] == '|') {
        P->i++;
        if ((nd = lora__re_parse_seq(P)) < 0) return -1;
        P->nodes[tail].next = nd;
        tail = nd;
    }
    return alt;
}

/* Upper bound of the program size, saturating above the limit. */
static long lora__re_size(const lora__rparse *P, int nd) {
    const lora__rnode *x = &P->nodes[nd];
    long s = 0, c;
    int k;
    switch (x->type) {
    case LORA__RN_EMPTY: return 0;
    case LORA__RN_CAT: case LORA__RN_ALT:
        for (k = x->child; k >= 0; k = P->nodes[k].next) {
            s += lora__re_size(P, k) + (x->type == LORA__RN_ALT ? 2 : 0);
            if (s > LORA__RE_MAX_INST) return LORA__RE_MAX_INST + 1;
        }
        return s;
    case LORA__RN_GROUP: return lora__re_size(P, x->child) + 2;
    case LORA__RN_REPEAT:
        c = lora__re_size(P, x->child) + 1;
        s = x->max == LORA__RE_INF ? (long)(x->min + 1) * c : (long)x->max * c;
        return s > LORA__RE_MAX_INST ? LORA__RE_MAX_INST + 1 : s + 1;
    default: return 1;
    }
}

static int lora__re_emit(lora__rparse *P, int op, int x, int y, uint32_t c) {
    lora__rinst *in;
    if (!lora__re_grow(P, (void **)&P->prog, &P->capinst, P->ninst + 1, sizeof *P->prog, "regex program")) return -1;
    in = &P->prog[P->ninst];
    in->op = op; in->x = x; in->y = y; in->c = c;
    return P->ninst++;
}

static int lora__re_compile_node(lora__rparse *P, int nd) {
    const lora__rnode x = P->nodes[nd];
    int k, pc = 0, jmps = -1, i;
    switch (x.type) {
    case LORA__RN_EMPTY: return 0;
    case LORA__RN_CHAR: return lora__re_emit(P, LORA__RO_CHAR, 0, 0, x.val) < 0 ? -1 : 0;
    case LORA__RN_ANY: return lora__re_emit(P, LORA__RO_ANY, 0, 0, 0) < 0 ? -1 : 0;
    case LORA__RN_CLASS: return lora__re_emit(P, LORA__RO_CLASS, (int)x.val, 0, 0) < 0 ? -1 : 0;
    case LORA__RN_ASSERT: return lora__re_emit(P, LORA__RO_ASSERT, (int)x.val, 0, 0) < 0 ? -1 : 0;
    case LORA__RN_CAT:
        for (k = x.child; k >= 0; k = P->nodes[k].next)
            if (lora__re_compile_node(P, k) < 0) return -1;
        return 0;
    case LORA__RN_ALT:
        for (k = x.child; k >= 0; k = P->nodes[k].next) {
            if (P->nodes[k].next < 0) { /* last alternative */
                if (lora__re_compile_node(P, k) < 0) return -1;
                break;
            }
            if ((pc = lora__re_emit(P, LORA__RO_SPLIT, 0, 0, 0)) < 0) return -1;
            P->prog[pc].x = pc + 1;
            if (lora__re_compile_node(P, k) < 0) return -1;
            if ((i = lora__re_emit(P, LORA__RO_JMP, jmps, 0, 0)) < 0) return -1; /* chained, patched below */
            jmps = i;
            P->prog[pc].y = P->ninst;
        }
        while (jmps >= 0) { i = P->prog[jmps].x; P->prog[jmps].x = P->ninst; jmps = i; }
        return 0;
    case LORA__RN_GROUP:
        if (x.val == 1 && lora__re_emit(P, LORA__RO_SAVE, 0, 0, 0) < 0) return -1;
        if (lora__re_compile_node(P, x.child) < 0) return -1;
        if (x.val == 1 && lora__re_emit(P, LORA__RO_SAVE, 1, 0, 0) < 0) return -1;
        return 0;
    case LORA__RN_REPEAT:
        if (x.max == LORA__RE_INF && x.min == 0) { /* L: split body, out; body; jmp L */
            if ((pc = lora__re_emit(P, LORA__RO_SPLIT, 0, 0, 0)) < 0) return -1;
            if (lora__re_compile_node(P, x.child) < 0) return -1;
            if (lora__re_emit(P, LORA__RO_JMP, pc, 0, 0) < 0) return -1;
            P->prog[pc].x = x.greedy ? pc + 1 : P->ninst;
            P->prog[pc].y = x.greedy ? P->ninst : pc + 1;
            return 0;
        }
        for (k = 0; k < x.min; k++) {
            pc = P->ninst;
            if (lora__re_compile_node(P, x.child) < 0) return -1;
        }
        if (x.max == LORA__RE_INF) { /* last mandatory copy loops: L: body; split L, out */
            if ((i = lora__re_emit(P, LORA__RO_SPLIT, 0, 0, 0)) < 0) return -1;
            P->prog[i].x = x.greedy ? pc : i + 1;
            P->prog[i].y = x.greedy ? i + 1 : pc;
            return 0;
        }
        { /* optional copies: split body_k, end; body_k; ... end */
            int first = P->ninst, csize = 0;
            for (k = x.min; k < x.max; k++) {
                if ((pc = lora__re_emit(P, LORA__RO_SPLIT, 0, 0, 0)) < 0) return -1;
                if (lora__re_compile_node(P, x.child) < 0) return -1;
                csize = P->ninst - pc;
            }
            for (k = 0; k < x.max - x.min; k++) {
                pc = first + k * csize;
                P->prog[pc].x = x.greedy ? pc + 1 : P->ninst;
                P->prog[pc].y = x.greedy ? P->ninst : pc + 1;
            }
        }
        return 0;
    default: return 0;
    }
}

LORA_API void lora_regex_free(lora_regex *re) {
    if (!re) return;
    LORA_FREE(re->prog);
    LORA_FREE(re->classes);
    LORA_FREE(re->ranges);
    LORA_FREE(re);
}

LORA_API lora_status lora_regex_compile(const char *pattern, lora_regex **out) {
    lora__rparse P;
    lora_regex *re = NULL;
    int root;
    long size;
    if (!out) return lora__fail(LORA_ERR_INVALID_ARG, "lora_regex_compile: out is NULL");
    *out = NULL;
    if (!pattern) return lora__fail(LORA_ERR_INVALID_ARG, "lora_regex_compile: pattern is NULL");
    memset(&P, 0, sizeof P);
    P.s = (const unsigned char *)pattern;
    P.n = strlen(pattern);
    P.pattern = pattern;
    P.err = LORA_OK;
    if (P.n > LORA__RE_MAX_PATTERN)
        return lora__fail(LORA_ERR_INVALID_ARG, "invalid pattern '%.200s...': pattern is %zu bytes long (the limit is %d)",
                          pattern, P.n, LORA__RE_MAX_PATTERN);
    root = lora__re_parse_alt(&P);
    if (root >= 0 && P.i < P.n) root = lora__re_error(&P, P.i, "unbalanced parenthesis"); /* a stray ')' */
    if (root >= 0 && P.unsup[0]) root = lora__re_error(&P, P.unsup_pos, "%s", P.unsup);
    if (root >= 0 && (size = lora__re_size(&P, root)) > LORA__RE_MAX_INST)
        root = lora__re_error(&P, 0, "pattern too large: counted repetitions expand to more than %d instructions",
                              LORA__RE_MAX_INST);
    if (root >= 0 && (lora__re_compile_node(&P, root) < 0 || lora__re_emit(&P, LORA__RO_MATCH, 0, 0, 0) < 0)) root = -1;
    if (root >= 0) {
        re = (lora_regex *)lora__calloc(1, sizeof *re, "regex");
        if (!re) root = lora__re_oom(&P);
    }
    LORA_FREE(P.nodes);
    LORA_FREE(P.tmp);
    LORA_FREE(P.gclosed);
    if (root < 0) {
        LORA_FREE(P.prog); LORA_FREE(P.classes); LORA_FREE(P.ranges);
        return P.err != LORA_OK ? P.err : LORA_ERR_OOM;
    }
    re->prog = P.prog;
    re->ninst = P.ninst;
    re->classes = P.classes;
    re->nclasses = P.nclasses;
    re->ranges = P.ranges;
    re->ngroups = P.ngroups;
    *out = re;
    return LORA_OK;
}

static int lora__re_class_has(const lora_regex *re, const lora__rclass *k, uint32_t c) {
    int lo = 0, hi = k->n - 1, in = 0;
    const uint32_t *r;
    if (c < 128) return (int)((k->ascii[c >> 5] >> (c & 31)) & 1u);
    if (k->n == 0) return k->negate;
    r = re->ranges + 2 * k->off;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c < r[2 * mid]) hi = mid - 1;
        else if (c > r[2 * mid + 1]) lo = mid + 1;
        else { in = 1; break; }
    }
    return in ^ k->negate;
}

/* ---- Pike VM ---- */
typedef struct lora__rthread { int pc; size_t cap[2]; } lora__rthread;
typedef struct lora__rstack { int pc, slot; size_t val; } lora__rstack; /* slot >= 0: restore cap[slot] = val */
typedef struct lora__rvm {
    const lora_regex *re;
    const unsigned char *t;
    size_t len;
    size_t *mark;
    lora__rstack *stack;
} lora__rvm;

static int lora__re_assert(const lora__rvm *vm, int kind, size_t p) {
    int before, after;
    switch (kind) {
    case LORA__RA_BOL: return p == 0;
    case LORA__RA_EOL: return p == vm->len || (p + 1 == vm->len && vm->t[p] == '\n');
    case LORA__RA_EOT: return p == vm->len;
    default:
        before = p > 0 && lora__re_isword(vm->t[p - 1]);
        after = p < vm->len && lora__re_isword(vm->t[p]);
        if (kind == LORA__RA_WORDB) return before != after;
        return vm->len > 0 && before == after; /* Python: \B never matches an empty string */
    }
}

/* Adds the threads reachable from pc at text position p (epsilon closure, in priority order). */
static void lora__re_addthread(lora__rvm *vm, lora__rthread *list, int *nlist, int pc0, size_t p, const size_t *cap0) {
    const lora__rinst *prog = vm->re->prog;
    size_t cap[2], gen = p + 1;
    int sp = 0, pc;
    cap[0] = cap0[0];
    cap[1] = cap0[1];
    vm->stack[sp].pc = pc0;
    vm->stack[sp].slot = -1;
    sp++;
    while (sp > 0) {
        lora__rstack e = vm->stack[--sp];
        if (e.slot >= 0) { cap[e.slot] = e.val; continue; }
        pc = e.pc;
        for (;;) {
            const lora__rinst *in;
            if (vm->mark[pc] == gen) break;
            vm->mark[pc] = gen;
            in = &prog[pc];
            if (in->op == LORA__RO_JMP) { pc = in->x; continue; }
            if (in->op == LORA__RO_SPLIT) {
                vm->stack[sp].pc = in->y;
                vm->stack[sp].slot = -1;
                sp++;
                pc = in->x;
                continue;
            }
            if (in->op == LORA__RO_SAVE) {
                vm->stack[sp].pc = 0;
                vm->stack[sp].slot = in->x;
                vm->stack[sp].val = cap[in->x];
                sp++;
                cap[in->x] = p;
                pc++;
                continue;
            }
            if (in->op == LORA__RO_ASSERT) {
                if (!lora__re_assert(vm, in->x, p)) break;
                pc++;
                continue;
            }
            list[*nlist].pc = pc;
            list[*nlist].cap[0] = cap[0];
            list[*nlist].cap[1] = cap[1];
            (*nlist)++;
            break;
        }
    }
}

/* Runs the program. FULL: the whole text; SEARCH: anywhere; PREFIX: from the start, first match
   by Python's priorities, group 1 in cap. Returns 1 / 0, or -1 when out of memory. */
static int lora__re_exec(const lora_regex *re, const char *text, size_t len, int mode, size_t cap_out[2]) {
    lora__rvm vm;
    lora__rthread *clist, *nlist, *tmp;
    int nc = 0, nn, i, result = 0, m = re->ninst;
    size_t p = 0, clen = 0, unset[2];
    uint32_t c = 0;
    unsigned char *mem;
    size_t bytes = (size_t)m * (2 * sizeof(lora__rthread) + sizeof(size_t)) + (size_t)(2 * m + 2) * sizeof(lora__rstack);
    mem = (unsigned char *)lora__malloc(bytes, "regex matcher");
    if (!mem) return -1;
    clist = (lora__rthread *)mem;
    nlist = clist + m;
    vm.stack = (lora__rstack *)(nlist + m);
    vm.mark = (size_t *)(vm.stack + 2 * m + 2);
    for (i = 0; i < m; i++) vm.mark[i] = 0;
    vm.re = re;
    vm.t = (const unsigned char *)text;
    vm.len = len;
    unset[0] = unset[1] = (size_t)-1;
    if (cap_out) cap_out[0] = cap_out[1] = (size_t)-1;
    lora__re_addthread(&vm, clist, &nc, 0, 0, unset);
    for (;;) {
        if (p < len) c = lora__re_decode(vm.t + p, len - p, &clen);
        nn = 0;
        for (i = 0; i < nc; i++) {
            const lora__rthread *th = &clist[i];
            const lora__rinst *in = &re->prog[th->pc];
            int ok = 0;
            switch (in->op) {
            case LORA__RO_MATCH:
                if (mode == LORA__RM_SEARCH || (mode == LORA__RM_FULL && p == len)) { result = 1; goto done; }
                if (mode == LORA__RM_PREFIX) {
                    result = 1;
                    if (cap_out) { cap_out[0] = th->cap[0]; cap_out[1] = th->cap[1]; }
                    i = nc; /* lower-priority threads lose */
                }
                continue;
            case LORA__RO_CHAR: ok = p < len && c == in->c; break;
            case LORA__RO_ANY: ok = p < len && c != '\n'; break;
            case LORA__RO_CLASS: ok = p < len && lora__re_class_has(re, &re->classes[in->x], c); break;
            default: break;
            }
            if (ok) lora__re_addthread(&vm, nlist, &nn, th->pc + 1, p + clen, th->cap);
        }
        if (p >= len) break;
        p += clen;
        if (mode == LORA__RM_SEARCH) lora__re_addthread(&vm, nlist, &nn, 0, p, unset);
        tmp = clist; clist = nlist; nlist = tmp;
        nc = nn;
        if (nc == 0 && mode != LORA__RM_SEARCH) break;
    }
done:
    LORA_FREE(mem);
    return result;
}

LORA_API int lora_regex_fullmatch(const lora_regex *re, const char *text) {
    if (!re || !text) return -1;
    return lora__re_exec(re, text, strlen(text), LORA__RM_FULL, NULL);
}

LORA_API int lora_regex_search(const lora_regex *re, const char *text) {
    if (!re || !text) return -1;
    return lora__re_exec(re, text, strlen(text), LORA__RM_SEARCH, NULL);
}

/* ---- PEFT's target_modules rules (peft/tuners/tuners_utils.py: check_target_module_exists,
   _maybe_include_all_linear_layers, inject_adapter's errors; peft/tuners/lora/config.py checks) ---- */

LORA_API int lora_name_matches_key(const char *name, const char *key) {
    size_t nl, kl;
    if (!name || !key) return 0;
    nl = strlen(name);
    kl = strlen(key);
    if (nl == kl) return memcmp(name, key, nl) == 0;
    return nl > kl && name[nl - kl - 1] == '.' && memcmp(name + nl - kl, key, kl) == 0;
}

/* Re-records an INVALID_ARG message with a prefix naming the config field. */
static lora_status lora__pattern_prefix_error(lora_status s, const char *what) {
    char msg[LORA__ERRLEN];
    if (s != LORA_ERR_INVALID_ARG) return s;
    memcpy(msg, lora_last_error(), sizeof msg);
    msg[sizeof msg - 1] = 0;
    return lora__fail(s, "%s: %s", what, msg);
}

/* PEFT's layer-index regex, used with re.match: r".*?\.[^.]*\.(\d+)\." by default, else
   rf".*?\.{layers_pattern}\.(\d+)\." (layers_pattern is a regex fragment, inserted as is). */
static lora_status lora__layer_regex(const char *layers_pattern, lora_regex **out) {
    lora__buf b;
    lora_status s;
    *out = NULL;
    if (!layers_pattern || !*layers_pattern) return lora_regex_compile(".*?\\.[^.]*\\.(\\d+)\\.", out);
    memset(&b, 0, sizeof b);
    lora__buf_puts(&b, ".*?\\.");
    lora__buf_puts(&b, layers_pattern);
    lora__buf_puts(&b, "\\.(\\d+)\\.");
    if (b.failed) { lora__buf_free(&b); return LORA_ERR_OOM; }
    s = lora_regex_compile(b.data, out);
    lora__buf_free(&b);
    return lora__pattern_prefix_error(s, "layers_pattern (PEFT matches r'.*?\\.{layers_pattern}\\.(\\d+)\\.')");
}

/* Group 1 of the layer regex as an int; -1 when there is none (or it does not fit), -2 on OOM. */
static int lora__layer_index_re(const lora_regex *re, const char *name) {
    size_t cap[2], k;
    long v = 0;
    int r = lora__re_exec(re, name, strlen(name), LORA__RM_PREFIX, cap);
    if (r < 0) return -2;
    if (r == 0 || cap[0] == (size_t)-1 || cap[1] == (size_t)-1 || cap[1] <= cap[0]) return -1;
    for (k = cap[0]; k < cap[1]; k++) {
        if (name[k] < '0' || name[k] > '9') return -1;
        v = v * 10 + (name[k] - '0');
        if (v > 0x7fffffffL) return -1;
    }
    return (int)v;
}

LORA_API int lora_layer_index(const char *name, const char *layers_pattern) {
    lora_regex *re;
    int r;
    if (!name || lora__layer_regex(layers_pattern, &re) != LORA_OK) return -1;
    r = lora__layer_index_re(re, name);
    lora_regex_free(re);
    return r < 0 ? -1 : r;
}

static int lora__ascii_ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
    }
    return *a == *b;
}

/* Python's repr() of a str (ASCII escapes; other bytes as they are). */
static void lora__buf_pyrepr(lora__buf *b, const char *s) {
    const unsigned char *p;
    char q = (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'';
    lora__buf_append(b, &q, 1);
    for (p = (const unsigned char *)s; *p; p++) {
        if (*p == (unsigned char)q || *p == '\\') lora__buf_printf(b, "\\%c", *p);
        else if (*p == '\n') lora__buf_puts(b, "\\n");
        else if (*p == '\r') lora__buf_puts(b, "\\r");
        else if (*p == '\t') lora__buf_puts(b, "\\t");
        else if (*p < 0x20 || *p == 0x7f) lora__buf_printf(b, "\\x%02x", *p);
        else lora__buf_append(b, p, 1);
    }
    lora__buf_append(b, &q, 1);
}

/* The error PEFT raises when nothing was targeted, plus the module-name suffixes that exist. */
static lora_status lora__targets_not_found(const lora_target_spec *spec, int regex_form, int all_linear, int n_cand,
                                           int n_excl, int n_unmatched, const char *const *names, int n) {
    lora__buf b;
    lora_status s;
    const char *suf[64];
    size_t suflen[64];
    int nsuf = 0, i, j;
    memset(&b, 0, sizeof b);
    if (n_excl && !n_unmatched) {
        lora__buf_puts(&b, "All modules were excluded. This is likely unintended. Check your `target_modules`, "
                           "`exclude_modules` and `modules_to_save` configuration.");
    } else if (!n_excl && n_unmatched && all_linear && n_cand == 0) {
        lora__buf_puts(&b, "No `target_modules` passed but also no `target_parameters` found. Please check the values "
                           "for these arguments. (\"all-linear\" found no linear module besides the output layer.)");
    } else {
        if (!n_excl && n_unmatched) {
            lora__buf_puts(&b, "Target modules ");
            if (regex_form) {
                lora__buf_puts(&b, spec->target_regex);
            } else if (all_linear) {
                lora__buf_puts(&b, "all-linear");
            } else { /* PEFT keeps a list as a set: {'q_proj', 'v_proj'} */
                lora__buf_puts(&b, "{");
                for (i = 0; i < spec->n_targets; i++) {
                    for (j = 0; j < i && strcmp(spec->targets[j], spec->targets[i]) != 0; j++) {}
                    if (j < i) continue;
                    if (b.len > 1 && b.data[b.len - 1] != '{') lora__buf_puts(&b, ", ");
                    lora__buf_pyrepr(&b, spec->targets[i]);
                }
                lora__buf_puts(&b, "}");
            }
            lora__buf_puts(&b, " not found in the base model. Please check the target modules and try again.");
        } else {
            lora__buf_puts(&b, "No modules were targeted for adaptation. This might be caused by a combination of "
                               "mismatched target modules and excluded modules. Please check your `target_modules` "
                               "and `exclude_modules` configuration. You may also have only targeted modules that "
                               "are marked to be saved (`modules_to_save`).");
        }
        if (spec->layers) {
            lora__buf_puts(&b, " Note: You specified 'layers_to_transform': [");
            for (i = 0; i < spec->n_layers; i++) lora__buf_printf(&b, "%s%d", i ? ", " : "", spec->layers[i]);
            lora__buf_puts(&b, "].");
        }
        if (spec->layers_pattern) lora__buf_printf(&b, " You also specified 'layers_pattern': %s.", spec->layers_pattern);
    }
    for (i = 0; i < n; i++) { /* distinct last components, in order of appearance */
        const char *last = strrchr(names[i], '.');
        size_t len;
        last = last ? last + 1 : names[i];
        len = strlen(last);
        if (!len) continue;
        for (j = 0; j < nsuf && !(suflen[j] == len && memcmp(suf[j], last, len) == 0); j++) {}
        if (j < nsuf) continue;
        if (nsuf == 64 || b.len + len > 960) {
            lora__buf_puts(&b, ", ...");
            break;
        }
        lora__buf_puts(&b, nsuf ? ", " : " Module names in the base model end with: ");
        lora__buf_append(&b, last, len);
        suf[nsuf] = last;
        suflen[nsuf++] = len;
    }
    if (nsuf) lora__buf_puts(&b, ".");
    if (b.failed) {
        lora__buf_free(&b);
        return lora__fail(LORA_ERR_NOT_FOUND, "Target modules not found in the base model.");
    }
    s = lora__fail(LORA_ERR_NOT_FOUND, "%s", b.data);
    lora__buf_free(&b);
    return s;
}

/* "all-linear": PEFT targets the set of linear-module names minus the output layer, matched with
   the list rule (so an output module is still hit if its name ends with "." + a targeted name). */
static int lora__all_linear_hit(const char *const *names, int n, const unsigned char *is_output, int i) {
    int j;
    if (!is_output || !is_output[i]) return 1;
    for (j = 0; j < n; j++)
        if (!is_output[j] && names[j][0] && lora_name_matches_key(names[i], names[j])) return 1;
    return 0;
}

/* A target_modules spec, checked and compiled once. */
typedef struct lora__targets {
    const lora_target_spec *spec;
    int regex_form, all_linear, use_layers;
    lora_regex *tre, *xre, *lre;
} lora__targets;

static void lora__targets_free(lora__targets *T) {
    lora_regex_free(T->tre);
    lora_regex_free(T->xre);
    lora_regex_free(T->lre);
    memset(T, 0, sizeof *T);
}

/* PEFT's LoraConfig checks + compiling the regexes. */
static lora_status lora__targets_init(lora__targets *T, const lora_target_spec *spec) {
    lora_status s;
    int list_form, i;
    memset(T, 0, sizeof *T);
    T->spec = spec;
    if (!spec) return lora__fail(LORA_ERR_INVALID_ARG, "target spec is NULL");
    if (spec->n_targets < 0 || (spec->n_targets > 0 && !spec->targets))
        return lora__fail(LORA_ERR_INVALID_ARG, "target_modules: n_targets = %d with targets %s", spec->n_targets,
                          spec->targets ? "given" : "NULL");
    if (spec->n_exclude < 0 || (spec->n_exclude > 0 && !spec->exclude))
        return lora__fail(LORA_ERR_INVALID_ARG, "exclude_modules: n_exclude = %d with exclude %s", spec->n_exclude,
                          spec->exclude ? "given" : "NULL");
    if (spec->n_layers < 0 || (spec->n_layers > 0 && !spec->layers))
        return lora__fail(LORA_ERR_INVALID_ARG, "layers_to_transform: n_layers = %d with layers %s", spec->n_layers,
                          spec->layers ? "given" : "NULL");
    for (i = 0; i < spec->n_targets; i++)
        if (!spec->targets[i]) return lora__fail(LORA_ERR_INVALID_ARG, "target_modules[%d] is NULL", i);
    for (i = 0; i < spec->n_exclude; i++)
        if (!spec->exclude[i]) return lora__fail(LORA_ERR_INVALID_ARG, "exclude_modules[%d] is NULL", i);

    list_form = spec->targets != NULL;
    T->all_linear = spec->all_linear || (spec->target_regex && lora__ascii_ieq(spec->target_regex, "all-linear"));
    T->regex_form = spec->target_regex != NULL && !lora__ascii_ieq(spec->target_regex, "all-linear");
    if (list_form + T->regex_form + (T->all_linear != 0) > 1)
        return lora__fail(LORA_ERR_INVALID_ARG, "target_modules: give only one of a list of names (targets), a regex "
                                                "string (target_regex) or all_linear");
    if ((list_form && spec->n_targets == 0) || (T->regex_form && !*spec->target_regex) ||
        !(list_form || T->regex_form || T->all_linear))
        return lora__fail(LORA_ERR_INVALID_ARG, "No `target_modules` passed but also no `target_parameters` found. Please "
                                                "check the values for these arguments. (target_modules must be a "
                                                "non-empty list of names, a regex string or \"all-linear\".)");
    if (spec->n_exclude > 0 && spec->exclude_regex)
        return lora__fail(LORA_ERR_INVALID_ARG, "exclude_modules: give either a list of names or a regex string, not both");
    if ((T->regex_form || T->all_linear) && spec->layers)
        return lora__fail(LORA_ERR_INVALID_ARG, "`layers_to_transform` cannot be used when `target_modules` is a str.");
    if ((T->regex_form || T->all_linear) && spec->layers_pattern)
        return lora__fail(LORA_ERR_INVALID_ARG, "`layers_pattern` cannot be used when `target_modules` is a str.");
    if (spec->layers_pattern && *spec->layers_pattern && spec->n_layers == 0)
        return lora__fail(LORA_ERR_INVALID_ARG, "When `layers_pattern` is specified, `layers_to_transform` must also be "
                                                "specified.");
    T->use_layers = spec->layers && spec->n_layers > 0;
    if (T->regex_form &&
        (s = lora__pattern_prefix_error(lora_regex_compile(spec->target_regex, &T->tre), "target_modules")) != LORA_OK)
        goto fail;
    if (spec->exclude_regex && *spec->exclude_regex &&
        (s = lora__pattern_prefix_error(lora_regex_compile(spec->exclude_regex, &T->xre), "exclude_modules")) != LORA_OK)
        goto fail;
    if (T->use_layers && (s = lora__layer_regex(spec->layers_pattern, &T->lre)) != LORA_OK) goto fail;
    return LORA_OK;
fail:
    lora__targets_free(T);
    return s;
}

/* PEFT's check_target_module_exists for names[i]: 0 not targeted, 1 targeted, 2 excluded, -1 OOM. */
static int lora__targets_check(const lora__targets *T, const char *const *names, int n, const unsigned char *is_output,
                               int i) {
    const lora_target_spec *spec = T->spec;
    const char *name = names[i];
    int j, r, hit = 0;
    if (T->xre) {
        if ((r = lora_regex_fullmatch(T->xre, name)) != 0) return r < 0 ? -1 : 2;
    } else {
        for (j = 0; j < spec->n_exclude; j++)
            if (lora_name_matches_key(name, spec->exclude[j])) return 2;
    }
    if (T->regex_form) return lora_regex_fullmatch(T->tre, name);
    if (T->all_linear) return lora__all_linear_hit(names, n, is_output, i);
    for (j = 0; j < spec->n_targets; j++)
        if (strcmp(name, spec->targets[j]) == 0) return 1; /* named exactly: PEFT applies no layer filter */
    for (j = 0; j < spec->n_targets && !hit; j++) hit = lora_name_matches_key(name, spec->targets[j]);
    if (hit && T->use_layers) {
        int idx = lora__layer_index_re(T->lre, name);
        if (idx == -2) return -1;
        hit = 0;
        for (j = 0; idx >= 0 && j < spec->n_layers && !hit; j++) hit = spec->layers[j] == idx;
    }
    return hit;
}

static lora_status lora__check_names(const char *const *names, int n, const void *out, const char *fn) {
    int i;
    if (n < 0) return lora__fail(LORA_ERR_INVALID_ARG, "%s: n = %d modules", fn, n);
    if (n > 0 && (!names || !out))
        return lora__fail(LORA_ERR_INVALID_ARG, "%s: %s is NULL", fn, names ? "selected" : "names");
    for (i = 0; i < n; i++)
        if (!names[i]) return lora__fail(LORA_ERR_INVALID_ARG, "%s: module name %d is NULL", fn, i);
    return LORA_OK;
}

LORA_API lora_status lora_select_targets(const lora_target_spec *spec, const char *const *names, int n,
                                         const unsigned char *is_output, unsigned char *selected) {
    lora__targets T;
    lora_status s;
    int i, r, n_sel = 0, n_excl = 0, n_unmatched = 0, n_cand = 0;
    if ((s = lora__check_names(names, n, selected, "lora_select_targets")) != LORA_OK) return s;
    if ((s = lora__targets_init(&T, spec)) != LORA_OK) return s;
    for (i = 0; i < n; i++) {
        selected[i] = 0;
        if (!names[i][0]) continue; /* PEFT skips the root module "" */
        if (T.all_linear && !(is_output && is_output[i])) n_cand++;
        r = lora__targets_check(&T, names, n, is_output, i);
        if (r < 0) { s = LORA_ERR_OOM; break; }
        if (r == 2) n_excl++;
        else if (r == 1) { selected[i] = 1; n_sel++; }
        else n_unmatched++;
    }
    if (s == LORA_OK && n_sel == 0)
        s = lora__targets_not_found(spec, T.regex_form, T.all_linear, n_cand, n_excl, n_unmatched, names, n);
    lora__targets_free(&T);
    return s;
}

LORA_API lora_status lora_check_unsupported_targets(const lora_target_spec *spec, const char *const *names, int n) {
    lora__targets T;
    lora_status s;
    int i, r;
    if ((s = lora__check_names(names, n, names, "lora_check_unsupported_targets")) != LORA_OK) return s;
    if ((s = lora__targets_init(&T, spec)) != LORA_OK) return s;
    for (i = 0; i < n && s == LORA_OK; i++) {
        if (!names[i][0] || T.all_linear) continue; /* all-linear only ever names linear modules */
        r = lora__targets_check(&T, names, n, NULL, i);
        if (r < 0) s = LORA_ERR_OOM;
        else if (r == 1)
            s = lora__fail(LORA_ERR_INVALID_ARG, "Target module %s is not supported: target_modules matches it, but "
                                                 "only Conv1D and nn.Linear modules can be adapted (PEFT raises here too).",
                           names[i]);
    }
    lora__targets_free(&T);
    return s;
}
