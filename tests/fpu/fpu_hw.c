/* Reference results from the host's x87 via inline assembly. Each sequence
 * starts with FNINIT, so FNSTSW right after the instruction shows exactly the
 * flags it raised.
 *
 * With unmasked exceptions (hw_*_unmasked) the x87 only records the fault
 * (ES) and would raise #MF at the next waiting instruction. We therefore use
 * only non-waiting instructions afterwards: FNSTSW, then FNSAVE, which dumps
 * the register stack (in 64-bit mode in the 108-byte 32-bit layout, ST0 at
 * offset 28) and reinitialises the FPU, discarding the pending fault. */
#include <string.h>

#include "tests/fpu/fpu_test.h"

#define HW_BIN(insn)                                                                     \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t" insn          \
                     "\n\tfnstsw %[sw]\n\tfstpt %[r]\n\tfstp %%st(0)"                     \
                     : [r] "=m"(*r), [sw] "=m"(*sw)                                       \
                     : [a] "m"(*a), [b] "m"(*b), [cw] "m"(cw)                             \
                     : "memory")

/* ST0 = a, ST1 = b. In AT&T syntax "fsub %st(1), %st" is ST0 = ST0 - ST1. */
void hw_binary(int op, const F80 *a, const F80 *b, uint16_t cw, F80 *r, uint16_t *sw)
{
    memset(r, 0, sizeof *r);
    switch (op) {
    case BIN_ADD: HW_BIN("fadd %%st(1), %%st"); break;
    case BIN_SUB: HW_BIN("fsub %%st(1), %%st"); break;
    case BIN_MUL: HW_BIN("fmul %%st(1), %%st"); break;
    case BIN_DIV: HW_BIN("fdiv %%st(1), %%st"); break;
    case BIN_PREM: HW_BIN("fprem"); break;
    case BIN_PREM1: HW_BIN("fprem1"); break;
    case BIN_SCALE: HW_BIN("fscale"); break;
    case BIN_COM: HW_BIN("fcom %%st(1)"); break;
    case BIN_UCOM: HW_BIN("fucom %%st(1)"); break;
    }
}

#define HW_UN(insn)                                                                      \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn                       \
                     "\n\tfnstsw %[sw]\n\tfstpt %[r]"                                     \
                     : [r] "=m"(*r), [sw] "=m"(*sw)                                       \
                     : [a] "m"(*a), [cw] "m"(cw)                                          \
                     : "memory")

void hw_unary(int op, const F80 *a, uint16_t cw, F80 *r, uint16_t *sw)
{
    memset(r, 0, sizeof *r);
    switch (op) {
    case UN_SQRT: HW_UN("fsqrt"); break;
    case UN_RNDINT: HW_UN("frndint"); break;
    case UN_TST: HW_UN("ftst"); break;
    case UN_XAM: HW_UN("fxam"); break;
    }
}

void hw_xtract(const F80 *a, uint16_t cw, F80 *exp, F80 *sig, uint16_t *sw)
{
    memset(exp, 0, sizeof *exp);
    memset(sig, 0, sizeof *sig);
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\tfxtract\n\tfnstsw %[sw]\n\t"
                     "fstpt %[s]\n\tfstpt %[e]"
                     : [e] "=m"(*exp), [s] "=m"(*sig), [sw] "=m"(*sw)
                     : [a] "m"(*a), [cw] "m"(cw)
                     : "memory");
}

/* ST0 = a op memory operand; MEM_COM compares ST0 with it (FCOM m32/m64). */
#define HW_MEM(insn)                                                                     \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn " %[m]"               \
                     "\n\tfnstsw %[sw]\n\tfstpt %[r]"                                     \
                     : [r] "=m"(*r), [sw] "=m"(*sw)                                       \
                     : [a] "m"(*a), [m] "m"(*(const uint8_t(*)[8])mem), [cw] "m"(cw)      \
                     : "memory")

void hw_mem_arith(int op, int dbl, const F80 *a, const void *mem, uint16_t cw, F80 *r,
                  uint16_t *sw)
{
    memset(r, 0, sizeof *r);
    if (dbl) {
        switch (op) {
        case MEM_ADD: HW_MEM("faddl"); break;
        case MEM_SUB: HW_MEM("fsubl"); break;
        case MEM_SUBR: HW_MEM("fsubrl"); break;
        case MEM_MUL: HW_MEM("fmull"); break;
        case MEM_DIV: HW_MEM("fdivl"); break;
        case MEM_DIVR: HW_MEM("fdivrl"); break;
        default: HW_MEM("fcoml"); break;
        }
    } else {
        switch (op) {
        case MEM_ADD: HW_MEM("fadds"); break;
        case MEM_SUB: HW_MEM("fsubs"); break;
        case MEM_SUBR: HW_MEM("fsubrs"); break;
        case MEM_MUL: HW_MEM("fmuls"); break;
        case MEM_DIV: HW_MEM("fdivs"); break;
        case MEM_DIVR: HW_MEM("fdivrs"); break;
        default: HW_MEM("fcoms"); break;
        }
    }
}

#define HW_ST(insn)                                                                      \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn " %[m]\n\tfnstsw %[sw]" \
                     : [m] "=m"(*(uint8_t(*)[10])mem), [sw] "=m"(*sw)                     \
                     : [a] "m"(*a), [cw] "m"(cw)                                          \
                     : "memory")

void hw_store(int op, const F80 *a, uint16_t cw, uint8_t mem[10], uint16_t *sw)
{
    memset(mem, 0xCC, 10);
    switch (op) {
    case ST_I16: HW_ST("fistps"); break;
    case ST_I32: HW_ST("fistpl"); break;
    case ST_I64: HW_ST("fistpll"); break;
    case ST_TI16: HW_ST("fisttps"); break;
    case ST_TI32: HW_ST("fisttpl"); break;
    case ST_TI64: HW_ST("fisttpll"); break;
    case ST_F32: HW_ST("fstps"); break;
    case ST_F64: HW_ST("fstpl"); break;
    case ST_BCD: HW_ST("fbstp"); break;
    }
}

#define HW_LD(insn)                                                                      \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\t" insn " %[m]\n\tfnstsw %[sw]\n\tfstpt %[r]" \
                     : [r] "=m"(*r), [sw] "=m"(*sw)                                       \
                     : [m] "m"(*(const uint8_t(*)[10])mem), [cw] "m"(cw)                  \
                     : "memory")

void hw_load(int op, const uint8_t mem[10], uint16_t cw, F80 *r, uint16_t *sw)
{
    memset(r, 0, sizeof *r);
    switch (op) {
    case LD_I16: HW_LD("filds"); break;
    case LD_I32: HW_LD("fildl"); break;
    case LD_I64: HW_LD("fildll"); break;
    case LD_F32: HW_LD("flds"); break;
    case LD_F64: HW_LD("fldl"); break;
    case LD_BCD: HW_LD("fbld"); break;
    }
}

/* ---- unmasked exceptions ------------------------------------------------- */

#define HW_BIN_U(insn)                                                                   \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t" insn          \
                     "\n\tfnstsw %[sw]\n\tfnsave %[save]"                                 \
                     : [save] "=m"(save), [sw] "=m"(*sw)                                  \
                     : [a] "m"(*a), [b] "m"(*b), [cw] "m"(cw)                             \
                     : "memory")

void hw_binary_unmasked(int op, const F80 *a, const F80 *b, uint16_t cw, F80 *st0, uint16_t *sw)
{
    uint8_t save[108];
    switch (op) {
    case BIN_ADD: HW_BIN_U("fadd %%st(1), %%st"); break;
    case BIN_SUB: HW_BIN_U("fsub %%st(1), %%st"); break;
    case BIN_MUL: HW_BIN_U("fmul %%st(1), %%st"); break;
    case BIN_DIV: HW_BIN_U("fdiv %%st(1), %%st"); break;
    case BIN_PREM: HW_BIN_U("fprem"); break;
    case BIN_PREM1: HW_BIN_U("fprem1"); break;
    case BIN_SCALE: HW_BIN_U("fscale"); break;
    default: HW_BIN_U("fcom %%st(1)"); break;
    }
    memset(st0, 0, sizeof *st0);
    memcpy(st0, save + 28, 10);
}

#define HW_UN_U(insn)                                                                    \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn                       \
                     "\n\tfnstsw %[sw]\n\tfnsave %[save]"                                 \
                     : [save] "=m"(save), [sw] "=m"(*sw)                                  \
                     : [a] "m"(*a), [cw] "m"(cw)                                          \
                     : "memory")

void hw_unary_unmasked(int op, const F80 *a, uint16_t cw, F80 *st0, uint16_t *sw)
{
    uint8_t save[108];
    switch (op) {
    case UN_SQRT: HW_UN_U("fsqrt"); break;
    default: HW_UN_U("frndint"); break;
    }
    memset(st0, 0, sizeof *st0);
    memcpy(st0, save + 28, 10);
}

#define HW_ST_U(insn)                                                                    \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn " %[m]\n\tfnstsw %[sw]" \
                     "\n\tfnsave %[save]"                                                 \
                     : [m] "=m"(*(uint8_t(*)[10])mem), [sw] "=m"(*sw), [save] "=m"(save)   \
                     : [a] "m"(*a), [cw] "m"(cw)                                          \
                     : "memory")

void hw_store_unmasked(int op, const F80 *a, uint16_t cw, uint8_t mem[10], uint16_t *sw)
{
    uint8_t save[108];
    memset(mem, 0xCC, 10);
    switch (op) {
    case ST_I16: HW_ST_U("fistps"); break;
    case ST_I32: HW_ST_U("fistpl"); break;
    case ST_I64: HW_ST_U("fistpll"); break;
    case ST_TI16: HW_ST_U("fisttps"); break;
    case ST_TI32: HW_ST_U("fisttpl"); break;
    case ST_TI64: HW_ST_U("fisttpll"); break;
    case ST_F32: HW_ST_U("fstps"); break;
    case ST_F64: HW_ST_U("fstpl"); break;
    case ST_BCD: HW_ST_U("fbstp"); break;
    }
    (void)save;
}
