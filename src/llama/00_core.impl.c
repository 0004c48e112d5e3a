/* llama.h's implementation uses only lora.h's public API (the user API and its "For model
   authors" block), so it may be compiled in a translation unit of its own, with lora.h's
   implementation in another (or in the same one). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
