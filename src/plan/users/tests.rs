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
