// Declares the app's commands so that Tauri generates one permission per command; the
// capability file then grants the main window exactly these.
fn main() {
    let commands: &[&str] = &[
        "app_mode",
        "regions",
        "validate_phone",
        "place_call",
        "get_task",
        "cancel_task",
        "list_history",
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
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build step failed");
}
