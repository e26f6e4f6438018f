#!/usr/bin/env bash
# The Pythons vae_avb supports, newest first, one line each: "VERSION PATH"
# where this machine has one (pythonX.Y or python3 on PATH, else pyenv's
# newest X.Y), "VERSION -" where it has none. `make` takes the first line
# with a path; .ci/run the first and the last lines.
SUPPORTED="3.13 3.12 3.11"
works() {  # runs, is version $2, and can make a venv (has ensurepip)
    "$1" -c "import sys, venv, ensurepip; ensurepip.version(); sys.exit(sys.version_info[:2] != tuple(map(int, '$2'.split('.'))))" >/dev/null 2>&1
}
pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for v in $SUPPORTED; do
    found=-
    for p in "$(command -v "python$v" 2>/dev/null)" \
             "$(command -v python3 2>/dev/null)" \
             $(ls -d "$pyenv_root"/versions/"$v".*/bin/python"$v" 2>/dev/null | sort -V -r); do
        if [ -n "$p" ] && works "$p" "$v"; then
            found=$p
            break
        fi
    done
    echo "$v $found"
done
