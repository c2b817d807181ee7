//! What an apply shows while it runs: a live line per pool on a terminal, plain timestamped
//! lines otherwise (CI logs).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where progress goes.
#[derive(Clone)]
pub struct Progress {
    bars: Option<MultiProgress>,
}

impl Progress {
    /// Live bars when `terminal`, else plain lines on standard error.
    pub fn new(terminal: bool) -> Self {
        let bars = terminal.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self { bars }
    }

    /// No output at all (library use, tests).
    pub fn hidden() -> Self {
        Self {
            bars: Some(MultiProgress::with_draw_target(ProgressDrawTarget::hidden())),
        }
    }

    /// The progress line of one pool.
    pub fn pool(&self, id: &str) -> PoolProgress {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} pool {prefix}: {wide_msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(id.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        PoolProgress {
            id: id.to_string(),
            bar,
            started: Instant::now(),
            last: Mutex::new(String::new()),
        }
    }
}

/// One pool's line.
pub struct PoolProgress {
    id: String,
    bar: Option<ProgressBar>,
    started: Instant,
    /// The last line printed, so a log gets a line per change, not per poll.
    last: Mutex<String>,
}

impl PoolProgress {
    /// The pool's current phase, e.g. `resizing: 3 of 10 nodes`.
    pub fn phase(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(text.to_string()),
            None => {
                let mut last = self
                    .last
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if *last != text {
                    let time = chrono::Utc::now().format("%H:%M:%S");
                    eprintln!("{time} pool {}: {text}", self.id);
                    *last = text.to_string();
                }
            }
        }
    }

    /// The pool is done; the line stays with the outcome.
    pub fn finish(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.finish_with_message(text.to_string()),
            None => self.phase(text),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}
