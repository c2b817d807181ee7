//! `batchform completions`: a script for each shell, from the same definitions as `--help`.

use assert_cmd::Command;

fn script(shell: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args(["completions", shell])
        .output()
        .unwrap();
    assert!(out.status.success(), "{shell}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_shell_gets_a_script_that_knows_every_command_and_flag() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let text = script(shell);
        for word in [
            "plan",
            "apply",
            "logins",
            "validate",
            "emulator",
            "detailed-exitcode",
            "auto-approve",
        ] {
            assert!(text.contains(word), "{shell}: no {word}");
        }
    }
    // The bash script is valid bash.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batchform.bash");
    std::fs::write(&path, script("bash")).unwrap();
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .unwrap();
    assert!(checked.success());
}

#[test]
fn an_unknown_shell_is_an_error_naming_the_choices() {
    Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("possible values: bash"));
}
