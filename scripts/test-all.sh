#!/usr/bin/env bash
# Sets everything up and runs every test of MissionCall:
#   formatting, clippy, the UI's type check; the Rust tests (client vs simulator, history,
#   crash test, phone corpus, CLI, shell commands and config, bindings freshness); a real
#   Secret Service (gnome-keyring) test; the UI in Chromium (Playwright, IPC mocked); and the
#   real app in a real window (Xvfb + tauri-driver), with notifications seen on D-Bus.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TERM_COLOR=never
step() { printf '\n==> %s\n' "$*"; }

step "setup"
MISSIONCALL_SETUP_E2E=1 bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
unset WORKAPI_API_KEY MISSIONCALL_BASE_URL MISSIONCALL_DATA_DIR

step "UI build (the app embeds it)"
(cd ui && npm run build)

step "format and lint"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
(cd ui && npm run check)

step "Rust tests (workspace)"
cargo test --workspace --locked --no-fail-fast

step "real keychain (gnome-keyring in a private D-Bus session)"
bash scripts/test-keychain.sh

step "UI in Chromium (Playwright)"
(cd ui && CI=1 npx playwright test)

step "the real app under Xvfb (tauri-driver)"
cargo build -p missioncall-app -p missioncall-cli --locked
bash tests/e2e/run.sh

echo
echo "all MissionCall tests passed"
