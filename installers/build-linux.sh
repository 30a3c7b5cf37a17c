#!/usr/bin/env bash
# Build the Linux one-folder with PyInstaller:
#   dist/p311desk/                                  p311desk, p311desk-cli, _internal/, install.sh,
#                                                   p311desk.desktop.in, p311desk.png
#   dist/p311desk-VERSION-linux-ARCH.tar.gz         that folder, for the technicians' laptops
#   dist/p311desk-VERSION-ARCH.AppImage             only when appimagetool is on PATH
# Usage: installers/build-linux.sh [PYTHON]   (default .venv/bin/python, with '.[installers]')
# Nothing is cached outside build/ and dist/: PyInstaller's own cache goes to build/ too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
VERSION=$("$PY" -c "import p311desk; print(p311desk.__version__)")
ARCH=$(uname -m)
export PYINSTALLER_CONFIG_DIR="$PWD/build/pyinstaller-config"
export QT_QPA_PLATFORM=offscreen

rm -rf build/pyinstaller dist/p311desk
"$PY" installers/make_icons.py build/icons
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller installers/p311desk.spec

ln -s p311desk dist/p311desk/p311desk-cli  # one program; launcher.py looks at the name
cp installers/linux/install.sh installers/linux/p311desk.desktop.in build/icons/p311desk.png dist/p311desk/
tar -C dist -czf "dist/p311desk-$VERSION-linux-$ARCH.tar.gz" p311desk
echo "built dist/p311desk ($(du -sh dist/p311desk | cut -f1) unpacked) and dist/p311desk-$VERSION-linux-$ARCH.tar.gz ($(du -h "dist/p311desk-$VERSION-linux-$ARCH.tar.gz" | cut -f1))"

if command -v appimagetool >/dev/null 2>&1; then
  APPDIR=build/p311desk.AppDir
  rm -rf "$APPDIR" && mkdir -p "$APPDIR/usr/lib"
  cp -a dist/p311desk "$APPDIR/usr/lib/p311desk"
  cp build/icons/p311desk.png "$APPDIR/p311desk.png"
  sed -e "s|@PREFIX@/p311desk|p311desk|" installers/linux/p311desk.desktop.in > "$APPDIR/p311desk.desktop"
  cat > "$APPDIR/AppRun" <<'APPRUN'
#!/bin/sh
# p311desk-cli when the AppImage is called with "cli" first (./p311desk.AppImage cli sessions list)
HERE=$(dirname "$(readlink -f "$0")")
if [ "$1" = "cli" ]; then shift; exec "$HERE/usr/lib/p311desk/p311desk-cli" "$@"; fi
exec "$HERE/usr/lib/p311desk/p311desk" "$@"
APPRUN
  chmod +x "$APPDIR/AppRun"
  export ARCH  # appimagetool names the architecture from it
  appimagetool --no-appstream "$APPDIR" "dist/p311desk-$VERSION-$ARCH.AppImage"
else
  echo "appimagetool not found: no AppImage (the .tar.gz is the Linux package)"
fi
