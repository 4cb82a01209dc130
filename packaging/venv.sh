# Sourced by ./run and ./test: make sure .venv exists and holds this checkout with the given extras.
# Re-running is fast: pip runs only when pyproject.toml or the extras changed since the last install.
# Usage: ensure_venv [EXTRAS]   (e.g. ensure_venv test)

ensure_venv() {
    local extras="${1:-}" root venv py stamp want
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    venv="$root/.venv"
    py="$(command -v python3.11 || command -v python3 || true)"
    if [ -z "$py" ]; then
        echo "Halyk Desk needs Python 3.11 or newer: install python3 (Debian: apt-get install python3 python3-venv)." >&2
        return 1
    fi
    if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "Halyk Desk needs Python 3.11 or newer; $py is $("$py" --version 2>&1)." >&2
        return 1
    fi
    if [ ! -x "$venv/bin/python" ]; then
        echo "Creating $venv ..." >&2
        if ! "$py" -m venv "$venv"; then
            rm -rf "$venv"
            echo "Could not create a virtual environment. On Debian or Ubuntu install the venv module first:" >&2
            echo "    apt-get install python3-venv" >&2
            return 1
        fi
    fi
    want="$(cat "$root/pyproject.toml" | sha256sum | cut -d' ' -f1) extras=[$extras]"
    stamp="$venv/.halyk-desk-installed"
    # A stamp for a superset of extras (test includes nothing the app lacks) also counts.
    if [ -f "$stamp" ] && grep -qxF "$want" "$stamp"; then
        return 0
    fi
    echo "Installing Halyk Desk${extras:+ with [$extras]} into $venv ..." >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2 || true
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root${extras:+[$extras]}" >&2 || return 1
    echo "$want" >> "$stamp"
}
