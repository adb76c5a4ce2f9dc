# holo86 — see README.md. `make` builds ./holo86; `make test` installs
# missing Debian packages, builds and runs every test.

CC      ?= gcc
BUILD   ?= build
OPT     ?= -O2 -g
CFLAGS  += $(OPT) -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -I. -MMD -MP
LDLIBS  += -lz
SAN     :=

CORE_SRCS := $(wildcard cpu/*.c cpu/fpu/*.c mmu/*.c devices/*.c jit/*.c)
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
FRONT_SRCS := $(wildcard frontend/*.c)
FRONT_OBJS := $(FRONT_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/*.c tests/devices/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libholo86.a

.PHONY: all deps test asan sst bench bench-cpu bench-linux guest run decoder-check fpu-diff clean run-demo roms
all: holo86 roms

# Firmware from Debian's seabios package, copied next to the binary (never
# committed). holo86 looks for it in roms/ beside its executable.
SEABIOS_DIR ?= /usr/share/seabios
ROMS := roms/bios-256k.bin roms/vgabios-stdvga.bin
roms: $(ROMS)
roms/%.bin:
	@if [ ! -f $(SEABIOS_DIR)/$*.bin ]; then \
	  echo "error: $(SEABIOS_DIR)/$*.bin is missing: install Debian's seabios package (make deps)"; exit 1; fi
	@mkdir -p roms
	cp $(SEABIOS_DIR)/$*.bin $@

holo86: $(BUILD)/holo86
	cp $< $@

$(BUILD)/holo86: $(FRONT_OBJS) $(LIB)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ -lcapstone $(LDLIBS)

$(LIB): $(CORE_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -c -o $@ $<

# Firmware pieces and guest programs written in nasm (includes are looked
# up beside the source).
$(BUILD)/%.bin: %.asm
	@mkdir -p $(dir $@)
	nasm -f bin -I $(dir $<) -o $@ $<

# Bare-metal protected-mode and paging test programs (tests/pm/run.sh).
PM_TESTS := $(patsubst %.asm,$(BUILD)/%.bin,$(wildcard tests/pm/*.asm))
$(PM_TESTS): $(wildcard tests/pm/*.inc)

# Multiboot test kernels (tests/multiboot/run.sh): *_elf.asm are linked as
# ELF32 by GNU ld; the others are flat binaries (the a.out kludge, or ELF
# headers written by hand) built by the %.bin rule above.
MB_ELF_SRCS := $(wildcard tests/multiboot/*_elf.asm)
MB_TESTS := $(MB_ELF_SRCS:%.asm=$(BUILD)/%.elf) \
            $(patsubst %.asm,$(BUILD)/%.bin,$(filter-out $(MB_ELF_SRCS),$(wildcard tests/multiboot/*.asm)))
$(BUILD)/tests/multiboot/%.elf: tests/multiboot/%.asm
	@mkdir -p $(dir $@)
	nasm -f elf32 -I tests/multiboot/ -o $@.o $<
	ld -m elf_i386 -Ttext-segment=0x100000 -e start -o $@ $@.o
$(MB_TESTS): tests/multiboot/mb.inc tests/multiboot/module1.txt tests/multiboot/module2.bin

$(BUILD)/frontend/demo_image.o: CFLAGS += -DDEMO_BIN='"$(BUILD)/bios/demo.bin"'
$(BUILD)/frontend/demo_image.o: $(BUILD)/bios/demo.bin
$(BUILD)/devices/linuxboot_rom.o: CFLAGS += -DLINUXBOOT_BIN='"$(BUILD)/bios/linuxboot.bin"'
$(BUILD)/devices/linuxboot_rom.o: $(BUILD)/bios/linuxboot.bin

# The SDL2 window is built in when SDL2's development files are there.
SDL_CFLAGS := $(shell sdl2-config --cflags 2>/dev/null)
SDL_LIBS := $(shell sdl2-config --libs 2>/dev/null)
$(BUILD)/frontend/display_sdl.o: CFLAGS += -DHOLO86_SDL $(SDL_CFLAGS)
$(BUILD)/holo86: LDLIBS += $(SDL_LIBS)

# Tests ---------------------------------------------------------------------
FRONT_TEST_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/frontend/*.c))
FRONT_LIB_OBJS := $(filter-out $(BUILD)/frontend/main.o,$(FRONT_OBJS))
$(BUILD)/frontend-tests: $(FRONT_TEST_OBJS) $(FRONT_LIB_OBJS) $(LIB)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ -lcriterion -lcapstone $(SDL_LIBS) $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS) $(LIB)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ -lcriterion $(LDLIBS)

$(BUILD)/sst-runner: $(BUILD)/tests/sst/sst_runner.o $(LIB)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ -ljson-c $(LDLIBS)

$(BUILD)/decoder-vs-capstone: $(BUILD)/tests/decoder/decoder_vs_capstone.o $(LIB)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ -lcapstone $(LDLIBS)

FPU_DIFF_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/fpu/*.c))
$(BUILD)/fpu-diff: $(FPU_DIFF_OBJS) $(LIB)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/bench-cpu: $(BUILD)/bench/bench_cpu.o $(LIB)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

SST_DIR ?= ../shared/conformance/sst-80286
TEST_BINS := $(BUILD)/unit-tests $(BUILD)/sst-runner $(BUILD)/decoder-vs-capstone $(BUILD)/fpu-diff $(PM_TESTS) \
             $(BUILD)/tests/cli/triple_fault.bin $(BUILD)/tests/cli/timer_irq.bin \
             $(BUILD)/tests/cli/fpu_irq13.bin $(MB_TESTS) $(BUILD)/frontend-tests \
             $(BUILD)/tests/gdb/target.bin

deps:
	@tools/deps.sh

test: deps
	$(MAKE) all $(TEST_BINS)
	GUEST_SYMBOLS=1 tools/mkguest.sh $(GUEST)
	@BUILD=$(BUILD) GUEST=$(GUEST) SST_DIR=$(SST_DIR) tests/run_all.sh

sst: $(BUILD)/sst-runner
	$(BUILD)/sst-runner $(SST_DIR)

decoder-check: $(BUILD)/decoder-vs-capstone
	$(BUILD)/decoder-vs-capstone

fpu-diff: $(BUILD)/fpu-diff
	$(BUILD)/fpu-diff

bench: bench-cpu bench-linux
bench-cpu: $(BUILD)/bench-cpu $(BUILD)/bench/mix.bin
	$(BUILD)/bench-cpu $(BUILD)/bench/mix.bin

# The SDL window under Xvfb: the CPU an unchanging text screen costs, and
# the frames per second of a full-screen mode-13h animation.
.PHONY: bench-sdl
bench: bench-sdl
bench-sdl: all $(BUILD)/bench/anim13.bin
	bench/sdl.sh $(BUILD)

# The Linux guests of issue 7, built from Debian packages (tools/mkguest.sh;
# quick when up to date; GUEST_SYMBOLS=1 adds System.map and vmlinux from
# the 762 MB -dbg package). One copy for every $(BUILD).
GUEST ?= build/guest
guest:
	tools/mkguest.sh $(GUEST)

# The workload guest on holo86, on QEMU's TCG if installed, and natively.
bench-linux: all guest
	HOLO86=$(BUILD)/holo86 GUEST=$(GUEST) bench/linux.sh

asan: deps
	$(MAKE) BUILD=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	  OPT="-O1 -g" all $(TEST_BINS:$(BUILD)/%=build-asan/%)
	GUEST_SYMBOLS=1 tools/mkguest.sh $(GUEST)
	@BUILD=build-asan GUEST=$(GUEST) SST_DIR=$(SST_DIR) TIMEOUT_SCALE=8 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tests/run_all.sh

# A new user's first command: Debian's kernel and a busybox shell on this
# terminal (serial console; Ctrl-A x quits, `poweroff` in the guest too).
run: deps
	$(MAKE) all
	tools/mkguest.sh $(GUEST)
	$(BUILD)/holo86 -m 256 -nographic -kernel $(GUEST)/vmlinuz -initrd $(GUEST)/initrd.gz \
	  -append "console=ttyS0,115200"

run-demo: holo86
	./holo86 --demo

clean:
	rm -rf build build-asan holo86 roms/*.bin

# Dependency files only: guest trees built under $(BUILD) have directories
# named *.d (etc/init.d).
-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
