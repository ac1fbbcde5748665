//! The MissionCall desktop shell: builds the Tauri app around `missioncall-core`. Commands are
//! in `commands.rs`, the state in `state.rs`, the IPC shapes in `dto.rs`. Nothing here holds
//! product logic, and nothing here ever sends the API key toward the webview.

pub mod commands;
pub mod dto;
pub mod error;
mod host;
mod instance;
mod ready;
pub mod state;
mod tray;

use state::{AppState, Starting};
use std::sync::Arc;
use tauri::Manager;

include!("command_names.rs");

/// The typed IPC surface: commands and events, from which `ui/src/lib/bindings.ts` is made.
pub fn specta_builder<R: tauri::Runtime>() -> tauri_specta::Builder<R> {
    use commands::*;
    tauri_specta::Builder::<R>::new()
        .commands(tauri_specta::collect_commands![
            app_mode,
            boot,
            validate_phone,
            confirm_call,
            place_call,
            get_task,
            cancel_task,
            refresh_task,
            list_history,
            sync_history,
            check_unknown_outcome,
            dismiss_unknown_outcome,
            set_api_key,
            clear_api_key,
            key_status,
            get_settings,
            set_settings,
            start_demo,
            stop_demo,
            export_call,
            set_outcome,
            set_note,
            set_follow_up,
            add_tag,
            remove_tag,
            list_tags,
            rename_tag,
            delete_tag,
            list_contacts,
            set_contact,
            remove_contact,
            list_follow_ups,
            overview,
            export_calls,
            cancel_export,
            print_window,
            import_contacts,
            backup_history,
            restore_history,
            list_backups,
            restore_daily_backup,
            list_do_not_call,
            add_do_not_call,
            add_do_not_call_from_call,
            remove_do_not_call,
            import_do_not_call,
            export_do_not_call,
            get_caller_identity,
            set_caller_identity,
            get_calling_hours,
            set_calling_hours,
            choose_batch_file,
            plan_batch,
            start_batch,
            list_batches,
            batch_rows,
            pause_batch,
            resume_batch,
            cancel_batch,
            export_batch_results,
            schedule_call,
            list_scheduled,
            cancel_scheduled,
            drop_scheduled,
            place_scheduled_now,
            get_background,
            set_paused,
            set_keep_running_in_tray,
            ui_ready,
        ])
        .events(tauri_specta::collect_events![
            dto::TaskUpdated,
            dto::DemoChanged,
            dto::NetworkState,
            dto::ExportProgress,
            dto::ScheduledChanged
        ])
        .dangerously_cast_bigints_to_number()
        .disable_serde_phases()
}

/// Writes the TypeScript bindings to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    let ts = specta_typescript::Typescript::default()
        .header("// Generated from Rust by tauri-specta (src-tauri/src/lib.rs). Do not edit.\n// Regenerate: cargo test -p missioncall-app --test bindings\n");
    specta_builder::<tauri::Wry>()
        .export(ts, path)
        .map_err(|e| e.to_string())
}

/// Only the app's own pages may be shown: any other navigation is refused.
fn navigation_allowed(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => true,
        "http" | "https" => {
            url.host_str() == Some("tauri.localhost")
                || (cfg!(debug_assertions)
                    && url.host_str() == Some("localhost")
                    && url.port() == Some(1420))
        }
        _ => false,
    }
}

/// Where the history lives: `MISSIONCALL_DATA_DIR`, else the platform's data folder (the same
/// rule as the CLI, so both share one history).
/// `None` when this account has no home folder: there is no shared fallback (a folder such as
/// `/tmp/MissionCall` would be readable, or worse, prepared, by other users).
fn data_dir() -> Option<std::path::PathBuf> {
    missioncall_core::history::default_data_dir()
}

fn no_data_dir() -> error::AppError {
    error::AppError::new(
        error::AppErrorKind::Storage,
        "MissionCall found no folder of yours to keep its history in (this account has no home folder). Set MISSIONCALL_DATA_DIR to a folder only you can read, then start MissionCall again.",
    )
}

/// Brings the window forward (another start of the app asked for it).
pub(crate) fn show_main_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Builds and runs the app.
pub fn run() {
    ready::mark("main");
    let data_dir = data_dir();
    // One window per history: a second start shows the first one's window and ends here.
    let primary = match data_dir.as_deref().map(instance::claim) {
        Some(Ok(instance::Claim::First(primary))) => Some(primary),
        Some(Ok(instance::Claim::Other)) => return,
        Some(Err(e)) => {
            eprintln!("MissionCall could not check for another open window ({e}); going on.");
            None
        }
        None => None,
    };
    let builder = specta_builder::<tauri::Wry>();
    let demo_speed = std::env::var("MISSIONCALL_DEMO_SPEED")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(2.0);
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                .build(),
        )
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(
            tauri::plugin::Builder::<tauri::Wry>::new("nav-guard")
                .on_navigation(|_, url| navigation_allowed(url))
                .build(),
        )
        .invoke_handler(builder.invoke_handler())
        // With calls scheduled or a batch running, closing the window keeps MissionCall
        // running in the tray (see tray.rs); otherwise it closes, and the app with it.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == "main" && tray::keep_running(window.app_handle()) {
                    api.prevent_close();
                    if let Err(e) = window.hide() {
                        log::warn!("hiding the window: {e}");
                    }
                }
            }
        })
        .on_page_load(|_, payload| {
            ready::mark(match payload.event() {
                tauri::webview::PageLoadEvent::Started => "page-load-started",
                tauri::webview::PageLoadEvent::Finished => "page-load-finished",
            })
        })
        .setup(move |app| {
            ready::mark("setup");
            builder.mount_events(app);
            if let Some(primary) = primary {
                let handle = app.handle().clone();
                primary.serve(move || show_main_window(&handle));
            }
            let host = Arc::new(host::TauriHost::new(app.handle().clone()));
            // Opened in the background: the window loads its page meanwhile.
            app.manage(Starting::spawn(move || {
                AppState::new(
                    data_dir.ok_or_else(no_data_dir)?,
                    missioncall_core::secrets::Secrets::system(),
                    host,
                    demo_speed,
                )
            }));
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("MissionCall could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_stays_in_the_app() {
        let ok = |s: &str| navigation_allowed(&tauri::Url::parse(s).unwrap());
        assert!(ok("tauri://localhost/index.html"));
        assert!(ok("http://tauri.localhost/"));
        assert!(!ok("https://example.com/"));
        assert!(!ok("javascript:alert(1)"));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("http://tauri.localhost.evil.com/"));
    }
}
