# libvault - one Makefile for the library, the vault command, tests and install.
#
#   make            build libvault.a, libvault.so.1.1.0, libvault.pc, vault
#   make check      install missing packages, build, run every test
#   make sanitize   the same suite built with ASan+UBSan
#   make valgrind   the unit tests under memcheck (zero leaks, zero errors)
#   make demo       the network scenario through the vault command
#   make bench      libvault against raw SQLCipher, as ratios
#   make attacks    the attacks of issue 12 around the API (part of check)
#   make install / uninstall   honour DESTDIR PREFIX LIBDIR INCLUDEDIR BINDIR MANDIR

VERSION_MAJOR := 1
VERSION_MINOR := 1
VERSION_PATCH := 0
VERSION       := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR    ?=

CC       ?= cc
CFLAGS   ?= -O2 -g
LDFLAGS  ?=
PKG_CONFIG ?= pkg-config
# Debian's python3-pytest belongs to the system interpreter.
PYTHON   ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

B        ?= build
SAN      ?=

LIB_PKGS  := libsodium sqlcipher jansson
# The vault command's line editing (vault shell), not the library's.
CLI_PKGS  := libedit
TEST_PKGS := cmocka libcrypto
# pkg-config module -> Debian package that provides it
DEB_libsodium := libsodium-dev
DEB_sqlcipher := libsqlcipher-dev
DEB_jansson   := libjansson-dev
DEB_cmocka    := libcmocka-dev
DEB_libcrypto := libssl-dev
DEB_libedit   := libedit-dev
# golang-golang-x-mod-dev puts golang.org/x/mod here (dpkg -L shows it)
GO_XMOD       := /usr/share/gocode/src/golang.org/x/mod

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -Wno-unused-parameter
BASE     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -fstack-protector-strong \
            -D_FORTIFY_SOURCE=2
DEP_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(LIB_PKGS) 2>/dev/null)
# zxcvbn (passphrase strength) has no pkg-config module in Debian.
DEP_LIBS   = $(shell $(PKG_CONFIG) --libs $(LIB_PKGS) 2>/dev/null) -lzxcvbn -lm
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
# Tests only: OpenSSL's AES decrypts SQLCipher pages the way an attacker with
# the database key would (test_records: redaction leaves no ciphertext).
CRYPTO_LIBS   = $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null)

ALL_CFLAGS = $(BASE) $(WARN) $(SAN) -Iinclude -Ilib $(DEP_CFLAGS) $(CFLAGS)

LIB_SRC  := $(sort $(wildcard lib/*.c))
LIB_OBJ  := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
CLI_SRC  := $(sort $(wildcard cli/*.c))
CLI_OBJ  := $(CLI_SRC:cli/%.c=$(B)/cli/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
TEST_HELPERS := $(filter-out $(TEST_SRC),$(wildcard tests/unit/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/*_fuzzer.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)

SONAME   := libvault.so.$(VERSION_MAJOR)
SHLIB    := libvault.so.$(VERSION)
STATIC   := $(B)/libvault.a
SHARED   := $(B)/$(SHLIB)

.PHONY: all lib cli tests deps test-deps check unit-tests sanitize valgrind demo bench attacks \
        install uninstall clean headertest example-test fuzz-replay fuzz e2e python-tests \
        abi-check abi-update abi-dump abi-deps FORCE

all: lib cli

lib: $(STATIC) $(SHARED) $(B)/libvault.pc

# --- dependencies: installed from the distribution when missing -------------

define need_pkgs
	@missing=""; for p in $(1); do \
	  $(PKG_CONFIG) --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  debs=""; for p in $$missing; do case $$p in \
	    libsodium) debs="$$debs $(DEB_libsodium)";; sqlcipher) debs="$$debs $(DEB_sqlcipher)";; \
	    jansson) debs="$$debs $(DEB_jansson)";; cmocka) debs="$$debs $(DEB_cmocka)";; \
	    libcrypto) debs="$$debs $(DEB_libcrypto)";; libedit) debs="$$debs $(DEB_libedit)";; esac; done; \
	  echo "libvault: missing$$missing; installing$$debs from the distribution"; \
	  $(call apt_install,pkg-config $$debs) || exit 1; \
	  for p in $$missing; do $(PKG_CONFIG) --exists $$p || \
	    { echo "libvault: $$p still missing after installing$$debs" >&2; exit 1; }; done; \
	fi
endef

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The package names reach the inner shell as arguments ("$$@"), never inside its
# quoted script, where a make-time shell variable would expand to nothing. apt's
# progress goes to /dev/null, its errors stay on stderr and fail the target.
apt_install = $(SUDO) env DEBIAN_FRONTEND=noninteractive sh -c \
  'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$$@" >/dev/null' apt-install $(1)

deps:
	@command -v $(PKG_CONFIG) >/dev/null || { echo "libvault: installing pkg-config"; $(call apt_install,pkg-config); }
	$(call need_pkgs,$(LIB_PKGS) $(CLI_PKGS))
	@printf '#include <zxcvbn.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 || \
	  { echo "libvault: missing zxcvbn.h; installing libzxcvbn-dev from the distribution"; \
	    $(call apt_install,libzxcvbn-dev) || exit 1; }

test-deps: deps
	$(call need_pkgs,$(TEST_PKGS))
	@$(PYTHON) -c 'import pytest' 2>/dev/null || { echo "libvault: installing python3-pytest"; $(call apt_install,python3 python3-pytest); }
	@command -v man >/dev/null 2>&1 && command -v col >/dev/null 2>&1 || \
	  { echo "libvault: installing man-db bsdextrautils (the e2e test renders vault.1)"; $(call apt_install,man-db bsdextrautils); }
	@# tests/e2e/report.sh prints the HTML reports with headless Chromium and reads the PDF back
	@command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || \
	  { echo "libvault: installing chromium poppler-utils fonts-dejavu-core (the e2e test renders the HTML reports; chromium is large)"; \
	    $(call apt_install,chromium poppler-utils fonts-dejavu-core); }
	@# Go's reference transparency-log code checks our checkpoints and proofs (tests/interop)
	@{ command -v go >/dev/null 2>&1 && [ -d $(GO_XMOD)/sumdb/note ]; } || \
	  { echo "libvault: installing golang-go golang-golang-x-mod-dev"; $(call apt_install,golang-go golang-golang-x-mod-dev); }

# --- library -----------------------------------------------------------------

$(B)/lib/%.o: lib/%.c include/vault.h $(wildcard lib/*.h) | $(B)/lib
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -DVAULT_BUILDING -c $< -o $@

$(STATIC): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(SHARED): $(LIB_OBJ) lib/libvault.map
	$(CC) $(SAN) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/libvault.map \
	  -Wl,-z,relro,-z,now -Wl,--no-undefined -o $@ $(LIB_OBJ) $(DEP_LIBS) $(LDFLAGS)
	ln -sf $(SHLIB) $(B)/$(SONAME)
	ln -sf $(SHLIB) $(B)/libvault.so

# libvault.pc embeds the install paths: remade when they change.
$(B)/pc-dirs: FORCE | $(B)
	@echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' > $@.tmp; cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

FORCE:

$(B)/libvault.pc: lib/libvault.pc.in Makefile $(B)/pc-dirs | $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(B) $(B)/lib $(B)/cli $(B)/tests $(B)/fuzz $(B)/bench:
	mkdir -p $@

# --- the vault command ------------------------------------------------------

cli: $(if $(CLI_SRC),$(B)/vault)

CLI_CFLAGS = $(shell $(PKG_CONFIG) --cflags jansson $(CLI_PKGS) 2>/dev/null)
CLI_LIBS   = $(shell $(PKG_CONFIG) --libs jansson $(CLI_PKGS) 2>/dev/null)

$(B)/cli/%.o: cli/%.c include/vault.h $(wildcard cli/*.h) | $(B)/cli
	$(CC) $(ALL_CFLAGS) $(CLI_CFLAGS) -c $< -o $@

# The command links the shared library, so it can only reach exported symbols.
$(B)/vault: $(CLI_OBJ) $(SHARED)
	$(CC) $(SAN) -o $@ $(CLI_OBJ) -L$(B) -lvault \
	  -Wl,-rpath,'$$ORIGIN:$$ORIGIN/../lib' $(CLI_LIBS) $(LDFLAGS)

# --- tests -------------------------------------------------------------------

tests: $(TEST_BIN)

# Unit tests link the static library: they may use private headers to open
# the database directly, inject faults and move the clock.
$(B)/tests/test_%: tests/unit/test_%.c $(TEST_HELPERS) $(wildcard tests/unit/*.h) $(STATIC) | $(B)/tests
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit -DFIXTURES='"$(CURDIR)/tests/fixtures"' \
	  -o $@ $< $(TEST_HELPERS) $(STATIC) $(DEP_LIBS) $(CMOCKA_LIBS) $(CRYPTO_LIBS) $(LDFLAGS)

unit-tests: $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; $(TEST_RUNNER) $$t; done

# The attacks of issue 12, done around the API (tests/attack/README.md).
# Part of check: every attack is defended; it
# prints "ATTACK SUCCEEDS" if one works again.
$(B)/tests/attack: tests/attack/test_attack.c $(TEST_HELPERS) $(wildcard tests/unit/*.h) $(STATIC) | $(B)/tests
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Itests/unit -DFIXTURES='"$(CURDIR)/tests/fixtures"' \
	  -o $@ $< $(TEST_HELPERS) $(STATIC) $(DEP_LIBS) $(CMOCKA_LIBS) $(CRYPTO_LIBS) $(LDFLAGS)

attacks: test-deps
	$(MAKE) --no-print-directory $(B)/tests/attack
	$(TEST_RUNNER) $(B)/tests/attack

check: test-deps
	$(MAKE) --no-print-directory all tests
	$(MAKE) --no-print-directory unit-tests headertest example-test fuzz-replay e2e python-tests attacks
	@echo "make check: all suites passed"

headertest: | $(B)
	$(CC) -std=c11 -Wall -Wextra -pedantic -Werror -Iinclude -x c -c include/vault.h -o $(B)/headertest.o
	printf '#include <vault.h>\nint main(void){return vault_version_number()>0?0:1;}\n' > $(B)/headertest.c
	$(CC) -std=c11 -Wall -Wextra -pedantic -Werror -Iinclude -c $(B)/headertest.c -o $(B)/headertest.o
	@echo "headertest: include/vault.h compiles alone with -std=c11 -pedantic"

# The README's example, built against an installed copy through pkg-config only.
example-test: lib
	@sed -n '/<!-- example:begin -->/,/<!-- example:end -->/p' README.md | sed '1,2d' | head -n -2 > $(B)/readme-example.c
	@diff -u tests/example/example.c $(B)/readme-example.c || { echo "README example differs from tests/example/example.c"; exit 1; }
	@sed -n '/<!-- pyexample:begin -->/,/<!-- pyexample:end -->/p' README.md | sed '1,2d' | head -n -2 > $(B)/readme-example.py
	@sed -n '/^import sys/,$$p' bindings/python/example.py | diff -u - $(B)/readme-example.py || { echo "README Python example differs from bindings/python/example.py"; exit 1; }
	tests/example/run.sh "$(B)" "$(CC)"

fuzz-replay: $(STATIC)
	@set -e; for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  $(CC) $(ALL_CFLAGS) -o $(B)/$$n-replay $$f tests/fuzz/replay.c $(STATIC) $(DEP_LIBS) $(LDFLAGS); \
	  $(TEST_RUNNER) $(B)/$$n-replay tests/fuzz/corpus/$${n%_fuzzer}; done

# libFuzzer builds (clang); not part of check.
fuzz: $(STATIC)
	@set -e; for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang -g -O1 -fsanitize=fuzzer,address,undefined $(BASE) -Iinclude -Ilib $(DEP_CFLAGS) \
	    -o $(B)/$$n $$f $(LIB_SRC) $(DEP_LIBS); echo "built $(B)/$$n"; done

e2e: all
	@if [ -x tests/e2e/run.sh ]; then tests/e2e/run.sh "$(B)/vault"; else echo "e2e: none yet"; fi

python-tests: lib
	@if [ -d bindings/python/tests ]; then \
	  LIBVAULT_PATH=$(CURDIR)/$(B)/$(SONAME) PYTHONPATH=$(CURDIR)/bindings/python \
	  $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests; \
	else echo "python-tests: none yet"; fi

# --- sanitizers, valgrind ---------------------------------------------------

sanitize: test-deps
	$(MAKE) --no-print-directory B=build-san SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  CFLAGS="-O1 -g" all tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(MAKE) --no-print-directory B=build-san SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  CFLAGS="-O1 -g" unit-tests fuzz-replay e2e
	@echo "make sanitize: all suites passed under ASan+UBSan"

valgrind: test-deps
	$(MAKE) --no-print-directory all tests
	$(MAKE) --no-print-directory unit-tests \
	  TEST_RUNNER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --show-leak-kinds=definite,indirect,possible"
	@echo "make valgrind: zero errors, zero leaks"

# --- demo and benchmark -----------------------------------------------------

demo: deps
	$(MAKE) --no-print-directory all
	tests/demo/demo.sh "$(B)/vault"

$(B)/bench/bench: tests/bench/bench.c $(STATIC) | $(B)/bench
	$(CC) $(ALL_CFLAGS) -o $@ $< $(STATIC) $(DEP_LIBS) $(LDFLAGS)

bench: deps
	$(MAKE) --no-print-directory $(B)/bench/bench
	$(B)/bench/bench

# --- ABI ---------------------------------------------------------------------

abi-deps:
	@command -v abidw >/dev/null 2>&1 && command -v abidiff >/dev/null 2>&1 || \
	  { echo "libvault: installing abigail-tools"; $(call apt_install,abigail-tools); }

abi-dump: lib abi-deps
	abidw --no-corpus-path --headers-dir include $(SHARED) > $(B)/libvault.abi

abi-check: abi-dump
	tests/abi/check.sh $(B)

abi-update: abi-dump
	cp $(B)/libvault.abi tests/abi/libvault.abi
	tests/abi/constants.sh update "$(CC)"
	@echo "baseline updated: add an entry to tests/abi/CHANGES saying why"

# --- install -----------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0644 $(STATIC) $(DESTDIR)$(LIBDIR)/libvault.a
	install -m 0755 $(SHARED) $(DESTDIR)$(LIBDIR)/$(SHLIB)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/libvault.so
	install -m 0644 include/vault.h $(DESTDIR)$(INCLUDEDIR)/vault.h
	install -m 0644 $(B)/libvault.pc $(DESTDIR)$(PKGCONFIGDIR)/libvault.pc
	if [ -x $(B)/vault ]; then install -d $(DESTDIR)$(BINDIR) && install -m 0755 $(B)/vault $(DESTDIR)$(BINDIR)/vault; fi
	if [ -f cli/vault.1 ]; then install -d $(DESTDIR)$(MANDIR)/man1 && install -m 0644 cli/vault.1 $(DESTDIR)$(MANDIR)/man1/vault.1; fi

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libvault.a $(DESTDIR)$(LIBDIR)/$(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libvault.so $(DESTDIR)$(INCLUDEDIR)/vault.h \
	  $(DESTDIR)$(PKGCONFIGDIR)/libvault.pc $(DESTDIR)$(BINDIR)/vault $(DESTDIR)$(MANDIR)/man1/vault.1

clean:
	rm -rf build build-san
