#!/usr/bin/env bash
# Smoke test of a built one-folder: installers/smoke.sh DIST [SOURCE_PYTHON]
#
# DIST is the folder holding p311desk and p311desk-cli (dist/p311desk). Everything runs on fresh
# folders under a temporary HOME (data, config, cache, key file), so the machine's own p311desk
# data is never touched. Steps:
#   1. the built CLI on a fresh data folder: init, demo, sessions list, checkin, print
#      credentials, a budget vote counted by the Method of Equal Shares, audit verify, backup;
#   2. the built window offscreen: --smoke opens the demo, paints every page once and quits,
#      failing on any error in the log;
#   3. upgrades keep data (needs SOURCE_PYTHON, a Python with the project's source installed):
#      a database made by the source at the first migration, with a session in it, is opened by
#      the build, which copies it aside (p311desk.before-upgrade-0001-*.db) and upgrades it;
#   4. sync (needs SOURCE_PYTHON to run the fake Decidim): the built CLI adds the platform, signs
#      in and pulls, through the bundled GraphQL schemas and documents;
#   5. Linux: installing the build twice with its install.sh (an upgrade) replaces the program
#      folder and keeps the user data folder.
# Exit 0 when every step passed; the first failing step stops it with its output.
set -euo pipefail

DIST=$(cd "${1:?usage: installers/smoke.sh DIST [SOURCE_PYTHON]}" && pwd)
SOURCE_PYTHON=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
EXE=""
case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*) EXE=".exe" ;; esac
CLI="$DIST/p311desk-cli$EXE"
GUI="$DIST/p311desk$EXE"
[ -x "$CLI" ] && [ -x "$GUI" ] || { echo "smoke: no p311desk and p311desk-cli in $DIST" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/p311desk-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share" \
       XDG_CACHE_HOME="$WORK/home/.cache" LOCALAPPDATA="$WORK/home/AppData/Local" APPDATA="$WORK/home/AppData/Roaming"
export QT_QPA_PLATFORM=offscreen
unset P311DESK_DATA_DIR P311DESK_CACHE_DIR PYTHONPATH PYTHONHOME
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$LOCALAPPDATA" "$APPDATA"
DATA="$WORK/data"

step() { echo; echo "== $*"; }
run() {  # run a command, show its output, fail the smoke test with it
  echo "\$ ${*/#$DIST\//}"
  if ! "$@" >"$WORK/out" 2>&1; then cat "$WORK/out"; echo "smoke: FAILED: $*" >&2; exit 1; fi
  cat "$WORK/out"
}
no_errors_in_log() {
  if grep -E " (ERROR|CRITICAL) |Traceback" "$1/logs/p311desk.log" 2>/dev/null; then
    echo "smoke: FAILED: errors in $1/logs/p311desk.log" >&2; exit 1
  fi
}

step "1. the command line on a fresh data folder"
run "$CLI" --data-dir "$DATA" init
run "$CLI" --data-dir "$DATA" demo
run "$CLI" --data-dir "$DATA" sessions list
SESSION=$("$CLI" --data-dir "$DATA" sessions list --status open | awk 'NR==1 {print $1}')
[ -n "$SESSION" ] || { echo "smoke: FAILED: the demo has no open session" >&2; exit 1; }
# Someone registered who has not arrived yet (their line has no check-in time).
CODE=$("$CLI" --data-dir "$DATA" participants list --session "$SESSION" | awk '$2 !~ /^[0-9][0-9]:[0-9][0-9]$/ {print $1; exit}')
run "$CLI" --data-dir "$DATA" --lang ca checkin "$SESSION" "$CODE"
run "$CLI" --data-dir "$DATA" print credentials "$SESSION" -o "$WORK/credentials.pdf"
head -c 5 "$WORK/credentials.pdf" | grep -q '%PDF-' || { echo "smoke: FAILED: credentials.pdf is not a PDF" >&2; exit 1; }
# A participatory budget counted by the Method of Equal Shares: pabutools runs in the build
# without the solvers the spec leaves out.
run "$CLI" --data-dir "$DATA" votes create "$SESSION" "Pressupost" --method budget --options "Parc;Biblioteca;Carril bici" \
    --budget 1000 --costs "Parc=600;Biblioteca=500;Carril bici=300" --rule equal-shares
QUESTION=$(tail -1 "$WORK/out")
run "$CLI" --data-dir "$DATA" votes open "$QUESTION"
for voter in $("$CLI" --data-dir "$DATA" participants list --session "$SESSION" | awk '$2 ~ /^[0-9][0-9]:[0-9][0-9]$/ {print $1}' | head -3); do
  run "$CLI" --data-dir "$DATA" votes cast "$QUESTION" "$voter" Parc "Carril bici"
done
run "$CLI" --data-dir "$DATA" votes close "$QUESTION"
run "$CLI" --data-dir "$DATA" --lang en votes results "$QUESTION"
grep -q "costing 900 of 1,000, by the Method of Equal Shares" "$WORK/out" || { echo "smoke: FAILED: equal shares" >&2; exit 1; }
run "$CLI" --data-dir "$DATA" audit verify
run "$CLI" --data-dir "$DATA" backup
# Backups are sealed (.p311bak): the one just written must be there and open again (restore
# without --yes only describes it, which decrypts and checks it).
BACKUP=$(sed -n 's/^Backup written: //p' "$WORK/out" | tail -n 1)
[ -n "$BACKUP" ] && [ -s "$BACKUP" ] || { echo "smoke: FAILED: no backup written" >&2; exit 1; }
run "$CLI" --data-dir "$DATA" restore "$BACKUP"
grep -q "300 people" "$WORK/out" || { echo "smoke: FAILED: the backup does not open" >&2; exit 1; }
no_errors_in_log "$DATA"

step "2. the window, offscreen (--smoke)"
run "$GUI" --smoke --data-dir "$WORK/gui" --lang ca
no_errors_in_log "$WORK/gui"

step "3. an older database is copied aside and upgraded on first start"
if [ -n "$SOURCE_PYTHON" ]; then
  run "$SOURCE_PYTHON" "$HERE/old_database.py" "$WORK/old" 0001
  run "$CLI" --data-dir "$WORK/old" sessions list
  # ASCII only: on Windows the CLI's redirected output is in the ANSI code page, not UTF-8.
  grep -q "Assemblea d'abans de l'actualitzaci" "$WORK/out" || { echo "smoke: FAILED: the old session is gone" >&2; exit 1; }
  ls "$WORK"/old/p311desk.before-upgrade-0001-*.db || { echo "smoke: FAILED: no copy before the upgrade" >&2; exit 1; }
  run "$CLI" --data-dir "$WORK/old" audit verify
  no_errors_in_log "$WORK/old"
else
  echo "skipped: no SOURCE_PYTHON given"
fi

step "4. sync: the built CLI pulls from a fake Decidim on 127.0.0.1 (bundled GraphQL schemas and documents)"
if [ -n "$SOURCE_PYTHON" ]; then
  PORT=$("$SOURCE_PYTHON" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  (cd "$HERE/.." && exec "$SOURCE_PYTHON" -m sync.fake_decidim --version 0.32 --port "$PORT") >"$WORK/fake.log" 2>&1 &
  FAKE=$!
  trap 'kill "$FAKE" 2>/dev/null || true; rm -rf "$WORK"' EXIT
  "$SOURCE_PYTHON" -c "import socket, sys, time
for _ in range(150):
    try:
        socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2).close(); break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit('the fake Decidim did not start')" "$PORT" || { cat "$WORK/fake.log"; exit 1; }
  export P311DESK_SECRET=fake-api-secret-311-XYZ
  run "$CLI" --data-dir "$DATA" platforms add Prova "http://127.0.0.1:$PORT"
  run "$CLI" --data-dir "$DATA" sync login Prova --api-key p311-fake-api-key
  run "$CLI" --data-dir "$DATA" --lang en sync pull Prova
  grep -q "Proposals: [1-9][0-9]* new" "$WORK/out" || { echo "smoke: FAILED: nothing pulled" >&2; exit 1; }
  unset P311DESK_SECRET
  kill "$FAKE" 2>/dev/null || true
  no_errors_in_log "$DATA"
else
  echo "skipped: no SOURCE_PYTHON given"
fi

step "5. installing a newer build over an older one keeps the user data folder"
if [ -x "$DIST/install.sh" ]; then
  run "$DIST/install.sh"
  run "$HOME/.local/bin/p311desk-cli" init
  run "$HOME/.local/bin/p311desk-cli" demo
  touch "$HOME/.local/opt/p311desk/left-by-the-old-build"
  run "$DIST/install.sh"   # the "newer" build: the same folder installed again
  [ ! -e "$HOME/.local/opt/p311desk/left-by-the-old-build" ] || { echo "smoke: FAILED: the old program folder was kept" >&2; exit 1; }
  run "$HOME/.local/bin/p311desk-cli" sessions list
  grep -q "Assemblea de barri" "$WORK/out" || { echo "smoke: FAILED: the data did not survive the upgrade" >&2; exit 1; }
  grep -q "^Exec=$HOME/.local/opt/p311desk/p311desk" "$XDG_DATA_HOME/applications/p311desk.desktop" \
    || { echo "smoke: FAILED: no menu entry" >&2; exit 1; }
else
  echo "skipped: no install.sh in $DIST (not a Linux build)"
fi

echo
echo "smoke: ok: $DIST"
