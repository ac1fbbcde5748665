//! workapi-sim: a faithful simulator of the WorkAPI.ai phone-call tasks API, served over real HTTP
//! on loopback. Tests, benches and the app's demo mode run against it instead of the real service.
//!
//! What it does: the three endpoints under [`BASE_PATH`] with the service's auth, validation,
//! error codes and lifecycle (`pending` -> `accepted` -> `in_progress` -> `completed`, or
//! `cancelled`) on a clock with a speed factor; deterministic transcripts ([`call_script`]);
//! per-key rate limiting; fault injection and test controls under `/_sim` and on [`SimHandle`];
//! signed `task.updated` webhooks.
//!
//! What it must never do: bind anything but 127.0.0.1, place a real call, print to stdout/stderr
//! (it logs through `tracing`), or panic on any request.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use workapi_sim::{Fault, FaultKind, Route, Sim, SimConfig};
//! let sim = Sim::start(SimConfig { speed: 100.0, ..SimConfig::default() }).await?;
//! sim.inject(Fault::new(FaultKind::Hang).on(Route::Create));
//! println!("{}", sim.base_url());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod config;
mod conn;
mod control;
mod error;
mod faults;
mod ratelimit;
mod script;
mod state;
mod task;
mod validate;
mod webhook;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{ErrorShape, RateLimit, SimConfig, Timings, WebhookConfig};
pub use control::CONTROL_PATH;
pub use error::error_body;
pub use faults::{Fault, FaultKind, RetryAfter, Route};
pub use script::{call_script, outcome_for, CallScript, Outcome};
pub use state::Stats;
pub use task::{Clock, ResultData, Status, TaskData, TaskView};
pub use validate::is_e164;
pub use webhook::{sign as sign_webhook, SIGNATURE_HEADER};

use state::Shared;

/// The documented demo key the simulator accepts by default.
pub const DEMO_KEY: &str = "sk_demo_missioncall_simulator";

/// The service's base path, exactly as published.
pub const BASE_PATH: &str = "/api/v1/workapi-ai/let-your-agent-make-a-phone-call-with-a-mission";

/// Longest accepted `task` text, in characters (Unicode scalar values).
pub const MAX_TASK_CHARS: usize = 4_000;

const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Entry point: starts simulator instances.
pub struct Sim;

impl Sim {
    /// Binds 127.0.0.1:`cfg.port` and serves in the background until the handle is shut down or
    /// dropped. Needs a running tokio runtime. Fails only if the port cannot be bound.
    pub async fn start(cfg: SimConfig) -> std::io::Result<SimHandle> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, cfg.port)).await?;
        let addr = listener.local_addr()?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared::new(&cfg, shutdown_rx.clone()));

        let routes = if cfg.control_api {
            api::router().merge(control::router())
        } else {
            api::router()
        };
        let app = routes
            .fallback(api::not_found)
            .method_not_allowed_fallback(api::method_not_allowed)
            .with_state(shared.clone());
        let make = app.into_make_service_with_connect_info::<conn::Conn>();
        let mut rx = shutdown_rx.clone();
        let server = tokio::spawn(async move {
            let signal = async move {
                let _ = rx.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(conn::SimListener(listener), make)
                .with_graceful_shutdown(signal)
                .await
            {
                tracing::error!(error = %e, "simulator server stopped with an error");
            }
        });

        let ticker = shared
            .has_webhook()
            .then(|| spawn_ticker(shared.clone(), shutdown_rx));

        tracing::info!(%addr, speed = shared.clock.speed, "WorkAPI simulator listening");
        Ok(SimHandle {
            addr,
            shared,
            shutdown: shutdown_tx,
            server: Some(server),
            ticker,
        })
    }
}

/// With webhooks on, statuses must change (and be announced) even when nobody polls.
fn spawn_ticker(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    let period = (shared.clock.shortest_stage() / 5)
        .clamp(Duration::from_millis(5), Duration::from_millis(250));
    tokio::spawn(async move {
        let mut every = tokio::time::interval(period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => shared.tick(),
                _ = shutdown.wait_for(|s| *s) => break,
            }
        }
    })
}

/// A running simulator. Dropping it starts a graceful shutdown in the background;
/// [`SimHandle::shutdown`] does the same and waits for it.
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    ticker: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT` + [`BASE_PATH`]: what a client uses as its base URL.
    pub fn base_url(&self) -> String {
        format!("{}{BASE_PATH}", self.root_url())
    }

    /// `http://127.0.0.1:PORT`, the server root.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/_sim`, the control API.
    pub fn control_url(&self) -> String {
        format!("{}{CONTROL_PATH}", self.root_url())
    }

    /// The bound address (port chosen by the OS when configured as 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues a fault for the next matching API request(s).
    pub fn inject(&self, f: Fault) {
        self.shared.inject(f);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Faults still queued, oldest first.
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.shared.pending_faults()
    }

    /// Sets the task's status to `status` (any string, e.g. `failed`) and pins it there.
    /// Returns false if there is no such task.
    pub fn force_status(&self, task_id: &str, status: &str) -> bool {
        self.shared.force(task_id, status).is_some()
    }

    /// The task as the API would answer it now (any owner), without counting a request.
    pub fn task(&self, task_id: &str) -> Option<TaskView> {
        self.shared.peek(task_id)
    }

    /// Request and webhook counters.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Number of tasks held.
    pub fn task_count(&self) -> usize {
        self.shared.task_count()
    }

    /// Ids of every task the simulator created (whoever asked), in creation order. The real
    /// service has no list endpoint; this is for tests that must account for every task.
    pub fn task_ids(&self) -> Vec<String> {
        self.shared.task_ids()
    }

    /// Changes the error-body shape from now on.
    pub fn set_error_shape(&self, shape: ErrorShape) {
        self.shared.set_error_shape(shape);
    }

    /// Stops accepting, releases hanging requests, and waits (bounded) for the server to finish.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        if let Some(mut server) = self.server.take() {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
                .await
                .is_err()
            {
                tracing::warn!("simulator did not stop in time; aborting it");
                server.abort();
            }
        }
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.await;
        }
        tracing::info!(addr = %self.addr, "WorkAPI simulator stopped");
    }

    /// Serves until Ctrl-C, then shuts down (for `missioncall sim`).
    pub async fn run_until_ctrl_c(self) -> std::io::Result<()> {
        let res = tokio::signal::ctrl_c().await;
        self.shutdown().await;
        res
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

/// Starts a simulator and serves until Ctrl-C. The base URL is logged through `tracing`; callers
/// that need to show it should use [`Sim::start`], print [`SimHandle::base_url`], then
/// [`SimHandle::run_until_ctrl_c`].
pub async fn serve_forever(cfg: SimConfig) -> std::io::Result<()> {
    let sim = Sim::start(cfg).await?;
    tracing::info!(base_url = %sim.base_url(), key = DEMO_KEY, "serving until Ctrl-C");
    sim.run_until_ctrl_c().await
}
