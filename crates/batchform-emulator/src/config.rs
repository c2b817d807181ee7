//! How an emulator instance is set up: address, account, credentials, state file, phase
//! durations, latency, faults, quota and connection limits.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{DEV_ACCOUNT, DEV_KEY};

/// How long each lifecycle phase lasts on the emulator clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// From a resize request until new nodes appear (`creating`) or old ones start leaving.
    pub allocate: Duration,
    /// `creating` → `starting`.
    pub create: Duration,
    /// `starting` → `waitingforstarttask`, or `idle` when no start task is waited for.
    pub start: Duration,
    /// `waitingforstarttask` → `idle` (or `starttaskfailed`).
    pub start_task: Duration,
    /// `rebooting` → `starting`.
    pub reboot: Duration,
    /// `reimaging` → `starting`.
    pub reimage: Duration,
    /// `leavingpool` → gone.
    pub leave: Duration,
    /// `stopping` → `steady`.
    pub stop: Duration,
    /// `deleting` → gone.
    pub delete: Duration,
}

impl Timings {
    /// Every phase the same length.
    pub fn uniform(phase: Duration) -> Self {
        Self {
            allocate: phase,
            create: phase,
            start: phase,
            start_task: phase,
            reboot: phase,
            reimage: phase,
            leave: phase,
            stop: phase,
            delete: phase,
        }
    }
}

impl Default for Timings {
    /// About a second per phase: slow enough to watch, fast enough for a demo.
    fn default() -> Self {
        Self::uniform(Duration::from_secs(1))
    }
}

/// Injected failures: the share of API requests that fail, drawn from a seeded generator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    /// Probability in `[0, 1]` that a request fails.
    pub rate: f64,
    pub seed: u64,
    /// The `Retry-After` sent with 429 and 503 faults, in seconds.
    pub retry_after_secs: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            rate: 0.0,
            seed: 0,
            retry_after_secs: 1,
        }
    }
}

/// Limits on connections: the server is reachable by anything on the machine, and without
/// them slow or silent clients hold connections (and file descriptors) open forever, until
/// the process can accept no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connections {
    /// A request head must arrive whole within this long of the connection starting to wait
    /// for it: a client trickling its head a byte at a time is cut off. The timer also runs
    /// while a kept-alive connection waits for its next request.
    pub header_read_timeout: Duration,
    /// A connection on which no byte moves for this long, while no request is being
    /// processed, is closed: a kept-alive connection nobody uses, a request body that stops
    /// arriving, a response the client stops reading.
    pub idle_timeout: Duration,
    /// Connections served at once; beyond this the server stops accepting (new connections
    /// wait in the listen queue, holding no descriptor of the server) until one closes.
    pub max: usize,
}

impl Connections {
    /// A head is one packet on loopback, so 10 seconds is ample even for a loaded machine.
    pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// As long as the header timeout, which also covers a kept-alive connection waiting for
    /// its next request: a silent connection closes after the same time whatever it waits on.
    /// Clients reconnect transparently, and on loopback reconnecting costs nothing.
    pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
    /// Far more than any test or batchform's own parallelism needs, and well below the usual
    /// soft limit on open descriptors (1024), so the server never runs out of them.
    pub const MAX: usize = 512;
}

impl Default for Connections {
    fn default() -> Self {
        Self {
            header_read_timeout: Self::HEADER_READ_TIMEOUT,
            idle_timeout: Self::IDLE_TIMEOUT,
            max: Self::MAX,
        }
    }
}

/// Everything an emulator instance needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free port (see [`super::Handle::endpoint`]).
    pub listen: SocketAddr,
    pub account: String,
    /// Base64 account key for Shared Key authentication.
    pub key: String,
    /// A bearer token accepted as `Authorization: Bearer <token>` (the Entra ID path).
    pub token: Option<String>,
    /// Persist state here (atomically, after every change); in memory only when `None`.
    pub state_file: Option<PathBuf>,
    pub timings: Timings,
    /// Added to every API request.
    pub latency: Duration,
    pub faults: Faults,
    /// The account's core quotas across all pools.
    pub quota: Quota,
    /// Header and idle timeouts, and how many connections are served at once.
    pub connections: Connections,
}

/// Cores an account may use, by kind of node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub dedicated: u32,
    pub low_priority: u32,
}

impl Default for Quota {
    /// Far above the service's defaults for a new account (up to 900 dedicated and 100
    /// low-priority cores), so only a runaway request meets them, but finite: every account
    /// has a quota, and a target of a billion nodes must not allocate a billion nodes.
    fn default() -> Self {
        Self {
            dedicated: 20_000,
            low_priority: 20_000,
        }
    }
}

impl Default for Config {
    /// The development account on a free loopback port, in memory.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            account: DEV_ACCOUNT.to_string(),
            key: DEV_KEY.to_string(),
            token: None,
            state_file: None,
            timings: Timings::default(),
            latency: Duration::ZERO,
            faults: Faults::default(),
            quota: Quota::default(),
            connections: Connections::default(),
        }
    }
}

/// The emulator `plan` and `apply` start in-process when no endpoint is configured: the
/// development account and key, state kept in `.batchform/emulator.json` under `cwd`, and
/// phases of about a second.
pub fn embedded_default(cwd: &Path) -> Config {
    Config {
        state_file: Some(cwd.join(".batchform").join("emulator.json")),
        ..Config::default()
    }
}
