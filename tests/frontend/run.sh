#!/bin/sh
# Frontend tests: tests/frontend/run.sh BUILD_DIR
#
# Runs BUILD_DIR/frontend-tests (Criterion: keymap, PNG encoder, monitor)
# when it was built, then end-to-end checks on BUILD_DIR/holo86 with a
# boot-sector guest (guest.asm, booted by SeaBIOS from a floppy image):
#   - --screenshot of the text screen (-display none), pixels checked;
#   - -display sdl under Xvfb (xvfb-run), driven through -monitor unix:,
#     screendump of the text screen, which the window must show pixel for
#     pixel (Xvfb's screen read back), sendkey to switch the guest to mode
#     13h, --screenshot of the picture when it halts;
#   - -display sdl without an X server fails cleanly;
#   - -display curses inside tmux: the guest's text (colours, box drawing)
#     is on the pane, a key typed there reaches the guest; FreeDOS (from
#     ../shared/guests/freedos or $FREEDOS_DIR; skipped without it) boots
#     in the pane, a line and DIR typed there in one burst run, the
#     listing is read back from the pane, Ctrl-A x quits;
#   - -monitor unix: info registers, x, xp, errors, screendump, quit;
#   - -monitor stdio together with -serial stdio is refused.
# Needs nasm, python3, xvfb-run (Debian xvfb, xauth) and tmux. Every step
# is bounded by a timeout. Ends with "N passed, N failed".
BUILD=${1:?usage: tests/frontend/run.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
HOLO=$(cd "$BUILD" && pwd)/holo86
T=$(mktemp -d /tmp/holo86-frontend.XXXXXX)
TMUX_SOCK=holo86-fe-$$
trap 'tmux -L $TMUX_SOCK kill-server 2>/dev/null; rm -rf "$T"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "$2" ] && sed 's/^/    /' "$2" | head -20; }
need() { command -v "$1" >/dev/null 2>&1 || { bad "$2: $1 is not installed (tools/deps.sh)"; return 1; }; }
png_check() { python3 "$HERE/png_check.py" "$@" >"$T/check.txt" 2>&1; }
# wait_pane TEXT TENTHS: until TEXT (a grep pattern) is on the tmux pane,
# which is left in $T/pane.txt.
wait_pane() {
  for _ in $(seq 1 "$2"); do
    tmux -L $TMUX_SOCK capture-pane -p -t 0 >"$T/pane.txt" 2>/dev/null
    grep -q "$1" "$T/pane.txt" && return 0
    sleep 0.1
  done
  return 1
}
# Sanitizer builds run several times slower: they set TIMEOUT_SCALE.
SCALE=${TIMEOUT_SCALE:-1}
FREEDOS=${FREEDOS_DIR:-$(cd "$HERE/../.." && pwd)/../shared/guests/freedos}

# Unit tests ------------------------------------------------------------------
if [ -x "$BUILD/frontend-tests" ]; then
  if timeout 120 "$BUILD/frontend-tests" >"$T/unit.txt" 2>&1; then ok "frontend unit tests"
  else bad "frontend unit tests" "$T/unit.txt"; fi
else
  echo "SKIP frontend unit tests ($BUILD/frontend-tests not built)"
fi

# The guest -------------------------------------------------------------------
if ! nasm -f bin -o "$T/guest.bin" "$HERE/guest.asm" 2>"$T/nasm.txt"; then
  bad "guest assembles" "$T/nasm.txt"
  echo "$pass passed, $fail failed"
  exit 1
fi
cp "$T/guest.bin" "$T/guest.img" && truncate -s 1474560 "$T/guest.img"
TEXT_CHECKS="700,8=0000AA any:0,0,180,15=FFFFFF any:0,32,108,47=FFFF55 700,300=000000"
GFX_CHECKS="10,10=AA0000 10,190=00AA00 160,100=FFFFFF 300,50=AA0000"

# --screenshot, no display ----------------------------------------------------
timeout 30 "$HOLO" -fda "$T/guest.img" -display none -serial none --until-screen "Press a key" \
  --timeout 20 --screenshot "$T/shot.png" >"$T/out.txt" 2>&1
if [ $? -eq 0 ] && png_check "$T/shot.png" 720x400 $TEXT_CHECKS; then ok "--screenshot of the text screen"
else cat "$T/check.txt" >>"$T/out.txt" 2>/dev/null; bad "--screenshot of the text screen" "$T/out.txt"; fi

# SDL under Xvfb, driven by the monitor -----------------------------------------
if need xvfb-run "SDL display" && need xauth "SDL display"; then
  rm -f "$T/mon.sock"
  # Xvfb keeps its screen in $T/Xvfb_screen0 (-fbdir): what the window shows.
  timeout 40 xvfb-run -a -s "-screen 0 1024x768x24 -fbdir $T" "$HOLO" -fda "$T/guest.img" -display sdl \
    -serial none -monitor "unix:$T/mon.sock" --timeout 30 --screenshot "$T/sdl.png" \
    >"$T/sdl.txt" 2>&1 &
  pid=$!
  timeout 20 python3 "$HERE/monitor_client.py" "$T/mon.sock" "@sleep 1" "info cpus" \
    "screendump $T/sdl-text.png" "@copy $T/Xvfb_screen0 $T/screen.xwd" "sendkey spc" >"$T/sdlmon.txt" 2>&1
  wait $pid
  rc=$?
  cat "$T/sdlmon.txt" >>"$T/sdl.txt"
  if [ $rc -eq 0 ] && grep -q DONE "$T/sdl.txt" && png_check "$T/sdl.png" 320x200 $GFX_CHECKS &&
     png_check "$T/sdl-text.png" 720x400 $TEXT_CHECKS; then
    ok "-display sdl: text screendump, sendkey, mode 13h --screenshot"
  else
    echo "exit status $rc" >>"$T/sdl.txt"; cat "$T/check.txt" >>"$T/sdl.txt" 2>/dev/null
    bad "-display sdl: text screendump, sendkey, mode 13h --screenshot" "$T/sdl.txt"
  fi
  if python3 "$HERE/window_check.py" "$T/screen.xwd" "$T/sdl-text.png" >"$T/win.txt" 2>&1; then
    ok "-display sdl: the window shows the screendump's picture"
  else
    bad "-display sdl: the window shows the screendump's picture" "$T/win.txt"
  fi
fi
env -u DISPLAY -u WAYLAND_DISPLAY timeout 20 "$HOLO" -fda "$T/guest.img" -display sdl -serial none \
  --timeout 5 >"$T/nox.txt" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "display sdl" "$T/nox.txt"; then ok "-display sdl without a display fails cleanly"
else echo "exit status $rc" >>"$T/nox.txt"; bad "-display sdl without a display fails cleanly" "$T/nox.txt"; fi

# curses in tmux ------------------------------------------------------------------
if need tmux "curses display"; then
  tmux -L $TMUX_SOCK new-session -d -x 100 -y 30 \
    "cd '$T' && timeout --foreground 40 '$HOLO' -fda guest.img -display curses --timeout 30 --screenshot curses.png \
     2>curses-err.txt; echo \$? > curses-rc; sleep 30"
  found=0
  for _ in $(seq 1 100); do
    tmux -L $TMUX_SOCK capture-pane -p -t 0 >"$T/pane.txt" 2>/dev/null
    if grep -q "Press a key for graphics" "$T/pane.txt"; then found=1; break; fi
    sleep 0.1
  done
  tmux -L $TMUX_SOCK capture-pane -p -e -t 0 >"$T/pane-esc.txt" 2>/dev/null
  if [ $found -eq 1 ] && grep -q "HOLO86 FRONTEND TEST" "$T/pane.txt" && grep -q "╔══════════╗" "$T/pane.txt" &&
     grep -q "$(printf '\033')\[44m" "$T/pane-esc.txt"; then
    ok "-display curses: text, colours and box drawing in tmux"
  else
    bad "-display curses: text, colours and box drawing in tmux" "$T/pane.txt"
  fi
  tmux -L $TMUX_SOCK send-keys -t 0 x
  for _ in $(seq 1 100); do [ -s "$T/curses-rc" ] && break; sleep 0.1; done
  if [ "$(cat "$T/curses-rc" 2>/dev/null)" = 0 ] && png_check "$T/curses.png" 320x200 $GFX_CHECKS; then
    ok "-display curses: a typed key reaches the guest"
  else
    { echo "exit status: $(cat "$T/curses-rc" 2>/dev/null)"; cat "$T/curses-err.txt" "$T/check.txt"; } >"$T/c.txt" 2>/dev/null
    bad "-display curses: a typed key reaches the guest" "$T/c.txt"
  fi
  tmux -L $TMUX_SOCK kill-server 2>/dev/null

  # FreeDOS at its prompt: a line and DIR typed into the pane in one burst
  # (as a paste arrives), every key must reach FreeCom.
  if [ -f "$FREEDOS/freedos-boot-1440k.img" ]; then
    cp "$FREEDOS/freedos-boot-1440k.img" "$T/freedos.img"
    tmux -L $TMUX_SOCK new-session -d -x 100 -y 30 \
      "cd '$T' && timeout --foreground $((60 * SCALE)) '$HOLO' -fda freedos.img -display curses \
       --timeout $((50 * SCALE)) 2>dos-err.txt; echo \$? > dos-rc; sleep 30"
    wait_pane 'A:\\>' $((300 * SCALE))
    line="Typed through tmux: 0123456789 abcdefghijklmnopqrstuvwxyz ABCXYZ"
    tmux -L $TMUX_SOCK send-keys -t 0 "echo $line" Enter dir Enter
    wait_pane "bytes free" $((300 * SCALE))
    if grep -qx "$line" "$T/pane.txt" && grep -q "^KERNEL   SYS" "$T/pane.txt" && grep -q "bytes free" "$T/pane.txt"; then
      ok "-display curses: FreeDOS, a line and DIR typed in tmux, the listing read back"
    else
      bad "-display curses: FreeDOS, a line and DIR typed in tmux, the listing read back" "$T/pane.txt"
    fi
    tmux -L $TMUX_SOCK send-keys -t 0 C-a x
    for _ in $(seq 1 100); do [ -s "$T/dos-rc" ] && break; sleep 0.1; done
    if [ "$(cat "$T/dos-rc" 2>/dev/null)" = 0 ]; then ok "-display curses: Ctrl-A x quits"
    else { echo "exit status: $(cat "$T/dos-rc" 2>/dev/null)"; cat "$T/dos-err.txt"; } >"$T/q.txt" 2>/dev/null
      bad "-display curses: Ctrl-A x quits" "$T/q.txt"; fi
    tmux -L $TMUX_SOCK kill-server 2>/dev/null
  else
    echo "SKIP -display curses with FreeDOS: no images in $FREEDOS (they live in ../shared, for developers and CI)"
  fi
fi

# The monitor on a unix socket ----------------------------------------------------
rm -f "$T/mon2.sock"
timeout 30 "$HOLO" -fda "$T/guest.img" -display none -serial none -monitor "unix:$T/mon2.sock" \
  --timeout 25 >"$T/mon-holo.txt" 2>&1 &
pid=$!
timeout 20 python3 "$HERE/monitor_client.py" "$T/mon2.sock" "@sleep 0.5" "info registers" \
  "xp/4xb 0x7c00" "x/2xw 0x7c00" "x/4q 0" "nosuchcommand" "info pic" "info pci" "info mem" \
  "screendump $T/mon.png" "quit" >"$T/mon.txt" 2>&1
wait $pid
rc=$?
cat "$T/mon-holo.txt" >>"$T/mon.txt"
mon_ok=1
for want in "EAX=" "CR0=" "00007c00: 0xfa 0x31 0xc0 0x8e" "00007c00: 0x8ec031fa" "error: bad format" \
            "error: unknown command" "pic0 (master)" "1234:1111" "paging is off"; do
  grep -qF "$want" "$T/mon.txt" || { echo "missing: $want" >>"$T/mon.txt"; mon_ok=0; }
done
png_check "$T/mon.png" 720x400 $TEXT_CHECKS || { cat "$T/check.txt" >>"$T/mon.txt"; mon_ok=0; }
[ $rc -eq 0 ] || { echo "exit status $rc (want 0 after quit)" >>"$T/mon.txt"; mon_ok=0; }
if [ $mon_ok -eq 1 ]; then ok "-monitor unix: info, x, xp, errors, screendump, quit"
else bad "-monitor unix: info, x, xp, errors, screendump, quit" "$T/mon.txt"; fi

# Terminal conflicts ------------------------------------------------------------
timeout 10 "$HOLO" -monitor stdio -serial stdio </dev/null >"$T/conf.txt" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "both want the terminal" "$T/conf.txt"; then ok "-monitor stdio with -serial stdio is refused"
else echo "exit status $rc" >>"$T/conf.txt"; bad "-monitor stdio with -serial stdio is refused" "$T/conf.txt"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
