/* The task-state segment: the inner-ring stacks used on a privilege
 * change, the I/O permission bitmap, and hardware task switches. */
#ifndef HOLO86_TSS_H
#define HOLO86_TSS_H

#include "cpu/segment.h"

/* A stack being built at a new privilege level before it becomes SS:ESP. */
typedef struct NewStack {
  Segment ss;
  uint32_t esp;
} NewStack;

/* SS:ESP for privilege level dpl from the current TSS, validated as that
 * level's stack (#TS otherwise, #SS if not present). */
void tss_inner_stack(Cpu *c, int dpl, NewStack *ns);
/* Validate sel as a stack segment for privilege rpl (#GP/#TS style by
 * exc, #SS if not present) and prepare *ns. */
void newstack_from_selector(Cpu *c, uint16_t sel, uint32_t esp, int rpl, int exc, NewStack *ns);
void newstack_push(Cpu *c, NewStack *ns, int size, uint32_t v);
/* Make the prepared stack the current SS:ESP. */
void newstack_commit(Cpu *c, NewStack *ns);

/* May the current task access `size` ports from `port`? Checks CPL/IOPL
 * (or always in virtual-8086 mode) against the I/O permission bitmap;
 * raises #GP(0) when not. */
void io_check(Cpu *c, uint16_t port, int size);

enum TaskSource { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
/* Switch to the task whose TSS descriptor is sel (the caller resolved any
 * task gate). err >= 0 is pushed on the new task's stack (exceptions). */
void task_switch(Cpu *c, uint16_t sel, enum TaskSource src, int err);

#endif
