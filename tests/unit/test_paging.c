/* The page walker (mmu/paging.c) and the soft TLB (mmu/tlb.c, the fill in
 * mmu/linear.c) checked directly, with page tables built in guest RAM.
 * Expected values follow the SDM vol. 3 chapter 4 (paging) and 4.10 (TLB
 * invalidation rules). */
#include <criterion/criterion.h>

#include "cpu/cpu.h"
#include "devices/iobus.h"
#include "mmu/linear.h"
#include "mmu/paging.h"
#include "mmu/physmem.h"

enum { P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100 };
#define PD 0x10000u   /* page directory */
#define PT 0x11000u   /* page table for 0..4 MiB */

typedef struct World {
  PhysMem *pm;
  IoBus *io;
  Cpu *c;
} World;

static World world(void) {
  World w;
  w.pm = phys_new(16u << 20);
  w.io = iobus_new();
  w.c = cpu_new(w.pm, w.io);
  phys_write(w.pm, PD, 4, PT | P | RW | US);
  w.c->cr[3] = PD;
  w.c->cr[0] |= CR0_PE | CR0_PG;
  return w;
}

static void done(World *w) {
  cpu_free(w->c);
  iobus_free(w->io);
  phys_free(w->pm);
}

static void map(World *w, uint32_t lin, uint32_t phys, uint32_t flags) {
  phys_write(w->pm, PT + ((lin >> 12) & 0x3FF) * 4, 4, phys | flags);
}

static uint32_t pte(World *w, uint32_t lin) { return phys_read(w->pm, PT + ((lin >> 12) & 0x3FF) * 4, 4); }

Test(paging, translation_and_accessed_dirty_bits) {
  World w = world();
  map(&w, 0x5000, 0x123000, P | RW);
  PageWalk pw;
  cr_assert(paging_walk(w.c, 0x5ABC, ACC_READ, false, &pw));
  cr_expect_eq(pw.phys, 0x123ABC);
  cr_expect(pte(&w, 0x5000) & A, "a read sets A in the PTE");
  cr_expect(!(pte(&w, 0x5000) & D), "a read leaves D clear");
  cr_expect(phys_read(w.pm, PD, 4) & A, "and A in the PDE");
  cr_expect(!pw.writable, "a clean page is not writable through the TLB yet");
  cr_assert(paging_walk(w.c, 0x5ABC, ACC_WRITE, false, &pw));
  cr_expect(pte(&w, 0x5000) & D, "a write sets D");
  cr_expect(!(phys_read(w.pm, PD, 4) & D), "a PDE pointing at a table gets no D");
  cr_expect(pw.writable);
  done(&w);
}

Test(paging, fault_error_codes) {
  World w = world();
  PageWalk pw;
  cr_assert(!paging_walk(w.c, 0x7000, ACC_WRITE, true, &pw));
  cr_expect_eq(pw.err, PF_W | PF_U, "not present, user write: 6");
  map(&w, 0x7000, 0x200000, P); /* supervisor, read-only */
  cr_assert(!paging_walk(w.c, 0x7000, ACC_READ, true, &pw));
  cr_expect_eq(pw.err, PF_P | PF_U, "user read of a supervisor page: 5");
  cr_expect(!(pte(&w, 0x7000) & A), "no A bit for a walk that faults");
  cr_assert(paging_walk(w.c, 0x7000, ACC_WRITE, false, &pw), "supervisor write, CR0.WP=0");
  w.c->cr[0] |= CR0_WP;
  cr_assert(!paging_walk(w.c, 0x7000, ACC_WRITE, false, &pw));
  cr_expect_eq(pw.err, PF_P | PF_W, "supervisor write to read-only with WP: 3");
  done(&w);
}

Test(paging, pse_4mib_page) {
  World w = world();
  phys_write(w.pm, PD + 4 * 2, 4, 0x00C00000u | P | RW | PS); /* 8 MiB -> 12 MiB */
  PageWalk pw;
  /* Without CR4.PSE the PS bit is ignored: the entry points at a (zeroed)
   * page table at 12 MiB, whose PTE is not present. */
  cr_assert(!paging_walk(w.c, 0x00812345, ACC_READ, false, &pw), "PS ignored without CR4.PSE");
  w.c->cr[4] |= CR4_PSE;
  cr_assert(paging_walk(w.c, 0x00812345, ACC_WRITE, false, &pw));
  cr_expect_eq(pw.phys, 0x00C12345);
  cr_expect(phys_read(w.pm, PD + 8, 4) & D, "a 4 MiB page's D bit is in the PDE");
  done(&w);
}

Test(paging, pae_2mib_and_reserved_bits) {
  World w = world();
  /* PDPT at 0x20000, PD at 0x21000 */
  phys_write(w.pm, 0x20000, 4, 0x21000 | P);
  phys_write(w.pm, 0x21000 + 8 * 3, 4, 0x00600000u | P | RW | PS); /* 6 MiB..8 MiB */
  w.c->cr[4] |= CR4_PAE;
  paging_load_pdptes(w.c, 0x20000);
  w.c->cr[3] = 0x20000;
  PageWalk pw;
  cr_assert(paging_walk(w.c, 0x00654321, ACC_READ, false, &pw));
  cr_expect_eq(pw.phys, 0x00654321);
  phys_write(w.pm, 0x21000 + 8 * 3 + 4, 4, 0x00000010); /* bit 36: beyond MAXPHYADDR */
  cr_assert(!paging_walk(w.c, 0x00654321, ACC_READ, false, &pw));
  cr_expect_eq(pw.err, PF_P | PF_RSVD, "reserved bit: P and RSVD");
  done(&w);
}

Test(paging, probe_has_no_side_effects) {
  World w = world();
  map(&w, 0x9000, 0x300000, P | RW);
  uint32_t phys;
  cr_assert(paging_probe(w.c, 0x9010, true, &phys));
  cr_expect_eq(phys, 0x300010);
  cr_expect(!(pte(&w, 0x9000) & (A | D)), "a debugger's probe sets neither A nor D");
  cr_expect(!paging_probe(w.c, 0xA000, false, &phys), "unmapped");
  done(&w);
}

/* lin_read/lin_write below never fault: every page they touch is mapped
 * (a fault would need cpu_run's recovery point).
 *
 * The TLB: a fill caches the translation; INVLPG and CR3 writes follow the
 * SDM's invalidation rules, global entries survive CR3 but not PGE changes. */
Test(tlb, fill_invalidate_and_global_entries) {
  World w = world();
  Cpu *c = w.c;
  map(&w, 0x5000, 0x123000, P | RW);
  phys_write(w.pm, 0x123000, 4, 0xAAAA0001);
  phys_write(w.pm, 0x124000, 4, 0xBBBB0002);
  cr_expect_eq(lin_read(c, 0x5000, 4), 0xAAAA0001);
  TlbEntry *e = &c->tlb->e[(0x5000 >> 12) & (TLB_SIZE - 1)];
  cr_expect_eq(e->tag_read, 0x5000, "the read filled the entry");
  cr_expect_eq(e->ppage, 0x123);
  map(&w, 0x5000, 0x124000, P | RW);
  cr_expect_eq(lin_read(c, 0x5000, 4), 0xAAAA0001, "no INVLPG: the cached translation stays");
  paging_invalidate(c, 0x5000);
  cr_expect_eq(lin_read(c, 0x5000, 4), 0xBBBB0002, "after INVLPG the new PTE is used");

  c->cr[4] |= CR4_PGE;
  map(&w, 0x6000, 0x123000, P | RW | G);
  cr_expect_eq(lin_read(c, 0x6000, 4), 0xAAAA0001);
  map(&w, 0x6000, 0x124000, P | RW | G);
  paging_write_cr3(c, PD);
  cr_expect_eq(lin_read(c, 0x6000, 4), 0xAAAA0001, "a global entry survives a CR3 write");
  cr_expect_eq(lin_read(c, 0x5000, 4), 0xBBBB0002);
  paging_write_cr4(c, c->cr[4] & ~CR4_PGE);
  cr_expect_eq(lin_read(c, 0x6000, 4), 0xBBBB0002, "clearing CR4.PGE flushes global entries");
  done(&w);
}

Test(tlb, write_entries_need_a_dirty_page_and_no_code) {
  World w = world();
  Cpu *c = w.c;
  map(&w, 0x5000, 0x123000, P | RW);
  lin_read(c, 0x5000, 4);
  TlbEntry *e = &c->tlb->e[(0x5000 >> 12) & (TLB_SIZE - 1)];
  cr_expect_eq(e->tag_write, TLB_INVALID, "clean page: the first write must walk to set D");
  lin_write(c, 0x5000, 4, 1);
  cr_expect_eq(e->tag_write, 0x5000, "after the write the entry is writable");
  cr_expect(pte(&w, 0x5000) & D);
  tlb_protect_page(c->tlb, 0x123);
  cr_expect_eq(e->tag_write, TLB_INVALID, "a page that gets cached code loses fast writes");
  cr_expect_eq(e->tag_read, 0x5000, "but keeps fast reads");
  done(&w);
}
