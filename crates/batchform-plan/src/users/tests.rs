//! Node-user planning: every user reaches every ready node, once.

use chrono::TimeZone;

use super::*;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, hour, 0, 0).unwrap()
}

fn node(id: &str, state: &str, booted: u32) -> NodeInfo {
    NodeInfo {
        id: id.into(),
        state: state.into(),
        booted: Some(at(booted)),
    }
}

fn alice() -> UserConfig {
    UserConfig {
        name: "alice".into(),
        admin: true,
        ssh_key: Some("fp-key".into()),
        password: None,
        expiry: Expiry::At {
            time: Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
        },
    }
}

fn summary(plan: &UsersPlan) -> Vec<(&str, UserAction, Vec<&str>)> {
    plan.changes
        .iter()
        .map(|c| {
            (
                c.user.as_str(),
                c.action,
                c.nodes.iter().map(String::as_str).collect(),
            )
        })
        .collect()
}

/// The bookkeeping after `plan` was carried out.
fn applied(plan: &UsersPlan) -> UsersBook {
    plan.book.clone()
}

#[test]
fn a_new_user_goes_to_every_ready_node_and_pending_nodes_are_reported() {
    let nodes = [
        node("n1", "idle", 1),
        node("n2", "running", 1),
        node("n3", "starting", 1),
    ];
    let plan = plan(&[alice()], &UsersBook::default(), &nodes, at(2));
    assert_eq!(
        summary(&plan),
        vec![("alice", UserAction::Add, vec!["n1", "n2"])]
    );
    assert_eq!(
        plan.pending,
        BTreeMap::from([("starting".to_string(), vec!["n3".to_string()])])
    );
    assert_eq!(plan.calls(), 2);
}

#[test]
fn a_converged_pool_plans_nothing() {
    let nodes = [node("n1", "idle", 1), node("n2", "running", 1)];
    let first = plan(&[alice()], &UsersBook::default(), &nodes, at(2));
    let again = plan(&[alice()], &applied(&first), &nodes, at(3));
    assert!(!again.has_changes(), "{:?}", again.changes);
}

#[test]
fn nodes_that_joined_rebooted_or_were_pending_get_the_users_again() {
    let before = [node("n1", "idle", 1), node("n2", "starting", 1)];
    let first = plan(&[alice()], &UsersBook::default(), &before, at(2));
    // n2 became ready, n3 joined after the sync, n1 rebooted.
    let after = [
        node("n1", "idle", 3),
        node("n2", "idle", 1),
        node("n3", "idle", 4),
    ];
    let again = plan(&[alice()], &applied(&first), &after, at(5));
    assert_eq!(
        summary(&again),
        vec![("alice", UserAction::Add, vec!["n1", "n2", "n3"])]
    );

    // Only new nodes, never the ones already in line.
    let steady = [
        node("n1", "idle", 1),
        node("n2", "idle", 1),
        node("n9", "idle", 6),
    ];
    let synced = plan(&[alice()], &UsersBook::default(), &steady[..2], at(2));
    let grown = plan(&[alice()], &applied(&synced), &steady, at(7));
    assert_eq!(
        summary(&grown),
        vec![("alice", UserAction::Add, vec!["n9"])]
    );
}

#[test]
fn a_changed_key_replaces_and_a_changed_admin_flag_recreates_everywhere() {
    let nodes = [node("n1", "idle", 1), node("n2", "idle", 1)];
    let book = applied(&plan(&[alice()], &UsersBook::default(), &nodes, at(2)));

    let mut rotated = alice();
    rotated.ssh_key = Some("fp-new".into());
    let plan_key = plan(&[rotated], &book, &nodes, at(3));
    assert_eq!(
        summary(&plan_key),
        vec![("alice", UserAction::Replace, vec!["n1", "n2"])]
    );
    assert_eq!(plan_key.changes[0].reason, "SSH key changed");

    let mut demoted = alice();
    demoted.admin = false;
    let plan_admin = plan(&[demoted], &book, &nodes, at(3));
    assert_eq!(
        summary(&plan_admin),
        vec![("alice", UserAction::Recreate, vec!["n1", "n2"])]
    );
    assert_eq!(plan_admin.calls(), 4);
}

#[test]
fn a_removed_user_is_deleted_everywhere() {
    let nodes = [node("n1", "idle", 1), node("n2", "idle", 1)];
    let book = applied(&plan(&[alice()], &UsersBook::default(), &nodes, at(2)));
    let removed = plan(&[], &book, &nodes, at(3));
    assert_eq!(
        summary(&removed),
        vec![("alice", UserAction::Delete, vec!["n1", "n2"])]
    );
    assert!(removed.book.users.is_empty());
}

#[test]
fn a_rolling_expiry_is_kept_until_due_then_renewed() {
    let rolling = UserConfig {
        expiry: Expiry::Rolling {
            valid_for: Duration::from_secs(7 * 86400),
            renew_before: Duration::from_secs(86400),
        },
        ..alice()
    };
    let nodes = [node("n1", "idle", 1)];
    let first = plan(
        std::slice::from_ref(&rolling),
        &UsersBook::default(),
        &nodes,
        at(2),
    );
    let expires = first.book.users["alice"].expires;
    assert_eq!(expires, at(2) + chrono::Duration::days(7));

    // Five days on: more than a day remains, nothing to do and the expiry does not move.
    let later = at(2) + chrono::Duration::days(5);
    let quiet = plan(
        std::slice::from_ref(&rolling),
        &applied(&first),
        &nodes,
        later,
    );
    assert!(!quiet.has_changes());
    assert_eq!(quiet.book.users["alice"].expires, expires);

    // Six and a half days on: less than a day remains, renewed on every node.
    let due = at(2) + chrono::Duration::hours(6 * 24 + 12);
    let renewed = plan(&[rolling], &applied(&first), &nodes, due);
    assert_eq!(
        summary(&renewed),
        vec![("alice", UserAction::Replace, vec!["n1"])]
    );
    assert_eq!(renewed.changes[0].reason, "expiry renewed");
    assert_eq!(
        renewed.book.users["alice"].expires,
        due + chrono::Duration::days(7)
    );
}

fn bob() -> UserConfig {
    UserConfig {
        name: "bob".into(),
        admin: false,
        password: Some("fp-password".into()),
        ..alice()
    }
}

#[test]
fn the_intent_records_every_user_the_calls_may_set_before_they_run() {
    let nodes = [node("n1", "idle", 1), node("n2", "idle", 1)];
    let book = applied(&plan(&[alice()], &UsersBook::default(), &nodes, at(2)));
    // alice is removed and bob added: until the calls are confirmed, both may be on nodes.
    let next = plan(&[bob()], &book, &nodes, at(3));
    let intent = next.intent(&book);
    assert!(intent.users["alice"].unconfirmed);
    assert_eq!(intent.users["alice"].ssh_key, book.users["alice"].ssh_key);
    assert!(intent.users["bob"].unconfirmed);
    assert_eq!(intent.synced_at, book.synced_at, "nothing is confirmed yet");
    // Confirmed: bob as applied, alice gone.
    assert!(!next.book.users["bob"].unconfirmed);
    assert!(!next.book.users.contains_key("alice"));
}

#[test]
fn an_unconfirmed_user_is_deleted_and_added_again_everywhere() {
    let nodes = [node("n1", "idle", 1), node("n2", "idle", 1)];
    let first = plan(&[alice()], &UsersBook::default(), &nodes, at(2));
    // Interrupted after the intent: alice may be on some nodes, with either admin flag.
    let interrupted = first.intent(&UsersBook::default());
    let again = plan(&[alice()], &interrupted, &nodes, at(3));
    assert_eq!(
        summary(&again),
        vec![("alice", UserAction::Recreate, vec!["n1", "n2"])]
    );
    // And when the spec changed meanwhile, still a full recreate (a replace keeps the old flag).
    let mut demoted = alice();
    demoted.ssh_key = Some("fp-other".into());
    let changed = plan(&[demoted], &interrupted, &nodes, at(3));
    assert_eq!(changed.changes[0].action, UserAction::Recreate);
    // Removed from the spec instead: deleted everywhere.
    let removed = plan(&[], &interrupted, &nodes, at(3));
    assert_eq!(
        summary(&removed),
        vec![("alice", UserAction::Delete, vec!["n1", "n2"])]
    );
}

#[test]
fn a_removed_user_stays_recorded_while_a_node_that_may_hold_it_cannot_be_reached() {
    let nodes = [node("n1", "idle", 1), node("n2", "idle", 1)];
    let book = applied(&plan(&[alice()], &UsersBook::default(), &nodes, at(2)));
    // n2 is rebooting (it keeps its users) when alice is removed.
    let rebooting = [node("n1", "idle", 1), node("n2", "rebooting", 1)];
    let removed = plan(&[], &book, &rebooting, at(3));
    assert_eq!(
        summary(&removed),
        vec![("alice", UserAction::Delete, vec!["n1"])]
    );
    assert!(
        removed.book.users.contains_key("alice"),
        "not confirmed gone"
    );
    assert_eq!(removed.waiting(), 1);
    // Once n2 is back, the delete reaches it and alice leaves the bookkeeping.
    let back = [node("n1", "idle", 1), node("n2", "idle", 4)];
    let done = plan(&[], &applied(&removed), &back, at(5));
    assert_eq!(
        summary(&done),
        vec![("alice", UserAction::Delete, vec!["n1", "n2"])]
    );
    assert!(done.book.users.is_empty());
    // A node being created or reimaged holds no user: it does not hold the removal back.
    let fresh = [node("n1", "idle", 1), node("n3", "creating", 4)];
    assert!(plan(&[], &book, &fresh, at(5)).book.users.is_empty());
}

#[test]
fn a_race_loser_adds_what_it_set_to_the_winners_bookkeeping() {
    let nodes = [node("n1", "idle", 1)];
    let ours = plan(&[alice()], &UsersBook::default(), &nodes, at(2));
    let theirs = applied(&plan(&[bob()], &UsersBook::default(), &nodes, at(2)));
    let merged = ours.merged_into(&theirs);
    assert!(merged.users["alice"].unconfirmed);
    assert_eq!(merged.users["bob"], theirs.users["bob"]);
    // Both wrote alice: theirs is kept, but no longer trusted to be on every node.
    let both = applied(&plan(&[alice()], &UsersBook::default(), &nodes, at(1)));
    assert!(ours.merged_into(&both).users["alice"].unconfirmed);
}

mod invariant {
    //! Random spec edits, node events and interrupted syncs against a model of the nodes: every
    //! user a node holds is always in the bookkeeping, and an uninterrupted sync converges.

    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Event {
        /// The spec now wants these of the three users.
        Spec(Vec<bool>),
        /// A sync that stops after this many node calls (`None`: runs to the end).
        Sync(Option<usize>),
        Reboot(usize),
        Reimage(usize),
        /// The node is ready again.
        Ready(usize),
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            prop::collection::vec(any::<bool>(), 3).prop_map(Event::Spec),
            prop::option::of(0usize..6).prop_map(Event::Sync),
            (0usize..3).prop_map(Event::Reboot),
            (0usize..3).prop_map(Event::Reimage),
            (0usize..3).prop_map(Event::Ready),
        ]
    }

    fn user(name: &str) -> UserConfig {
        UserConfig {
            name: name.into(),
            ..alice()
        }
    }

    struct World {
        /// Per node: its state, boot hour and users.
        nodes: Vec<(String, u32, BTreeSet<String>)>,
        book: UsersBook,
        hour: u32,
    }

    fn hour(n: u32) -> DateTime<Utc> {
        at(0) + chrono::Duration::hours(i64::from(n))
    }

    impl World {
        fn infos(&self) -> Vec<NodeInfo> {
            self.nodes
                .iter()
                .enumerate()
                .map(|(i, (state, boot, _))| NodeInfo {
                    id: format!("n{i}"),
                    state: state.clone(),
                    booted: Some(hour(*boot)),
                })
                .collect()
        }

        /// The sync of `apply/users.rs`: intent, calls (up to `limit`), confirmation.
        fn sync(&mut self, desired: &[UserConfig], limit: Option<usize>) {
            self.hour += 1;
            let plan = plan(desired, &self.book, &self.infos(), hour(self.hour));
            if plan.has_changes() {
                self.book = plan.intent(&self.book);
            }
            let mut calls = 0;
            for change in &plan.changes {
                for id in &change.nodes {
                    if limit.is_some_and(|l| calls >= l) {
                        return;
                    }
                    calls += 1;
                    let i: usize = id[1..].parse().unwrap();
                    let users = &mut self.nodes[i].2;
                    match change.action {
                        UserAction::Delete => {
                            users.remove(&change.user);
                        }
                        _ => {
                            users.insert(change.user.clone());
                        }
                    }
                }
            }
            self.book = plan.book;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn every_user_on_a_node_is_in_the_bookkeeping(events in prop::collection::vec(event(), 1..40)) {
            let names = ["alice", "bob", "carol"];
            let mut world = World {
                nodes: (0..3).map(|_| ("idle".to_string(), 0, BTreeSet::new())).collect(),
                book: UsersBook::default(),
                hour: 1,
            };
            let mut desired: Vec<UserConfig> = Vec::new();
            for event in events {
                match event {
                    Event::Spec(want) => {
                        desired = names
                            .iter()
                            .zip(want)
                            .filter(|(_, w)| *w)
                            .map(|(n, _)| user(n))
                            .collect();
                    }
                    Event::Sync(limit) => world.sync(&desired, limit),
                    Event::Reboot(i) => {
                        world.hour += 1;
                        world.nodes[i].0 = "rebooting".into();
                        world.nodes[i].1 = world.hour;
                    }
                    Event::Reimage(i) => {
                        world.hour += 1;
                        world.nodes[i] = ("reimaging".into(), world.hour, BTreeSet::new());
                    }
                    Event::Ready(i) => world.nodes[i].0 = "idle".into(),
                }
                let on_nodes: BTreeSet<&String> =
                    world.nodes.iter().flat_map(|(_, _, users)| users).collect();
                for name in on_nodes {
                    prop_assert!(
                        world.book.users.contains_key(name),
                        "{name} is on a node but not in the bookkeeping {:?}",
                        world.book
                    );
                }
            }
            // Every node ready, one uninterrupted sync: the nodes hold exactly the spec's users.
            for node in &mut world.nodes {
                node.0 = "idle".into();
            }
            world.sync(&desired, None);
            let want: BTreeSet<String> = desired.iter().map(|u| u.name.clone()).collect();
            for (i, (_, _, users)) in world.nodes.iter().enumerate() {
                prop_assert_eq!(users, &want, "node n{}", i);
            }
            let recorded: BTreeMap<_, _> = world.book.users.iter().filter(|(_, r)| !r.unconfirmed).collect();
            prop_assert_eq!(recorded.len(), want.len());
        }
    }
}
