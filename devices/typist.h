/* --type TEXT: types text on the emulated PS/2 keyboard as a person
 * would at a prompt: the next key only once the guest has taken the last
 * one (at most every 30 ms), and before each line (at the start and after
 * every Enter) it waits until the text screen has not changed for half a
 * second, i.e. the guest has finished answering. */
#ifndef HOLO86_TYPIST_H
#define HOLO86_TYPIST_H

#include <stdbool.h>
#include <stdint.h>

struct Machine;

typedef struct Typist {
  const char *text;   /* what is left to type ("\n" is Enter) */
  uint64_t next_ns;   /* virtual time of the next action */
  uint64_t stable_since;
  uint64_t key_sent;  /* when the last key went out */
  uint32_t screen_hash;
  bool waiting;       /* waiting for the screen to settle */
} Typist;

/* Map a printable ASCII character (or '\n', '\t', '\b') to set-2 make
 * codes: *scan is the key, *shift whether Shift must be held. False for a
 * character the US keyboard cannot type. */
bool typist_ascii_to_set2(char ch, uint8_t *scan, bool *shift);
void typist_start(Typist *t, const char *text);
/* Called from the machine loop; types when it is time. */
void typist_poll(Typist *t, struct Machine *m, uint64_t now_ns);
bool typist_done(const Typist *t);
/* Has the guest taken the last key typed? The keyboard controller has
 * handed over every byte, and on a BIOS-era guest the BIOS keyboard buffer
 * is drained (see typist.c). Anything that types faster than a person
 * (--type, a paste into -display curses) waits for this between keys,
 * for at most TYPIST_PATIENCE_NS: a guest that never reads the buffer
 * must not stall the typing for good. */
bool typist_key_taken(struct Machine *m);
#define TYPIST_PATIENCE_NS 2000000000u

#endif
