/* Guest input; see input.h. */
#include "frontend/input.h"

#include "frontend/keymap.h"

void input_key(Machine *m, int sc, bool pressed, int mods) {
  uint8_t bytes[KEYMAP_MAX_BYTES];
  int n = keymap_set2(sc, pressed, mods, bytes);
  if (n) kbd_key(&m->kbc, bytes, n);
}

void input_combo(Machine *m, const int *sc, int n) {
  int mods = 0;
  for (int i = 0; i < n; i++) input_key(m, sc[i], true, mods);
  for (int i = n - 1; i >= 0; i--) input_key(m, sc[i], false, mods);
}

void input_mouse(Machine *m, int dx, int dy, int dz, int buttons) {
  mouse_event(&m->kbc, dx, dy, dz, buttons);
}
