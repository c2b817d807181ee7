//! Injected faults, drawn from a seeded generator so a given seed and request sequence fail
//! the same way every run. A fault either happens before the operation (nothing applied) or,
//! for the lost-response kind, after it (fully applied, response never sent); never between.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::config::Faults;

/// One injected failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 `TooManyRequests` with `Retry-After`.
    Throttled,
    /// 503 `ServerBusy` with `Retry-After`.
    Busy,
    /// 500 `InternalError`.
    Internal,
    /// The connection closes before the request is processed.
    Dropped,
    /// The request is applied, then the connection closes without a response. On a read it
    /// is indistinguishable from `Dropped`.
    ResponseLost,
}

impl Fault {
    const ALL: [Fault; 5] = [
        Fault::Throttled,
        Fault::Busy,
        Fault::Internal,
        Fault::Dropped,
        Fault::ResponseLost,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::Throttled => "throttled",
            Fault::Busy => "busy",
            Fault::Internal => "internal",
            Fault::Dropped => "dropped",
            Fault::ResponseLost => "responseLost",
        }
    }

    /// The fault a targeted rule names (`throttled`, `busy`, ...).
    pub fn parse(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A fault for one chosen request, so a test can lose exactly the answer it means to: the
/// `skip + 1`-th request with this method and path gets it, counting only from the first
/// request whose method is `after.0` and whose path starts with `after.1`, when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targeted {
    pub method: String,
    pub path: String,
    pub skip: u32,
    pub fault: Fault,
    pub after: Option<(String, String)>,
}

/// The generator and its settings.
pub struct Injector {
    settings: Faults,
    rng: StdRng,
    targeted: Vec<Targeted>,
}

impl Injector {
    pub fn new(settings: Faults) -> Self {
        Self {
            rng: StdRng::seed_from_u64(settings.seed),
            settings,
            targeted: Vec::new(),
        }
    }

    /// Queues faults for chosen requests (replacing those still queued).
    pub fn target(&mut self, targeted: Vec<Targeted>) {
        self.targeted = targeted;
    }

    /// The fault for the next request, `method` and `path` (without query): a targeted one
    /// when a rule matches it, else a drawn one. The draw happens either way, so targeting
    /// leaves the seeded sequence as it was.
    pub fn draw_for(&mut self, method: &str, path: &str) -> Option<Fault> {
        let drawn = self.draw();
        let lower = path.to_ascii_lowercase();
        for rule in &mut self.targeted {
            if let Some((m, prefix)) = &rule.after
                && m.eq_ignore_ascii_case(method)
                && lower.starts_with(&prefix.to_ascii_lowercase())
            {
                rule.after = None;
            }
        }
        let rule = self.targeted.iter_mut().position(|rule| {
            rule.after.is_none()
                && rule.method.eq_ignore_ascii_case(method)
                && rule.path.eq_ignore_ascii_case(path)
        });
        match rule {
            Some(i) if self.targeted[i].skip > 0 => {
                self.targeted[i].skip -= 1;
                drawn
            }
            Some(i) => Some(self.targeted.remove(i).fault),
            None => drawn,
        }
    }

    pub fn settings(&self) -> Faults {
        self.settings
    }

    /// Replaces the settings and restarts the sequence from the seed (targeted faults stay).
    pub fn reset(&mut self, settings: Faults) {
        let targeted = std::mem::take(&mut self.targeted);
        *self = Self::new(settings);
        self.targeted = targeted;
    }

    /// The fault for the next request, if any. Every call consumes the same number of draws,
    /// so the sequence depends only on the seed and the number of requests.
    pub fn draw(&mut self) -> Option<Fault> {
        let roll: f64 = self.rng.random();
        let kind = self.rng.random_range(0..Fault::ALL.len());
        (roll < self.settings.rate).then(|| Fault::ALL[kind])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(seed: u64, rate: f64) -> Vec<Option<Fault>> {
        let mut injector = Injector::new(Faults {
            rate,
            seed,
            retry_after_secs: 1,
        });
        (0..200).map(|_| injector.draw()).collect()
    }

    #[test]
    fn same_seed_same_faults() {
        assert_eq!(sequence(7, 0.3), sequence(7, 0.3));
        assert_ne!(sequence(7, 0.3), sequence(8, 0.3));
        let faults = sequence(7, 0.3).into_iter().flatten().count();
        assert!((30..90).contains(&faults), "{faults}");
        for kind in Fault::ALL {
            assert!(sequence(7, 0.3).contains(&Some(kind)), "{kind:?}");
        }
    }

    #[test]
    fn zero_rate_never_faults_and_one_always_does() {
        assert!(sequence(1, 0.0).iter().all(Option::is_none));
        assert!(sequence(1, 1.0).iter().all(Option::is_some));
    }
}
