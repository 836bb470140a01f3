# Builds build/dndtrack and the unit tests. `make WERROR=1` turns warnings
# into errors (CI does); `make SAN=1` builds with ASan and UBSan.

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

all: $(B)/dndtrack

$(B)/dndtrack: $(CORE_OBJ) $(APP_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

HTTP_OBJ := $(B)/src/http/http.o $(B)/src/http/page.o
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
