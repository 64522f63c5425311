# eptsim - plain GNU make.  See README.md for the two commands that matter:
#   make run    build and run workloads/default.json
#   make test   build and run every unit and end-to-end test
# `all` also builds the guest programs of tests/programs into BUILD/programs.
# Other targets: all (default), deps, asan, bench, fuzz, studies, install, clean.

VERSION := 0.1.0
BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
CFLAGS  ?= -O2 -g
NPROC   := $(shell nproc 2>/dev/null || echo 2)

ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=all
endif

JANSSON_CFLAGS := $(shell pkg-config --cflags jansson 2>/dev/null)
JANSSON_LIBS   := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
CMOCKA_CFLAGS  := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS    := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
UNICORN_CFLAGS := $(shell pkg-config --cflags unicorn 2>/dev/null)
UNICORN_LIBS   := $(shell pkg-config --libs unicorn 2>/dev/null || echo -lunicorn)
# the trace layer's decompressors and compressors (traces/tr_io.c)
Z_CFLAGS := $(shell pkg-config --cflags zlib liblzma libzstd 2>/dev/null)
Z_LIBS   := $(shell pkg-config --libs zlib liblzma libzstd 2>/dev/null || echo -lz -llzma -lzstd)
# the guest programs of the tests and benchmarks: static x86-64 executables
MUSLCC  ?= musl-gcc
PROG_CFLAGS ?= -static -O2 -g -Wall -Wextra -Werror

ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -ffp-contract=off $(CFLAGS) \
	     -Wall -Wextra -Werror $(SANFLAGS) -I. -Iinclude \
	     -DEPTSIM_VERSION_STRING='"$(VERSION)"' \
	     $(JANSSON_CFLAGS) $(UNICORN_CFLAGS) $(Z_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)
LIBS = $(UNICORN_LIBS) $(JANSSON_LIBS) $(Z_LIBS) -lm

LIB_SRCS  := $(sort $(wildcard sim/*.c sim/*/*.c kernel-model/*.c traces/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_SRCS  := $(sort $(wildcard cli/*.c))
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
TLIB_SRCS := $(sort $(wildcard tests/lib/*.c))
TLIB_OBJS := $(TLIB_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c tests/e2e/test_*.c))
TEST_BINS := $(patsubst %.c,$(BUILD)/%,$(TEST_SRCS))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(patsubst %.c,$(BUILD)/%,$(BENCH_SRCS))
PROG_SRCS := $(sort $(wildcard tests/programs/*.c))
PROG_BINS := $(patsubst tests/programs/%.c,$(BUILD)/programs/%,$(PROG_SRCS))
# fuzz targets: libFuzzer (clang) over the trace layer alone, which needs
# nothing of sim/; `make check` runs each briefly (tests/fuzz/run.sh)
FUZZ_CC     ?= clang
FUZZ_CFLAGS ?= -O1 -g
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_RUN  := $(BUILD)/fuzz/run
FUZZ_TRACE_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(sort $(wildcard traces/*.c)))

LIBEPTSIM := $(BUILD)/libeptsim.a
EPTSIM    := $(BUILD)/eptsim

.PHONY: all deps run test check tests fuzz asan bench studies install clean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(LIBEPTSIM) $(EPTSIM) $(PROG_BINS)

deps:
	@sh scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	$(EPTSIM) run workloads/default.json -o $(BUILD)/default-report.json

test: deps
	@$(MAKE) --no-print-directory check

check:
	@$(MAKE) --no-print-directory -j$(NPROC) all tests fuzz
	@sh tests/run.sh $(BUILD) $(TEST_BINS) $(FUZZ_RUN)

tests: $(TEST_BINS) $(PROG_BINS)

# the fuzz targets and their short run; run one longer with e.g.
#   build/fuzz/fuzz_lackey -max_total_time=600 tests/fuzz/corpus/lackey
fuzz: $(FUZZ_BINS) $(FUZZ_RUN)

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 CFLAGS='-O1 -g' check

# the studies of workloads/studies: each sweep into BUILD/studies/NAME,
# with its charts (workloads/studies/run.sh; resumes what was run)
studies: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	sh workloads/studies/run.sh -e $(EPTSIM) -o $(BUILD)/studies all

bench: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all $(BENCH_BINS) $(PROG_BINS)
	@sh bench/run.sh $(BUILD)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -c $< -o $@

$(LIBEPTSIM): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(EPTSIM): $(CLI_OBJS) $(LIBEPTSIM)
	$(CC) $(ALL_LDFLAGS) $(CLI_OBJS) $(LIBEPTSIM) $(LIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TLIB_OBJS) $(LIBEPTSIM)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $< $(TLIB_OBJS) $(LIBEPTSIM) $(CMOCKA_LIBS) $(LIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBEPTSIM)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $< $(LIBEPTSIM) $(LIBS) -o $@

# fuzz objects: the trace layer instrumented for libFuzzer, ASan and UBSan
FUZZ_ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(FUZZ_CFLAGS) -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-I. -Iinclude $(Z_CFLAGS) -MMD -MP
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/tests/fuzz/%.o $(FUZZ_TRACE_OBJS)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $^ $(Z_LIBS) -o $@

$(FUZZ_RUN): tests/fuzz/run.sh
	@mkdir -p $(dir $@)
	cp $< $@
	chmod +x $@

# guest programs: built with musl-gcc, never with the sanitizers
$(BUILD)/programs/%: tests/programs/%.c
	@mkdir -p $(dir $@)
	$(MUSLCC) $(PROG_CFLAGS) $< -o $@

# install: the command, the library, the header, a pkg-config file and the
# machine presets (found by the command relative to its own location).
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/share/eptsim/machines
	install -m 755 $(EPTSIM) $(DESTDIR)$(PREFIX)/bin/eptsim
	install -m 644 $(LIBEPTSIM) $(DESTDIR)$(PREFIX)/lib/libeptsim.a
	install -m 644 include/eptsim.h $(DESTDIR)$(PREFIX)/include/eptsim.h
	install -m 644 workloads/machines/*.json $(DESTDIR)$(PREFIX)/share/eptsim/machines/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
		eptsim.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/eptsim.pc

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj $(BUILD)/fuzz/obj -name '*.d' 2>/dev/null)
