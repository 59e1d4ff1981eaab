# SPDX-License-Identifier: GPL-2.0-or-later
# mkinitramfs: one non-recursive Makefile. Everything it makes goes under $(B)/.

VERSION := 0.1.0
# SANITIZE=1 builds with ASan+UBSan into its own tree, so it never mixes with build/.
ifeq ($(SANITIZE),1)
B ?= build-asan
else
B ?= build
endif
PREFIX ?= /usr
SYSCONFDIR ?= /etc
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
# Where the program goes; a distribution may prefer $(PREFIX)/sbin.
SBINDIR ?= $(BINDIR)
LIBDIR ?= $(PREFIX)/lib/mkinitramfs
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
MUSL_CC ?= musl-gcc
PKG_CONFIG ?= pkg-config
GEN_PKGS := libkmod libarchive libzstd liblzma zlib liblz4
# libarchive is loaded with dlopen when an image needs it (generator/shared/arlib.c),
# libkmod when a build resolves modules (generator/modules/kmodlib.c; a no-op does not):
# their headers at build time, their sonames in the packages' dependencies, not linked.
GEN_LINK_PKGS := $(filter-out libarchive libkmod,$(GEN_PKGS))

ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say := @printf '  %-8s %s\n'
endif

WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wundef -Wvla -Wwrite-strings \
	-Wno-missing-field-initializers
# Warnings are errors in the project's own runs (make test, CI: WERROR=1), never in a
# distribution's build, where a newer compiler's new warning must not fail the package.
WERROR ?= 0
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
COMMON_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -D_GNU_SOURCE

ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

GEN_CFLAGS = $(COMMON_CFLAGS) -iquote generator -iquote generator/shared -iquote abi $(SAN_FLAGS) -DMKINITRAMFS_VERSION='"$(VERSION)"' \
	-DMKINITRAMFS_LIBDIR='"$(LIBDIR)"' -DMKINITRAMFS_SYSCONFDIR='"$(SYSCONFDIR)"' \
	$(shell $(PKG_CONFIG) --cflags $(GEN_PKGS) 2>/dev/null) $(CPPFLAGS) $(CFLAGS)
# The distribution's CPPFLAGS and CFLAGS (hardening, debug info) also reach the host
# build of the init's logic that the unit tests run; the static init keeps its own flags
# (size-bound, no stack protector: it runs before anything could report a failure).
HOST_CFLAGS = $(COMMON_CFLAGS) $(CPPFLAGS) $(CFLAGS)
GEN_LIBS = $(shell $(PKG_CONFIG) --libs $(GEN_LINK_PKGS) 2>/dev/null) -lpthread -ldl
INIT_CFLAGS := -std=gnu11 -Os $(WARNINGS) -D_GNU_SOURCE -iquote abi -static -ffunction-sections \
	-fdata-sections -fno-asynchronous-unwind-tables -fno-stack-protector
# -z noseparate-code: with separate code pages, ld pads the header, the code and the
# read-only data each to a 4 KiB page of the file, about 10 KB of zeros in a 50 KB
# program; the cost is that .rodata (messages and tables) is mapped executable, for a
# PID 1 that runs only until switch root.
INIT_LDFLAGS := -static -Wl,--gc-sections -Wl,-z,noseparate-code -s
# The init alone (its size is budgeted): -z norelro -z common-page-size=64. musl applies
# RELRO only in its dynamic loader, never in a static program, so the padding ld adds
# to end RELRO on a page boundary protects nothing; without it the data follow the code
# in the file (up to 4 KiB less).
INIT_PACK_LDFLAGS := -Wl,-z,norelro -Wl,-z,common-page-size=64

# generator/shared/: the generic layer every subsystem uses (on the include path);
# generator/modules/: the module pipeline, included from outside as "modules/x.h".
GEN_SRCS := $(sort $(wildcard generator/*.c generator/*/*.c))
GEN_LIB_SRCS := $(filter-out generator/main.c,$(GEN_SRCS))
GEN_OBJS := $(GEN_SRCS:%.c=$(B)/obj/%.o)
GEN_LIB_OBJS := $(GEN_LIB_SRCS:%.c=$(B)/obj/%.o)
INIT_SRCS := $(sort $(wildcard init/*.c))
# The init's logic, built for the host so unit tests can run it against a fake sys.c.
INIT_HOST_SRCS := $(filter-out init/main.c init/sys.c,$(INIT_SRCS))
INIT_HOST_OBJS := $(INIT_HOST_SRCS:%.c=$(B)/obj-host/%.o)
# The network-root helper (build/netroot): its own program so the init stays small.
# Its pure parts (ip=, root specs, DHCP frames, NBD handshake) are unit-tested on the host.
NET_SRCS := $(sort $(wildcard init/net/*.c))
NET_FROM_INIT := init/cmdline.c init/file.c init/log.c init/str.c
NET_HOST_SRCS := init/net/ipconf.c init/net/netspec.c init/net/dhcp.c init/net/nbdproto.c \
	init/net/netconf.c
INIT_HOST_OBJS += $(NET_HOST_SRCS:%.c=$(B)/obj-host/%.o)
# The fsck and usr helper (build/fsck, and build/usr: the same program under the name
# the usr hook adds). Its policy (checker, arguments, exit codes, fstab) is unit-tested.
FSCK_SRCS := $(sort $(wildcard init/fsck/*.c))
FSCK_FROM_INIT := init/cmdline.c init/dir.c init/file.c init/gpt.c init/log.c init/probe.c \
	init/root.c init/str.c
FSCK_HOST_SRCS := init/fsck/check.c init/fsck/fstab.c
INIT_HOST_OBJS += $(FSCK_HOST_SRCS:%.c=$(B)/obj-host/%.o)
# The console helper (build/vconsole): keymap and font; its parsers are unit-tested.
VCON_SRCS := $(sort $(wildcard init/vconsole/*.c))
VCON_FROM_INIT := init/file.c init/log.c init/str.c
VCON_HOST_SRCS := init/vconsole/keymap.c init/vconsole/font.c
INIT_HOST_OBJS += $(VCON_HOST_SRCS:%.c=$(B)/obj-host/%.o)
# The module decompressor of generic images (build/unzstd): libzstd's decoder, static
# with musl. musl-gcc does not search /usr/include, so zstd's two headers are copied.
UNZSTD_SRCS := $(sort $(wildcard init/unzstd/*.c))
UNZSTD_FROM_INIT := init/log.c init/str.c
ZSTD_INCLUDEDIR ?= /usr/include
ZSTD_STATIC_LIB ?= $(firstword $(wildcard /usr/lib/*/libzstd.a /usr/lib/libzstd.a /usr/lib64/libzstd.a))

UNIT_GEN_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_INIT_SRCS := $(sort $(wildcard tests/unit/init/test_*.c))
UNIT_BINS := $(UNIT_GEN_SRCS:tests/unit/%.c=$(B)/tests/%) \
	$(UNIT_INIT_SRCS:tests/unit/init/%.c=$(B)/tests/init/%)
TEST_HELPER_SRCS := $(sort $(wildcard tests/unit/helpers/*.c))
INIT_FAKE_SRCS := $(sort $(wildcard tests/unit/init/fake_*.c))

INIT_SIZE_LIMIT := 65536

# Every object and test records the headers it included (foo.o -> foo.d), so a header
# change rebuilds exactly what uses it.
DEPFLAGS = -MMD -MP

.PHONY: all deps install install-update-initramfs uninstall test test-run unit-test integration-test boot-test size \
	lint check-format format clean fixture demo bench fuzz fuzz-build dist
all: $(B)/mkinitramfs $(B)/init $(B)/netroot $(B)/fsck $(B)/usr $(B)/vconsole $(B)/unzstd

# The paths compiled into the generator: a change of PREFIX, LIBDIR or SYSCONFDIR
# rebuilds it, so `make install PREFIX=/opt/x` after `make` installs a binary that
# looks in /opt/x. Other CPPFLAGS or CFLAGS rebuild it too: objects of two flag sets
# never mix.
PATHS_STAMP := $(B)/paths.stamp
STAMP_TEXT := $(subst ','\'',$(VERSION) $(LIBDIR) $(SYSCONFDIR) $(CPPFLAGS) $(CFLAGS))
$(shell mkdir -p $(B) && echo '$(STAMP_TEXT)' | cmp -s - $(PATHS_STAMP) || \
	echo '$(STAMP_TEXT)' >$(PATHS_STAMP))

$(B)/obj/%.o: %.c $(PATHS_STAMP)
	$(say) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(GEN_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/libgenerator.a: $(GEN_LIB_OBJS)
	$(say) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

# SANITIZE=1 adds ASan's run-time defaults (tests/sanitize/options.c).
SAN_OBJS := $(if $(SAN_FLAGS),$(B)/obj/tests/sanitize/options.o)

$(B)/mkinitramfs: $(B)/obj/generator/main.o $(B)/libgenerator.a $(SAN_OBJS)
	$(say) LD $@
	$(Q)$(CC) $(GEN_CFLAGS) $(LDFLAGS) -o $@ $^ $(GEN_LIBS)

$(B)/obj-init/%.o: %.c
	$(say) MUSLCC $<
	@mkdir -p $(@D)
	$(Q)$(MUSL_CC) $(INIT_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/init: $(INIT_SRCS:%.c=$(B)/obj-init/%.o)
	$(say) LD $@
	$(Q)$(MUSL_CC) $(INIT_CFLAGS) $(INIT_LDFLAGS) $(INIT_PACK_LDFLAGS) -o $@ $^

$(B)/obj-init/init/net/%.o: INIT_CFLAGS += -iquote init
$(B)/obj-init/init/fsck/%.o: INIT_CFLAGS += -iquote init
$(B)/obj-init/init/vconsole/%.o: INIT_CFLAGS += -iquote init

$(B)/netroot: $(NET_SRCS:%.c=$(B)/obj-init/%.o) $(NET_FROM_INIT:%.c=$(B)/obj-init/%.o)
	$(say) LD $@
	$(Q)$(MUSL_CC) $(INIT_CFLAGS) $(INIT_LDFLAGS) -o $@ $^

$(B)/fsck: $(FSCK_SRCS:%.c=$(B)/obj-init/%.o) $(FSCK_FROM_INIT:%.c=$(B)/obj-init/%.o)
	$(say) LD $@
	$(Q)$(MUSL_CC) $(INIT_CFLAGS) $(INIT_LDFLAGS) -o $@ $^

$(B)/usr: $(B)/fsck
	$(Q)ln -f $< $@

$(B)/vconsole: $(VCON_SRCS:%.c=$(B)/obj-init/%.o) $(VCON_FROM_INIT:%.c=$(B)/obj-init/%.o)
	$(say) LD $@
	$(Q)$(MUSL_CC) $(INIT_CFLAGS) $(INIT_LDFLAGS) -o $@ $^

$(B)/zinc/zstd.h $(B)/zinc/zstd_errors.h: $(B)/zinc/%: $(ZSTD_INCLUDEDIR)/%
	@mkdir -p $(@D)
	$(Q)cp $< $@

$(B)/obj-init/init/unzstd/%.o: INIT_CFLAGS += -iquote init -I$(B)/zinc
$(B)/obj-init/init/unzstd/main.o: $(B)/zinc/zstd.h $(B)/zinc/zstd_errors.h

$(B)/unzstd: $(UNZSTD_SRCS:%.c=$(B)/obj-init/%.o) $(UNZSTD_FROM_INIT:%.c=$(B)/obj-init/%.o)
	$(say) LD $@
	$(Q)$(if $(ZSTD_STATIC_LIB),,$(error no libzstd.a found: install libzstd-dev or set ZSTD_STATIC_LIB))
	$(Q)$(MUSL_CC) $(INIT_CFLAGS) $(INIT_LDFLAGS) -o $@ $^ $(ZSTD_STATIC_LIB)

$(B)/obj-host/%.o: %.c $(PATHS_STAMP)
	$(say) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(HOST_CFLAGS) -iquote init -iquote abi $(SAN_FLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/libinit-host.a: $(INIT_HOST_OBJS)
	$(say) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^ $(if $^,,/dev/null)

$(B)/tests/test_%: tests/unit/test_%.c $(B)/libgenerator.a $(TEST_HELPER_SRCS)
	$(say) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(GEN_CFLAGS) $(LDFLAGS) $(DEPFLAGS) -iquote tests/unit -iquote tests/unit/helpers -o $@ $< $(TEST_HELPER_SRCS) \
		$(B)/libgenerator.a $(GEN_LIBS) -lcriterion

$(B)/tests/init/test_%: tests/unit/init/test_%.c $(B)/libinit-host.a $(INIT_FAKE_SRCS)
	$(say) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(HOST_CFLAGS) $(LDFLAGS) -iquote init -iquote abi $(SAN_FLAGS) -iquote tests/unit/init $(DEPFLAGS) -o $@ $< \
		$(INIT_FAKE_SRCS) $(B)/libinit-host.a -lcriterion

# Test tools: programs linked with the generator's library, driven by integration tests.
$(B)/tests/tools/%: tests/tools/%.c $(B)/libgenerator.a
	$(say) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(GEN_CFLAGS) $(LDFLAGS) $(DEPFLAGS) -o $@ $< $(B)/libgenerator.a $(GEN_LIBS)

# tests/tools/init-*.c: the init's own code built for the host (its parsers as oracles).
$(B)/tests/tools/init-%: tests/tools/init-%.c $(B)/libinit-host.a
	$(say) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(HOST_CFLAGS) $(LDFLAGS) -iquote init -iquote abi $(SAN_FLAGS) $(DEPFLAGS) -o $@ $< \
		$(B)/libinit-host.a

TEST_TOOLS := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c))

# Packages for the build, the tests and the main job; installs only what is missing.
deps:
	@tests/deps.sh

fixture:
	@tests/kernel-fixture.sh

size: $(B)/init
	@tests/check-init-size.sh $(B)/init $(INIT_SIZE_LIMIT)

unit-test: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

# INTEGRATION_SUITES="tests/integration/a.sh ...": only those (default: all).
integration-test: all $(TEST_TOOLS)
	@B=$(abspath $(B)) tests/run-integration.sh $(INTEGRATION_SUITES)

boot-test: all
	@tests/boot/run.sh

# Unit tests, integration tests (fake trees, the real kernel's tree, the oracle) and
# boot tests in QEMU. Ends with one "N passed, N failed" line.
test:
	@tests/deps.sh
	@$(MAKE) --no-print-directory test-run WERROR=1

test-run: all $(UNIT_BINS) $(TEST_TOOLS)
	@B=$(abspath $(B)) tests/run-all.sh $(UNIT_BINS)

# The main job: build, fetch the test kernel, generate an image, boot it.
demo:
	@tests/deps.sh
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

# libFuzzer harnesses (clang, ASan+UBSan), each run FUZZ_TIME seconds from the seed
# corpora in tests/fuzz/corpus/; prints executions and crashes per harness.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_FLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_GEN := $(filter-out generator/main.c,$(GEN_SRCS))
FUZZ_INIT := init/cmdline.c init/plan.c init/probe.c init/str.c init/root.c init/file.c init/gpt.c \
	init/net/dhcp.c init/net/ipconf.c init/net/netspec.c init/net/nbdproto.c init/fsck/fstab.c
FUZZ_HARNESSES := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(B)/fuzz/obj/%.o: %.c
	$(say) FUZZCC $<
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_INC) -iquote abi $(DEPFLAGS) \
		-DMKINITRAMFS_VERSION='"$(VERSION)"' -DMKINITRAMFS_LIBDIR='"$(LIBDIR)"' \
		-DMKINITRAMFS_SYSCONFDIR='"$(SYSCONFDIR)"' \
		$(shell $(PKG_CONFIG) --cflags $(GEN_PKGS) 2>/dev/null) -c -o $@ $<

# Each side's own headers only: init/log.h must not shadow generator/shared/log.h.
FUZZ_INC = -iquote init
$(B)/fuzz/obj/generator/%.o: FUZZ_INC = -iquote generator -iquote generator/shared

$(B)/fuzz/libgen.a: $(FUZZ_GEN:%.c=$(B)/fuzz/obj/%.o)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/fuzz/libinit.a: $(FUZZ_INIT:%.c=$(B)/fuzz/obj/%.o)
	$(Q)rm -f $@ && ar rcs $@ $^

# fuzz_init_*.c drive the init's parsers, the others the generator's.
FUZZ_LDFLAGS = $(subst fuzzer-no-link,fuzzer,$(FUZZ_FLAGS))

$(B)/fuzz/fuzz_init_%: tests/fuzz/fuzz_init_%.c $(B)/fuzz/libinit.a
	$(say) FUZZLD $@
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -iquote init -iquote abi -o $@ $< $(B)/fuzz/libinit.a

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(B)/fuzz/libgen.a
	$(say) FUZZLD $@
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -iquote generator -iquote generator/shared -iquote abi -o $@ $< \
		$(B)/fuzz/libgen.a $(GEN_LIBS)

fuzz-build: $(FUZZ_HARNESSES)

fuzz: fuzz-build
	@B=$(abspath $(B)) tests/fuzz/run.sh $(FUZZ_TIME)

# Against initramfs-tools, dracut and a busybox baseline; see README's Benchmarks.
bench:
	@tests/deps.sh
	@$(MAKE) --no-print-directory all $(TEST_TOOLS)
	@tests/bench/run.sh

# Static checks: the format, cppcheck on both programs (memleak/resourceLeak are off for
# the generator, whose _cleanup_ attributes cppcheck cannot see), shellcheck's errors on
# every shell script.
SHELL_SCRIPTS = $(shell git ls-files '*.sh' 2>/dev/null) .ci/run hooks/pacman/mkinitramfs-install \
	hooks/pacman/mkinitramfs-remove $(wildcard hooks/kernel-install/* hooks/debian/*/*) \
	hooks/debian/update-initramfs debian/postinst debian/postrm $(wildcard tests/integration/*.bash)
lint: check-format
	@cppcheck -q --enable=warning,portability --error-exitcode=1 -D_GNU_SOURCE -I abi \
		-I generator -I generator/shared --suppress=memleak --suppress=resourceLeak \
		generator/*.c generator/*/*.c
	@cppcheck -q --enable=warning,portability --error-exitcode=1 -D_GNU_SOURCE -I abi \
		-I init init/*.c init/net/*.c init/fsck/*.c init/vconsole/*.c init/unzstd/*.c
	@shellcheck -s bash -S error $(SHELL_SCRIPTS)
	@echo "lint: format, cppcheck and shellcheck found nothing"

check-format:
	@clang-format --dry-run -Werror generator/*.[ch] generator/*/*.[ch] init/*.[ch] init/net/*.[ch] init/fsck/*.[ch] init/vconsole/*.[ch] init/unzstd/*.[ch] abi/*.h

format:
	@clang-format -i generator/*.[ch] generator/*/*.[ch] init/*.[ch] init/net/*.[ch] init/fsck/*.[ch] init/vconsole/*.[ch] init/unzstd/*.[ch] abi/*.h

# The release tarball (the packages build from it): every file git tracks, plus new
# files not ignored yet.
DIST := $(B)/mkinitramfs-$(VERSION).tar.gz
dist:
	@rm -rf $(B)/dist && mkdir -p $(B)/dist/mkinitramfs-$(VERSION)
	@git ls-files -co --exclude-standard | while read -r f; do \
		[ -f "$$f" ] && printf '%s\0' "$$f"; done | \
		xargs -0 cp --parents -t $(B)/dist/mkinitramfs-$(VERSION)
	tar -C $(B)/dist --sort=name --owner=0 --group=0 --numeric-owner \
		-czf $(DIST) mkinitramfs-$(VERSION)
	@rm -rf $(B)/dist

# ---- install ------------------------------------------------------------------------
SHAREDIR ?= $(PREFIX)/share
ALPM_HOOKDIR ?= $(SHAREDIR)/libalpm/hooks
ALPM_SCRIPTDIR ?= $(SHAREDIR)/libalpm/scripts
KERNEL_INSTALL_DIR ?= $(PREFIX)/lib/kernel/install.d
KERNEL_HOOK_DIR ?= $(SYSCONFDIR)/kernel
BASHCOMPDIR ?= $(SHAREDIR)/bash-completion/completions

# Scripts name the installed paths; @VAR@ placeholders are filled in at install time.
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SBINDIR_REL@|$(patsubst /%,%,$(SBINDIR))|g' -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@SCRIPTDIR@|$(ALPM_SCRIPTDIR)|g'
MAN_PAGES := $(wildcard man/*.[1-8])
BUILD_HOOKS := $(wildcard hooks/build/*)
PRESETS := $(wildcard presets/*.preset)
# Every installed file but the configuration, for uninstall.
INSTALLED := $(SBINDIR)/mkinitramfs $(LIBDIR)/init $(LIBDIR)/netroot $(LIBDIR)/fsck $(LIBDIR)/usr $(LIBDIR)/vconsole $(LIBDIR)/unzstd \
	$(BUILD_HOOKS:hooks/build/%=$(LIBDIR)/hooks/%) \
	$(LIBDIR)/presets/linux.preset.template $(PRESETS:presets/%=$(LIBDIR)/presets/%) \
	$(foreach m,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
	$(ALPM_HOOKDIR)/90-mkinitramfs-install.hook $(ALPM_HOOKDIR)/60-mkinitramfs-remove.hook \
	$(ALPM_SCRIPTDIR)/mkinitramfs-install $(ALPM_SCRIPTDIR)/mkinitramfs-remove \
	$(KERNEL_INSTALL_DIR)/50-mkinitramfs.install \
	$(KERNEL_HOOK_DIR)/postinst.d/zz-mkinitramfs $(KERNEL_HOOK_DIR)/postrm.d/zz-mkinitramfs \
	$(BASHCOMPDIR)/mkinitramfs

# subst-install SRC DST MODE
define subst-install
	@mkdir -p $(dir $(DESTDIR)$(2))
	$(SUBST) $(1) >$(DESTDIR)$(2).tmp && chmod $(3) $(DESTDIR)$(2).tmp && \
		mv $(DESTDIR)$(2).tmp $(DESTDIR)$(2)

endef

install: all
	install -Dm755 $(B)/mkinitramfs $(DESTDIR)$(SBINDIR)/mkinitramfs
	install -Dm755 $(B)/init $(DESTDIR)$(LIBDIR)/init
	install -Dm755 $(B)/netroot $(DESTDIR)$(LIBDIR)/netroot
	install -Dm755 $(B)/fsck $(DESTDIR)$(LIBDIR)/fsck
	ln -f $(DESTDIR)$(LIBDIR)/fsck $(DESTDIR)$(LIBDIR)/usr
	install -Dm755 $(B)/vconsole $(DESTDIR)$(LIBDIR)/vconsole
	install -Dm755 $(B)/unzstd $(DESTDIR)$(LIBDIR)/unzstd
	@# The configuration is the user's: never overwritten.
	@[ -e $(DESTDIR)$(SYSCONFDIR)/mkinitramfs.conf ] || \
		install -Dm644 mkinitramfs.conf $(DESTDIR)$(SYSCONFDIR)/mkinitramfs.conf
	@for m in $(MAN_PAGES); do s=$${m##*.}; \
		install -Dm644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} || exit 1; done
	@for h in $(BUILD_HOOKS); do \
		install -Dm644 $$h $(DESTDIR)$(LIBDIR)/hooks/$${h##*/} || exit 1; done
	@for p in presets/linux.preset.template $(PRESETS); do \
		install -Dm644 $$p $(DESTDIR)$(LIBDIR)/presets/$${p##*/} || exit 1; done
	$(call subst-install,hooks/pacman/90-mkinitramfs-install.hook,$(ALPM_HOOKDIR)/90-mkinitramfs-install.hook,644)
	$(call subst-install,hooks/pacman/60-mkinitramfs-remove.hook,$(ALPM_HOOKDIR)/60-mkinitramfs-remove.hook,644)
	$(call subst-install,hooks/pacman/mkinitramfs-install,$(ALPM_SCRIPTDIR)/mkinitramfs-install,755)
	$(call subst-install,hooks/pacman/mkinitramfs-remove,$(ALPM_SCRIPTDIR)/mkinitramfs-remove,755)
	$(call subst-install,hooks/kernel-install/50-mkinitramfs.install,$(KERNEL_INSTALL_DIR)/50-mkinitramfs.install,755)
	$(call subst-install,hooks/debian/postinst.d/zz-mkinitramfs,$(KERNEL_HOOK_DIR)/postinst.d/zz-mkinitramfs,755)
	$(call subst-install,hooks/debian/postrm.d/zz-mkinitramfs,$(KERNEL_HOOK_DIR)/postrm.d/zz-mkinitramfs,755)
	install -Dm644 completion/mkinitramfs.bash $(DESTDIR)$(BASHCOMPDIR)/mkinitramfs

# Debian's entry point for kernel packages, DKMS and dpkg triggers (the Debian package
# installs it; initramfs-tools owns the name otherwise, so plain `make install` does not).
install-update-initramfs:
	$(call subst-install,hooks/debian/update-initramfs,$(SBINDIR)/update-initramfs,755)
	install -Dm644 hooks/debian/update-initramfs.8 $(DESTDIR)$(MANDIR)/man8/update-initramfs.8

# Removes what install put in place; the configuration only when it is unmodified.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@if cmp -s mkinitramfs.conf $(DESTDIR)$(SYSCONFDIR)/mkinitramfs.conf; then \
		echo rm -f $(DESTDIR)$(SYSCONFDIR)/mkinitramfs.conf; \
		rm -f $(DESTDIR)$(SYSCONFDIR)/mkinitramfs.conf; fi
	-@rmdir $(DESTDIR)$(LIBDIR)/hooks $(DESTDIR)$(LIBDIR)/presets $(DESTDIR)$(LIBDIR) \
		2>/dev/null || true

clean:
	rm -rf $(B)/obj $(B)/obj-init $(B)/obj-host $(B)/tests $(B)/mkinitramfs $(B)/init $(B)/netroot \
		$(B)/fsck $(B)/usr $(B)/vconsole $(B)/unzstd $(B)/zinc $(B)/*.a $(B)/fuzz

-include $(wildcard $(B)/obj/*/*.d $(B)/obj/*/*/*.d $(B)/obj-init/*/*.d \
	$(B)/obj-host/*/*.d $(B)/obj-init/*/*/*.d $(B)/obj-host/*/*/*.d $(B)/tests/*.d $(B)/tests/*/*.d $(B)/fuzz/obj/*/*.d $(B)/fuzz/obj/*/*/*.d)
