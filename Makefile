# highwater: `make` builds build/highwater, `make run` runs the default experiment,
# `make test` runs every test, `make asan` runs the unit tests under ASan+UBSan.
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

# float-cast-overflow is not in gcc's "undefined": a NaN or 1e300 cast to an integer is UB too.
SAN_FLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer

LIB_SRC  := $(filter-out harness/main.c,$(wildcard harness/*.c)) $(wildcard strategies/*.c)
TEST_SRC := $(wildcard tests/test_*.c)

B        ?= build
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
MAIN_OBJ := $(B)/obj/harness/main.o
TESTS    := $(TEST_SRC:tests/%.c=$(B)/tests/%)

.PHONY: all deps run test unit asan clean
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

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
