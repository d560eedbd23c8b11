#!/bin/sh
# tests/viewer_xvfb.sh GMPVIEW GMPSIM: gmpview in a real X window under Xvfb.
#
# Starts Xvfb on a free display, opens gmpview on a fresh args_copy schedule, sends
# keys and clicks with xdotool (step, decision step, play, help, find, zoom, pan,
# collapse, select), has gmpview save a screenshot (F12) and, when xwd is installed,
# takes one from outside too; then quits with q and expects exit status 0.
set -eu
gmpview=$1
gmpsim=$2
dir=$(mktemp -d /tmp/gmpview-xvfb-XXXXXX)
xvfb_pid=
view_pid=
cleanup() {
    [ -n "$view_pid" ] && kill "$view_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "viewer_xvfb: FAIL: $*" >&2
    [ -f "$dir/view.err" ] && sed 's/^/  gmpview: /' "$dir/view.err" >&2
    exit 1
}

n=90
while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do
    n=$((n + 1))
    [ $n -lt 140 ] || fail "no free X display number"
done
Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >"$dir/xvfb.log" 2>&1 &
xvfb_pid=$!
i=0
until [ -e "/tmp/.X11-unix/X$n" ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "Xvfb did not start (see $dir/xvfb.log)"
    sleep 0.1
done
export DISPLAY=":$n"
export SDL_VIDEODRIVER=x11
# In a sanitizer build, LeakSanitizer reports what libdbus, Xlib and SDL's dlopen'ed video
# drivers keep until exit (some from modules already unloaded, so a suppression file cannot
# name them). Our own code's leaks are checked by the viz suite and the headless render test.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

"$gmpsim" run args_copy --procs 2 --seed 1 -q -o "$dir/a.jsonl" >/dev/null
cd "$dir"
"$gmpview" "$dir/a.jsonl" --scale 1 >"$dir/view.out" 2>"$dir/view.err" &
view_pid=$!

wid=
i=0
while [ -z "$wid" ]; do
    wid=$(xdotool search --name "gmpview" 2>/dev/null | head -n 1 || true)
    i=$((i + 1))
    [ $i -lt 100 ] || fail "no gmpview window appeared"
    kill -0 "$view_pid" 2>/dev/null || fail "gmpview exited before its window appeared"
    [ -n "$wid" ] || sleep 0.1
done
xdotool windowfocus --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
sleep 0.3

keys() { # each key, a short pause so that every one is its own frame
    for k in "$@"; do
        xdotool key --clearmodifiers "$k"
        sleep 0.05
    done
    kill -0 "$view_pid" 2>/dev/null || fail "gmpview died after keys: $*"
}
keys Right Right Right Right shift+Right shift+Right shift+Left End Home
keys space
sleep 0.5
keys space question Right
keys slash w o r k e r Return Return Escape
keys w w s a d f 1 1 3 3 Up Down Next Prior c n
# Mouse: hover a lane, wheel-zoom, drag, click the ruler and a span.
xdotool mousemove --window "$wid" 500 300 sleep 0.1 click 4 sleep 0.05 click 5 sleep 0.05
xdotool mousemove --window "$wid" 500 300 mousedown 1 mousemove --window "$wid" 450 320 mouseup 1 sleep 0.05
xdotool mousemove --window "$wid" 400 40 click 1 sleep 0.05 mousemove --window "$wid" 420 95 click 1 sleep 0.1
kill -0 "$view_pid" 2>/dev/null || fail "gmpview died after mouse input"
keys End F12
sleep 0.5
[ -s "$dir/gmpview-shot-000.png" ] || fail "F12 wrote no screenshot"
size=$(wc -c <"$dir/gmpview-shot-000.png")
[ "$size" -gt 20000 ] || fail "the screenshot is suspiciously small ($size bytes)"
if command -v xwd >/dev/null 2>&1; then
    xwd -root -silent >"$dir/root.xwd" || fail "xwd failed"
    [ "$(wc -c <"$dir/root.xwd")" -gt 1000000 ] || fail "xwd screenshot too small"
    echo "viewer_xvfb: xwd screenshot ok"
fi
if [ -n "${GMPVIEW_XVFB_KEEP:-}" ]; then cp "$dir/gmpview-shot-000.png" "$GMPVIEW_XVFB_KEEP"; fi

xdotool key --clearmodifiers q
i=0
while kill -0 "$view_pid" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "gmpview did not quit on q"
    sleep 0.1
done
status=0
wait "$view_pid" || status=$?
view_pid=
[ "$status" -eq 0 ] || fail "gmpview exited with status $status"
echo "viewer_xvfb: window opened, keys and mouse handled, screenshot $size bytes, quit with status 0"
echo "1 passed, 0 failed"
