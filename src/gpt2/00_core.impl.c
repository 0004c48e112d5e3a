/* gpt2.h's implementation uses lora.h's internal helpers (lora__fail, lora__malloc, ...),
   so LORA_IMPLEMENTATION must be compiled in the same translation unit. */
#ifndef LORA_IMPLEMENTATION_DONE
#error "define LORA_IMPLEMENTATION and include lora.h before defining GPT2_IMPLEMENTATION"
#endif


