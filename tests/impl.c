/* The one translation unit that compiles the library for the tests and tools. */
#define LORA_IMPLEMENTATION
#include "lora.h"
#define GPT2_IMPLEMENTATION
#include "gpt2.h"
#define LLAMA_IMPLEMENTATION
#include "llama.h"
