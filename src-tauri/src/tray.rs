//! The tray icon. With "Keep running in the tray" on (the default), closing the window while
//! calls are scheduled or a batch runs hides it instead of quitting, so they are still placed;
//! the icon's menu shows the window again, pauses (or resumes) everything scheduled, or quits.
//! What counts as work, and every word shown, are the core's (`Manager::background`,
//! `schedule::Background`); this only wires them to the window system.

use crate::state::Starting;
use std::time::Duration;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

/// The tray icon's id.
pub const TRAY_ID: &str = "missioncall";
const SHOW: &str = "show";
const PAUSE: &str = "pause";
const QUIT: &str = "quit";

/// The menu item whose words follow the pause.
pub struct TrayItems<R: Runtime> {
    pub pause: MenuItem<R>,
}

/// Makes the tray icon if there is none yet; `true` when there is one. Made only when first
/// needed (something waits, or the window is closed with something waiting), never at launch.
/// A system without a tray library (Linux without libayatana-appindicator) gets no icon:
/// closing the window then quits, as it would without the setting. Call on the main thread.
pub fn ensure<R: Runtime>(app: &AppHandle<R>) -> bool {
    if app.tray_by_id(TRAY_ID).is_some() {
        return true;
    }
    let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| make(app)));
    match made {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            log::warn!("no tray icon: {e}");
            false
        }
        Err(_) => {
            log::warn!("no tray icon: this system has no tray library");
            false
        }
    }
}

/// Shows the tray icon when something waits (and the setting is on), or while the window is
/// hidden (it is then the only way back); hides it otherwise. Its "Pause all" item follows
/// `paused`. Call on the main thread.
pub fn sync<R: Runtime>(app: &AppHandle<R>, wanted: bool, paused: bool) {
    let window_hidden = app
        .get_webview_window("main")
        .is_some_and(|w| !w.is_visible().unwrap_or(true));
    if wanted && !ensure(app) {
        return;
    }
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    if let Err(e) = tray.set_visible(wanted || window_hidden) {
        log::warn!("showing the tray icon: {e}");
    }
    if let Some(items) = app.try_state::<TrayItems<R>>() {
        let _ = items
            .pause
            .set_text(missioncall_core::schedule::pause_menu_text(paused));
    }
}

fn make<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, SHOW, "Show MissionCall", true, None::<&str>)?;
    let pause = MenuItem::with_id(
        app,
        PAUSE,
        missioncall_core::schedule::pause_menu_text(false),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, QUIT, "Quit MissionCall", true, None::<&str>)?;
    let line = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&show, &pause, &line, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("MissionCall")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            SHOW => crate::show_main_window(app),
            PAUSE => toggle_pause(app),
            QUIT => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            // Where the system reports clicks (Windows, macOS): a left click shows the window.
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::show_main_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    app.manage(TrayItems { pause });
    Ok(())
}

/// The menu's "Pause all" / "Resume": the opposite of what is saved now.
fn toggle_pause<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(starting) = app.try_state::<Starting>() else {
            return;
        };
        match starting.get().await {
            Ok(state) => {
                let paused = !state.manager.paused();
                if let Err(e) = state.set_paused(paused, true) {
                    log::warn!("the tray's pause: {}", e.message);
                }
            }
            Err(e) => log::warn!("the tray's pause: {}", e.message),
        }
    });
}

/// The window is being closed: `true` when it should be hidden instead, MissionCall running
/// on in the tray (the setting is on, something waits, and there is a tray icon, made now if
/// needed; see `AppState::close_to_tray`). Waits at most 2 s for a state still opening; then
/// it closes. Called on the main thread.
pub fn keep_running<R: Runtime>(app: &AppHandle<R>) -> bool {
    let Some(starting) = app.try_state::<Starting>() else {
        return false;
    };
    let state = tauri::async_runtime::block_on(async {
        tokio::time::timeout(Duration::from_secs(2), starting.get()).await
    });
    match state {
        Ok(Ok(state)) => state.close_to_tray(|| ensure(app)),
        _ => false,
    }
}
