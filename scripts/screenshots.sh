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
for panel in training map walk landscape bo candidates; do
  echo "== $panel"
  timeout 900 xvfb-run -a -s "-screen 0 1400x860x24" \
    "$bin" gui --space "$space" --panel "$panel" --backend cpu --screenshot "$out/$panel.png"
done
# The comparison needs two runs of one space: ENAS has four bundled models. The epochs panel
# shows the bundled GCN-EMB run, which kept snapshots while it trained.
echo "== compare"
timeout 900 xvfb-run -a -s "-screen 0 1400x860x24" \
  "$bin" gui --space enas --panel compare --backend cpu --screenshot "$out/compare.png"
echo "== epochs"
timeout 900 xvfb-run -a -s "-screen 0 1400x860x24" \
  "$bin" gui --space enas --run assets/models/gcn-emb-enas --panel epochs --backend cpu \
  --screenshot "$out/epochs.png"
# NB101 (SVGe paper's showcase): the map of all 423,624 cells, figure 2 (the walk from the flat
# net), figure 3 (the plane of the cells above 75 %, [-0.3, 0.3]^2) and the extrapolated 8-node
# cells. The first opening embeds every cell (minutes on a CPU); later ones read the cache.
if [ -f assets/models/svge-nb101/run.json ]; then
  for panel in map walk landscape candidates; do
    echo "== nb101 $panel"
    timeout 1800 xvfb-run -a -s "-screen 0 1400x860x24" \
      "$bin" gui --space nb101 --panel "$panel" --backend cpu --screenshot "$out/nb101-$panel.png"
  done
fi
ls -l "$out"
