//! `workapi`: a typed async client of the WorkAPI.ai phone-call tasks API.
//!
//! It knows the service's contract (see `shared/workapi/CONTRACT.md`) and nothing else: no Tauri,
//! no SQLite, no keychain. Every assumption about the wire format lives in [`wire`], so that a
//! correction to the contract is a one-line change there.
//!
//! What this crate must never do: re-send a task creation that may have reached the service (a
//! second real phone call), or reveal the API key in a `Debug`/`Display` output, a log line or an
//! error message.
//!
//! ```no_run
//! # async fn demo() -> workapi::Result<()> {
//! use workapi::{ApiKey, Client, NewTask};
//! let client = Client::builder(ApiKey::new("sk_live_...")?).build()?;
//! let task = client.tasks().create(&NewTask::new("+14151234567", "Ask if my order has shipped")).await?;
//! let now = client.tasks().get(&task.id).await?;
//! println!("{} is {}", now.id, now.status);
//! # Ok(()) }
//! ```

mod client;
mod error;
pub mod retry;
pub mod webhook;
pub mod wire;

pub use client::{check_base_url, ApiKey, Client, ClientBuilder, Tasks};
pub use error::{Error, Result};
pub use retry::RetryPolicy;
pub use wire::{NewTask, Task, TaskId, TaskResult, TaskStatus, DEFAULT_BASE_URL};
