#!/usr/bin/env bash
# Install (or upgrade) p311desk for this user, without administrator rights. Run it from the
# unpacked folder:  ./install.sh
#
# The program goes to ~/.local/opt/p311desk (an older version there is replaced whole), the
# commands p311desk and p311desk-cli to ~/.local/bin, the menu entry and icon to
# ~/.local/share. The user data folder (~/.local/share/p311desk: the database, its backups, logs)
# is never touched: the next start upgrades the database after copying it aside.
#   ./install.sh --uninstall   removes the program, the commands and the menu entry (not the data)
set -euo pipefail
SRC=$(cd "$(dirname "$0")" && pwd)
SHARE=${XDG_DATA_HOME:-$HOME/.local/share}
PREFIX=$HOME/.local/opt/p311desk
BIN=$HOME/.local/bin

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$PREFIX"
  rm -f "$BIN/p311desk" "$BIN/p311desk-cli" "$SHARE/applications/p311desk.desktop" \
        "$SHARE/icons/hicolor/256x256/apps/p311desk.png"
  echo "p311desk removed; your data stays in $SHARE/p311desk"
  exit 0
fi

[ -x "$SRC/p311desk" ] && [ -x "$SRC/p311desk-cli" ] || { echo "run install.sh from the unpacked p311desk folder" >&2; exit 1; }
[ "$SRC" != "$PREFIX" ] || { echo "already installed here: $PREFIX" >&2; exit 1; }
mkdir -p "$(dirname "$PREFIX")" "$BIN" "$SHARE/applications" "$SHARE/icons/hicolor/256x256/apps"
# Copy beside the old version, then swap: a failed copy leaves the old one working.
rm -rf "$PREFIX.new" "$PREFIX.old"
cp -a "$SRC" "$PREFIX.new"
[ -d "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old"
mv "$PREFIX.new" "$PREFIX"
rm -rf "$PREFIX.old"
ln -sfn "$PREFIX/p311desk" "$BIN/p311desk"
ln -sfn "$PREFIX/p311desk-cli" "$BIN/p311desk-cli"
cp "$PREFIX/p311desk.png" "$SHARE/icons/hicolor/256x256/apps/p311desk.png"
sed -e "s|@PREFIX@|$PREFIX|g" "$PREFIX/p311desk.desktop.in" > "$SHARE/applications/p311desk.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$SHARE/applications" || true
echo "p311desk installed in $PREFIX (menu: p311desk; commands: $BIN/p311desk, $BIN/p311desk-cli)"
case ":$PATH:" in *":$BIN:"*) ;; *) echo "note: $BIN is not on your PATH; the menu entry works anyway" ;; esac
