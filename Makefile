# Builds build/dndtrack and the unit tests. `make WERROR=1` turns warnings
# into errors (CI does); `make SAN=1` builds with ASan and UBSan. The
# dashboard's files in src/http/web/ are compiled in through build/gen/,
# made by the build tool tools/embed.

CC      ?= cc
PKGS    := rdkafka jansson libmicrohttpd
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
