#!/usr/bin/env bash
# Sets everything up, builds the UI and the app, and launches MissionCall. With no API key
# stored, it opens on the choice between the demo (a simulator: nobody is called) and entering
# a key.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
(cd "$root/ui" && npm run build)
cd "$root"
cargo build --release -p missioncall-app -p missioncall-cli
echo "MissionCall is built: target/release/missioncall-app (the app) and target/release/missioncall (the CLI)."
exec "$root/target/release/missioncall-app"
