//! `batchform apply` end to end against the emulator: converge in one run, then plan nothing.

use crate::common::{Emulator, pool, spec_dir};
use predicates::prelude::*;

const ACCOUNT: &str = "[account]\nowner = \"team\"\n";

fn apply(emulator: &Emulator, dir: &std::path::Path) -> assert_cmd::assert::Assert {
    emulator
        .batchform(dir)
        .args(["apply", "--auto-approve", "--timeout", "60s", "pools.toml"])
        .assert()
}

fn converged(emulator: &Emulator, dir: &std::path::Path) {
    emulator
        .batchform(dir)
        .args(["plan", "--detailed-exitcode", "pools.toml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No changes."));
}

#[test]
fn every_example_applies_and_then_plans_nothing() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for example in [
        "quickstart.toml",
        "linux-pool.toml",
        "container-pool.toml",
        "autoscale.toml",
        "multi-pool",
    ] {
        let emulator = Emulator::start("10ms", &[]);
        let path = examples.join(example);
        // The quickstart names the embedded emulator, whose state goes in the working directory.
        let embedded = example == "quickstart.toml";
        let cwd = tempfile::tempdir().unwrap();
        // The examples' secrets, from the environment as in a pipeline.
        let batchform = || {
            let mut cmd = emulator.batchform(if embedded { cwd.path() } else { &examples });
            if embedded {
                cmd.env_remove("AZURE_BATCH_ENDPOINT");
            }
            cmd.env("ACR_PASSWORD", "s3cret-from-the-environment")
                .env("INGEST_ADMIN_PASSWORD", "s3cret-Windows-1")
                .env("RENDER_ACCOUNT_PASSWORD", "s3cret-render-account")
                .env("INGEST_ACCOUNT_PASSWORD", "s3cret-Ingest-2");
            cmd
        };
        batchform()
            .args(["apply", "--auto-approve", "--timeout", "60s"])
            .arg(&path)
            .assert()
            .success()
            .stdout(predicate::str::contains("Apply complete"))
            .stdout(predicate::str::contains("s3cret").not());
        batchform()
            .args(["plan", "--detailed-exitcode"])
            .arg(&path)
            .assert()
            .code(0);
        // A saved plan names where secrets come from, never what they are.
        let out = tempfile::tempdir().unwrap();
        let file = out.path().join("plan.json");
        batchform()
            .args(["plan", "--format", "json", "--out"])
            .arg(&file)
            .arg(&path)
            .assert()
            .success()
            .stdout(predicate::str::contains("s3cret").not());
        let saved = std::fs::read_to_string(&file).unwrap();
        assert!(
            !saved.contains("s3cret"),
            "{example}: a secret in the plan file"
        );
    }
}

#[test]
fn each_field_class_changes_and_converges() {
    let emulator = Emulator::start("10ms", &[]);
    let base = |extra: &str, vm: &str| {
        format!(
            "{ACCOUNT}{}",
            pool("p", extra).replace("standard_d2s_v3", vm)
        )
    };
    let steps = [
        base("[pools.p.scale]\ndedicated = 2\n", "standard_d2s_v3"),
        // in place
        base(
            "[pools.p.scale]\ndedicated = 2\n[pools.p.metadata]\nteam = \"vfx\"\n[pools.p.start_task]\ncommand_line = \"/bin/true\"\n",
            "standard_d2s_v3",
        ),
        // resize
        base(
            "[pools.p.scale]\ndedicated = 3\n[pools.p.metadata]\nteam = \"vfx\"\n",
            "standard_d2s_v3",
        ),
        // empty-only on a busy pool: drained, patched, scaled back
        base(
            "[pools.p.scale]\ndedicated = 3\n[pools.p.metadata]\nteam = \"vfx\"\n",
            "standard_d4s_v3",
        ),
        // to autoscale and back
        base(
            "[pools.p.autoscale]\nformula = \"$TargetDedicatedNodes = 1;\"\ninterval = \"5m\"\n",
            "standard_d4s_v3",
        ),
        base("[pools.p.scale]\ndedicated = 1\n", "standard_d4s_v3"),
    ];
    for spec in steps {
        let dir = spec_dir(&[("pools.toml", &spec)]);
        apply(&emulator, dir.path()).success();
        converged(&emulator, dir.path());
    }
}

#[test]
fn a_saved_plan_applies_once_and_is_refused_when_stale() {
    let emulator = Emulator::start("10ms", &[]);
    let dir = spec_dir(&[(
        "pools.toml",
        &format!("{ACCOUNT}{}", pool("p", "[pools.p.scale]\ndedicated = 1\n")),
    )]);
    emulator
        .batchform(dir.path())
        .args(["plan", "--out", "plan.json", "pools.toml"])
        .assert()
        .success();
    let saved = std::fs::read_to_string(dir.path().join("plan.json")).unwrap();
    assert!(saved.contains("\"format\": \"batchform-plan/2\""));

    emulator
        .batchform(dir.path())
        .args(["apply", "plan.json"])
        .assert()
        .success();
    converged(&emulator, dir.path());
    // The same plan again: the pool it would create now exists.
    emulator
        .batchform(dir.path())
        .args(["apply", "plan.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the saved plan is not what applying it would do now",
        ));
}

#[test]
fn two_plans_from_the_same_state_cannot_both_apply() {
    let emulator = Emulator::start("10ms", &[]);
    let first = spec_dir(&[(
        "pools.toml",
        &format!("{ACCOUNT}{}", pool("p", "[pools.p.scale]\ndedicated = 1\n")),
    )]);
    apply(&emulator, first.path()).success();
    // Two reviewers each plan a different change against the same pool.
    let a = spec_dir(&[(
        "pools.toml",
        &format!(
            "{ACCOUNT}{}",
            pool(
                "p",
                "[pools.p.scale]\ndedicated = 1\n[pools.p.metadata]\nowner = \"a\"\n"
            )
        ),
    )]);
    let b = spec_dir(&[(
        "pools.toml",
        &format!(
            "{ACCOUNT}{}",
            pool(
                "p",
                "[pools.p.scale]\ndedicated = 1\n[pools.p.metadata]\nowner = \"b\"\n"
            )
        ),
    )]);
    for dir in [&a, &b] {
        emulator
            .batchform(dir.path())
            .args(["plan", "--out", "plan.json", "pools.toml"])
            .assert()
            .success();
    }
    emulator
        .batchform(a.path())
        .args(["apply", "plan.json"])
        .assert()
        .success();
    // The second would overwrite the first without having seen it: refused, nothing written.
    emulator
        .batchform(b.path())
        .args(["apply", "plan.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "pool p changed since the plan was made",
        ));
    converged(&emulator, a.path());
}

#[test]
fn pruning_deletes_only_owned_pools() {
    let emulator = Emulator::start("10ms", &[]);
    let both = format!(
        "{ACCOUNT}{}{}",
        pool("kept", "[pools.kept.scale]\ndedicated = 1\n"),
        pool("dropped", "[pools.dropped.scale]\ndedicated = 1\n")
    );
    let dir = spec_dir(&[("pools.toml", &both)]);
    apply(&emulator, dir.path()).success();
    let other = "[account]\nowner = \"other\"\n".to_string()
        + &pool("theirs", "[pools.theirs.scale]\ndedicated = 1\n");
    let other_dir = spec_dir(&[("pools.toml", &other)]);
    apply(&emulator, other_dir.path()).success();

    let pruning = format!(
        "[account]\nowner = \"team\"\nprune = true\n{}",
        pool("kept", "[pools.kept.scale]\ndedicated = 1\n")
    );
    let dir = spec_dir(&[("pools.toml", &pruning)]);
    apply(&emulator, dir.path())
        .success()
        .stdout(predicate::str::contains("pool dropped: deleted"));
    converged(&emulator, dir.path());
    let client = emulator.client();
    let ids: Vec<serde_json::Value> = crate::common::runtime()
        .block_on(client.list_pools(Some("id")))
        .unwrap();
    let mut ids: Vec<&str> = ids.iter().map(|p| p["id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, ["kept", "theirs"]);
}

#[test]
fn a_protected_pool_survives_a_spec_that_would_recreate_it() {
    let emulator = Emulator::start("10ms", &[]);
    let protected = format!(
        "{ACCOUNT}{}",
        pool("p", "protect = true\n[pools.p.scale]\ndedicated = 1\n")
    );
    let dir = spec_dir(&[("pools.toml", &protected)]);
    apply(&emulator, dir.path()).success();
    // Protection lifted and a recreate asked for in the same breath: the recorded protection holds.
    let recreate = format!(
        "{ACCOUNT}{}",
        pool(
            "p",
            "on_nonempty_update = \"recreate\"\n[pools.p.scale]\ndedicated = 1\n"
        )
        .replace("standard_d2s_v3", "standard_d4s_v3")
    );
    let dir = spec_dir(&[("pools.toml", &recreate)]);
    apply(&emulator, dir.path())
        .code(1)
        .stderr(predicate::str::contains("protected"));
    let client = emulator.client();
    let (live, _): (serde_json::Value, _) = crate::common::runtime()
        .block_on(client.get_pool("p", None))
        .unwrap()
        .unwrap();
    assert_eq!(live["vmSize"], "standard_d2s_v3");
}

#[test]
fn a_resize_the_service_could_not_complete_fails_the_apply_with_its_reason() {
    // Four cores of quota: two standard_d2s_v3 nodes, not three.
    let emulator = Emulator::start("10ms", &["--core-quota", "4"]);
    let dir = spec_dir(&[(
        "pools.toml",
        &format!("{ACCOUNT}{}", pool("p", "[pools.p.scale]\ndedicated = 3\n")),
    )]);
    apply(&emulator, dir.path())
        .code(1)
        .stderr(predicate::str::contains(
            "pool p: the resize ended with 2 of 3 nodes",
        ))
        .stderr(predicate::str::contains("AccountCoreQuotaReached"));
}

#[test]
fn nodes_whose_start_task_failed_fail_the_apply() {
    let emulator = Emulator::start("10ms", &[]);
    let spec = |nodes: u32| {
        format!(
            "{ACCOUNT}{}",
            pool(
                "p",
                &format!(
                    "[pools.p.scale]\ndedicated = {nodes}\n[pools.p.start_task]\ncommand_line = \"/bin/false\"\nwait_for_success = true\n"
                )
            )
        )
    };
    let empty = spec_dir(&[("pools.toml", &spec(0))]);
    apply(&emulator, empty.path()).success();
    emulator.inspect(
        reqwest::Method::PUT,
        "pools/p/starttaskfailure",
        Some(serde_json::json!({"enabled": true})),
    );
    let grown = spec_dir(&[("pools.toml", &spec(2))]);
    apply(&emulator, grown.path())
        .code(1)
        .stderr(predicate::str::contains(
            "pool p: nodes did not come up usable (2 starttaskfailed)",
        ));
}

#[test]
fn a_running_resize_is_waited_for_or_stopped_when_asked() {
    // Phases long enough that the resize started below is still running when batchform plans.
    let emulator = Emulator::start("2s", &[]);
    let spec = |n: u32| {
        format!(
            "{ACCOUNT}{}",
            pool("p", &format!("[pools.p.scale]\ndedicated = {n}\n"))
        )
    };
    let dir = spec_dir(&[("pools.toml", &spec(1))]);
    apply(&emulator, dir.path()).success();
    // Someone else grows the pool; the spec says 2.
    crate::common::runtime()
        .block_on(emulator.client().resize_pool(
            "p",
            &serde_json::json!({"targetDedicatedNodes": 6}),
            None,
        ))
        .unwrap();
    std::fs::write(dir.path().join("pools.toml"), spec(2)).unwrap();
    emulator
        .batchform(dir.path())
        .args(["plan", "pools.toml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "steps: wait for the running resize → resize to 2",
        ));
    emulator
        .batchform(dir.path())
        .args(["plan", "--stop-pending-resize", "pools.toml"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "steps: stop the running resize → resize to 2",
        ));

    emulator.inspect(reqwest::Method::DELETE, "stats", None);
    emulator
        .batchform(dir.path())
        .args([
            "apply",
            "--auto-approve",
            "--stop-pending-resize",
            "pools.toml",
        ])
        .assert()
        .success();
    let stats = emulator.inspect(reqwest::Method::GET, "stats", None);
    assert_eq!(stats["byOperation"]["Pools_StopPoolResize"], 1, "{stats}");
    converged(&emulator, dir.path());
    let (live, _): (serde_json::Value, _) = crate::common::runtime()
        .block_on(emulator.client().get_pool("p", None))
        .unwrap()
        .unwrap();
    assert_eq!(live["currentDedicatedNodes"], 2, "{live}");
    assert!(live.get("resizeErrors").is_none(), "{live}");
}
