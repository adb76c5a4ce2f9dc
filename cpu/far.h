/* Far control transfers in every mode; see far.c. */
#ifndef HOLO86_FAR_H
#define HOLO86_FAR_H

#include "cpu/cpu.h"

void far_jump(Cpu *c, uint16_t sel, uint32_t off, int size);
void far_call(Cpu *c, uint16_t sel, uint32_t off, int size);
/* RETF with imm bytes of parameters to release. */
void far_return(Cpu *c, int size, uint16_t imm);
void iret_far(Cpu *c, int size);
/* The EFLAGS bits POPF/IRET of this operand size may change now. */
uint32_t eflags_writable(const Cpu *c, int size);

#endif
