/* Multiboot v1 direct kernel boot; see multiboot.h. Written from the
 * Multiboot Specification 0.6.96 and the ELF specification (32-bit).
 *
 * Memory use. Everything the loader puts in RAM is a "piece": the kernel's
 * segments (file bytes, then zeros up to the memory size), the modules,
 * and one block of boot data (a 4 KiB stack, the GDT, the information
 * structure, the memory map, the module list and the strings). Pieces
 * must lie in usable RAM, which is what the memory map reports as type 1:
 * 0..0x9FC00 and 1 MiB..top of RAM. Modules go page-aligned after the
 * kernel; the boot data goes at the lowest free page from 0x1000 (below
 * 640 KiB unless the kernel occupies it). The pieces are kept so that a
 * machine reset can copy them in again. */
#include "devices/multiboot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/segment.h"
#include "devices/hostfile.h"

#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_SEARCH 8192u /* the header lies within the first 8 KiB */

/* Header flags. Bits 0-15 are requirements a loader must understand. */
enum {
  MBH_PAGE_ALIGN = 1u << 0, /* modules on 4 KiB boundaries */
  MBH_MEMINFO = 1u << 1,    /* mem_lower/mem_upper (and the map) wanted */
  MBH_VIDEO = 1u << 2,      /* a video mode wanted */
  MBH_KNOWN_REQUIRED = MBH_PAGE_ALIGN | MBH_MEMINFO | MBH_VIDEO,
  MBH_ADDRESSES = 1u << 16, /* the a.out-kludge address fields are valid */
};

/* Information structure: flags bits and field offsets. */
enum {
  MBI_MEM = 1u << 0, MBI_CMDLINE = 1u << 2, MBI_MODS = 1u << 3, MBI_MMAP = 1u << 6,
  MBI_LOADER_NAME = 1u << 9,
};
enum {
  MBI_FLAGS = 0, MBI_MEM_LOWER = 4, MBI_MEM_UPPER = 8, MBI_CMDLINE_ADDR = 16,
  MBI_MODS_COUNT = 20, MBI_MODS_ADDR = 24, MBI_MMAP_LENGTH = 44, MBI_MMAP_ADDR = 48,
  MBI_LOADER_NAME_ADDR = 64,
  MBI_SIZE = 116, /* up to and including the framebuffer fields */
};
#define MB_MODULE_SIZE 16 /* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY 24  /* size (= 20), base_addr (64), length (64), type */

/* The PC memory layout the loader reports (and loads into). */
#define LOW_RAM_END 0x9FC00u /* the EBDA starts here */
#define HIGH_RAM 0x100000u
#define BOOT_DATA_MIN 0x1000u /* leave the real-mode IVT and BDA alone */
#define STACK_SIZE 4096u

/* ELF32 offsets. */
enum {
  EI_CLASS = 4, EI_DATA = 5, E_TYPE = 16, E_MACHINE = 18, E_ENTRY = 24, E_PHOFF = 28,
  E_PHENTSIZE = 42, E_PHNUM = 44, ELF_EHDR_SIZE = 52,
  P_TYPE = 0, P_OFFSET = 4, P_VADDR = 8, P_PADDR = 12, P_FILESZ = 16, P_MEMSZ = 20,
  ELF_PHDR_SIZE = 32,
  PT_LOAD = 1, ET_EXEC = 2, EM_386 = 3,
};

typedef struct Piece {
  uint32_t addr;
  const uint8_t *data; /* filesz bytes, then memsz - filesz zeros */
  uint32_t filesz, memsz;
} Piece;

struct Multiboot {
  Device dev;
  Machine *m;
  uint8_t *kernel;
  size_t kernel_size;
  uint8_t **files; /* module contents */
  int nfiles;
  uint8_t *boot_data;
  Piece *pieces;
  int npieces;
  uint32_t kernel_end; /* end of the kernel's highest piece */
  uint32_t entry, info, gdt, esp;
};

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
static void wr32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void wr64(uint8_t *p, uint64_t v) {
  wr32(p, (uint32_t)v);
  wr32(p + 4, (uint32_t)(v >> 32));
}

static void fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

static uint32_t ram_top(const Multiboot *mb) { return mb->m->mem->ram_size; }

/* [addr, addr + len) lies in RAM the memory map calls usable. */
static bool usable(const Multiboot *mb, uint64_t addr, uint64_t len) {
  uint64_t end = addr + len;
  return end <= LOW_RAM_END || (addr >= HIGH_RAM && end <= ram_top(mb));
}

static void describe_ram(const Multiboot *mb, char *buf, size_t n) {
  if (ram_top(mb) > HIGH_RAM)
    snprintf(buf, n, "usable RAM is 0x0-0x%X and 0x%X-0x%X with -m %u", LOW_RAM_END - 1, HIGH_RAM,
             ram_top(mb) - 1, ram_top(mb) >> 20);
  else
    snprintf(buf, n, "usable RAM is 0x0-0x%X with -m %u", LOW_RAM_END - 1, ram_top(mb) >> 20);
}

static bool overlaps_piece(const Multiboot *mb, uint64_t addr, uint64_t len) {
  for (int i = 0; i < mb->npieces; i++) {
    const Piece *p = &mb->pieces[i];
    if (addr < (uint64_t)p->addr + p->memsz && p->addr < addr + len) return true;
  }
  return false;
}

static void add_piece(Multiboot *mb, uint32_t addr, const uint8_t *data, uint32_t filesz,
                      uint32_t memsz) {
  Piece *p = realloc(mb->pieces, (size_t)(mb->npieces + 1) * sizeof *p);
  if (!p) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  mb->pieces = p;
  mb->pieces[mb->npieces++] = (Piece){addr, data, filesz, memsz};
}

static uint64_t page_up(uint64_t a) { return (a + 0xFFF) & ~(uint64_t)0xFFF; }

/* The lowest page-aligned address >= min where len bytes fit in usable,
 * unoccupied RAM. Only the start of a region or the end of a piece can be
 * the lowest such address. */
static bool place(const Multiboot *mb, uint64_t len, uint64_t min, uint32_t *out) {
  if (len == 0) len = 1;
  uint64_t best = UINT64_MAX;
  for (int i = -2; i < mb->npieces; i++) {
    uint64_t c = i == -2 ? min : i == -1 ? HIGH_RAM : (uint64_t)mb->pieces[i].addr + mb->pieces[i].memsz;
    c = page_up(c);
    if (c < min || c >= best) continue;
    if (usable(mb, c, len) && !overlaps_piece(mb, c, len)) best = c;
  }
  if (best == UINT64_MAX) return false;
  *out = (uint32_t)best;
  return true;
}

/* A kernel piece: check it fits in RAM and record it. */
static bool kernel_piece(Multiboot *mb, const char *what, uint64_t addr, const uint8_t *data,
                         uint64_t filesz, uint64_t memsz, char *err, size_t errlen) {
  if (memsz == 0) return true;
  if (!usable(mb, addr, memsz)) {
    char ram[128];
    describe_ram(mb, ram, sizeof ram);
    /* GNU ld's default script with -Ttext=0x100000 puts the ELF headers
     * in a segment of their own just below 1 MiB. */
    bool hole = addr < HIGH_RAM && addr + memsz > LOW_RAM_END;
    fail(err, errlen, "%s (physical 0x%llX-0x%llX) is outside RAM (%s)%s", what,
         (unsigned long long)addr, (unsigned long long)(addr + memsz - 1), ram,
         hole ? "; the 640 KiB-1 MiB hole cannot be loaded (if ld put the ELF headers there, "
                "link with -Ttext-segment=0x100000 or a linker script)"
              : "");
    return false;
  }
  add_piece(mb, (uint32_t)addr, data, (uint32_t)filesz, (uint32_t)memsz);
  return true;
}

/* ELF32: PT_LOAD segments at their physical addresses. */
static bool load_elf(Multiboot *mb, char *err, size_t errlen) {
  const uint8_t *k = mb->kernel;
  size_t size = mb->kernel_size;
  if (size < ELF_EHDR_SIZE) {
    fail(err, errlen, "truncated ELF file: %zu bytes, shorter than the ELF header", size);
    return false;
  }
  if (k[EI_CLASS] != 1) {
    if (k[EI_CLASS] == 2)
      fail(err, errlen, "64-bit ELF (ELFCLASS64): a Multiboot kernel must be 32-bit ELF (ELFCLASS32)");
    else
      fail(err, errlen, "ELF class %u is not 32-bit (ELFCLASS32)", k[EI_CLASS]);
    return false;
  }
  if (k[EI_DATA] != 1) {
    fail(err, errlen, "ELF data encoding %u is not little-endian (ELFDATA2LSB)", k[EI_DATA]);
    return false;
  }
  if (rd16(k + E_MACHINE) != EM_386) {
    fail(err, errlen, "ELF machine %u is not i386 (EM_386)", rd16(k + E_MACHINE));
    return false;
  }
  if (rd16(k + E_TYPE) != ET_EXEC) {
    fail(err, errlen, "ELF type %u is not an executable (ET_EXEC)", rd16(k + E_TYPE));
    return false;
  }
  uint64_t phoff = rd32(k + E_PHOFF), phentsize = rd16(k + E_PHENTSIZE), phnum = rd16(k + E_PHNUM);
  if (phnum == 0) {
    fail(err, errlen, "the ELF file has no program headers");
    return false;
  }
  if (phentsize < ELF_PHDR_SIZE) {
    fail(err, errlen, "ELF program header size %llu is too small", (unsigned long long)phentsize);
    return false;
  }
  if (phoff + phnum * phentsize > size) {
    fail(err, errlen, "truncated ELF file: the program headers end past its %zu bytes", size);
    return false;
  }
  uint32_t entry = rd32(k + E_ENTRY), entry_phys = entry;
  bool loaded = false, entry_found = false;
  for (uint64_t i = 0; i < phnum; i++) {
    const uint8_t *ph = k + phoff + i * phentsize;
    if (rd32(ph + P_TYPE) != PT_LOAD) continue;
    uint64_t off = rd32(ph + P_OFFSET), vaddr = rd32(ph + P_VADDR), paddr = rd32(ph + P_PADDR);
    uint64_t filesz = rd32(ph + P_FILESZ), memsz = rd32(ph + P_MEMSZ);
    char what[48];
    snprintf(what, sizeof what, "ELF segment %llu", (unsigned long long)i);
    if (filesz > memsz) {
      fail(err, errlen, "%s is malformed: its file size 0x%llX exceeds its memory size 0x%llX",
           what, (unsigned long long)filesz, (unsigned long long)memsz);
      return false;
    }
    if (off + filesz > size) {
      fail(err, errlen, "truncated ELF file: %s needs bytes 0x%llX-0x%llX of a %zu-byte file", what,
           (unsigned long long)off, (unsigned long long)(off + filesz - 1), size);
      return false;
    }
    if (!kernel_piece(mb, what, paddr, k + off, filesz, memsz, err, errlen)) return false;
    loaded |= memsz > 0;
    /* The entry point is a virtual address; where a segment is linked
     * elsewhere than it is loaded (a higher-half kernel), translate it. */
    if (!entry_found && entry >= vaddr && entry < vaddr + memsz) {
      entry_phys = (uint32_t)(entry - vaddr + paddr);
      entry_found = true;
    }
  }
  if (!loaded) {
    fail(err, errlen, "the ELF file has no loadable (PT_LOAD) segments");
    return false;
  }
  mb->entry = entry_phys;
  return true;
}

/* Flag 16: the header's address fields say where the file goes. */
static bool load_aout(Multiboot *mb, uint32_t hoff, char *err, size_t errlen) {
  const uint8_t *h = mb->kernel + hoff;
  uint32_t header_addr = rd32(h + 12), load_addr = rd32(h + 16), load_end = rd32(h + 20);
  uint32_t bss_end = rd32(h + 24);
  mb->entry = rd32(h + 28);
  if (load_addr > header_addr) {
    fail(err, errlen, "bad Multiboot header: load_addr 0x%X is above header_addr 0x%X", load_addr,
         header_addr);
    return false;
  }
  if (header_addr - load_addr > hoff) {
    fail(err, errlen,
         "bad Multiboot header: header_addr - load_addr = 0x%X, but the header is at file offset 0x%X",
         header_addr - load_addr, hoff);
    return false;
  }
  uint64_t off = hoff - (header_addr - load_addr), filesz;
  if (load_end == 0) {
    filesz = mb->kernel_size - off;
  } else {
    if (load_end < load_addr) {
      fail(err, errlen, "bad Multiboot header: load_end_addr 0x%X is below load_addr 0x%X",
           load_end, load_addr);
      return false;
    }
    filesz = load_end - load_addr;
    if (off + filesz > mb->kernel_size) {
      fail(err, errlen,
           "truncated kernel: the Multiboot header asks for 0x%llX bytes from file offset 0x%llX, "
           "but the file has %zu bytes",
           (unsigned long long)filesz, (unsigned long long)off, mb->kernel_size);
      return false;
    }
  }
  uint64_t memsz = filesz;
  if (bss_end) {
    if (bss_end < load_addr + filesz) {
      fail(err, errlen, "bad Multiboot header: bss_end_addr 0x%X is below the end of the loaded data 0x%llX",
           bss_end, (unsigned long long)(load_addr + filesz));
      return false;
    }
    memsz = bss_end - load_addr;
  }
  if (memsz == 0) {
    fail(err, errlen, "bad Multiboot header: nothing to load");
    return false;
  }
  return kernel_piece(mb, "the kernel image", load_addr, mb->kernel + off, filesz, memsz, err, errlen);
}

/* The module list of -initrd: entries split at ',' (",," is a comma). */
static char **split_initrd(const char *s, int *count) {
  size_t n = strlen(s);
  char **list = calloc(n + 2, sizeof *list);
  char *buf = malloc(n + 1);
  if (!list || !buf) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  int k = 0;
  size_t j = 0;
  list[k++] = buf;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == ',' && s[i + 1] == ',') {
      buf[j++] = ',';
      i++;
    } else if (s[i] == ',') {
      buf[j++] = 0;
      list[k++] = buf + j;
    } else {
      buf[j++] = s[i];
    }
  }
  buf[j] = 0;
  *count = k;
  return list; /* list[0] owns the strings */
}

static bool load_modules(Multiboot *mb, const char *initrd, char ***strings, uint32_t **addrs,
                         char *err, size_t errlen) {
  int n;
  char **list = split_initrd(initrd, &n);
  *strings = list;
  *addrs = calloc((size_t)n, 2 * sizeof **addrs);
  mb->files = calloc((size_t)n, sizeof *mb->files);
  if (!*addrs || !mb->files) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  uint64_t next = mb->kernel_end;
  for (int i = 0; i < n; i++) {
    size_t len = strcspn(list[i], " ");
    if (len == 0) {
      fail(err, errlen, "-initrd: module %d has no file name", i + 1);
      return false;
    }
    char *path = strndup(list[i], len);
    size_t size;
    uint8_t *data = path ? hostfile_read(path, &size, err, errlen) : NULL;
    free(path);
    if (!data) return false;
    mb->files[mb->nfiles++] = data;
    uint32_t at;
    if (!place(mb, size, next, &at)) {
      char ram[128];
      describe_ram(mb, ram, sizeof ram);
      fail(err, errlen, "module '%s' (%zu bytes) does not fit in RAM after the kernel (%s)", list[i],
           size, ram);
      return false;
    }
    add_piece(mb, at, data, (uint32_t)size, (uint32_t)size);
    (*addrs)[2 * i] = at;
    (*addrs)[2 * i + 1] = at + (uint32_t)size;
    next = (uint64_t)at + size;
  }
  return true;
}

/* Boot data: stack, GDT, information structure, memory map, module list,
 * strings. Addresses are final once the block is placed. */
static bool build_boot_data(Multiboot *mb, const char *kernel_path, const char *append,
                            char **mods, const uint32_t *mod_addrs, int nmods, char *err,
                            size_t errlen) {
  static const char loader_name[] = "holo86";
  /* The command line: the kernel's path, then the -append text, as GRUB
   * and QEMU pass it. */
  size_t cmdlen = strlen(kernel_path) + (append ? 1 + strlen(append) : 0) + 1;
  int nmmap = 4;
  size_t size = STACK_SIZE;
  size_t gdt_off = size;
  size += 24 + 8;
  size_t info_off = size;
  size += (MBI_SIZE + 7) & ~7u;
  size_t mmap_off = size;
  size += (size_t)nmmap * MB_MMAP_ENTRY;
  size_t mods_off = size;
  size += (size_t)nmods * MB_MODULE_SIZE;
  size_t str_off = size;
  size += cmdlen + sizeof loader_name;
  for (int i = 0; i < nmods; i++) size += strlen(mods[i]) + 1;
  if (size > 0x100000) {
    fail(err, errlen, "the command line and module strings are too long");
    return false;
  }
  uint32_t base;
  if (!place(mb, size, BOOT_DATA_MIN, &base)) {
    fail(err, errlen, "no free RAM is left for the Multiboot information structure");
    return false;
  }
  uint8_t *b = calloc(1, size);
  if (!b) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  mb->boot_data = b;
  mb->esp = base + STACK_SIZE;
  mb->gdt = base + (uint32_t)gdt_off;
  mb->info = base + (uint32_t)info_off;

  /* GDT: null, 0x08 flat 32-bit code (execute/read), 0x10 flat data. */
  wr32(b + gdt_off + 8, 0x0000FFFF);
  wr32(b + gdt_off + 12, 0x00CF9B00);
  wr32(b + gdt_off + 16, 0x0000FFFF);
  wr32(b + gdt_off + 20, 0x00CF9300);

  /* Strings. */
  size_t s = str_off;
  uint32_t cmdline = base + (uint32_t)s;
  snprintf((char *)b + s, cmdlen, "%s%s%s", kernel_path, append ? " " : "", append ? append : "");
  s += cmdlen;
  uint32_t name = base + (uint32_t)s;
  memcpy(b + s, loader_name, sizeof loader_name);
  s += sizeof loader_name;
  for (int i = 0; i < nmods; i++) {
    uint8_t *mod = b + mods_off + (size_t)i * MB_MODULE_SIZE;
    wr32(mod + 0, mod_addrs[2 * i]);
    wr32(mod + 4, mod_addrs[2 * i + 1]);
    wr32(mod + 8, base + (uint32_t)s);
    size_t len = strlen(mods[i]) + 1;
    memcpy(b + s, mods[i], len);
    s += len;
  }

  /* The memory map: what the machine really has. */
  const struct { uint64_t base, len; uint32_t type; } map[4] = {
      {0, LOW_RAM_END, 1},
      {LOW_RAM_END, HIGH_RAM - LOW_RAM_END, 2}, /* EBDA, VGA window, ROMs, BIOS */
      {HIGH_RAM, ram_top(mb) > HIGH_RAM ? ram_top(mb) - HIGH_RAM : 0, 1},
      {0x100000000ull - mb->m->bios_size, mb->m->bios_size, 2}, /* the firmware */
  };
  uint32_t mmap_len = 0;
  for (int i = 0; i < nmmap; i++) {
    if (!map[i].len) continue;
    uint8_t *e = b + mmap_off + mmap_len;
    wr32(e, MB_MMAP_ENTRY - 4);
    wr64(e + 4, map[i].base);
    wr64(e + 12, map[i].len);
    wr32(e + 20, map[i].type);
    mmap_len += MB_MMAP_ENTRY;
  }

  uint8_t *info = b + info_off;
  wr32(info + MBI_FLAGS, MBI_MEM | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME);
  wr32(info + MBI_MEM_LOWER, LOW_RAM_END >> 10);
  wr32(info + MBI_MEM_UPPER, ram_top(mb) > HIGH_RAM ? (ram_top(mb) - HIGH_RAM) >> 10 : 0);
  wr32(info + MBI_CMDLINE_ADDR, cmdline);
  wr32(info + MBI_MODS_COUNT, (uint32_t)nmods);
  wr32(info + MBI_MODS_ADDR, base + (uint32_t)mods_off);
  wr32(info + MBI_MMAP_LENGTH, mmap_len);
  wr32(info + MBI_MMAP_ADDR, base + (uint32_t)mmap_off);
  wr32(info + MBI_LOADER_NAME_ADDR, name);

  add_piece(mb, base, b, (uint32_t)size, (uint32_t)size);
  return true;
}

/* Copy every piece into RAM and enter the kernel in the state the
 * specification prescribes (section 3.2, "Machine state"). */
static void boot(Multiboot *mb) {
  static const uint8_t zeros[4096];
  PhysMem *pm = mb->m->mem;
  for (int i = 0; i < mb->npieces; i++) {
    const Piece *p = &mb->pieces[i];
    phys_write_buf(pm, p->addr, p->data, p->filesz);
    for (uint32_t off = p->filesz; off < p->memsz;) {
      uint32_t n = p->memsz - off < sizeof zeros ? p->memsz - off : (uint32_t)sizeof zeros;
      phys_write_buf(pm, p->addr + off, zeros, n);
      off += n;
    }
  }
  Cpu *c = mb->m->cpu;
  cpu_set_a20(c, true);
  cpu_set_flags(c, 0, 0xFFFFFFFFu); /* IF = 0, VM = 0, everything else clear */
  cpu_write_cr0(c, CR0_PE | CR0_ET); /* PG = 0; caches on, as a BIOS leaves them */
  cpu_set_cpl(c, 0);
  c->gdtr.base = mb->gdt;
  c->gdtr.limit = 23;
  /* The IDT is the kernel's business; an empty one makes an early fault a
   * clean triple fault instead of a jump through garbage. */
  c->idtr.base = 0;
  c->idtr.limit = 0;
  seg_load_desc(c, SEG_CS, 0x08, (Desc){0x0000FFFF, 0x00CF9B00});
  static const int data_segs[] = {SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS};
  for (size_t i = 0; i < sizeof data_segs / sizeof data_segs[0]; i++)
    seg_load_desc(c, data_segs[i], 0x10, (Desc){0x0000FFFF, 0x00CF9300});
  c->r[EAX] = MB_BOOT_MAGIC;
  c->r[EBX] = mb->info;
  c->r[ESP] = mb->esp; /* undefined by the specification; a small stack */
  c->eip = mb->entry;
  c->halted = false;
  cpu_update_mode(c);
}

static void mb_reset(Device *d) { boot((Multiboot *)d); }

/* Say what the file is when it has no valid Multiboot header. */
static void diagnose(const uint8_t *k, size_t size, long bad_sum_at, char *err, size_t errlen) {
  if (bad_sum_at >= 0)
    fail(err, errlen,
         "the Multiboot header at file offset 0x%lX has a bad checksum "
         "(magic + flags + checksum must be 0 modulo 2^32)",
         bad_sum_at);
  else if (size >= 4 && !memcmp(k, "\x7F" "ELF", 4))
    fail(err, errlen, "not a Multiboot kernel: this ELF file has no Multiboot header "
                      "(magic 0x1BADB002) in its first 8 KiB");
  else if (size == 0)
    fail(err, errlen, "the kernel file is empty");
  else
    fail(err, errlen, "not a kernel holo86 can boot: no Multiboot header (magic 0x1BADB002) "
                      "in the first 8 KiB, and not a Linux kernel");
}

Multiboot *multiboot_load(Machine *m, const char *kernel_path, const char *append,
                          const char *initrd, char *err, size_t errlen) {
  Multiboot *mb = calloc(1, sizeof *mb);
  if (!mb) {
    fail(err, errlen, "out of memory");
    return NULL;
  }
  mb->m = m;
  char **mods = NULL;
  uint32_t *mod_addrs = NULL;
  int nmods = 0;
  bool ok = false;
  mb->kernel = hostfile_read(kernel_path, &mb->kernel_size, err, errlen);
  if (!mb->kernel) goto out;

  /* The header: 32-bit aligned, within the first 8 KiB. */
  const uint8_t *k = mb->kernel;
  size_t limit = mb->kernel_size < MB_SEARCH ? mb->kernel_size : MB_SEARCH;
  long hoff = -1, bad_sum_at = -1;
  for (size_t off = 0; off + 12 <= limit; off += 4) {
    if (rd32(k + off) != MB_HEADER_MAGIC) continue;
    if (rd32(k + off) + rd32(k + off + 4) + rd32(k + off + 8) == 0) {
      hoff = (long)off;
      break;
    }
    if (bad_sum_at < 0) bad_sum_at = (long)off;
  }
  if (hoff < 0) {
    diagnose(k, mb->kernel_size, bad_sum_at, err, errlen);
    goto out;
  }
  uint32_t flags = rd32(k + hoff + 4);
  if (flags & MBH_VIDEO) {
    fail(err, errlen, "kernel requests a video mode (Multiboot flag 2), which holo86 cannot set");
    goto out;
  }
  if (flags & 0xFFFF & ~MBH_KNOWN_REQUIRED) {
    fail(err, errlen,
         "kernel requires Multiboot features holo86 does not know (header flags 0x%08X, "
         "unknown required bits 0x%04X)",
         flags, flags & 0xFFFF & ~MBH_KNOWN_REQUIRED);
    goto out;
  }
  /* MBH_PAGE_ALIGN and MBH_MEMINFO need nothing: modules are always
   * page-aligned and the memory information always given. */
  if (flags & MBH_ADDRESSES) {
    if ((size_t)hoff + 32 > limit) {
      fail(err, errlen, "truncated Multiboot header: its address fields (flag 16) are missing");
      goto out;
    }
    if (!load_aout(mb, (uint32_t)hoff, err, errlen)) goto out;
  } else if (mb->kernel_size >= 4 && !memcmp(k, "\x7F" "ELF", 4)) {
    if (!load_elf(mb, err, errlen)) goto out;
  } else {
    fail(err, errlen, "the Multiboot header gives no load addresses (flag 16 clear) and the "
                      "file is not ELF, so holo86 cannot tell where to load it");
    goto out;
  }
  bool entry_inside = false;
  for (int i = 0; i < mb->npieces; i++) {
    const Piece *p = &mb->pieces[i];
    if (mb->entry >= p->addr && mb->entry - p->addr < p->memsz) entry_inside = true;
    if (p->addr + p->memsz > mb->kernel_end) mb->kernel_end = p->addr + p->memsz;
  }
  if (!entry_inside) {
    fail(err, errlen, "the entry point 0x%X is not inside the loaded kernel", mb->entry);
    goto out;
  }
  if (initrd && !load_modules(mb, initrd, &mods, &mod_addrs, err, errlen)) goto out;
  if (initrd) nmods = mb->nfiles;
  if (!build_boot_data(mb, kernel_path, append, mods, mod_addrs, nmods, err, errlen)) goto out;

  mb->dev.name = "multiboot";
  mb->dev.reset = mb_reset;
  machine_add_device(m, &mb->dev);
  boot(mb);
  ok = true;
out:
  if (mods) free(mods[0]);
  free(mods);
  free(mod_addrs);
  if (!ok) {
    multiboot_free(mb);
    return NULL;
  }
  return mb;
}

void multiboot_free(Multiboot *mb) {
  if (!mb) return;
  for (int i = 0; i < mb->nfiles; i++) free(mb->files[i]);
  free(mb->files);
  free(mb->kernel);
  free(mb->boot_data);
  free(mb->pieces);
  free(mb);
}
