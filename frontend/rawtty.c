/* Raw terminal mode with restore on every way out; see rawtty.h. */
#include "frontend/rawtty.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t active;
static char leave[64];
static size_t leave_len;

/* Async-signal-safe: only tcsetattr and write. */
void rawtty_leave(void) {
  if (!active) return;
  active = 0;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  ssize_t r = write(STDOUT_FILENO, leave, leave_len);
  (void)r;
}

static void on_signal(int sig) {
  rawtty_leave();
  signal(sig, SIG_DFL);
  raise(sig);
}

bool rawtty_enter(const char *leave_seq) {
  if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0) return false;
  leave_len = strlen(leave_seq) < sizeof leave ? strlen(leave_seq) : 0;
  memcpy(leave, leave_seq, leave_len);
  struct termios raw = saved;
  raw.c_iflag &= ~(tcflag_t)(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
  raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON | IEXTEN | ISIG);
  raw.c_cflag |= CS8;
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  static bool handlers;
  if (!handlers) {
    handlers = true;
    atexit(rawtty_leave);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
      struct sigaction sa = {0};
      sa.sa_handler = on_signal;
      sigemptyset(&sa.sa_mask);
      sigaction(sigs[i], &sa, NULL);
    }
  }
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
  active = 1;
  return true;
}
