// The commands the UI may call. One list, read by build.rs (one permission per command) and
// by the app (src/lib.rs); the capability file grants the main window exactly these (a config
// test checks it). Plain Rust with no `use`, so that build.rs can `include!` it.
/// Every command the UI may call.
pub const COMMANDS: &[&str] = &[
    "app_mode",
    "boot",
    "validate_phone",
    "confirm_call",
    "place_call",
    "get_task",
    "cancel_task",
    "refresh_task",
    "list_history",
    "sync_history",
    "check_unknown_outcome",
    "dismiss_unknown_outcome",
    "set_api_key",
    "clear_api_key",
    "key_status",
    "get_settings",
    "set_settings",
    "start_demo",
    "stop_demo",
    "export_call",
    "ui_ready",
];
