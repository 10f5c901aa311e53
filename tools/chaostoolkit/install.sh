#!/usr/bin/env bash
# Creates (once) the pinned Python environment that runs the real `chaos` CLI: chaostoolkit, chaostoolkit-kubernetes
# and chaostoolkit-istio with every dependency pinned and hash-locked in requirements.txt, installed from PyPI.
#
# The venv lives outside the repository, in ${CHAOS_STACK_CACHE:-$HOME/.cache/chaos-stack}/ctk-venv-<hash>, where
# <hash> is the first 12 hex digits of the sha256 of requirements.txt: a changed pin makes a new venv, an unchanged
# one is reused (idempotent: a second run only checks it). tools/chaostoolkit/venv.ts computes the same path.
# Prints the venv path on the last line of stdout.
#
# Usage: bash tools/chaostoolkit/install.sh   (PYTHON=python3.11 to pick the interpreter)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="$here/../../lib/chaostoolkit/requirements.txt"
cache="${CHAOS_STACK_CACHE:-$HOME/.cache/chaos-stack}"
hash="$(sha256sum "$req" | cut -c1-12)"
venv="$cache/ctk-venv-$hash"
python="${PYTHON:-python3}"

if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
  echo "ctk-install: $python is missing or older than 3.10; install Python 3.10+ (e.g. apt-get install python3-venv) or set PYTHON" >&2
  exit 1
fi

if [ -f "$venv/.complete" ] && "$venv/bin/chaos" --version >/dev/null 2>&1; then
  echo "ctk-install: $venv is up to date ($("$venv/bin/chaos" --version 2>&1 | tail -1))" >&2
  echo "$venv"
  exit 0
fi

mkdir -p "$cache"
# One installer at a time (CI and a developer, or two test workers).
exec 9>"$cache/ctk-venv.lock"
flock 9
if [ -f "$venv/.complete" ]; then echo "$venv"; exit 0; fi

rm -rf "$venv"
echo "ctk-install: creating $venv with $("$python" --version 2>&1)" >&2
"$python" -m venv "$venv"
# Hash-checking mode (every package must match a hash of requirements.txt) and wheels only, as the runner Job does.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --require-hashes --only-binary :all: -r "$req" >&2
"$venv/bin/python" -m pip check >&2
"$venv/bin/chaos" --version >&2
touch "$venv/.complete"
echo "$venv"
