# Builds build/dndtrack and the unit tests. `make WERROR=1` turns warnings
# into errors (CI does); `make SAN=1` builds with ASan and UBSan. The
# dashboard's files in src/http/web/ are compiled in through build/gen/,
# made by the build tool tools/embed.

CC      ?= cc
PKGS    := rdkafka jansson libmicrohttpd sqlite3
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -Isrc
CFLAGS  += $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lpthread -lm
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

B := build
CORE_SRC := $(wildcard src/core/*.c) $(wildcard src/util/*.c)
APP_SRC  := $(wildcard src/kafka/*.c) $(wildcard src/http/*.c) \
            $(wildcard src/store/*.c) \
            $(wildcard src/cli/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
APP_OBJ  := $(APP_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

# The web files and the C files generated from them, one symbol each:
# src/http/web/app.js becomes web_app_js in $(GEN)/web_app_js.c.
EMBED    := $(B)/tools/embed
GEN      := $(B)/gen
WEB_SRC  := $(GEN)/web_index_html.c $(GEN)/web_app_js.c $(GEN)/web_style_css.c
WEB_OBJ  := $(WEB_SRC:.c=.o)

all: $(B)/dndtrack

$(B)/dndtrack: $(CORE_OBJ) $(APP_OBJ) $(WEB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(EMBED): tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(GEN)/web_index_html.c: src/http/web/index.html
$(GEN)/web_app_js.c: src/http/web/app.js
$(GEN)/web_style_css.c: src/http/web/style.css
# Written aside and renamed, so a failed run leaves no half file behind.
$(WEB_SRC): $(EMBED)
	@mkdir -p $(dir $@)
	$(EMBED) $(basename $(notdir $@)) $(filter src/http/web/%,$^) >$@.tmp
	@mv -f $@.tmp $@

$(WEB_OBJ): $(GEN)/%.o: $(GEN)/%.c
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

HTTP_OBJ := $(B)/src/http/http.o $(WEB_OBJ)
$(B)/tests/test_http_address $(B)/tests/test_http_server: \
$(B)/tests/%: tests/unit/%.c $(CORE_OBJ) $(HTTP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $^ $(LDLIBS)

unit: $(UNIT_BIN)
	@tests/unit/run.sh $(UNIT_BIN)

clean:
	rm -rf $(B)

.PHONY: all unit clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)

# Sanitizer builds stop at the first undefined behaviour instead of
# printing it and going on, so that a test sees it fail.
ifeq ($(SAN),1)
CFLAGS  += -fno-sanitize-recover=undefined
endif

# libFuzzer targets, one per tests/fuzz/fuzz_*.c, built with clang into
# $(B)/fuzz/ next to their own copy of the core objects: the library is
# compiled with fuzzer-no-link so it is instrumented without a second
# main(). `make fuzz` only builds; tests/fuzz/run.sh runs them.
FUZZ_CC     ?= clang
FUZZ_DIR    := $(B)/fuzz
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -Isrc \
               $(shell pkg-config --cflags jansson)
ifeq ($(WERROR),1)
FUZZ_CFLAGS += -Werror
endif
FUZZ_LIBS   := $(shell pkg-config --libs jansson) -lm
FUZZ_OBJ    := $(CORE_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BIN    := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%, \
               $(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
	    -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_check.h $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/fuzz -fsanitize=fuzzer $(FUZZ_SAN) \
	    -o $@ $< $(FUZZ_OBJ) $(FUZZ_LIBS)

fuzz: $(FUZZ_BIN)

# Kept between builds, though only pattern rules name them.
.SECONDARY: $(FUZZ_OBJ)
.PHONY: fuzz
