# highwater: `make` builds build/highwater, `make run` runs the default experiment,
# `make test` runs every test, `make asan` runs the unit tests under ASan+UBSan,
# `make fuzz` runs each libFuzzer target for FUZZ_SECONDS (`make fuzz-check`: 30 s each).
# Dependencies come from Debian (scripts/install-deps.sh, run before any compile).

CC      ?= gcc
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror
OPT     ?= -O2 -g
CFLAGS  += $(CSTD) $(WARN) $(OPT) -Iharness -Istrategies -MMD -MP
LDLIBS  := -lyaml -lcjson -ldl -lm
TESTLIBS:= -lcmocka

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
GIT_DIRTY  := $(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
CFLAGS  += -DHW_GIT_COMMIT='"$(GIT_COMMIT)$(GIT_DIRTY)"' -DHW_CFLAGS='"$(OPT)"' -DHW_CC='"$(shell $(CC) --version | head -n1)"'

ifeq ($(V),1)
Q :=
else
Q := @
endif

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

LIB_SRC  := $(filter-out harness/main.c $(LIB_EXCLUDE),$(wildcard harness/*.c)) $(wildcard strategies/*.c)
TEST_SRC := $(wildcard tests/test_*.c)

B        ?= build
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
MAIN_OBJ := $(B)/obj/harness/main.o
TESTS    := $(TEST_SRC:tests/%.c=$(B)/tests/%)

.PHONY: all deps run test unit asan clean fuzz fuzz-check fuzz-build fuzz-deps fuzz-bins
all: $(B)/highwater

deps:
	$(Q)bash scripts/install-deps.sh

$(B)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# Tests link the archive, so each pulls in only the modules it uses.
$(B)/libhw.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/highwater: $(MAIN_OBJ) $(LIB_OBJ)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/%.c $(B)/libhw.a | $(B)/highwater
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(B)/libhw.a $(LDLIBS) $(TESTLIBS)

# The main job: the default experiment, table on stdout, report under results/runs/.
run: $(B)/highwater
	$(B)/highwater run configs/quick.yaml

test: $(B)/highwater $(TESTS)
	$(Q)bash tests/run.sh $(B)

# Unit tests only: the sanitizer build runs its workers with glibc malloc (ASan and
# jemalloc both replace malloc), and integration tests measure RSS, which ASan inflates.
asan:
	$(Q)$(MAKE) --no-print-directory B=build/asan OPT="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" unit

unit: $(B)/highwater $(TESTS)
	$(Q)HW_UNIT_ONLY=1 bash tests/run.sh $(B)

# libFuzzer targets (tests/fuzz/fuzz_*.c), each linked with the harness compiled by clang
# with coverage and sanitizers (main.c excluded: libFuzzer has the main). Not part of
# `make test`: tests/run.sh runs build/tests/test_* only.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz: fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh build/fuzz

fuzz-check:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=30

fuzz-deps:
	$(Q)bash scripts/install-deps.sh --fuzz

# clang 14 has no _Float16 on x86-64, and nothing fuzzed converts: convert.c stays out, and
# tests/fuzz/convert_stub.c stands in for it.
fuzz-build: fuzz-deps
	$(Q)$(MAKE) --no-print-directory B=build/fuzz CC=$(FUZZ_CC) LIB_EXCLUDE=harness/convert.c \
	  OPT="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-bins

fuzz-bins: $(FUZZ_TARGETS:%=$(B)/fuzz_%)

$(B)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/convert_stub.c $(B)/libhw.a
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< tests/fuzz/convert_stub.c $(B)/libhw.a $(LDLIBS)

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
