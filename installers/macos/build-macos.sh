#!/usr/bin/env bash
# Build the macOS app and disk image (run on a Mac; the hosted runner in
# .github/workflows/installers.yml does it):
#   dist/p311desk.app                        the application bundle (p311desk-cli inside it)
#   dist/p311desk-VERSION-macos-ARCH.dmg     the disk image: drag p311desk to Applications
# Usage: installers/macos/build-macos.sh [PYTHON]   (default .venv/bin/python, with '.[installers]')
# Not signed with a Developer ID nor notarised (that needs the council's Apple account): the
# first start needs right-click > Open. PyInstaller signs the bundle ad hoc.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:-.venv/bin/python}
VERSION=$("$PY" -c "import p311desk; print(p311desk.__version__)")
ARCH=$(uname -m)
export PYINSTALLER_CONFIG_DIR="$PWD/build/pyinstaller-config"
export QT_QPA_PLATFORM=offscreen

rm -rf build/pyinstaller dist/p311desk dist/p311desk.app
"$PY" installers/make_icons.py build/icons
P311DESK_ICON="$PWD/build/icons/p311desk.icns" \
  "$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller installers/p311desk.spec
# The command line is the same program under another name (launcher.py looks at the name).
ln -s p311desk dist/p311desk.app/Contents/MacOS/p311desk-cli
codesign --force --deep --sign - dist/p311desk.app  # the link changed the bundle: sign ad hoc again

STAGING=build/dmg
rm -rf "$STAGING" && mkdir -p "$STAGING"
cp -R dist/p311desk.app "$STAGING/"
ln -s /Applications "$STAGING/Applications"
DMG="dist/p311desk-$VERSION-macos-$ARCH.dmg"
rm -f "$DMG"
hdiutil create -volname "p311desk $VERSION" -srcfolder "$STAGING" -ov -format UDZO "$DMG"
echo "built dist/p311desk.app ($(du -sh dist/p311desk.app | cut -f1)) and $DMG ($(du -h "$DMG" | cut -f1))"
