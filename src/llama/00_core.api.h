#include "lora.h"

#ifdef __cplusplus
extern "C" {
#endif
