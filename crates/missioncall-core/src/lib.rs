//! missioncall-core: the product's logic, with no window and no Tauri.
//!
//! Phone numbers ([`phone`]), placing calls ([`calls`]), the local history ([`history`]), the
//! tracker that follows live tasks ([`tracker`]), the API key in the keychain ([`secrets`]),
//! transcripts ([`transcript`]), settings ([`settings`]), the do-not-call list
//! ([`do_not_call`]), who calls are made for ([`identity`]), the dry run of batch calls from a
//! CSV file ([`batch`]), and the model of a call ([`call`]: status, tracking, origin). The
//! desktop shell and the CLI are thin layers over this crate.

pub mod batch;
pub mod batch_run;
pub mod call;
pub mod callee_time;
pub mod calls;
pub mod clock;
pub mod contacts_import;
pub mod do_not_call;
pub mod error;
pub mod export;
pub mod history;
pub mod identity;
pub mod phone;
pub mod private_fs;
pub mod review;
pub mod schedule;
pub mod secrets;
pub mod session;
pub mod settings;
pub mod shared;
pub mod tracker;
pub mod transcript;

pub use error::{Error, Result};
