#!/usr/bin/env bash
# Copies a finished (and evaluated) run folder into assets/models: its manifest, its eval.json,
# the current checkpoint's weights (not the optimizer state) and about 11 of its latent
# snapshots, evenly spaced, so the Epochs panel keeps the whole history at a tenth of the size.
# Then the bundle's weights are rewritten in half precision where the figures hold
# (`cellspace halve`; it keeps f32 otherwise) and evaluated again, so eval.json is the f16
# weights' own. CELLSPACE names the binary (default target/release/cellspace); HALF=0 keeps f32.
# Usage: scripts/bundle-run.sh RUN_DIR BUNDLE_NAME [SNAPSHOTS_KEPT]
set -euo pipefail
run=${1:?run folder}
name=${2:?bundle name}
keep=${3:-11}
out="assets/models/$name"
[ -f "$run/run.json" ] || { echo "no run.json in $run" >&2; exit 1; }
[ -f "$run/eval.json" ] || { echo "no eval.json in $run: run 'cellspace eval --run $run' first" >&2; exit 1; }
checkpoint=$(sed -n 's/^  "checkpoint": "\(.*\)",$/\1/p' "$run/run.json")
[ -n "$checkpoint" ] && [ -f "$run/$checkpoint/model.bpk" ] \
  || { echo "$run/run.json names no checkpoint with a model.bpk" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/$checkpoint" "$out/snapshots"
cp "$run/run.json" "$run/eval.json" "$out/"
cp "$run/$checkpoint/model.bpk" "$out/$checkpoint/"
if [ -d "$run/snapshots" ]; then
  cp "$run/snapshots/rows.json" "$out/snapshots/"
  mapfile -t bins < <(ls "$run/snapshots" | grep '^epoch-.*\.bin$' | sort)
  n=${#bins[@]}
  for ((i = 0; i < keep && n > 0; i++)); do
    # indices 0 .. n-1 spread evenly; the first and the last are always kept
    j=$(( keep > 1 ? i * (n - 1) / (keep - 1) : n - 1 ))
    cp "$run/snapshots/${bins[$j]}" "$out/snapshots/"
  done
fi
if [ "${HALF:-1}" != 0 ]; then
  bin=${CELLSPACE:-target/release/cellspace}
  if "$bin" halve --run "$out"; then
    "$bin" eval --run "$out" --backend cpu
  fi
fi
du -sh "$out"
