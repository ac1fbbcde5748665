//! The HTTP client: one `reqwest::Client` built once, the base URL, the key, the retry loop.
//!
//! It must never log, print or put in an error the API key (it is held in [`ApiKey`], whose
//! `Debug` and `Display` print `[redacted]`, and sent only as a sensitive header), and never
//! repeat a task creation the service may have received (see [`crate::retry`]).

use crate::error::{Error, Result};
use crate::retry::{parse_retry_after, Attempt, Decision, RequestKind, RetryPolicy};
use crate::wire::{self, NewTask, Task, TaskId};
use reqwest::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use url::{Host, Url};

/// The API key. `Debug` and `Display` print `[redacted]`; only [`ApiKey::masked`] shows the
/// last four characters.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Checks and wraps a key (surrounding whitespace is trimmed; inner whitespace or control
    /// characters are refused, since they cannot travel in a header).
    pub fn new(key: impl Into<String>) -> Result<ApiKey> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty()
            || trimmed.len() > 4096
            || trimmed
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
        {
            return Err(Error::InvalidApiKey);
        }
        Ok(ApiKey(trimmed.to_owned()))
    }

    /// The last four characters, for showing which key is set (`None` for keys of 8 characters
    /// or fewer, where four would give away too much).
    pub fn last4(&self) -> Option<String> {
        let n = self.0.chars().count();
        (n > 8).then(|| self.0.chars().skip(n - 4).collect())
    }

    /// `••••` followed by the last four characters, when they may be shown.
    pub fn masked(&self) -> String {
        match self.last4() {
            Some(l) => format!("•••• {l}"),
            None => "••••".to_owned(),
        }
    }

    /// The secret itself. Only for storing it (keychain) or sending it (this crate).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    key: ApiKey,
    base_url: String,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
}

impl ClientBuilder {
    /// The service address (default [`wire::DEFAULT_BASE_URL`]). https only; http only for
    /// loopback addresses.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// How long to wait for a whole request and its answer (default 30 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }

    /// The `User-Agent` sent with each request.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Builds the client, checking the base URL.
    pub fn build(self) -> Result<Client> {
        let base = check_base_url(&self.base_url)?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.key.expose_secret()))
            .map_err(|_| Error::InvalidApiKey)?;
        auth.set_sensitive(true);
        let make = |pooled: bool| {
            let mut b = reqwest::Client::builder()
                .use_rustls_tls()
                .https_only(base.scheme() == "https")
                .gzip(true)
                .user_agent(self.user_agent.clone())
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .redirect(reqwest::redirect::Policy::none());
            // A service on this computer is never reached through a proxy: the request (and
            // its key) would leave the machine in plain text. Remote services keep the
            // system's proxy settings.
            if is_loopback(&base) {
                b = b.no_proxy();
            }
            if !pooled {
                b = b.pool_max_idle_per_host(0);
            }
            b.build().map_err(|e| Error::Build {
                message: e.to_string(),
            })
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http: make(true)?,
                // A creation is a phone call: it goes on a fresh connection, never on a
                // kept-alive one the server may have closed meanwhile (which would turn a
                // refused write into a false "outcome unknown").
                fresh: make(false)?,
                base,
                auth,
                retry: self.retry,
            }),
        })
    }
}

/// True when the address names this computer (a loopback IP or `localhost`).
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Checks a service address: https, or http on a loopback host. Returns it without a trailing
/// slash.
pub fn check_base_url(raw: &str) -> Result<Url> {
    let raw = raw.trim();
    let mut url = Url::parse(raw).map_err(|_| Error::InvalidBaseUrl {
        url: raw.to_owned(),
    })?;
    if !url.username().is_empty() || url.password().is_some() || url.cannot_be_a_base() {
        return Err(Error::InvalidBaseUrl {
            url: raw.to_owned(),
        });
    }
    if url.host().is_none() {
        return Err(Error::InvalidBaseUrl {
            url: raw.to_owned(),
        });
    }
    let loopback = is_loopback(&url);
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(Error::InsecureBaseUrl {
                url: raw.to_owned(),
            })
        }
        _ => {
            return Err(Error::InvalidBaseUrl {
                url: raw.to_owned(),
            })
        }
    }
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut segs) = url.path_segments_mut() {
        segs.pop_if_empty();
    }
    Ok(url)
}

struct Inner {
    http: reqwest::Client,
    fresh: reqwest::Client,
    base: Url,
    auth: HeaderValue,
    retry: RetryPolicy,
}

/// A WorkAPI client. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("key", &"[redacted]")
            .finish()
    }
}

/// One answer, read whole.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Client {
    /// A builder with the published base URL and default timeouts and retries.
    pub fn builder(key: ApiKey) -> ClientBuilder {
        ClientBuilder {
            key,
            base_url: wire::DEFAULT_BASE_URL.to_owned(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            user_agent: concat!("MissionCall/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// The same client (same address, key and connection pool) with another retry policy:
    /// e.g. a follower that handles rate limits itself and must never wait inside one request.
    pub fn with_retry_policy(&self, retry: RetryPolicy) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                fresh: self.inner.fresh.clone(),
                base: self.inner.base.clone(),
                auth: self.inner.auth.clone(),
                retry,
            }),
        }
    }

    /// The service address this client talks to (no trailing slash).
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The task resource.
    pub fn tasks(&self) -> Tasks<'_> {
        Tasks { client: self }
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut segs) = url.path_segments_mut() {
            segs.extend(segments);
        }
        url
    }

    /// Sends a request built by `make` under the retry policy for `kind`, and maps the final
    /// answer to a result.
    async fn execute(
        &self,
        kind: RequestKind,
        make: impl Fn() -> RequestBuilder,
    ) -> Result<Answer> {
        let policy = &self.inner.retry;
        let mut retries = 0u32;
        loop {
            let (attempt, outcome) = match make()
                .header(AUTHORIZATION, self.inner.auth.clone())
                .send()
                .await
            {
                Err(e) if e.is_connect() => {
                    (Attempt::NotSent, Err(Error::Connect { message: cause(&e) }))
                }
                Err(e) => (Attempt::NoAnswer, Err(no_answer(kind, &e))),
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = resp
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    match resp.bytes().await {
                        Err(e) => (Attempt::NoAnswer, Err(no_answer(kind, &e))),
                        Ok(body) => {
                            let body = body.to_vec();
                            let attempt = if status == StatusCode::TOO_MANY_REQUESTS {
                                Attempt::RateLimited(retry_after)
                            } else if status.is_server_error() {
                                Attempt::ServerError
                            } else {
                                Attempt::Final
                            };
                            (attempt, map_answer(kind, status, retry_after, body))
                        }
                    }
                }
            };
            match policy.decide(kind, retries, attempt) {
                Decision::Stop => return outcome,
                Decision::RetryAfter(wait) => {
                    tracing::debug!(
                        ?attempt,
                        retries,
                        wait_ms = wait.as_millis() as u64,
                        "retrying"
                    );
                    retries += 1;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// The deepest cause of a transport error, without the URL.
fn cause(e: &reqwest::Error) -> String {
    let mut src: &dyn std::error::Error = e;
    while let Some(next) = src.source() {
        src = next;
    }
    let text = src.to_string();
    if e.is_timeout() {
        "timed out".to_owned()
    } else if text.is_empty() {
        "connection failed".to_owned()
    } else {
        text
    }
}

fn no_answer(kind: RequestKind, e: &reqwest::Error) -> Error {
    match kind {
        RequestKind::Action => Error::UnknownOutcome { message: cause(e) },
        RequestKind::Read => Error::Network { message: cause(e) },
    }
}

fn truncate_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(2000).collect()
}

fn map_answer(
    kind: RequestKind,
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Vec<u8>,
) -> Result<Answer> {
    if status.is_success() {
        return Ok(Answer { status, body });
    }
    let parsed = wire::decode_error_body(&body);
    let message = parsed
        .message
        .clone()
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    Err(match status.as_u16() {
        400 => Error::Validation { message },
        401 => Error::Unauthorized,
        403 => Error::Forbidden,
        404 => Error::NotFound,
        409 => Error::InvalidStatus { message },
        429 => Error::RateLimited { retry_after },
        s if status.is_server_error() && kind == RequestKind::Action => Error::UnknownOutcome {
            message: format!("the service answered HTTP {s}"),
        },
        s => Error::Server {
            status: s,
            body: truncate_body(&body),
        },
    })
}

/// The task resource: `client.tasks().create(..)`, `.get(..)`, `.cancel(..)`.
pub struct Tasks<'a> {
    client: &'a Client,
}

impl Tasks<'_> {
    /// Creates a task: the service will place a real phone call. Sent once; retried only when
    /// the service refused it with 429 or when nothing was sent. A timeout, a lost connection or
    /// a 5xx answer is [`Error::UnknownOutcome`]; an unreadable success answer is
    /// [`Error::Decode`] (the task was probably created: treat as an unknown outcome too).
    pub async fn create(&self, task: &NewTask) -> Result<Task> {
        let http = &self.client.inner.fresh;
        let url = self.client.url(&[wire::TASKS_PATH]);
        let answer = self
            .client
            .execute(RequestKind::Action, || http.post(url.clone()).json(task))
            .await?;
        decode(answer)
    }

    /// Reads a task. Retried on transient failures.
    pub async fn get(&self, id: &TaskId) -> Result<Task> {
        let http = &self.client.inner.http;
        let url = self.client.url(&[wire::TASKS_PATH, id.as_str()]);
        let answer = self
            .client
            .execute(RequestKind::Read, || http.get(url.clone()))
            .await?;
        decode(answer)
    }

    /// Cancels a task (allowed while `pending` or `accepted`; otherwise
    /// [`Error::InvalidStatus`]).
    pub async fn cancel(&self, id: &TaskId) -> Result<Task> {
        let http = &self.client.inner.http;
        let url = self
            .client
            .url(&[wire::TASKS_PATH, id.as_str(), wire::CANCEL_SEGMENT]);
        let answer = self
            .client
            .execute(RequestKind::Action, || http.post(url.clone()))
            .await?;
        decode(answer)
    }
}

fn decode(answer: Answer) -> Result<Task> {
    wire::decode_task(&answer.body)
        .map_err(|source| Error::Decode {
            source,
            body: truncate_body(&answer.body),
        })
        .inspect(|t| tracing::debug!(status = %answer.status, task = %t.id, "task answer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_never_shows_in_debug_or_display() {
        let k = ApiKey::new("sk_live_canary_1234567890ABCD").unwrap();
        assert_eq!(format!("{k}"), "[redacted]");
        assert!(!format!("{k:?}").contains("canary"));
        assert_eq!(k.last4().as_deref(), Some("ABCD"));
        assert_eq!(ApiKey::new("short").unwrap().last4(), None);
        let c = Client::builder(k).build().unwrap();
        assert!(!format!("{c:?}").contains("canary"));
    }

    #[test]
    fn bad_keys_are_refused() {
        for bad in ["", "   ", "sk live", "sk\u{0}x", "sk_é"] {
            assert!(
                matches!(ApiKey::new(bad), Err(Error::InvalidApiKey)),
                "{bad:?}"
            );
        }
        assert_eq!(ApiKey::new("  sk_ok \n").unwrap().expose_secret(), "sk_ok");
    }

    #[test]
    fn base_url_must_be_https_unless_loopback() {
        for ok in [
            "https://api.workapi.ai/api/v1/x/",
            "http://127.0.0.1:8080/base",
            "http://127.9.9.9/base",
            "http://[::1]:9/base",
            "http://LocalHost:3000",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.workapi.ai/x",
            "http://10.0.0.1/x",
            "http://localhost.evil.com/x",
        ] {
            assert!(
                matches!(check_base_url(bad), Err(Error::InsecureBaseUrl { .. })),
                "{bad}"
            );
        }
        for bad in [
            "ftp://x/y",
            "not a url",
            "https://user:pw@host/x",
            "mailto:a@b",
        ] {
            assert!(
                matches!(check_base_url(bad), Err(Error::InvalidBaseUrl { .. })),
                "{bad}"
            );
        }
        assert_eq!(
            check_base_url("https://h/a/b/").unwrap().as_str(),
            "https://h/a/b"
        );
    }

    #[test]
    fn urls_are_built_under_the_base_path() {
        let c = Client::builder(ApiKey::new("sk_test_123456789").unwrap())
            .base_url("https://h/api/v1/svc/")
            .build()
            .unwrap();
        assert_eq!(c.url(&["tasks"]).as_str(), "https://h/api/v1/svc/tasks");
        assert_eq!(
            c.url(&["tasks", "a%b", "cancel"]).as_str(),
            "https://h/api/v1/svc/tasks/a%25b/cancel"
        );
    }
}
