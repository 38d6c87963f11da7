#!/usr/bin/env bash
# Builds the self-contained tarballs (the CLI, its production dependencies and its own Node) into
# dist/, one per target:  npm run tarball [-- TARGET...]   (default linux-x64; also linux-arm64,
# darwin-x64, darwin-arm64). Needs a git checkout: the short commit is part of each file name.
set -euo pipefail
cd "$(dirname "$0")/.."
export OCLIF_SKIP_NEW_VERSION_CHECK=true   # oclif would ask the registry whether it is outdated, per run

targets=("${@:-linux-x64}")
node_version=$(node -p 'require("./package.json").oclif.update.node.version')
version=$(node -p 'require("./package.json").version')
sha=$(git rev-parse --short HEAD)

# oclif downloads Node from nodejs.org unless tmp/cache/node-v<version>-<target>/node exists; the
# npm registry's node-<platform>-<arch> packages carry the same binaries for Linux, so fill the cache
# from there. Other platforms are left to oclif's download (only Linux builds are on the registry).
fetch_node() {
  local target=$1 cache="tmp/cache/node-v$node_version-$1" scratch
  if [[ -x $cache/node || $target != linux-* ]]; then return; fi
  scratch=$(mktemp -d)
  (cd "$scratch" && npm pack --silent "node-$target@$node_version" >/dev/null && tar xzf "node-$target-$node_version.tgz" package/bin/node)
  mkdir -p "$cache"
  mv "$scratch/package/bin/node" "$cache/node"
  rm -rf "$scratch"
}

# One npm pack for all targets: it runs prepack (build, manifest, README command reference).
rm -rf dist tmp/pack
mkdir -p tmp/pack
npm pack --silent --pack-destination tmp/pack >/dev/null
package=tmp/pack/gladly-enterpret-$version.tgz

for target in "${targets[@]}"; do
  fetch_node "$target"
  cp "$package" "tmp/pack/$target.tgz"
  # oclif installs the production dependencies on this machine: npm_config_os/cpu/libc make npm pick
  # the target's prebuilt keychain binding (@napi-rs/keyring-<platform>-<arch>[-gnu]) instead of
  # this machine's, so each tarball carries exactly the binding its platform loads.
  npm_config_os=${target%-*} npm_config_cpu=${target#*-} npm_config_libc=glibc \
    node_modules/.bin/oclif pack tarballs --targets "$target" --no-xz --sha "$sha" --tarball "tmp/pack/$target.tgz"
  rm -rf "tmp/$target"
done
rm -rf tmp/pack tmp/gladly-enterpret   # oclif's workspaces
ls -l dist/*.tar.gz
