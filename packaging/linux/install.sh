#!/bin/sh
# Install Halyk Desk for the current user from the Linux archive that packaging/build.py makes
# (this script sits beside the program's folder halyk-desk/, halyk-desk.desktop and icons/):
#   ./install.sh              install, or upgrade in place
#   ./install.sh --uninstall  remove the program; the shop's data (~/.local/share/HalykDesk,
#                             ~/.config/HalykDesk) stay where they are
# The program goes to $PREFIX/lib/halyk-desk (PREFIX defaults to ~/.local), the command to
# $PREFIX/bin/halyk-desk, the menu entry and icons under $XDG_DATA_HOME (~/.local/share).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-$HOME/.local}
data=${XDG_DATA_HOME:-$HOME/.local/share}
app=$prefix/lib/halyk-desk
command=$prefix/bin/halyk-desk
entry=$data/applications/halyk-desk.desktop
icons=$data/icons/hicolor
sizes="16 32 48 64 128 256"

refresh_menus() {
    # Menus pick the entry up by themselves; these only make it quicker where they exist.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$data/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
    fi
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$app"
    rm -f "$command" "$entry" "$icons/scalable/apps/halyk-desk.svg"
    for size in $sizes; do
        rm -f "$icons/${size}x${size}/apps/halyk-desk.png"
    done
    refresh_menus
    echo "Halyk Desk removed. Its data folders were left in place."
    exit 0
fi
if [ $# -gt 0 ]; then
    echo "usage: $0 [--uninstall]" >&2
    exit 2
fi
if [ ! -x "$here/halyk-desk/halyk-desk" ]; then
    echo "No program beside this script ($here/halyk-desk/halyk-desk): unpack the whole archive." >&2
    exit 1
fi

# Copy next to the old version, then swap: a failed copy leaves the installed program as it was.
mkdir -p "$prefix/lib" "$prefix/bin" "$data/applications"
rm -rf "$app.new"
cp -R "$here/halyk-desk" "$app.new"
rm -rf "$app"
mv "$app.new" "$app"
ln -sfn "$app/halyk-desk" "$command"

# The menu entry starts the program by its full path: ~/.local/bin is not on every desktop's PATH.
sed -e "s|^Exec=.*|Exec=\"$command\"|" -e "s|^TryExec=.*|TryExec=$command|" \
    "$here/halyk-desk.desktop" > "$entry.new"
mv "$entry.new" "$entry"
for size in $sizes; do
    mkdir -p "$icons/${size}x${size}/apps"
    cp "$here/icons/halyk-desk-$size.png" "$icons/${size}x${size}/apps/halyk-desk.png"
done
mkdir -p "$icons/scalable/apps"
cp "$here/icons/halyk-desk.svg" "$icons/scalable/apps/halyk-desk.svg"
refresh_menus
echo "Halyk Desk installed: $command (and in the applications menu)."
