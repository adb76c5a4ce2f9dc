/* The typist; see typist.h. */
#include "devices/typist.h"

#include <string.h>

#include "devices/machine.h"

#define KEY_GAP_NS 30000000u   /* at least 30 ms between keys */
#define SETTLE_NS 500000000u   /* screen unchanged this long = ready */

/* Set-2 make codes of the US layout, by unshifted and shifted character. */
static const struct { char plain, shifted; uint8_t code; } keys[] = {
    {'`', '~', 0x0E}, {'1', '!', 0x16}, {'2', '@', 0x1E}, {'3', '#', 0x26}, {'4', '$', 0x25},
    {'5', '%', 0x2E}, {'6', '^', 0x36}, {'7', '&', 0x3D}, {'8', '*', 0x3E}, {'9', '(', 0x46},
    {'0', ')', 0x45}, {'-', '_', 0x4E}, {'=', '+', 0x55}, {'q', 'Q', 0x15}, {'w', 'W', 0x1D},
    {'e', 'E', 0x24}, {'r', 'R', 0x2D}, {'t', 'T', 0x2C}, {'y', 'Y', 0x35}, {'u', 'U', 0x3C},
    {'i', 'I', 0x43}, {'o', 'O', 0x44}, {'p', 'P', 0x4D}, {'[', '{', 0x54}, {']', '}', 0x5B},
    {'\\', '|', 0x5D}, {'a', 'A', 0x1C}, {'s', 'S', 0x1B}, {'d', 'D', 0x23}, {'f', 'F', 0x2B},
    {'g', 'G', 0x34}, {'h', 'H', 0x33}, {'j', 'J', 0x3B}, {'k', 'K', 0x42}, {'l', 'L', 0x4B},
    {';', ':', 0x4C}, {'\'', '"', 0x52}, {'z', 'Z', 0x1A}, {'x', 'X', 0x22}, {'c', 'C', 0x21},
    {'v', 'V', 0x2A}, {'b', 'B', 0x32}, {'n', 'N', 0x31}, {'m', 'M', 0x3A}, {',', '<', 0x41},
    {'.', '>', 0x49}, {'/', '?', 0x4A}, {' ', ' ', 0x29}, {'\n', '\n', 0x5A}, {'\t', '\t', 0x0D},
    {'\b', '\b', 0x66},
};

enum { SET2_LSHIFT = 0x12, SET2_BREAK = 0xF0 };

bool typist_ascii_to_set2(char ch, uint8_t *scan, bool *shift) {
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if (keys[i].plain == ch || keys[i].shifted == ch) {
      *scan = keys[i].code;
      *shift = keys[i].plain != ch;
      return true;
    }
  }
  return false;
}

void typist_start(Typist *t, const char *text) {
  *t = (Typist){.text = text, .waiting = true};
}

bool typist_done(const Typist *t) { return !t->text || !*t->text; }

/* Has the guest taken the last key? The controller's queue is empty, and
 * on a BIOS-era guest the BIOS keyboard buffer (BDA 0x41A head, 0x41C
 * tail) is drained: a person waits for the echo before typing on, and DOS
 * programs read keys only now and then. Guests that do not use the BIOS
 * buffer leave head == tail. */
bool typist_key_taken(Machine *m) {
  if (m->kbc.obf || m->kbc.kbd.q.count) return false;
  return phys_read(m->mem, 0x41A, 2) == phys_read(m->mem, 0x41C, 2);
}

static uint32_t screen_hash(Machine *m) {
  static char buf[VGA_TEXT_MAX_COLS * VGA_TEXT_MAX_ROWS + VGA_TEXT_MAX_ROWS + 1];
  if (!machine_screen_text(m, buf, sizeof buf)) return 0;
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const char *p = buf; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  return h;
}

void typist_poll(Typist *t, Machine *m, uint64_t now) {
  if (typist_done(t) || now < t->next_ns) return;
  if (t->waiting) {
    uint32_t h = screen_hash(m);
    if (h != t->screen_hash || !h) {
      t->screen_hash = h;
      t->stable_since = now;
    } else if (now - t->stable_since >= SETTLE_NS) {
      t->waiting = false;
    }
    t->next_ns = now + KEY_GAP_NS;
    return;
  }
  if (!typist_key_taken(m) && now - t->key_sent < TYPIST_PATIENCE_NS) {
    t->next_ns = now + 1000000;
    return;
  }
  char ch = *t->text++;
  uint8_t code;
  bool shift;
  if (typist_ascii_to_set2(ch, &code, &shift)) {
    uint8_t seq[8];
    int n = 0;
    if (shift) seq[n++] = SET2_LSHIFT;
    seq[n++] = code;
    seq[n++] = SET2_BREAK;
    seq[n++] = code;
    if (shift) {
      seq[n++] = SET2_BREAK;
      seq[n++] = SET2_LSHIFT;
    }
    kbd_key(&m->kbc, seq, n);
  }
  if (ch == '\n') {
    t->waiting = true;
    t->screen_hash = 0;
  }
  t->key_sent = now;
  t->next_ns = now + KEY_GAP_NS;
}
