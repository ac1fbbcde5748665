//! The real [`Host`]: Tauri events, native notifications and the save dialog.

use crate::dto::{
    AppMode, DemoChanged, ExportProgress, NetworkState, ScheduledChanged, TaskUpdated,
};
use crate::state::{FileKind, Host};
use std::path::PathBuf;
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;

pub struct TauriHost {
    app: AppHandle,
}

impl TauriHost {
    pub fn new(app: AppHandle) -> Self {
        TauriHost { app }
    }
}

impl Host for TauriHost {
    fn task_updated(&self, ev: TaskUpdated) {
        if let Err(e) = ev.emit(&self.app) {
            log::warn!("could not send task-updated: {e}");
        }
    }

    fn demo_changed(&self, mode: AppMode) {
        let _ = DemoChanged(mode).emit(&self.app);
    }

    fn network_state(&self, ev: NetworkState) {
        let _ = ev.emit(&self.app);
    }

    /// Through tauri-plugin-notification, which sends it from a background task: a slow or
    /// missing notification server never holds up the tracker. The text is made plain first
    /// ([`notification_body`]).
    fn notify(&self, title: &str, body: &str) {
        if let Err(e) = self
            .app
            .notification()
            .builder()
            .title(missioncall_core::session::plain_line(title))
            .body(notification_body(body))
            .show()
        {
            log::warn!("could not show a notification: {e}");
        }
    }

    fn save_path(&self, suggested_name: &str, kind: FileKind) -> Option<PathBuf> {
        let (name, extensions) = kind.filter();
        self.app
            .dialog()
            .file()
            .set_title(kind.title(true))
            .set_file_name(suggested_name)
            .add_filter(name, extensions)
            .blocking_save_file()
            .and_then(|p| p.into_path().ok())
    }

    fn open_path(&self, kind: FileKind) -> Option<PathBuf> {
        let (name, extensions) = kind.filter();
        self.app
            .dialog()
            .file()
            .set_title(kind.title(false))
            .add_filter(name, extensions)
            .add_filter("All files", &["*"])
            .blocking_pick_file()
            .and_then(|p| p.into_path().ok())
    }

    fn export_progress(&self, ev: ExportProgress) {
        let _ = ev.emit(&self.app);
    }

    fn scheduled_changed(&self) {
        let _ = ScheduledChanged.emit(&self.app);
    }

    fn tray_state(&self, wanted: bool, paused: bool) {
        let app = self.app.clone();
        // Tray icons live on the main thread.
        if let Err(e) = self
            .app
            .run_on_main_thread(move || crate::tray::sync(&app, wanted, paused))
        {
            log::warn!("updating the tray icon: {e}");
        }
    }

    fn print(&self) -> Result<(), String> {
        use tauri::Manager;
        let window = self
            .app
            .get_webview_window("main")
            .ok_or_else(|| "the window is closed".to_owned())?;
        window.print().map_err(|e| e.to_string())
    }
}

/// A notification body, shown as text on every platform. freedesktop servers that advertise
/// `body-markup` (GNOME, dunst) read the body as markup, so there `&`, `<` and `>` are escaped
/// (the service's summary could otherwise show an image or a link); macOS and Windows show the
/// body as text (the Windows toast's XML is escaped by the library), where an escape would show.
/// Control characters go everywhere.
pub fn notification_body(body: &str) -> String {
    if cfg!(all(unix, not(target_os = "macos"))) {
        missioncall_core::session::freedesktop_body(body)
    } else {
        missioncall_core::session::plain_line(body)
    }
}
