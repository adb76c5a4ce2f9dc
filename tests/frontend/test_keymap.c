/* SDL scancodes → PS/2 set 2 bytes (frontend/keymap.c). */
#include <criterion/criterion.h>
#include <SDL2/SDL_scancode.h>
#include <string.h>

#include "frontend/keymap.h"

static void expect(int sc, bool pressed, int mods, const uint8_t *want, int n) {
  uint8_t out[KEYMAP_MAX_BYTES];
  int got = keymap_set2(sc, pressed, mods, out);
  cr_assert_eq(got, n, "scancode %d %s: %d bytes, want %d", sc, pressed ? "make" : "break", got, n);
  cr_assert(!memcmp(out, want, (size_t)n), "scancode %d %s: wrong bytes", sc, pressed ? "make" : "break");
}
#define EXPECT(sc, pressed, mods, ...)                                  \
  do {                                                                  \
    const uint8_t w_[] = {__VA_ARGS__};                                 \
    expect(sc, pressed, mods, w_, (int)sizeof w_);                      \
  } while (0)

Test(keymap, ordinary_keys) {
  EXPECT(SDL_SCANCODE_A, true, 0, 0x1C);
  EXPECT(SDL_SCANCODE_A, false, 0, 0xF0, 0x1C);
  EXPECT(SDL_SCANCODE_Z, true, 0, 0x1A);
  EXPECT(SDL_SCANCODE_1, true, 0, 0x16);
  EXPECT(SDL_SCANCODE_0, true, 0, 0x45);
  EXPECT(SDL_SCANCODE_RETURN, true, 0, 0x5A);
  EXPECT(SDL_SCANCODE_ESCAPE, false, 0, 0xF0, 0x76);
  EXPECT(SDL_SCANCODE_SPACE, true, 0, 0x29);
  EXPECT(SDL_SCANCODE_LSHIFT, true, 0, 0x12);
  EXPECT(SDL_SCANCODE_RSHIFT, true, 0, 0x59);
  EXPECT(SDL_SCANCODE_LCTRL, true, 0, 0x14);
  EXPECT(SDL_SCANCODE_LALT, false, 0, 0xF0, 0x11);
  EXPECT(SDL_SCANCODE_F1, true, 0, 0x05);
  EXPECT(SDL_SCANCODE_F7, true, 0, 0x83);
  EXPECT(SDL_SCANCODE_F12, false, 0, 0xF0, 0x07);
  EXPECT(SDL_SCANCODE_KP_7, true, 0, 0x6C);
  EXPECT(SDL_SCANCODE_NUMLOCKCLEAR, true, 0, 0x77);
  EXPECT(SDL_SCANCODE_NONUSBACKSLASH, true, 0, 0x61);
}

Test(keymap, extended_keys) {
  EXPECT(SDL_SCANCODE_RCTRL, true, 0, 0xE0, 0x14);
  EXPECT(SDL_SCANCODE_RCTRL, false, 0, 0xE0, 0xF0, 0x14);
  EXPECT(SDL_SCANCODE_RALT, true, 0, 0xE0, 0x11);
  EXPECT(SDL_SCANCODE_UP, true, 0, 0xE0, 0x75);
  EXPECT(SDL_SCANCODE_LEFT, false, 0, 0xE0, 0xF0, 0x6B);
  EXPECT(SDL_SCANCODE_DELETE, true, 0, 0xE0, 0x71);
  EXPECT(SDL_SCANCODE_INSERT, true, 0, 0xE0, 0x70);
  EXPECT(SDL_SCANCODE_HOME, true, 0, 0xE0, 0x6C);
  EXPECT(SDL_SCANCODE_PAGEDOWN, false, 0, 0xE0, 0xF0, 0x7A);
  EXPECT(SDL_SCANCODE_KP_ENTER, true, 0, 0xE0, 0x5A);
  EXPECT(SDL_SCANCODE_KP_DIVIDE, true, 0, 0xE0, 0x4A);
  EXPECT(SDL_SCANCODE_LGUI, true, 0, 0xE0, 0x1F);
  EXPECT(SDL_SCANCODE_APPLICATION, true, 0, 0xE0, 0x2F);
}

Test(keymap, pause_and_printscreen) {
  EXPECT(SDL_SCANCODE_PAUSE, true, 0, 0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
  uint8_t out[KEYMAP_MAX_BYTES];
  cr_assert_eq(keymap_set2(SDL_SCANCODE_PAUSE, false, 0, out), 0, "Pause sends nothing on release");
  EXPECT(SDL_SCANCODE_PAUSE, true, KM_CTRL, 0xE0, 0x7E, 0xE0, 0xF0, 0x7E);
  EXPECT(SDL_SCANCODE_PRINTSCREEN, true, 0, 0xE0, 0x12, 0xE0, 0x7C);
  EXPECT(SDL_SCANCODE_PRINTSCREEN, false, 0, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12);
  EXPECT(SDL_SCANCODE_PRINTSCREEN, true, KM_SHIFT, 0xE0, 0x7C);
  EXPECT(SDL_SCANCODE_PRINTSCREEN, true, KM_ALT, 0x84);
  EXPECT(SDL_SCANCODE_PRINTSCREEN, false, KM_ALT, 0xF0, 0x84);
}

Test(keymap, unknown_keys_send_nothing) {
  uint8_t out[KEYMAP_MAX_BYTES];
  cr_assert_eq(keymap_set2(SDL_SCANCODE_UNKNOWN, true, 0, out), 0);
  cr_assert_eq(keymap_set2(-1, true, 0, out), 0);
  cr_assert_eq(keymap_set2(SDL_NUM_SCANCODES, true, 0, out), 0);
  cr_assert_eq(keymap_set2(SDL_SCANCODE_F24, true, 0, out), 0);
}

Test(keymap, characters) {
  int sc;
  bool shift;
  cr_assert(keymap_char('a', &sc, &shift) && sc == SDL_SCANCODE_A && !shift);
  cr_assert(keymap_char('Q', &sc, &shift) && sc == SDL_SCANCODE_Q && shift);
  cr_assert(keymap_char('!', &sc, &shift) && sc == SDL_SCANCODE_1 && shift);
  cr_assert(keymap_char('/', &sc, &shift) && sc == SDL_SCANCODE_SLASH && !shift);
  cr_assert(keymap_char('"', &sc, &shift) && sc == SDL_SCANCODE_APOSTROPHE && shift);
  cr_assert(keymap_char('\r', &sc, &shift) && sc == SDL_SCANCODE_RETURN);
  cr_assert(keymap_char(0x7F, &sc, &shift) && sc == SDL_SCANCODE_BACKSPACE);
  cr_assert(!keymap_char(0x80, &sc, &shift));
}
