//! Policy files: parsing, refusal with line numbers, narrowing, and running a guest under one.

mod common;
use common::*;
use std::fs;
use std::path::Path;
use std::time::Duration;
use wasmux::wasi::{Mode, Policy, PolicyError};

fn parse(text: &str, base: &Path) -> Result<Policy, PolicyError> {
    Policy::parse(text, "policy.toml", base)
}

fn setup() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("data/sub")).unwrap();
    fs::create_dir_all(root.path().join("scratch")).unwrap();
    root
}

const FULL: &str = r#"
[fs]
"/data" = { host = "./data", mode = "ro" }
"/tmp"  = { host = "./scratch", mode = "rw" }
[env]
inherit = ["LANG"]
set = { MODE = "test" }
[net]
listen = ["127.0.0.1:0"]
[clock]
allow = true
[random]
allow = false
[limits]
memory = "64MiB"
fuel = 1_000_000_000
timeout = "5s"
[audit]
file = "audit.jsonl"
level = "denied"
"#;

#[test]
fn the_design_example_parses() {
    let root = setup();
    let p = parse(FULL, root.path()).unwrap();
    assert_eq!(p.fs["/data"].mode, Mode::Ro);
    assert_eq!(p.fs["/tmp"].mode, Mode::Rw);
    assert_eq!(p.fs["/tmp"].host.get_ref(), &root.path().join("./scratch"));
    assert_eq!(p.env.set["MODE"], "test");
    assert!(p.clock.allowed() && !p.random.allowed());
    assert_eq!(p.limits.memory, Some(64 << 20));
    assert_eq!(p.limits.fuel, Some(1_000_000_000));
    assert_eq!(p.limits.timeout, Some(Duration::from_secs(5)));
}

#[test]
fn an_empty_policy_grants_nothing_but_clocks_and_random() {
    let p = parse("", Path::new(".")).unwrap();
    assert!(p.fs.is_empty() && p.env.inherit.is_empty() && p.env.set.is_empty());
    assert!(p.net.listen.is_empty());
    assert!(p.clock.allowed() && p.random.allowed());
}

fn refused(text: &str, base: &Path) -> (usize, String) {
    match parse(text, base) {
        Err(PolicyError::Invalid { line, message, .. }) => (line, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn bad_policies_are_refused_with_line_and_reason() {
    let root = setup();
    let base = root.path();
    let (line, msg) = refused(
        "[fs]\n\"/d\" = { host = \"data\" }\n[clokc]\nallow = true\n",
        base,
    );
    assert_eq!(line, 3, "{msg}");
    assert!(msg.contains("clokc"), "{msg}");
    let (line, msg) = refused("[env]\ninherit = []\nsett = {}\n", base);
    assert_eq!(line, 3, "{msg}");
    let (line, msg) = refused("[fs]\n\"/d\" = { host = \"data\", mode = \"rwx\" }\n", base);
    assert_eq!(line, 2, "{msg}");
    assert!(msg.contains("rwx") || msg.contains("variant"), "{msg}");
    let (line, msg) = refused(
        "\n\n[fs]\n\"/d\" = { host = \"nope\", mode = \"ro\" }\n",
        base,
    );
    assert_eq!(line, 4, "{msg}");
    assert!(msg.contains("does not exist"), "{msg}");
    let (line, msg) = refused("[net]\nlisten = [\"not an address\"]\n", base);
    assert_eq!(line, 2, "{msg}");
    let (line, msg) = refused("[limits]\nmemory = \"lots\"\n", base);
    assert_eq!(line, 2, "{msg}");
    let (line, _) = refused("[fs]\n\"rel\" = { host = \"data\" }\n", base);
    assert_eq!(line, 2);
}

#[test]
fn a_child_never_widens_its_parent() {
    let root = setup();
    let base = root.path();
    let parent = parse(
        "[fs]\n\"/data\" = { host = \"data\", mode = \"ro\" }\n\"/tmp\" = { host = \"scratch\", mode = \"rw\" }\n\
         [env]\ninherit = [\"LANG\"]\nset = { MODE = \"x\" }\n[random]\nallow = false\n\
         [limits]\nfuel = 1000\ntimeout = \"5s\"\ndisk = \"1MiB\"\n",
        base,
    )
    .unwrap();
    let widening = [
        "[limits]\ndisk = \"2MiB\"\n",
        "[fs]\n\"/d\" = { host = \"data\", mode = \"rw\" }\n",
        "[fs]\n\"/d\" = { host = \".\", mode = \"ro\" }\n",
        "[env]\ninherit = [\"HOME\"]\n",
        "[env]\nset = { OTHER = \"1\" }\n",
        "[net]\nlisten = [\"127.0.0.1:9\"]\n",
        "[random]\nallow = true\n",
        "[limits]\nfuel = 1001\n",
        "[limits]\ntimeout = \"6s\"\n",
    ];
    for text in widening {
        let child = parse(text, base).unwrap();
        match parent.narrow(&child) {
            Err(PolicyError::Widens(_)) => {}
            other => panic!("{text}: {other:?}"),
        }
    }
    let child = parse(
        "[fs]\n\"/in\" = { host = \"data/sub\", mode = \"ro\" }\n\"/t\" = { host = \"scratch\", mode = \"ro\" }\n\
         [env]\ninherit = [\"LANG\"]\nset = { MODE = \"y\" }\n[clock]\nallow = false\n[limits]\nfuel = 10\n",
        base,
    )
    .unwrap();
    let narrowed = parent.narrow(&child).unwrap();
    assert_eq!(narrowed.fs.len(), 2);
    assert!(!narrowed.clock.allowed(), "the child denied it");
    assert!(!narrowed.random.allowed(), "the parent denied it");
    assert_eq!(narrowed.limits.fuel, Some(10));
    assert_eq!(
        narrowed.limits.timeout,
        Some(Duration::from_secs(5)),
        "inherited"
    );
    // Narrowing the result again by itself changes nothing.
    let again = narrowed.narrow(&narrowed).unwrap();
    assert_eq!(again.limits, narrowed.limits);
}

/// Overlapping parent mounts: the most specific one decides what a child may ask for, as bind
/// mounts decide on Linux; a writable child mount may not cover a read-only part either.
#[test]
fn the_most_specific_parent_mount_decides_what_a_child_may_write() {
    let root = setup();
    let base = root.path();
    fs::create_dir_all(base.join("data/secrets/deeper")).unwrap();
    let parent = parse(
        "[fs]\n\"/\" = { host = \"data\", mode = \"rw\" }\n\
         \"/secrets\" = { host = \"data/secrets\", mode = \"ro\" }\n",
        base,
    )
    .unwrap();
    for (text, allowed) in [
        ("\"/s\" = { host = \"data/secrets\", mode = \"rw\" }", false),
        (
            "\"/s\" = { host = \"data/secrets/deeper\", mode = \"rw\" }",
            false,
        ),
        ("\"/\" = { host = \"data\", mode = \"rw\" }", false),
        ("\"/s\" = { host = \"data/secrets\", mode = \"ro\" }", true),
        ("\"/\" = { host = \"data\", mode = \"ro\" }", true),
        ("\"/sub\" = { host = \"data/sub\", mode = \"rw\" }", true),
    ] {
        let child = parse(&format!("[fs]\n{text}\n"), base).unwrap();
        match (parent.narrow(&child), allowed) {
            (Ok(_), true) | (Err(PolicyError::Widens(_)), false) => {}
            (other, _) => panic!("{text}: {other:?}"),
        }
    }
    // The other way round: a writable part inside a read-only parent mount may be written.
    let parent = parse(
        "[fs]\n\"/\" = { host = \"data\", mode = \"ro\" }\n\
         \"/secrets\" = { host = \"data/secrets\", mode = \"rw\" }\n",
        base,
    )
    .unwrap();
    let child = parse(
        "[fs]\n\"/w\" = { host = \"data/secrets/deeper\", mode = \"rw\" }\n",
        base,
    )
    .unwrap();
    assert!(parent.narrow(&child).is_ok());
}

#[test]
fn a_guest_gets_exactly_what_its_policy_grants_on_every_engine() {
    let root = setup();
    fs::write(root.path().join("data/input.txt"), "read me").unwrap();
    let policy = parse(
        "[fs]\n\"/data\" = { host = \"data\", mode = \"ro\" }\n[env]\nset = { MODE = \"test\" }\n",
        root.path(),
    )
    .unwrap();
    // The policy's context replaces the runner's default one; args are the embedder's.
    let out = run_everywhere("hello", |_| policy.wasi_ctx().unwrap().arg("hello"));
    assert_eq!(
        out.stdout,
        "args: [\"hello\"]\nenv: [(\"MODE\", \"test\")]\nstdin: 0 bytes: \"\"\n"
    );
    assert_eq!(out.status, Ok(0), "{out:?}");
}
