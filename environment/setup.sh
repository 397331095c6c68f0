#!/usr/bin/env bash
# One idempotent set-up command for a fresh machine (Debian, Node 20, npm 11):
#   Debian packages (Jupyter to execute and open notebooks, chromium for static
#   figures, redis-server for the run queue, oneDNN's headers for the native
#   kernels), npm ci, the native kernels (native/), the repository's tslab
#   kernelspec, and a data check.
# Safe to rerun: every step skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

log() { printf '\n== %s\n' "$*"; }

# redis-server: the run queue (BullMQ) for spreading studies over machines; tests start a private one.
# libdnnl-dev: oneDNN, which the optional native addon (native/) runs convolutions with.
apt_packages=(jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-notebook chromium fonts-dejavu-core redis-server libdnnl-dev)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "Debian packages: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages: all present"
fi

log "npm ci (tfjs-node-gpu is optional: its install fails harmlessly where libtensorflow cannot be downloaded)"
if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] && cmp -s <(node -p "JSON.stringify(require('./package-lock.json').packages)") <(node -p "JSON.stringify(require('./node_modules/.package-lock.json').packages)") 2>/dev/null; then
  echo "node_modules is up to date with package-lock.json"
else
  npm ci --no-audit --no-fund
fi

# Exactly one tfjs-core may exist, else kernels register twice and the wasm
# training kernels end up on a different copy than the models use.
cores=$(find node_modules -path '*/@tensorflow/tfjs-core/package.json' -not -path '*/dist/*' | wc -l)
if [ "$cores" != 1 ]; then
  echo "error: found $cores copies of @tensorflow/tfjs-core in node_modules (expected 1); check package.json overrides" >&2
  exit 1
fi

log "Native kernels: native/ (oneDNN convolutions, pooling and batch norm for the wasm backend)"
addon=native/build/Release/nas_onednn.node
if [ -f "$addon" ] && [ -z "$(find native/src native/binding.gyp -newer "$addon" 2>/dev/null)" ]; then
  echo "$addon is up to date"
elif npm run -s build:native >native-build.log 2>&1; then
  rm -f native-build.log
  echo "built $addon"
else
  rm -rf native/build
  echo "warning: the native kernels did not build (see native-build.log); the wasm backend runs its own, slower kernels" >&2
fi

log "Jupyter kernelspec: environment/jupyter/kernels/nas-ts (use JUPYTER_PATH=$ROOT/environment/jupyter)"
test -x node_modules/.bin/tslab || { echo "error: node_modules/.bin/tslab missing after npm ci" >&2; exit 1; }
JUPYTER_PATH="$ROOT/environment/jupyter" /usr/bin/python3 -c "from jupyter_client.kernelspec import KernelSpecManager as K; print(K().get_kernel_spec('nas-ts').resource_dir)"

log "Data check"
npx --no-install tsx src/cli.ts data check || {
  echo "warning: some benchmark data is missing or corrupt (see above); the notebooks that need it will say so" >&2
}
log "Set-up done"
