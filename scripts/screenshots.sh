#!/usr/bin/env bash
# Writes a PNG of each explorer panel into OUTDIR: the real app on the bundled NB201 data and
# model (Compare and Epochs: on ENAS), under Xvfb, with each panel's demonstration action (see
# each panel's View::demo).
# Needs: xvfb (xvfb-run) and a wgpu driver; without a GPU, Mesa's lavapipe (mesa-vulkan-drivers).
set -euo pipefail
out=${1:?usage: scripts/screenshots.sh OUTDIR [SPACE]}
space=${2:-nb201}
cd "$(dirname "$0")/.."
mkdir -p "$out"
command -v xvfb-run >/dev/null || { echo "xvfb-run is missing (apt install xvfb mesa-vulkan-drivers)" >&2; exit 1; }
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
cargo build --release --quiet
bin=target/release/cellspace
# One window under its own Xvfb. xvfb-run -a sometimes cannot reach the server it just started
# when the previous one is still going away ("Failed to open connection to X server"): retry.
shot() {
  local png=$1; shift
  for try in 1 2 3; do
    if timeout 1800 xvfb-run -a -s "-screen 0 1400x860x24" "$bin" gui "$@" --backend cpu \
      --screenshot "$png"; then
      return 0
    fi
    echo "(attempt $try failed; retrying)" >&2
    sleep 5
  done
  return 1
}
for panel in training map walk landscape bo candidates; do
  echo "== $panel"
  shot "$out/$panel.png" --space "$space" --panel "$panel"
done
# The comparison needs two runs of one space: ENAS has seven bundled models. The epochs panel
# shows the bundled GCN-EMB run, which kept snapshots while it trained.
echo "== compare"
shot "$out/compare.png" --space enas --panel compare
echo "== epochs"
shot "$out/epochs.png" --space enas --run assets/models/gcn-emb-enas --panel epochs
# NB101 (SVGe paper's showcase): the map of all 423,624 cells, figure 2 (the walk from the flat
# net), figure 3 (the plane of the cells above 75 %, [-0.3, 0.3]^2) and the extrapolated 8-node
# cells. The first opening embeds every cell (minutes on a CPU); later ones read the cache.
if [ -f assets/models/svge-nb101/run.json ]; then
  for panel in map walk landscape candidates; do
    echo "== nb101 $panel"
    shot "$out/nb101-$panel.png" --space nb101 --panel "$panel"
  done
fi
ls -l "$out"
