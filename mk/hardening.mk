# Hardening targets (sanitizers, valgrind, fuzzing); included from the Makefile.
#
#   make test-sanitize   the whole suite (every tests/test_*.c, tests/test_internal_*.c, the tools
#                        the tests run and tests/test_*.sh) built with ASan + UBSan into build-asan/
#                        and run through tests/run_tests.sh, plus the fast C tests (json, safetensors,
#                        pattern, data, gpt2_oracle) under valgrind memcheck; one closing line
#                        "total: N passed, N failed" for both.
#   make test-asan       only the ASan + UBSan part;   make test-valgrind   only the valgrind part
#   make test-tsan       the thread pool, matmul, panel-taking, concurrent-models, determinism and llama tests built with clang's
#                        ThreadSanitizer into build-tsan/ (data races stop the run)
#   make sanitize        every tool built with ASan + UBSan into build-sanitize/ (same names as build/)
#   make fuzz            builds each fuzz/fuzz_*.c with clang into build-fuzz/ and runs each, one at a
#                        time, for FUZZ_SECONDS (default 60) on its corpus (fuzz/corpus/<name>/ seeds,
#                        new inputs go to build-fuzz/corpus/<name>/, crashes to build-fuzz/crash-<name>-*)
#   make fuzz-ci         the same for FUZZ_CI_SECONDS (default 10) each
#   make bad-inputs-doc  regenerates docs/BAD_INPUTS.md from tests/test_bad_inputs.c
#
# The tests run the tools as "build/<tool>" and write into "build/": the sanitized suite runs from a
# shadow root, build-asan/root/, whose entries are symlinks to the repository's and whose "build" is
# build-asan/ itself, so those calls reach the sanitized tools and the sanitized build directory.

ASAN_BUILD   ?= build-asan
SAN_BUILD    ?= build-sanitize
FUZZ_BUILD   ?= build-fuzz
VG_BUILD     ?= $(ASAN_BUILD)/vg
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 10
FUZZ_CC      ?= clang
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_CFLAGS   := -O1 -g $(SAN_FLAGS)
# detect_leaks is LeakSanitizer (on by default on x86-64 Linux; spelled out for clarity). The tests run
# with allocator_may_return_null=1: an impossible allocation must come back NULL (as from malloc) so
# that the library's out-of-memory paths run instead of ASan aborting. intercept_tls_get_addr=0: GCC
# 12's runtime tracks dynamic TLS by guessing glibc's block headers, and on one CI machine that guess
# crashed the runtime itself (SEGV in DTLS_on_tls_get_addr while a pool worker made its first fake
# stack frame; fixed upstream in LLVM 17); nothing here keeps heap pointers in dynamic TLS.
SAN_ENV      := ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:intercept_tls_get_addr=0 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FUZZ_ENV     := ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
VALGRIND     ?= valgrind
VG_FLAGS     := -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --track-origins=no
VG_TESTS     := test_json test_safetensors test_pattern test_data test_gpt2_oracle

# tests/test_memory.c compares gpt2_estimate_memory with the process's resident memory, which ASan's
# shadow memory and redzones inflate: it runs in "make test" only.
ASAN_SKIP    ?= test_memory
H_ALL_TESTS  := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
H_ASAN_TESTS := $(filter-out $(ASAN_SKIP),$(H_ALL_TESTS))
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS    := $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS))
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# ---- sanitizers ----
# Builds the tools and every test with ASan + UBSan (a recursive make with BUILD and CFLAGS set, so
# the Makefile's own rules are used), then lays out the shadow root.
asan-build: headers
	$(MAKE) BUILD=$(ASAN_BUILD) CFLAGS="$(SAN_CFLAGS)" all $(addprefix $(ASAN_BUILD)/,$(H_ASAN_TESTS))
	@rm -rf $(ASAN_BUILD)/root && mkdir -p $(ASAN_BUILD)/root
	@for f in *; do case "$$f" in build|build-*) ;; *) ln -s "$(CURDIR)/$$f" "$(ASAN_BUILD)/root/$$f";; esac; done
	@ln -s "$(CURDIR)/$(ASAN_BUILD)" "$(ASAN_BUILD)/root/build"

# The valgrind subset: plain -O1 -g builds (valgrind and ASan do not mix), each run through a small
# wrapper script so that tests/run_tests.sh can count it like any other test.
vg-build: headers
	$(MAKE) BUILD=$(VG_BUILD) CFLAGS="-O1 -g" $(addprefix $(VG_BUILD)/,$(VG_TESTS))
	@mkdir -p $(ASAN_BUILD)
	@for t in $(VG_TESTS); do \
	  printf '#!/bin/sh\nexec $(VALGRIND) $(VG_FLAGS) %s/%s "$$@"\n' "$(CURDIR)/$(VG_BUILD)" "$$t" > $(ASAN_BUILD)/valgrind-$$t; \
	  chmod +x $(ASAN_BUILD)/valgrind-$$t; done

test-sanitize: asan-build vg-build
	cd $(ASAN_BUILD)/root && $(SAN_ENV) CC="$(CC) $(SAN_FLAGS)" CXX="c++ $(SAN_FLAGS)" \
	  sh tests/run_tests.sh $(addprefix build/,$(H_ASAN_TESTS)) $(SCRIPT_TESTS) $(addprefix build/valgrind-,$(VG_TESTS))

test-asan: asan-build
	cd $(ASAN_BUILD)/root && $(SAN_ENV) CC="$(CC) $(SAN_FLAGS)" CXX="c++ $(SAN_FLAGS)" \
	  sh tests/run_tests.sh $(addprefix build/,$(H_ASAN_TESTS)) $(SCRIPT_TESTS)

test-valgrind: vg-build
	sh tests/run_tests.sh $(addprefix $(ASAN_BUILD)/valgrind-,$(VG_TESTS))

# ThreadSanitizer (clang): the tests that exercise threads the most.
TSAN_BUILD   ?= build-tsan
TSAN_TESTS   := test_threads test_matmul test_concurrent test_determinism test_internal_steal test_internal_side test_llama_oracle
TSAN_CC      ?= clang
$(TSAN_BUILD):
	mkdir -p $(TSAN_BUILD)
$(TSAN_BUILD)/test_%: tests/test_%.c tests/test.h tests/impl.c lora.h gpt2.h llama.h | $(TSAN_BUILD)
	$(TSAN_CC) -O1 -g -fsanitize=thread -std=c99 -I. -Itests -o $@ $< tests/impl.c -lm -lpthread
$(TSAN_BUILD)/test_internal_%: tests/test_internal_%.c tests/test.h lora.h gpt2.h llama.h | $(TSAN_BUILD)
	$(TSAN_CC) -O1 -g -fsanitize=thread -std=c99 -I. -Itests -o $@ $< -lm -lpthread
test-tsan: headers $(addprefix $(TSAN_BUILD)/,$(TSAN_TESTS))
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 sh tests/run_tests.sh $(addprefix $(TSAN_BUILD)/,$(TSAN_TESTS))

# Every tool with ASan + UBSan, same names as in build/.
sanitize: headers
	$(MAKE) BUILD=$(SAN_BUILD) CFLAGS="$(SAN_CFLAGS)" all

# docs/BAD_INPUTS.md is a copy of the table tests/test_bad_inputs.c writes to build/bad_inputs.md (the
# test fails when they differ): regenerate it after changing a row or fixing a known bug.
bad-inputs-doc: all $(BUILD)/test_bad_inputs
	-$(BUILD)/test_bad_inputs > /dev/null 2>&1
	mkdir -p docs && cp build/bad_inputs.md docs/BAD_INPUTS.md

# ---- fuzzing ----
$(FUZZ_BUILD):
	mkdir -p $(FUZZ_BUILD)

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c lora.h gpt2.h llama.h | $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_FLAGS) -I. -o $@ $< -lm -lpthread

fuzz-build: headers $(FUZZ_BINS)

# Runs each target in turn (never two at once) on a working corpus seeded from fuzz/corpus/<name>/
# (left unchanged); a target that crashes leaves its reproducer in build-fuzz/crash-<name>-* and
# makes the whole run fail once every target has run.
define H_FUZZ_RUN
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  name=$${t#fuzz_}; mkdir -p $(FUZZ_BUILD)/corpus/$$name; \
	  printf '%s: %s s ... ' "$$t" "$(1)"; \
	  if $(FUZZ_ENV) $(FUZZ_BUILD)/$$t -max_total_time=$(1) -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
	       -artifact_prefix=$(FUZZ_BUILD)/crash-$$name- $(FUZZ_BUILD)/corpus/$$name fuzz/corpus/$$name \
	       > $(FUZZ_BUILD)/$$t.log 2>&1; then \
	    grep -E '^stat::number_of_executed_units' $(FUZZ_BUILD)/$$t.log | sed 's/.*: *//; s/$$/ runs, ok/'; \
	  else echo "CRASH (log: $(FUZZ_BUILD)/$$t.log)"; tail -n 40 $(FUZZ_BUILD)/$$t.log; failed="$$failed $$t"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in:$$failed"; exit 1; fi; echo "fuzz: no crash in $(words $(FUZZ_TARGETS)) targets"
endef

fuzz: fuzz-build
	$(call H_FUZZ_RUN,$(FUZZ_SECONDS))

fuzz-ci: fuzz-build
	$(call H_FUZZ_RUN,$(FUZZ_CI_SECONDS))

.PHONY: bad-inputs-doc asan-build vg-build test-sanitize test-asan test-valgrind test-tsan sanitize fuzz-build fuzz fuzz-ci
