//! A pool's canonical configuration as TOML, and the unified diff of live against desired:
//! the whole picture of a change, in the spec's own terms.

use similar::TextDiff;

use batchform_plan::PoolPlan;
use batchform_plan::config::PoolConfig;

/// The configuration as TOML, with write-only values shown by fingerprint only.
pub fn toml(config: &PoolConfig) -> String {
    let mut value = serde_json::to_value(config).unwrap_or_default();
    hide_fingerprints(&mut value);
    toml::to_string(&value).unwrap_or_default()
}

/// The unified diff of the pool's live and desired configuration (empty when they match).
pub fn diff(pool: &PoolPlan) -> String {
    let live = pool.live.as_ref().map(toml).unwrap_or_default();
    let desired = pool.desired.as_ref().map(toml).unwrap_or_default();
    if live == desired {
        return String::new();
    }
    TextDiff::from_lines(&live, &desired)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("live/{}", pool.id),
            &format!("desired/{}", pool.id),
        )
        .to_string()
}

/// Replaces `{ fingerprint = "…" }` with a marker that changes when the fingerprint does, without
/// publishing the fingerprint itself in review text.
fn hide_fingerprints(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(fingerprint) = map.get("fingerprint") {
                let marker = match fingerprint.as_str() {
                    Some(fingerprint) => format!("(sensitive {})", short(fingerprint)),
                    // Written by someone else: batchform cannot know the value.
                    None => "(sensitive, not recorded)".to_string(),
                };
                *value = serde_json::Value::String(marker);
                return;
            }
            for child in map.values_mut() {
                hide_fingerprints(child);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(hide_fingerprints),
        _ => {}
    }
}

/// A short, stable tag for a fingerprint: enough to see that it changed, not to attack it.
fn short(fingerprint: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(fingerprint.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}
