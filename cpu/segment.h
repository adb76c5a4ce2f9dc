/* Descriptors and descriptor tables (GDT, LDT), shared by segment loads,
 * far control transfers, interrupts and task switches. */
#ifndef HOLO86_SEGMENT_H
#define HOLO86_SEGMENT_H

#include "cpu/cpu.h"

/* A raw 8-byte descriptor. */
typedef struct Desc {
  uint32_t lo, hi;
} Desc;

static inline uint32_t desc_base(Desc d) {
  return (d.lo >> 16) | ((d.hi & 0xFF) << 16) | (d.hi & 0xFF000000u);
}
static inline uint32_t desc_limit(Desc d) {
  uint32_t l = (d.lo & 0xFFFF) | (d.hi & 0xF0000);
  return (d.hi & (1u << 23)) ? (l << 12) | 0xFFF : l;
}
static inline uint16_t desc_attr(Desc d) { return (uint16_t)((d.hi >> 8) & 0xF0FF); }
static inline int desc_dpl(Desc d) { return (d.hi >> 13) & 3; }
static inline bool desc_present(Desc d) { return d.hi & (1u << 15); }
static inline bool desc_is_seg(Desc d) { return d.hi & (1u << 12); } /* S: code/data */
static inline bool desc_is_code(Desc d) { return desc_is_seg(d) && (d.hi & (1u << 11)); }
static inline int desc_type(Desc d) { return (d.hi >> 8) & 0xF; }
/* Gate fields. */
static inline uint16_t gate_selector(Desc d) { return (uint16_t)(d.lo >> 16); }
static inline uint32_t gate_offset(Desc d) { return (d.lo & 0xFFFF) | (d.hi & 0xFFFF0000u); }

/* System descriptor types. */
enum {
  SYS_TSS16_AVAIL = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALL16 = 4,
  SYS_TASK = 5, SYS_INT16 = 6, SYS_TRAP16 = 7, SYS_TSS32_AVAIL = 9,
  SYS_TSS32_BUSY = 11, SYS_CALL32 = 12, SYS_INT32 = 14, SYS_TRAP32 = 15,
};

/* Read the descriptor for sel from the GDT or LDT into *d (and its linear
 * address into *addr). False when sel is outside the table. */
bool desc_fetch(Cpu *c, uint16_t sel, Desc *d, uint32_t *addr);
/* Write back the high dword (accessed or busy bit changes). */
void desc_store_hi(Cpu *c, uint32_t addr, uint32_t hi);
/* Load a segment register's cache from a descriptor. */
void seg_load_desc(Cpu *c, int seg, uint16_t sel, Desc d);
/* Load CS with a code descriptor at privilege cpl (RPL := cpl). */
void seg_load_cs(Cpu *c, uint16_t sel, Desc d, int cpl);
/* Supervisor-rights linear accesses (descriptor tables, TSS, IDT). */
uint32_t sys_read(Cpu *c, uint32_t lin, int size);
void sys_write(Cpu *c, uint32_t lin, int size, uint32_t v);
/* A selector as an exception error code (RPL bits cleared). */
static inline int sel_err(uint16_t sel) { return sel & 0xFFFC; }
/* Null out data segment registers the new (outer) CPL may not use. */
void seg_validate_outer(Cpu *c);

#endif
