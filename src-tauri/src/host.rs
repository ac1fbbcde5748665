//! The real [`Host`]: Tauri events, native notifications and the save dialog.

use crate::dto::{AppMode, DemoChanged, NetworkState, TaskUpdated};
use crate::state::Host;
use std::path::PathBuf;
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;
#[cfg(not(target_os = "linux"))]
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;

pub struct TauriHost {
    app: AppHandle,
    #[cfg(target_os = "linux")]
    notifier: crate::notifier::Notifier,
}

impl TauriHost {
    pub fn new(app: AppHandle) -> Self {
        TauriHost {
            app,
            #[cfg(target_os = "linux")]
            notifier: crate::notifier::Notifier::start(),
        }
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

    #[cfg(target_os = "linux")]
    fn notify(&self, title: &str, body: &str) {
        self.notifier.show(title, body);
    }

    #[cfg(not(target_os = "linux"))]
    fn notify(&self, title: &str, body: &str) {
        if let Err(e) = self
            .app
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show()
        {
            log::warn!("could not show a notification: {e}");
        }
    }

    fn save_path(&self, suggested_name: &str) -> Option<PathBuf> {
        self.app
            .dialog()
            .file()
            .set_file_name(suggested_name)
            .add_filter("Text", &["txt"])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok())
    }
}
