//! Native notifications on Linux: the freedesktop Notifications service, over the D-Bus library
//! the keychain already links (libdbus), on a thread of its own so that a slow or missing
//! notification server never holds up the tracker. It sleeps until there is something to show:
//! no wake-ups while idle. macOS and Windows use tauri-plugin-notification instead.

use dbus::arg::{PropMap, RefArg, Variant};
use dbus::blocking::Connection;
use std::sync::mpsc;
use std::time::Duration;

/// The installed package's icon and desktop entry (`mainBinaryName`, `productName`).
const ICON: &str = "missioncall-app";
const DESKTOP_ENTRY: &str = "MissionCall";
const APP_NAME: &str = "MissionCall";
/// A notification server that does not answer in this time is skipped, not waited for.
const TIMEOUT: Duration = Duration::from_secs(5);

struct Note {
    title: String,
    body: String,
}

/// Sends notifications from a background thread.
pub struct Notifier {
    tx: mpsc::Sender<Note>,
}

impl Notifier {
    /// Starts the thread (it connects to the session bus on the first notification).
    pub fn start() -> Notifier {
        let (tx, rx) = mpsc::channel::<Note>();
        let spawned = std::thread::Builder::new()
            .name("notifications".into())
            .spawn(move || {
                let mut bus: Option<Connection> = None;
                // Ends when the Notifier is dropped.
                for note in rx {
                    if bus.is_none() {
                        bus = Connection::new_session()
                            .map_err(|e| log::warn!("no session bus for notifications: {e}"))
                            .ok();
                    }
                    let Some(conn) = &bus else { continue };
                    if let Err(e) = notify(conn, &note) {
                        log::warn!("could not show a notification: {e}");
                        // A broken connection is made again for the next one.
                        bus = None;
                    }
                }
            });
        if let Err(e) = spawned {
            log::warn!("notifications are off: {e}");
        }
        Notifier { tx }
    }

    /// Queues a notification; never blocks. The body is escaped: servers that advertise
    /// `body-markup` would otherwise read the service's text as markup.
    pub fn show(&self, title: &str, body: &str) {
        let _ = self.tx.send(Note {
            title: missioncall_core::session::plain_line(title),
            body: missioncall_core::session::freedesktop_body(body),
        });
    }
}

/// `org.freedesktop.Notifications.Notify`; returns the server's id for the notification.
fn notify(conn: &Connection, note: &Note) -> Result<u32, dbus::Error> {
    let proxy = conn.with_proxy(
        "org.freedesktop.Notifications",
        "/org/freedesktop/Notifications",
        TIMEOUT,
    );
    let mut hints = PropMap::new();
    hints.insert(
        "desktop-entry".into(),
        Variant(Box::new(DESKTOP_ENTRY.to_owned()) as Box<dyn RefArg>),
    );
    let (id,): (u32,) = proxy.method_call(
        "org.freedesktop.Notifications",
        "Notify",
        (
            APP_NAME,
            0u32,
            ICON,
            note.title.as_str(),
            note.body.as_str(),
            Vec::<String>::new(),
            hints,
            -1i32,
        ),
    )?;
    Ok(id)
}
