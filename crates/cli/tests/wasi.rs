//! `wasmux run` with WASI guests end to end, on every engine: argv, environment, stdio, exit
//! statuses, mounts, policy files, audit files and policy errors.

mod common;
use common::{engines, text, wasmux_in};
#[path = "../../wasi/tests/common/guests.rs"]
mod guests;

use guests::guest_path;
use std::fs;
use std::path::Path;

/// The audit's JSON lines, each parsed (a line that is not JSON fails the test, naming it).
fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn guest(name: &str) -> String {
    guest_path(name).display().to_string()
}

#[test]
fn a_command_gets_argv_env_and_stdin_on_every_engine() {
    let hello = guest("hello");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("in.txt"), "typed\n").unwrap();
    for engine in engines() {
        let out = wasmux_in(
            dir.path(),
            &[
                "run",
                "--engine",
                &engine,
                "--env",
                "MODE=test",
                "--env",
                "WASMUX_TEST_HOST_VAR",
                "--env",
                "WASMUX_TEST_UNSET_VAR",
                "--stdin",
                "in.txt",
                "--stderr",
                "null",
                &hello,
                "one",
                "--two",
            ],
        );
        assert!(out.status.success(), "{engine}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            "args: [\"hello.wasm\", \"one\", \"--two\"]\n\
             env: [(\"MODE\", \"test\"), (\"WASMUX_TEST_HOST_VAR\", \"from host\")]\n\
             stdin: 6 bytes: \"typed\\n\"\n",
            "{engine}"
        );
        assert_eq!(text(&out.stderr), "", "{engine}");
    }
}

#[test]
fn env_inherit_and_stdout_to_a_file() {
    let hello = guest("hello");
    let dir = tempfile::tempdir().unwrap();
    let out = wasmux_in(
        dir.path(),
        &[
            "run",
            "--env-inherit",
            "WASMUX_TEST_HOST_VAR",
            "--stdin",
            "null",
            "--stdout",
            "out.txt",
            &hello,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "to stderr\n");
    let written = fs::read_to_string(dir.path().join("out.txt")).unwrap();
    assert!(
        written.contains("(\"WASMUX_TEST_HOST_VAR\", \"from host\")"),
        "{written}"
    );
}

#[test]
fn proc_exit_sets_the_exit_status_on_every_engine() {
    let exit = guest("exit");
    // (status given to proc_exit, status of wasmux): WASI reserves 126 and up.
    let cases = [
        ("0", 0),
        ("1", 1),
        ("7", 7),
        ("125", 125),
        ("126", 134),
        ("255", 134),
        ("256", 134),
        ("-1", 134),
        ("2147483647", 134),
    ];
    for engine in engines() {
        for (code, want) in cases {
            let out = wasmux_in(
                Path::new("."),
                &["run", "--engine", &engine, &exit, "exit", code],
            );
            assert_eq!(out.status.code(), Some(want), "{engine} exit {code}");
            assert_eq!(text(&out.stdout), "before exit\n", "{engine} exit {code}");
            if want == 134 {
                assert!(text(&out.stderr).contains("proc_exit"), "{engine} {code}");
            }
        }
        let out = wasmux_in(
            Path::new("."),
            &["run", "--engine", &engine, &exit, "return-err"],
        );
        assert_eq!(out.status.code(), Some(1), "{engine}");
    }
}

#[test]
fn a_read_only_dir_refuses_writes_and_the_audit_file_says_so() {
    let touch = guest("touch");
    for engine in engines() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("ro")).unwrap();
        fs::create_dir_all(dir.path().join("rw")).unwrap();
        let out = wasmux_in(
            dir.path(),
            &[
                "run",
                "--engine",
                &engine,
                "--dir",
                "ro::/ro:ro",
                "--dir",
                "rw::/rw",
                "--audit",
                "audit.jsonl",
                &touch,
                "/ro/a.txt",
                "/rw/b.txt",
                "/elsewhere.txt",
            ],
        );
        assert!(out.status.success(), "{engine}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            "/ro/a.txt: errno 69\n/rw/b.txt: ok\n/elsewhere.txt: errno 44\n",
            "{engine}"
        );
        assert!(!dir.path().join("ro/a.txt").exists(), "{engine}");
        assert_eq!(
            fs::read_to_string(dir.path().join("rw/b.txt")).unwrap(),
            "x"
        );
        // Level "denied" by default: one line, the refused open, as JSON.
        let audit = fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
        let events = json_lines(&audit);
        assert_eq!(events.len(), 1, "{engine}: {audit}");
        assert_eq!(events[0]["func"], "path_open", "{engine}");
        assert_eq!(events[0]["allowed"], false, "{engine}");
        assert_eq!(events[0]["errno"], 69, "{engine}");
        assert_eq!(events[0]["rule"], "fs /ro: mounted ro", "{engine}");
        assert!(
            events[0]["args"].as_str().unwrap().contains("a.txt"),
            "{engine}: {audit}"
        );
    }
}

#[test]
fn audit_level_all_records_every_call() {
    let touch = guest("touch");
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("rw")).unwrap();
    let out = wasmux_in(
        dir.path(),
        &[
            "run",
            "--dir",
            "rw::/rw",
            "--audit",
            "audit.jsonl",
            "--audit-level",
            "all",
            &touch,
            "/rw/b.txt",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let audit = fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let funcs: Vec<String> = json_lines(&audit)
        .iter()
        .map(|v| {
            assert_eq!(v["allowed"], true, "{v}");
            v["func"].as_str().unwrap().to_string()
        })
        .collect();
    for f in ["args_get", "path_open", "fd_write", "fd_close"] {
        assert!(funcs.iter().any(|g| g == f), "{f} missing in {funcs:?}");
    }
}

#[test]
fn audit_dash_writes_the_json_lines_to_stderr() {
    let touch = guest("touch");
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("ro")).unwrap();
    let out = wasmux_in(
        dir.path(),
        &[
            "run",
            "--dir",
            "ro::/ro:ro",
            "--audit",
            "-",
            &touch,
            "/ro/a.txt",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "/ro/a.txt: errno 69\n");
    let stderr = text(&out.stderr);
    let events = json_lines(&stderr);
    assert_eq!(events.len(), 1, "{stderr}");
    assert_eq!(events[0]["func"], "path_open", "{stderr}");
    assert_eq!(events[0]["fd"], 3, "{stderr}");
    assert!(events[0]["instance"].as_u64().is_some(), "{stderr}");
    assert!(
        !dir.path().join("-").exists(),
        "\"-\" is not a file name here"
    );
}

#[test]
fn a_policy_file_grants_and_flags_add_and_override() {
    let touch = guest("touch");
    let hello = guest("hello");
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("out")).unwrap();
    fs::write(
        dir.path().join("policy.toml"),
        "[fs]\n\"/out\" = { host = \"out\", mode = \"ro\" }\n\
         [env]\nset = { MODE = \"file\", KEEP = \"yes\" }\n\
         [limits]\nfuel = 1000\n",
    )
    .unwrap();
    for engine in engines() {
        // The file's fuel limit applies: far too little for a Rust program.
        let out = wasmux_in(
            dir.path(),
            &[
                "run",
                "--engine",
                &engine,
                "--policy",
                "policy.toml",
                &hello,
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(134),
            "{engine}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("out of fuel"), "{engine}");

        // A flag overrides the limit, the environment and the mount's mode.
        let out = wasmux_in(
            dir.path(),
            &[
                "run",
                "--engine",
                &engine,
                "--policy",
                "policy.toml",
                "--fuel",
                "100000000",
                "--env",
                "MODE=flag",
                "--stdin",
                "null",
                &hello,
            ],
        );
        assert!(out.status.success(), "{engine}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("env: [(\"KEEP\", \"yes\"), (\"MODE\", \"flag\")]"),
            "{engine}: {}",
            text(&out.stdout)
        );
        let out = wasmux_in(
            dir.path(),
            &[
                "run",
                "--engine",
                &engine,
                "--policy",
                "policy.toml",
                "--fuel",
                "100000000",
                &touch,
                "/out/f.txt",
            ],
        );
        assert_eq!(text(&out.stdout), "/out/f.txt: errno 69\n", "{engine}");
        let out = wasmux_in(
            dir.path(),
            &[
                "run",
                "--engine",
                &engine,
                "--policy",
                "policy.toml",
                "--fuel",
                "100000000",
                "--dir",
                "out::/out",
                &touch,
                "/out/f.txt",
            ],
        );
        assert_eq!(text(&out.stdout), "/out/f.txt: ok\n", "{engine}");
        fs::remove_file(dir.path().join("out/f.txt")).unwrap();
    }
}

#[test]
fn a_bad_policy_is_refused_before_the_guest_starts() {
    let hello = guest("hello");
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("data")).unwrap();
    let cases = [
        (
            "[fs]\n\"/data\" = { host = \"data\" }\n[env]\ninherit = [\"LANG\"]\nbogus = 1\n",
            "policy.toml:5:",
            "bogus",
        ),
        (
            "[clock]\nallow = false\n[fs]\n\"/data\" = { host = \"missing\" }\n",
            "policy.toml:4:",
            "does not exist",
        ),
        (
            "[fs]\n\"/data\" = { host = \"data\", mode = \"rwx\" }\n",
            "policy.toml:2:",
            "rwx",
        ),
        (
            "[net]\nlisten = [\"nowhere\"]\n",
            "policy.toml:2:",
            "address",
        ),
    ];
    for (policy, place, reason) in cases {
        fs::write(dir.path().join("policy.toml"), policy).unwrap();
        let out = wasmux_in(dir.path(), &["run", "--policy", "policy.toml", &hello]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{policy}: {err}");
        assert!(
            err.contains(place) && err.contains(reason),
            "{policy}: {err}"
        );
        assert_eq!(text(&out.stdout), "", "the guest ran with {policy}");
    }
    for (args, reason) in [
        (vec!["--dir", "missing::/m"], "does not exist"),
        (vec!["--dir", "data::relative"], "must be absolute"),
        (vec!["--listen", "nowhere"], "ip:port"),
        (vec!["--policy", "none.toml"], "none.toml"),
        (vec!["--stdin", "none.txt"], "none.txt"),
    ] {
        let mut all = vec!["run"];
        all.extend(args.iter().copied());
        all.push(&hello);
        let out = wasmux_in(dir.path(), &all);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(reason), "{args:?}: {err}");
        assert_eq!(text(&out.stdout), "", "the guest ran with {args:?}");
    }
}

/// Creates `/big` and writes 2,000 bytes to it; exits with the errno of the write.
const BIG_WRITER: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "big")
  (data (i32.const 200) "\00\10\00\00\d0\07\00\00")
  (func (export "_start")
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 3) (i32.const 1)
      (i64.const -1) (i64.const 0) (i32.const 0) (i32.const 100)))
    (call $exit (call $write (i32.load (i32.const 100)) (i32.const 200) (i32.const 1) (i32.const 104)))))"#;

/// `--max-disk` and `[limits] disk`: past the quota a write is ENOSPC (51), and the audit
/// says which limit refused it; the flag overrides the file.
#[test]
fn the_disk_quota_comes_from_the_flag_or_the_policy_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("big.wat"), BIG_WRITER).unwrap();
    fs::create_dir(dir.path().join("out")).unwrap();
    fs::write(dir.path().join("p.toml"), "[limits]\ndisk = \"1KiB\"\n").unwrap();
    for engine in engines() {
        let run = |extra: &[&str]| {
            let _ = fs::remove_file(dir.path().join("out/big"));
            let mut args = vec!["run", "--engine", &engine, "--dir", "out::/"];
            args.extend_from_slice(extra);
            args.push("big.wat");
            wasmux_in(dir.path(), &args)
        };
        let out = run(&["--max-disk", "1KiB", "--audit", "-"]);
        assert_eq!(
            out.status.code(),
            Some(51),
            "{engine}: {}",
            text(&out.stderr)
        );
        let events = json_lines(&text(&out.stderr));
        assert_eq!(events.len(), 1, "{engine}: {events:?}");
        assert_eq!(events[0]["func"], "fd_write", "{engine}");
        assert_eq!(events[0]["rule"], "limits disk: 1024 bytes", "{engine}");
        assert_eq!(fs::metadata(dir.path().join("out/big")).unwrap().len(), 0);

        assert_eq!(
            run(&["--policy", "p.toml"]).status.code(),
            Some(51),
            "{engine}"
        );
        let over = run(&["--policy", "p.toml", "--max-disk", "2KiB"]);
        assert_eq!(
            over.status.code(),
            Some(0),
            "{engine}: {}",
            text(&over.stderr)
        );
        assert_eq!(
            fs::metadata(dir.path().join("out/big")).unwrap().len(),
            2000
        );
        assert_eq!(run(&[]).status.code(), Some(0), "{engine}");
    }
    let bad = wasmux_in(dir.path(), &["run", "--max-disk", "lots", "big.wat"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    assert!(
        text(&bad.stderr).contains("--max-disk"),
        "{}",
        text(&bad.stderr)
    );
}
