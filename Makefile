# lora.h / gpt2.h — build, test, bench.
#   make          build every tool into build/
#   make test     run the whole test suite (closing line: "total: N passed, N failed")
#   make bench    run the benchmarks (writes build/bench-*.json)
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c99 -Wall -Wextra -pedantic
LDLIBS  := -lm -lpthread
BUILD   ?= build

LORA_SRC := $(sort $(wildcard src/lora/*))
GPT2_SRC := $(sort $(wildcard src/gpt2/*))
LLAMA_SRC := $(sort $(wildcard src/llama/*))
TOOLS    := $(patsubst tools/%.c,$(BUILD)/%,$(wildcard tools/*.c))
TOOLS    := $(subst _,-,$(TOOLS))
TESTS    := $(patsubst tests/%.c,$(BUILD)/%,$(wildcard tests/test_*.c))
BENCHES  := $(subst _,-,$(patsubst bench/%.c,$(BUILD)/%,$(wildcard bench/*.c)))
SCRIPT_TESTS := $(wildcard tests/test_*.sh)

all: headers $(TOOLS)

# The headers are generated from src/ (and committed, so users just copy them).
headers: lora.h gpt2.h llama.h
lora.h gpt2.h llama.h: $(LORA_SRC) $(GPT2_SRC) $(LLAMA_SRC) tools/amalgamate.sh
	sh tools/amalgamate.sh

$(BUILD):
	mkdir -p $(BUILD)

$(BUILD)/impl.o: tests/impl.c lora.h gpt2.h llama.h | $(BUILD)
	$(CC) $(CFLAGS) $(WARN) -I. -c -o $@ tests/impl.c

.SECONDEXPANSION:
$(TOOLS): $(BUILD)/%: tools/$$(subst -,_,%).c $(BUILD)/impl.o lora.h gpt2.h llama.h tools/cli.h tools/models.h | $(BUILD)
	$(CC) $(CFLAGS) $(WARN) -I. -o $@ $< $(BUILD)/impl.o $(LDLIBS)

# tests/test_internal_*.c compile the implementation themselves (they call static internals)
$(BUILD)/test_internal_%: tests/test_internal_%.c lora.h gpt2.h llama.h tests/test.h | $(BUILD)
	$(CC) $(CFLAGS) $(WARN) -I. -Itests -o $@ $< $(LDLIBS)

$(BUILD)/test_%: tests/test_%.c $(BUILD)/impl.o lora.h gpt2.h llama.h tests/test.h | $(BUILD)
	$(CC) $(CFLAGS) $(WARN) -I. -Itests -o $@ $< $(BUILD)/impl.o $(LDLIBS)

$(BENCHES): $(BUILD)/%: bench/$$(subst -,_,%).c $(BUILD)/impl.o lora.h gpt2.h llama.h | $(BUILD)
	$(CC) $(CFLAGS) $(WARN) -I. -o $@ $< $(BUILD)/impl.o $(LDLIBS) $(BENCH_LIBS)

test: all $(TESTS)
	sh tests/run_tests.sh $(TESTS) $(SCRIPT_TESTS)

bench: all $(BENCHES)
	sh bench/run.sh $(BUILD)

demo: all
	BUILD=$(BUILD) sh tools/demo.sh

clean:
	rm -rf $(BUILD) build-*

include mk/hardening.mk

.PHONY: all headers test bench demo clean
