#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* FILE, in the model authors' file functions */

#ifndef LORA_API
#ifdef LORA_STATIC
/* a private copy per translation unit: functions it does not call are not worth a warning */
#if defined(__GNUC__) || defined(__clang__)
#define LORA_API static __attribute__((unused))
#else
#define LORA_API static
#endif
#else
#define LORA_API extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define LORA_VERSION_MAJOR 0
#define LORA_VERSION_MINOR 1
#define LORA_VERSION_PATCH 0
#define LORA_VERSION_STRING "0.1.0"

/* Result codes. Every fallible call returns one; LORA_OK is 0, errors are negative.
   On error, lora_last_error() returns a readable message for the calling thread
   (which file, which tensor, expected vs found). */
typedef enum lora_status {
    LORA_OK = 0,
    LORA_ERR_INVALID_ARG = -1,   /* bad argument: NULL pointer, r = 0, alpha <= 0, ... */
    LORA_ERR_OOM = -2,           /* allocation failed */
    LORA_ERR_IO = -3,            /* open/read/write/rename failed */
    LORA_ERR_FORMAT = -4,        /* malformed or truncated file, bad JSON, bad magic */
    LORA_ERR_SHAPE = -5,         /* tensor shape or size mismatch */
    LORA_ERR_NOT_FOUND = -6,     /* missing tensor / key / file, pattern that matches nothing */
    LORA_ERR_NUMERIC = -7,       /* NaN or Inf in loss, weights or gradients */
    LORA_ERR_UNSUPPORTED = -8,   /* valid input that this library does not implement */
    LORA_ERR_CANCELLED = -9,     /* a callback asked to stop */
    LORA_ERR_RANGE = -10         /* value out of range: token id >= vocab, T > n_positions */
} lora_status;

/* Short name of a status code, e.g. "LORA_ERR_FORMAT". */
LORA_API const char *lora_status_name(lora_status s);
/* Message describing the last error on the calling thread ("" when none). Valid
   until the next failing call on the same thread. */
LORA_API const char *lora_last_error(void);
LORA_API void lora_clear_error(void);
/* Frees memory the library allocated for the caller (lora_encode's ids, lora_decode's text,
   parameter lists, warnings, ...): LORA_FREE with the allocation hooks of the library. */
LORA_API void lora_free(void *p);

/* ---- Deterministic random numbers (xoshiro128** seeded by splitmix64) ---- */
typedef struct lora_rng { uint32_t s[4]; int has_spare; float spare; } lora_rng;
LORA_API void lora_rng_seed(lora_rng *rng, uint64_t seed);
LORA_API uint32_t lora_rng_u32(lora_rng *rng);
/* uniform in [0, 1) with 24 random bits */
LORA_API float lora_rng_uniform(lora_rng *rng);
/* standard normal (Box-Muller) */
LORA_API float lora_rng_normal(lora_rng *rng);

/* ---- float16 / bfloat16 conversion (round to nearest even, as torch) ---- */
LORA_API float lora_f16_to_f32(uint16_t h);
LORA_API uint16_t lora_f32_to_f16(float f);
LORA_API float lora_bf16_to_f32(uint16_t h);
LORA_API uint16_t lora_f32_to_bf16(float f);
