/* The frontend hub; see ui.h. */
#include "frontend/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/monitor.h"

bool ui_open(Ui *ui, Machine *m, const char *display, const char *monitor) {
  char err[256];
  ui->m = m;
  if (!display) {
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    if ((x && *x) || (w && *w)) ui->display = display_sdl_open(ui, err, sizeof err);
  } else if (!strcmp(display, "sdl") || !strcmp(display, "curses")) {
    bool sdl = !strcmp(display, "sdl");
    ui->display = sdl ? display_sdl_open(ui, err, sizeof err) : display_curses_open(ui, err, sizeof err);
    if (!ui->display) {
      fprintf(stderr, "holo86: -display %s: %s\n", display, err);
      return false;
    }
  }
  if (monitor && !(ui->monitor = monitor_open(ui, monitor, err, sizeof err))) {
    fprintf(stderr, "holo86: %s\n", err);
    ui_close(ui);
    return false;
  }
  ui_attach(ui, m);
  return true;
}

void ui_attach(Ui *ui, Machine *m) {
  ui->m = m;
  m->frontend_tick = ui_tick;
  m->frontend_opaque = ui;
}

void ui_tick(void *opaque) {
  Ui *ui = opaque;
  if (ui->display) ui->display->tick(ui->display);
  if (ui->monitor) monitor_poll(ui->monitor);
}

void ui_close(Ui *ui) {
  if (ui->monitor) monitor_close(ui->monitor);
  ui->monitor = NULL;
  if (ui->display) ui->display->close(ui->display);
  ui->display = NULL;
  if (ui->m) ui->m->frontend_tick = NULL;
}
