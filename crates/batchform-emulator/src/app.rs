//! The emulator's shared state: the account's state and its store, credentials, timings,
//! quotas, faults and statistics, behind the locks every request takes; the HTTP server and
//! the inspection routes both work through it.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::config::{Faults, Quota, Timings};
use super::errors::ApiError;
use super::exchange::Call;
use super::faults::Injector;
use super::lifecycle::{self, Env};
use super::persist::Store;
use super::state::State;
use super::stats::Stats;
use batchform_batch::auth::SharedKey;
use batchform_batch::wire::Timestamp;

/// Fault settings and latency, changeable at run time.
pub(crate) struct Runtime {
    pub(crate) injector: Injector,
    pub(crate) latency: Duration,
}

/// Everything a request needs, shared by all connections.
pub struct App {
    pub(crate) key: SharedKey,
    pub(crate) token: Option<String>,
    pub(crate) timings: Timings,
    pub(crate) quota: Quota,
    pub(crate) endpoint: String,
    pub(crate) state: Mutex<State>,
    pub(crate) store: Option<Store>,
    pub(crate) runtime: Mutex<Runtime>,
    pub(crate) stats: Mutex<Stats>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the service down; the data is still consistent
    // because every change is made and saved under one lock acquisition.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl App {
    pub fn env(&self) -> Env<'_> {
        Env {
            timings: &self.timings,
            quota: self.quota,
        }
    }

    /// Runs `f` on the state brought up to now, under the state lock, and saves the state if
    /// the lifecycle moved or `f` succeeded at a write.
    /// The emulator's time now.
    pub fn now(&self) -> Timestamp {
        lock(&self.state).clock.now()
    }

    pub fn with_state<T>(
        &self,
        writes: bool,
        f: impl FnOnce(&mut State, Timestamp) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut st = lock(&self.state);
        let now = st.clock.now();
        let moved = lifecycle::advance(&mut st, now, self.env());
        let result = f(&mut st, now);
        if (moved || (writes && result.is_ok()))
            && let Some(store) = &self.store
            && let Err(e) = store.save(&st)
        {
            eprintln!("batchform emulator: {e:#}");
            return Err(ApiError::internal_error());
        }
        result
    }

    pub fn stats(&self, reset: bool) -> Stats {
        let mut stats = lock(&self.stats);
        if reset {
            std::mem::take(&mut *stats)
        } else {
            stats.clone()
        }
    }

    pub fn faults(&self) -> Faults {
        lock(&self.runtime).injector.settings()
    }

    pub fn set_faults(
        &self,
        faults: Faults,
        latency: Option<Duration>,
        targeted: Option<Vec<super::faults::Targeted>>,
    ) {
        let mut runtime = lock(&self.runtime);
        runtime.injector.reset(faults);
        if let Some(targeted) = targeted {
            runtime.injector.target(targeted);
        }
        if let Some(latency) = latency {
            runtime.latency = latency;
        }
    }

    pub fn faults_json(&self) -> serde_json::Value {
        let runtime = lock(&self.runtime);
        let f = runtime.injector.settings();
        serde_json::json!({
            "rate": f.rate,
            "seed": f.seed,
            "retryAfterSeconds": f.retry_after_secs,
            "latency": humantime::format_duration(runtime.latency).to_string(),
        })
    }

    /// Shared Key (lenient on the SDKs' differences) or the configured bearer token.
    ///
    /// Inferred: every failure, a missing header included, is 403 `AuthenticationFailed` with
    /// an `AuthenticationErrorDetail` value saying why.
    pub(crate) fn authenticate(&self, call: &Call) -> Result<(), ApiError> {
        let header = call.header("authorization").ok_or_else(|| {
            ApiError::authentication_failed("The request has no Authorization header.")
        })?;
        let bearer = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        if let Some(token) = bearer {
            return match &self.token {
                Some(expected) if expected == token => Ok(()),
                Some(_) => Err(ApiError::authentication_failed(
                    "The bearer token is not valid.",
                )),
                None => Err(ApiError::authentication_failed(
                    "This account accepts Shared Key only (no bearer token is configured).",
                )),
            };
        }
        self.key
            .verify(
                call.method.as_str(),
                &call.raw_path,
                call.raw_query.as_deref(),
                &call.headers,
                chrono::Utc::now(),
            )
            .map_err(|e| ApiError::authentication_failed(e.to_string()))
    }
}
