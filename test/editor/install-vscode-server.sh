#!/usr/bin/env bash
# Installs the real VS Code server (code-server 4.100.3 = VS Code 1.100.3, the newest whose engines allow Node 20)
# into a git-ignored cache folder, never into the project's node_modules (302 MB of native modules the product
# does not ship). Idempotent: a finished install leaves a stamp file and the script returns at once.
# Offline-safe steps (see shared research env-probe §3b): unsafe-perm for root, npx "yes" for node-pty's
# node-gyp, and @vscode/ripgrep's GitHub download replaced by Debian's rg placed in its download cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=4.100.3
DIR="${DIFFUCODE_VSCODE_SERVER_DIR:-$PWD/.cache/vscode-server}"
STAMP="$DIR/.installed-$VERSION"
if [ -f "$STAMP" ] && [ -x "$DIR/node_modules/.bin/code-server" ]; then
  echo "code-server $VERSION already installed in $DIR"
  exit 0
fi
for bin in rg chromium; do
  command -v "$bin" >/dev/null || { echo "install-vscode-server: '$bin' is missing (run test/setup-deps.sh, which apt-installs it)" >&2; exit 1; }
done
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"diffucode-vscode-server","private":true}' > package.json
# @vscode/ripgrep looks for its archive in $TMPDIR/vscode-ripgrep-cache-<its version>/ before downloading.
export TMPDIR="$DIR/tmp"
RG_PKG_VERSION=1.15.11
RG_ARCHIVE="$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VERSION/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
mkdir -p "$(dirname "$RG_ARCHIVE")"
[ -f "$RG_ARCHIVE" ] || tar czf "$RG_ARCHIVE" -C "$(dirname "$(command -v rg)")" rg
echo "installing code-server $VERSION into $DIR (compiles native modules; a few minutes)"
npm_config_unsafe_perm=true npm_config_yes=true npm_config_audit=false npm_config_fund=false \
  nice npm install --no-save --loglevel=error "code-server@$VERSION"
"$DIR/node_modules/.bin/code-server" --version >/dev/null
touch "$STAMP"
echo "code-server $VERSION installed"
