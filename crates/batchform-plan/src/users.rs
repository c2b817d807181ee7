//! Node users as desired state: which user to add, replace or delete on which node.
//!
//! The service can add, replace and delete a user on a ready node but can never list users, so
//! what was applied is kept in the pool's bookkeeping ([`UsersBook`]): each user's settings (as
//! fingerprints) and expiry, when the nodes were last brought in line, and which nodes were not
//! ready then. A node that is new, rebooted or reimaged since, or was pending, gets every user
//! again; a converged pool plans nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The metadata entry that holds the users' bookkeeping.
pub const BOOK: &str = "batchform:users";
/// Why a user is added everywhere: it is new (not only new nodes).
pub const NEW_USER: &str = "new user";

/// A desired node user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserConfig {
    pub name: String,
    pub admin: bool,
    /// Fingerprint of the SSH public key, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_key: Option<String>,
    /// Fingerprint of the password, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    pub expiry: Expiry,
}

/// When a user's login lapses. The service defaults to one day when none is sent, so one is
/// always sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expiry {
    At {
        time: DateTime<Utc>,
    },
    Rolling {
        #[serde(with = "super::config::duration")]
        valid_for: Duration,
        #[serde(with = "super::config::duration")]
        renew_before: Duration,
    },
}

/// What was applied to the pool's nodes, as kept in its metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersBook {
    pub users: BTreeMap<String, UserRecord>,
    /// When the ready nodes last had every user; nodes booted after it need them again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synced_at: Option<DateTime<Utc>>,
    /// Nodes that were not ready then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<String>,
}

/// One user as applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub admin: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The expiry that was sent.
    pub expires: DateTime<Utc>,
    /// For rolling expiries, the `valid_for` it was computed from (a new one renews).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_duration"
    )]
    pub valid_for: Option<Duration>,
    /// Written before the node calls that set this user, and cleared once they all succeeded:
    /// until then nodes may hold this record, an older one, or none, so the next sync deletes
    /// and adds it again everywhere.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

/// Node states on the way to ready (the service's, lowercase).
pub const BECOMING_READY: &[&str] = &[
    "creating",
    "starting",
    "waitingforstarttask",
    "rebooting",
    "reimaging",
    "upgradingos",
];

/// A live node, as user planning needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub id: String,
    /// The service's state, lowercase (`idle`, `running`, `starting`, …).
    pub state: String,
    /// When it last booted (or was allocated): after the last sync means it needs its users again.
    pub booted: Option<DateTime<Utc>>,
}

impl NodeInfo {
    /// Users can be changed only on `idle` and `running` nodes.
    pub fn ready(&self) -> bool {
        matches!(self.state.as_str(), "idle" | "running")
    }

    /// On its way to ready by itself: apply waits for it rather than leave it behind.
    pub fn becoming_ready(&self) -> bool {
        BECOMING_READY.contains(&self.state.as_str())
    }

    /// May hold users written before, although none can be changed on it now. A node being
    /// created has none yet, a reimage removes them all, and a node leaving the pool is going.
    pub fn may_hold_users_unreachable(&self) -> bool {
        !self.ready()
            && !matches!(
                self.state.as_str(),
                "creating" | "reimaging" | "leavingpool"
            )
    }
}

/// What is done to one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    /// Add (falling back to a full replace when the node already has the user).
    Add,
    /// Full replace: new key, password or expiry.
    Replace,
    /// Delete then add: the admin flag cannot be changed by a replace.
    Recreate,
    Delete,
}

/// One user's change, on the nodes it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChange {
    pub user: String,
    pub action: UserAction,
    pub nodes: Vec<String>,
    pub reason: String,
}

/// Everything to do for a pool's users.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersPlan {
    /// The desired users (fingerprints only): apply plans them again against the nodes it finds.
    pub desired: Vec<UserConfig>,
    pub changes: Vec<UserChange>,
    /// Nodes not ready for users now, by state: they get them once ready, on a later apply.
    pub pending: BTreeMap<String, Vec<String>>,
    /// The bookkeeping to record once every change has succeeded.
    pub book: UsersBook,
}

impl UsersPlan {
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// Nodes on their way to ready that will need users then: apply waits for them.
    pub fn waiting(&self) -> usize {
        self.pending
            .iter()
            .filter(|(state, _)| BECOMING_READY.contains(&state.as_str()))
            .map(|(_, nodes)| nodes.len())
            .sum()
    }

    /// The bookkeeping to record before the node calls: `before`, with every user a call may
    /// touch marked unconfirmed — users to set in their new form, users to delete as they were
    /// (they stay until the deletes are confirmed) — so that whatever happens in between, every
    /// user a node may hold is in the bookkeeping, and none is trusted to be on every node.
    pub fn intent(&self, before: &UsersBook) -> UsersBook {
        let mut intent = before.clone();
        for change in &self.changes {
            let record = match change.action {
                UserAction::Delete => before.users.get(&change.user),
                _ => self.book.users.get(&change.user),
            };
            if let Some(record) = record {
                intent.users.insert(
                    change.user.clone(),
                    UserRecord {
                        unconfirmed: true,
                        ..record.clone()
                    },
                );
            }
        }
        intent
    }

    /// After another writer's bookkeeping won a race: `theirs`, with every user these calls may
    /// have set added as unconfirmed, so that the next sync puts it right on every node.
    pub fn merged_into(&self, theirs: &UsersBook) -> UsersBook {
        let mut merged = theirs.clone();
        for change in self
            .changes
            .iter()
            .filter(|c| c.action != UserAction::Delete)
        {
            let Some(ours) = self.book.users.get(&change.user) else {
                continue;
            };
            merged
                .users
                .entry(change.user.clone())
                .and_modify(|record| record.unconfirmed = true)
                .or_insert_with(|| UserRecord {
                    unconfirmed: true,
                    ..ours.clone()
                });
        }
        merged
    }

    /// Calls to make: one per user and node (a recreate is two).
    pub fn calls(&self) -> usize {
        self.changes
            .iter()
            .map(|c| {
                c.nodes.len()
                    * if c.action == UserAction::Recreate {
                        2
                    } else {
                        1
                    }
            })
            .sum()
    }
}

/// Plans a pool's users. `now` is when the nodes were observed.
pub fn plan(
    desired: &[UserConfig],
    book: &UsersBook,
    nodes: &[NodeInfo],
    now: DateTime<Utc>,
) -> UsersPlan {
    let ready: Vec<&NodeInfo> = nodes.iter().filter(|n| n.ready()).collect();
    let stale = |node: &NodeInfo| {
        book.pending.contains(&node.id)
            || match (book.synced_at, node.booted) {
                (None, _) => true,
                (Some(synced), Some(booted)) => booted > synced,
                (Some(_), None) => false,
            }
    };
    let all: Vec<String> = ready.iter().map(|n| n.id.clone()).collect();
    let fresh: Vec<String> = ready
        .iter()
        .filter(|n| stale(n))
        .map(|n| n.id.clone())
        .collect();

    let mut plan = UsersPlan {
        desired: desired.to_vec(),
        ..UsersPlan::default()
    };
    let mut change = |user: &str, action, nodes: Vec<String>, reason: &str| {
        if !nodes.is_empty() {
            plan.changes.push(UserChange {
                user: user.to_string(),
                action,
                nodes,
                reason: reason.to_string(),
            });
        }
    };
    let mut records = BTreeMap::new();
    for user in desired {
        let old = book.users.get(&user.name);
        let (expires, valid_for) = expiry(user.expiry, old, now);
        let record = UserRecord {
            admin: user.admin,
            ssh_key: user.ssh_key.clone(),
            password: user.password.clone(),
            expires,
            valid_for,
            unconfirmed: false,
        };
        match old {
            None => change(&user.name, UserAction::Add, all.clone(), NEW_USER),
            Some(old) if old.unconfirmed => change(
                &user.name,
                UserAction::Recreate,
                all.clone(),
                "an earlier apply did not finish it on every node",
            ),
            Some(old) if old.admin != record.admin => change(
                &user.name,
                UserAction::Recreate,
                all.clone(),
                "admin flag changed",
            ),
            Some(old) if *old != record => {
                let reason = if old.ssh_key != record.ssh_key {
                    "SSH key changed"
                } else if old.password != record.password {
                    "password changed"
                } else {
                    "expiry renewed"
                };
                change(&user.name, UserAction::Replace, all.clone(), reason)
            }
            Some(_) => change(
                &user.name,
                UserAction::Add,
                fresh.clone(),
                "nodes joined or restarted since the last sync",
            ),
        }
        records.insert(user.name.clone(), record);
    }
    // A removed user leaves the bookkeeping only once no node can still hold it: a node that
    // is not ready (rebooting, unusable, ...) keeps its users, and no call can reach it now.
    let unreachable = nodes.iter().any(NodeInfo::may_hold_users_unreachable);
    let removed: Vec<(&String, &UserRecord)> = book
        .users
        .iter()
        .filter(|(name, _)| !records.contains_key(*name))
        .collect();
    for (name, old) in removed {
        change(
            name,
            UserAction::Delete,
            all.clone(),
            "removed from the spec",
        );
        if unreachable {
            // Gone from some nodes, maybe not from the others: no longer on every node.
            let record = UserRecord {
                unconfirmed: true,
                ..old.clone()
            };
            records.insert(name.clone(), record);
        }
    }
    for node in nodes.iter().filter(|n| !n.ready()) {
        plan.pending
            .entry(node.state.clone())
            .or_default()
            .push(node.id.clone());
    }
    // The sync covers every node seen booted so far: taking the latest boot time as well keeps a
    // client clock behind the service's (or an HTTP date's whole seconds) from re-syncing them.
    let latest_boot = nodes.iter().filter_map(|n| n.booted).max();
    plan.book = UsersBook {
        users: records,
        synced_at: Some(latest_boot.map_or(now, |boot| boot.max(now))),
        pending: nodes
            .iter()
            .filter(|n| !n.ready())
            .map(|n| n.id.clone())
            .collect(),
    };
    plan
}

/// The expiry to send, and the rolling policy it came from. A rolling expiry is kept until less
/// than `renew_before` remains, so that re-planning does not move it.
fn expiry(
    expiry: Expiry,
    old: Option<&UserRecord>,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, Option<Duration>) {
    match expiry {
        Expiry::At { time } => (time, None),
        Expiry::Rolling {
            valid_for,
            renew_before,
        } => {
            let renew_before = chrono::Duration::from_std(renew_before).unwrap_or_default();
            let keep = old
                .filter(|old| old.valid_for == Some(valid_for) && old.expires - now > renew_before);
            match keep {
                Some(old) => (old.expires, Some(valid_for)),
                None => (
                    chrono::Duration::from_std(valid_for)
                        .ok()
                        .and_then(|d| now.checked_add_signed(d))
                        .unwrap_or(DateTime::<Utc>::MAX_UTC),
                    Some(valid_for),
                ),
            }
        }
    }
}

mod optional_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(&humantime::format_duration(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| humantime::parse_duration(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests;
