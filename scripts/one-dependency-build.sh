#!/usr/bin/env bash
# Checks, in seconds and without compiling, that `cargo test --release` builds no crate that
# `cargo build --release` builds differently (other features, other dependencies below it), so
# that the README's two commands share one dependency build. It compares cargo's unit graphs
# (an unstable flag, enabled for this read-only query by RUSTC_BOOTSTRAP). A cached target/
# hides such a rebuild, which is why this reads the graphs instead of timing a build.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
RUSTC_BOOTSTRAP=1 cargo build --release --unit-graph -Z unstable-options > "$tmp/app.json"
RUSTC_BOOTSTRAP=1 cargo test --release --no-run --unit-graph -Z unstable-options > "$tmp/test.json"
python3 - "$tmp/app.json" "$tmp/test.json" <<'PY'
import hashlib, json, sys

def units(path):
    """Each registry package's units, identified by everything that makes cargo rebuild one."""
    graph = json.load(open(path))["units"]
    memo = {}

    def ident(i):
        if i not in memo:
            u = graph[i]
            deps = sorted(ident(d["index"]) for d in u["dependencies"])
            key = (u["pkg_id"], u["target"]["name"], u["mode"], sorted(u["features"]),
                   u["profile"], deps)
            memo[i] = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()
        return memo[i]

    out = {}
    for i, u in enumerate(graph):
        if not u["pkg_id"].startswith("path+"):
            out.setdefault(u["pkg_id"], set()).add(ident(i))
    return out

app, test = units(sys.argv[1]), units(sys.argv[2])
rebuilt = sorted(p.split("#")[-1] for p in app if p in test and not test[p] <= app[p])
if rebuilt:
    print("cargo test --release would build these crates again, differently from cargo build "
          "--release (look for a dev-dependency that changes their features):", file=sys.stderr)
    print("\n".join(rebuilt), file=sys.stderr)
    sys.exit(1)
print(f"one dependency build: cargo test --release builds none of the app's {len(app)} "
      "crates differently")
PY
