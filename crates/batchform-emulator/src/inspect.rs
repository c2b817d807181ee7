//! The `/_emulator/` routes, for tests and demos only (batchform's planner never calls them):
//! request statistics, the clock, faults and latency, node users as the node holds them, and
//! injected node events (start-task failure, reboot, reimage, running tasks).
//!
//! They authenticate like the API (Shared Key or the configured bearer token; 403
//! `AuthenticationFailed` otherwise) but take no `api-version`.
//!
//! ```text
//! GET    /_emulator/stats[?reset=true]          DELETE /_emulator/stats
//! GET    /_emulator/clock                       POST   /_emulator/clock/advance {"seconds": 90} | {"by": "5m"}
//! GET    /_emulator/faults                      PUT    /_emulator/faults {"rate", "seed", "retryAfterSeconds", "latency", "next"}
//! GET    /_emulator/state
//! GET    /_emulator/pools/{p}/nodes/{n}/users
//! POST   /_emulator/pools/{p}/nodes/{n}/reboot | reimage | starttaskfailure
//! POST   /_emulator/pools/{p}/nodes/{n}/tasks {"count": 1, "duration": "10m"}    DELETE .../tasks
//! PUT    /_emulator/pools/{p}/starttaskfailure {"enabled": true}
//! ```
//! Durations are humantime strings (`90s`, `5m`, `1h 30m`). `next` queues faults for chosen
//! requests: `[{"method": "PATCH", "path": "/pools/p", "skip": 1, "fault": "responseLost"}]`
//! loses the answer to the second PATCH of pool `p`; `"after": {"method": "POST", "path":
//! "/pools/p/nodes/"}` counts only from the first request that matches it.

use std::time::Duration;

use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::app::App;
use super::config::Faults;
use super::errors::ApiError;
use super::exchange::{Call, Reply};
use super::faults::{Fault, Targeted};
use super::lifecycle;
use super::state::{PoolRecord, State};

fn duration(text: &str, name: &str) -> Result<Duration, ApiError> {
    humantime::parse_duration(text)
        .map_err(|e| ApiError::invalid_property(name, text, e.to_string()))
}

fn body<T: for<'de> Deserialize<'de> + Default>(call: &Call) -> Result<T, ApiError> {
    if call.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&call.body).map_err(|e| ApiError::invalid_body(e.to_string()))
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Advance {
    seconds: Option<f64>,
    by: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultsBody {
    rate: Option<f64>,
    seed: Option<u64>,
    retry_after_seconds: Option<u64>,
    latency: Option<String>,
    /// Faults for chosen requests: `[{"method": "PATCH", "path": "/pools/p", "skip": 0,
    /// "fault": "responseLost"}]`.
    next: Option<Vec<TargetedBody>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TargetedBody {
    method: String,
    path: String,
    #[serde(default)]
    skip: u32,
    fault: String,
    /// Armed only once a request with this method and a path starting so was seen.
    after: Option<AfterBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AfterBody {
    method: String,
    path: String,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Tasks {
    count: Option<i32>,
    duration: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Toggle {
    enabled: Option<bool>,
}

fn pool<'a>(st: &'a mut State, id: &str) -> Result<&'a mut PoolRecord, ApiError> {
    st.pool_mut(id).ok_or_else(ApiError::pool_not_found)
}

fn node_index(pool: &PoolRecord, id: &str) -> Result<usize, ApiError> {
    pool.nodes
        .iter()
        .position(|n| n.id().eq_ignore_ascii_case(id))
        .ok_or_else(ApiError::node_not_found)
}

/// Serves one `/_emulator/` request (`segments` start after `_emulator`).
pub fn handle(app: &App, call: &Call, segments: &[&str]) -> Result<Reply, ApiError> {
    let m = &call.method;
    let ok = |v: serde_json::Value| Ok(Reply::json(StatusCode::OK, &v));
    match (segments, m) {
        (["stats"], &Method::GET) => {
            let reset = call.query("reset").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            ok(serde_json::to_value(app.stats(reset)).unwrap_or_default())
        }
        (["stats"], &Method::DELETE) => {
            app.stats(true);
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        (["clock"], &Method::GET) => app.with_state(false, |st, now| {
            ok(json!({"now": now, "offsetSeconds": st.clock.offset().num_milliseconds() as f64 / 1000.0}))
        }),
        (["clock", "advance"], &Method::POST) => {
            let advance: Advance = body(call)?;
            let by = match (advance.seconds, advance.by) {
                (Some(s), None) if s.is_finite() && s >= 0.0 => Duration::from_secs_f64(s),
                (None, Some(text)) => duration(&text, "by")?,
                _ => return Err(ApiError::invalid_body("Give either `seconds` (a non-negative number) or `by` (a duration such as \"5m\").")),
            };
            app.with_state(true, |st, _| {
                st.clock.advance(by);
                Ok(())
            })?;
            // Re-entering brings every lifecycle up to the new time.
            app.with_state(false, |st, now| {
                ok(json!({"now": now, "offsetSeconds": st.clock.offset().num_milliseconds() as f64 / 1000.0}))
            })
        }
        (["faults"], &Method::GET) => ok(app.faults_json()),
        (["faults"], &Method::PUT) => {
            let update: FaultsBody = body(call)?;
            let mut settings: Faults = app.faults();
            if let Some(rate) = update.rate {
                if !(0.0..=1.0).contains(&rate) {
                    return Err(ApiError::invalid_property("rate", rate.to_string(), "The rate must be between 0 and 1."));
                }
                settings.rate = rate;
            }
            if let Some(seed) = update.seed {
                settings.seed = seed;
            }
            if let Some(secs) = update.retry_after_seconds {
                settings.retry_after_secs = secs;
            }
            let latency = update.latency.map(|l| duration(&l, "latency")).transpose()?;
            let targeted = update
                .next
                .map(|rules| {
                    rules
                        .into_iter()
                        .map(|rule| {
                            let fault = Fault::parse(&rule.fault).ok_or_else(|| {
                                ApiError::invalid_property("fault", rule.fault.clone(), "One of throttled, busy, internal, dropped, responseLost.")
                            })?;
                            let after = rule.after.map(|a| (a.method, a.path));
                            Ok(Targeted { method: rule.method, path: rule.path, skip: rule.skip, fault, after })
                        })
                        .collect::<Result<Vec<_>, ApiError>>()
                })
                .transpose()?;
            app.set_faults(settings, latency, targeted);
            ok(app.faults_json())
        }
        (["state"], &Method::GET) => app.with_state(false, |st, _| ok(serde_json::to_value(&*st).unwrap_or_default())),
        (["pools", p, "nodes", n, "users"], &Method::GET) => app.with_state(false, |st, _| {
            let pool = pool(st, p)?;
            let node = &pool.nodes[node_index(pool, n)?];
            ok(json!({ "value": node.users }))
        }),
        (["pools", p, "nodes", n, action @ ("reboot" | "reimage" | "starttaskfailure")], &Method::POST) => {
            let timings = app.env().timings;
            app.with_state(true, |st, now| {
                let pool = pool(st, p)?;
                let i = node_index(pool, n)?;
                match *action {
                    "starttaskfailure" => lifecycle::fail_start_task(pool, i, now),
                    other => lifecycle::restart_node(&mut pool.nodes[i], other == "reimage", now, timings),
                }
                Ok(Reply::empty(StatusCode::NO_CONTENT))
            })
        }
        (["pools", p, "nodes", n, "tasks"], &Method::POST) => {
            let tasks: Tasks = body(call)?;
            let count = tasks.count.unwrap_or(1);
            if count < 1 {
                return Err(ApiError::invalid_property("count", count.to_string(), "At least one task."));
            }
            let length = tasks.duration.map(|d| duration(&d, "duration")).transpose()?;
            app.with_state(true, |st, now| {
                let pool = pool(st, p)?;
                let i = node_index(pool, n)?;
                let until = length.map(|d| super::clock::after(now, d));
                lifecycle::run_tasks(&mut pool.nodes[i], count, until, now);
                Ok(Reply::empty(StatusCode::NO_CONTENT))
            })
        }
        (["pools", p, "nodes", n, "tasks"], &Method::DELETE) => {
            let timings = app.env().timings;
            app.with_state(true, |st, now| {
                let pool = pool(st, p)?;
                let i = node_index(pool, n)?;
                lifecycle::end_tasks(pool, i, now, timings);
                Ok(Reply::empty(StatusCode::NO_CONTENT))
            })
        }
        (["pools", p, "starttaskfailure"], &Method::PUT) => {
            let toggle: Toggle = body(call)?;
            app.with_state(true, |st, _| {
                pool(st, p)?.fail_start_tasks = toggle.enabled.unwrap_or(true);
                Ok(Reply::empty(StatusCode::NO_CONTENT))
            })
        }
        _ => Err(ApiError::resource_not_found(&call.raw_path)),
    }
}
