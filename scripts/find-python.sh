#!/bin/sh
# Prints the path of a Python interpreter new enough for Django 6.1 (3.12+).
# Order: $PYTHON, python3.13/3.12/python3 on PATH, then pyenv's installed versions.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for cand in "${PYTHON:-}" python3.12 python3.13 python3; do
  [ -n "$cand" ] || continue
  path=$(command -v "$cand" 2>/dev/null) || continue
  if ok "$path"; then echo "$path"; exit 0; fi
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for path in "$root"/versions/3.12*/bin/python3 "$root"/versions/3.13*/bin/python3 /usr/bin/python3.12 /usr/bin/python3.13; do
  if [ -x "$path" ] && ok "$path"; then echo "$path"; exit 0; fi
done
echo "No Python 3.12+ found: install one (e.g. apt-get install python3.12 or pyenv install 3.12) or set PYTHON=" >&2
exit 1
