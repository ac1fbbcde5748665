//! A session: the service the app is talking to right now (a real WorkAPI account, or the
//! built-in simulator in demo mode), with its tracker running.
//!
//! Demo mode starts `workapi-sim` in this process on loopback and points a client at it with
//! the simulator's demo key; its calls are recorded with `demo = true` and the origin
//! [`DEMO_ORIGIN`], so they are never mixed up with real calls. A session never places a call
//! by itself.

use crate::calls::{Calls, DEMO_ORIGIN};
use crate::error::{Error, Result};
use crate::history::History;
use crate::tracker::{Tracker, TrackerConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use workapi::{ApiKey, Client};

/// Note recorded on demo calls left unfinished by a previous run of the simulator.
pub const DEMO_ABANDONED_NOTE: &str =
    "The demo simulator stopped before this demo call finished. Nobody was called.";

/// The service in use and its tracker.
pub struct Session {
    /// Placing, checking and cancelling calls.
    pub calls: Calls,
    /// Following live tasks.
    pub tracker: Tracker,
    sim: Option<workapi_sim::SimHandle>,
}

impl Session {
    /// A session with the real service at `base_url`, using `key`.
    pub fn real(
        history: Arc<History>,
        key: ApiKey,
        base_url: &str,
        lost_ids_file: Option<PathBuf>,
    ) -> Result<Session> {
        let client = Client::builder(key)
            .base_url(base_url)
            .timeout(Duration::from_secs(30))
            .build()?;
        let mut calls = Calls::new(history, client, false);
        if let Some(f) = lost_ids_file {
            calls = calls.with_lost_ids_file(f);
        }
        let tracker = Tracker::start(calls.clone(), TrackerConfig::default());
        Ok(Session {
            calls,
            tracker,
            sim: None,
        })
    }

    /// A demo session: starts the simulator on loopback at `speed` (1.0 = realistic timing).
    /// Demo calls left live by an earlier run (whose simulator is gone) are closed with a note.
    pub async fn demo(history: Arc<History>, speed: f64) -> Result<Session> {
        let sim = workapi_sim::Sim::start(workapi_sim::SimConfig {
            speed,
            ..workapi_sim::SimConfig::default()
        })
        .await
        .map_err(|e| Error::Demo {
            detail: e.to_string(),
        })?;
        for stale in history
            .live()?
            .into_iter()
            .filter(|r| r.origin == DEMO_ORIGIN)
        {
            if let Some(task_id) = &stale.task_id {
                history.record_status(task_id, "cancelled", None, None)?;
                history.set_error(stale.id, Some(DEMO_ABANDONED_NOTE))?;
            }
        }
        let client = Client::builder(ApiKey::new(workapi_sim::DEMO_KEY)?)
            .base_url(sim.base_url())
            .timeout(Duration::from_secs(10))
            .build()?;
        let calls = Calls::new(history, client, true);
        let tracker = Tracker::start(calls.clone(), TrackerConfig::scaled(speed.max(1.0)));
        Ok(Session {
            calls,
            tracker,
            sim: Some(sim),
        })
    }

    /// True in demo mode (nobody is called).
    pub fn is_demo(&self) -> bool {
        self.sim.is_some()
    }

    /// The service address in use.
    pub fn base_url(&self) -> &str {
        self.calls.client().base_url()
    }

    /// The simulator, in demo mode.
    pub fn simulator(&self) -> Option<&workapi_sim::SimHandle> {
        self.sim.as_ref()
    }

    /// Stops the tracker and, in demo mode, the simulator.
    pub async fn shutdown(self) {
        self.tracker.shutdown().await;
        if let Some(sim) = self.sim {
            sim.shutdown().await;
        }
    }
}
