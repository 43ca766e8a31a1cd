#!/usr/bin/env bash
# Checks GRUKit's exported files with the frameworks that consume them.
#
# Usage: bash Tools/Interop/check_with_consumers.sh [CHECK ...]
#   CHECK: the name of a script Tools/Interop/check_<CHECK>.py (default: every check_*.py here).
#
# Makes the virtual environment Tools/Interop/.venv when it is missing, installs the packages
# the checks import (Tools/Interop/requirements.txt), and runs each check with the debug `gru`
# that `swift build` made (it builds nothing; run `swift build` first). Each check prints its
# own table and exits non-zero on a mismatch; this script exits with 1 when any check failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
gru="$root/.build/debug/gru"
venv="$here/.venv"

if [[ ! -x "$gru" ]]; then
    echo "error: $gru is missing; run swift build first" >&2
    exit 1
fi
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

checks=("$@")
if [[ ${#checks[@]} -eq 0 ]]; then
    for script in "$here"/check_*.py; do
        name="$(basename "$script" .py)"
        checks+=("${name#check_}")
    done
fi

failed=()
for check in "${checks[@]}"; do
    script="$here/check_$check.py"
    if [[ ! -f "$script" ]]; then
        echo "error: no check '$check' ($script is missing)" >&2
        failed+=("$check")
        continue
    fi
    echo "== $check"
    if ! "$venv/bin/python" "$script" --gru "$gru"; then
        failed+=("$check")
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
echo "all checks passed: ${checks[*]}"
