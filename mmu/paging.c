/* The page walker and TLB flush rules; see paging.h. Physical addresses
 * are 32 bits in holo86: PAE entries pointing above 4 GiB wrap (no RAM is
 * there to reach). */
#include "mmu/paging.h"

#include "mmu/physmem.h"

enum { PTE_P = 1, PTE_W = 2, PTE_U = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80, PTE_G = 0x100 };

static uint64_t read_entry(Cpu *c, uint32_t addr, bool pae) {
  uint64_t v = phys_read(c->mem, addr, 4);
  if (pae) v |= (uint64_t)phys_read(c->mem, addr + 4, 4) << 32;
  return v;
}

/* Set A (and D) in an entry if not already set: a locked read-modify-write
 * of the low dword on hardware. */
static void mark(Cpu *c, uint32_t addr, uint64_t entry, uint32_t bits) {
  if ((entry & bits) != bits) phys_write(c->mem, addr, 4, (uint32_t)entry | bits);
}

/* Bits that must be zero in PAE entries: above the 36-bit physical
 * address width, and XD (bit 63) since holo86 does not claim NX. */
static bool pae_reserved(uint64_t e, bool large) {
  if (e & 0xFFFFFFF000000000ull) return true;
  return large && (e & 0x1FE000); /* 2 MiB page: bits 13..20 */
}

bool paging_walk(Cpu *c, uint32_t lin, int acc, bool user, PageWalk *w) {
  bool pae = c->cr[4] & CR4_PAE;
  bool write = acc == ACC_WRITE;
  uint32_t base_err = (write ? PF_W : 0) | (user ? PF_U : 0);
  uint32_t table, pde_addr, pte_addr;
  uint64_t pde, pte;

  if (pae) {
    uint64_t pdpte = c->pdpte[lin >> 30];
    if (!(pdpte & PTE_P)) goto not_present;
    table = (uint32_t)pdpte & 0xFFFFF000u;
    pde_addr = table + ((lin >> 21) & 0x1FF) * 8;
  } else {
    pde_addr = (c->cr[3] & 0xFFFFF000u) + ((lin >> 22) & 0x3FF) * 4;
  }
  pde = read_entry(c, pde_addr, pae);
  if (!(pde & PTE_P)) goto not_present;
  bool large = (pde & PTE_PS) && (pae || (c->cr[4] & CR4_PSE));
  if (pae && pae_reserved(pde, large)) goto reserved;

  uint64_t leaf;
  uint32_t leaf_addr, phys;
  if (large) {
    leaf = pde;
    leaf_addr = pde_addr;
    phys = pae ? ((uint32_t)pde & 0xFFE00000u) | (lin & 0x1FFFFF)
               : ((uint32_t)pde & 0xFFC00000u) | (lin & 0x3FFFFF);
  } else {
    pte_addr = pae ? ((uint32_t)pde & 0xFFFFF000u) + ((lin >> 12) & 0x1FF) * 8
                   : ((uint32_t)pde & 0xFFFFF000u) + ((lin >> 12) & 0x3FF) * 4;
    pte = read_entry(c, pte_addr, pae);
    if (!(pte & PTE_P)) goto not_present;
    if (pae && pae_reserved(pte, false)) goto reserved;
    leaf = pte;
    leaf_addr = pte_addr;
    phys = ((uint32_t)pte & 0xFFFFF000u) | (lin & 0xFFF);
  }

  /* The most restrictive of the two levels applies. */
  bool user_ok = (pde & PTE_U) && (leaf & PTE_U);
  bool write_ok = (pde & PTE_W) && (leaf & PTE_W);
  if (!user && !(c->cr[0] & CR0_WP)) write_ok = true;
  if ((user && !user_ok) || (write && !write_ok)) {
    w->err = base_err | PF_P;
    return false;
  }

  if (!large) mark(c, pde_addr, pde, PTE_A);
  mark(c, leaf_addr, leaf, PTE_A | (write ? PTE_D : 0));
  w->phys = phys;
  w->writable = write_ok && (write || (leaf & PTE_D));
  w->global = (c->cr[4] & CR4_PGE) && (leaf & PTE_G);
  return true;

not_present:
  w->err = base_err;
  return false;
reserved:
  w->err = base_err | PF_P | PF_RSVD;
  return false;
}

bool paging_probe(Cpu *c, uint32_t lin, bool write, uint32_t *phys) {
  uint32_t p = lin;
  if (c->cr[0] & CR0_PG) {
    bool pae = c->cr[4] & CR4_PAE;
    uint32_t pde_addr;
    if (pae) {
      uint64_t pdpte = c->pdpte[lin >> 30];
      if (!(pdpte & PTE_P)) return false;
      pde_addr = ((uint32_t)pdpte & 0xFFFFF000u) + ((lin >> 21) & 0x1FF) * 8;
    } else {
      pde_addr = (c->cr[3] & 0xFFFFF000u) + ((lin >> 22) & 0x3FF) * 4;
    }
    uint64_t pde = read_entry(c, pde_addr, pae), leaf = pde;
    if (!(pde & PTE_P)) return false;
    bool large = (pde & PTE_PS) && (pae || (c->cr[4] & CR4_PSE));
    if (pae && pae_reserved(pde, large)) return false;
    if (large) {
      p = pae ? ((uint32_t)pde & 0xFFE00000u) | (lin & 0x1FFFFF)
              : ((uint32_t)pde & 0xFFC00000u) | (lin & 0x3FFFFF);
    } else {
      uint32_t pte_addr = pae ? ((uint32_t)pde & 0xFFFFF000u) + ((lin >> 12) & 0x1FF) * 8
                              : ((uint32_t)pde & 0xFFFFF000u) + ((lin >> 12) & 0x3FF) * 4;
      leaf = read_entry(c, pte_addr, pae);
      if (!(leaf & PTE_P) || (pae && pae_reserved(leaf, false))) return false;
      p = ((uint32_t)leaf & 0xFFFFF000u) | (lin & 0xFFF);
    }
    if (write && (c->cr[0] & CR0_WP) && !((pde & PTE_W) && (leaf & PTE_W))) return false;
  }
  *phys = c->a20 ? p : p & ~(1u << 20);
  return true;
}

void paging_flush_all(Cpu *c) {
  tlb_flush(&c->tlbs[0]);
  tlb_flush(&c->tlbs[1]);
  c->events |= EV_BLOCK;
  c->code_epoch++;
}

void paging_load_pdptes(Cpu *c, uint32_t cr3) {
  uint64_t p[4];
  for (int i = 0; i < 4; i++) {
    p[i] = read_entry(c, (cr3 & 0xFFFFFFE0u) + (uint32_t)i * 8, true);
    if ((p[i] & PTE_P) && (p[i] & 0xFFFFFFF0000001E6ull)) cpu_fault(c, EXC_GP, 0);
  }
  for (int i = 0; i < 4; i++) c->pdpte[i] = p[i];
}

/* Each writer validates (and may fault) before it changes anything. */
void paging_write_cr3(Cpu *c, uint32_t v) {
  if ((c->cr[0] & CR0_PG) && (c->cr[4] & CR4_PAE)) paging_load_pdptes(c, v);
  c->cr[3] = v;
  tlb_flush_nonglobal(&c->tlbs[0]);
  tlb_flush_nonglobal(&c->tlbs[1]);
  c->events |= EV_BLOCK;
  c->code_epoch++;
}

void paging_write_cr4(Cpu *c, uint32_t v) {
  uint32_t changed = c->cr[4] ^ v;
  if ((c->cr[0] & CR0_PG) && (v & CR4_PAE) && (changed & (CR4_PAE | CR4_PSE | CR4_PGE)))
    paging_load_pdptes(c, c->cr[3]);
  c->cr[4] = v;
  if (changed & (CR4_PAE | CR4_PSE | CR4_PGE)) paging_flush_all(c);
}

void paging_invalidate(Cpu *c, uint32_t lin) {
  tlb_flush_page(&c->tlbs[0], lin);
  tlb_flush_page(&c->tlbs[1], lin);
  c->events |= EV_BLOCK;
  c->code_epoch++;
}
