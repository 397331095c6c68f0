#!/usr/bin/env bash
# Set-up for the speed benches only (not a runtime need): Debian's PyTorch,
# the reference that bench/supernet-step.ts times in the same run.
set -euo pipefail
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') is importable by /usr/bin/python3"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-torch
/usr/bin/python3 -c 'import torch; print("PyTorch", torch.__version__, "installed for the benches")'
