//! `wasmux engines` describes the machine it runs on, and `--engine auto` falls back to an
//! interpreter where native code is not allowed.

use super::common::{text, wasmux_command};
use std::path::Path;
use std::process::{Command, Output};

fn wasmux_env(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = wasmux_command(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")),
        args,
    );
    cmd.envs(env.iter().copied());
    cmd.output().expect("wasmux runs")
}

fn engines_json(env: &[(&str, &str)]) -> serde_json::Value {
    let out = wasmux_env(env, &["engines", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The host triple rustc reports (`rustc -vV`, line `host:`).
fn rustc_host() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().expect("rustc runs");
    text(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("a host line")
        .to_string()
}

#[test]
fn engines_names_the_triple_and_cpu_features_of_this_machine() {
    let json = engines_json(&[]);
    let triple = json["triple"].as_str().unwrap();
    let host = rustc_host();
    // Under emulation (an aarch64 build run by qemu on x86_64), rustc's host is the emulator's.
    if host.starts_with(std::env::consts::ARCH) {
        assert_eq!(triple, host);
    } else {
        assert!(triple.starts_with(std::env::consts::ARCH), "{triple}");
    }
    assert!(triple.contains(std::env::consts::OS), "{triple}");

    let features: Vec<(String, bool)> = json["cpu_features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["present"].as_bool().unwrap(),
            )
        })
        .collect();
    let present = |name: &str| {
        features
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} not listed: {features:?}"))
            .1
    };
    #[cfg(target_arch = "x86_64")]
    {
        assert_eq!(
            present("sse4.1"),
            std::arch::is_x86_feature_detected!("sse4.1")
        );
        assert_eq!(present("avx2"), std::arch::is_x86_feature_detected!("avx2"));
    }
    #[cfg(target_arch = "aarch64")]
    assert_eq!(
        present("neon"),
        std::arch::is_aarch64_feature_detected!("neon")
    );
    let _ = present;

    assert_eq!(json["jit"]["allowed"], true, "{}", json["jit"]);
    for engine in json["engines"].as_array().unwrap() {
        // Every engine this test suite runs on is expected to run here.
        assert_eq!(engine["available"], true, "{engine}");
    }

    let out = wasmux_env(&[], &["engines"]);
    let printed = text(&out.stdout);
    assert!(
        printed.contains(&format!("platform: {triple} (")),
        "{printed}"
    );
    assert!(printed.contains("cpu features: "), "{printed}");
    assert!(
        printed.contains("native code (JIT, AOT files): allowed"),
        "{printed}"
    );
}

#[test]
fn where_native_code_is_not_allowed_auto_runs_an_interpreter_and_jits_are_refused() {
    let off = [("WASMUX_JIT", "off")];
    let json = engines_json(&off);
    assert_eq!(json["jit"]["allowed"], false);
    for engine in json["engines"].as_array().unwrap() {
        let name = engine["name"].as_str().unwrap();
        let interpreter = ["wasmtime:pulley", "wasm3", "wasmi"].contains(&name);
        assert_eq!(engine["available"], interpreter, "{engine}");
        if !interpreter {
            let why = engine["unavailable_because"].as_str().unwrap();
            assert!(why.contains("WASMUX_JIT=off"), "{why}");
        }
    }

    let fib = ["examples/fib.wat", "--invoke", "fib", "20"];
    let auto = wasmux_env(
        &off,
        &[&["run", "--engine", "auto", "--stats"][..], &fib].concat(),
    );
    assert_eq!(text(&auto.stdout), "6765\n", "{}", text(&auto.stderr));
    let stats: serde_json::Value = text(&auto.stderr)
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap();
    assert_eq!(stats["engine"], "wasmi");
    assert!(
        stats["engine_choice"]
            .as_str()
            .unwrap()
            .contains("not allowed"),
        "{stats}"
    );

    let jit = wasmux_env(&off, &[&["run", "--engine", "wasmtime"][..], &fib].concat());
    assert_eq!(jit.status.code(), Some(1));
    assert!(
        text(&jit.stderr).contains(
            "wasmtime cannot run on this machine: it runs native code it generates at run time, \
             which is not allowed here: WASMUX_JIT=off forbids it"
        ),
        "{}",
        text(&jit.stderr)
    );
    // Without --engine, the platform's default: the interpreter, not a refusal.
    let default = wasmux_env(&off, &[&["run", "--stats"][..], &fib].concat());
    assert_eq!(text(&default.stdout), "6765\n", "{}", text(&default.stderr));
    assert!(
        text(&default.stderr).contains(r#""engine":"wasmi""#),
        "{}",
        text(&default.stderr)
    );
    let help = wasmux_env(&off, &["run", "--help"]);
    assert!(
        text(&help.stdout).contains("[default: wasmi]"),
        "{}",
        text(&help.stdout)
    );

    let pulley = wasmux_env(
        &off,
        &[&["run", "--engine", "wasmtime:pulley"][..], &fib].concat(),
    );
    assert_eq!(text(&pulley.stdout), "6765\n", "{}", text(&pulley.stderr));

    // wasmi lacks exceptions: auto then falls back to the interpreter that has them.
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("throws.wat");
    std::fs::write(
        &module,
        r#"(module (tag $e (param i32))
             (func (export "run") (result i32)
               (block $h (result i32) (try_table (catch $e $h) (throw $e (i32.const 7)))
                 (i32.const 0))))"#,
    )
    .unwrap();
    let run = [
        "run",
        "--engine",
        "auto",
        "--stats",
        module.to_str().unwrap(),
        "--invoke",
        "run",
    ];
    let out = wasmux_env(&off, &run);
    assert_eq!(text(&out.stdout), "7\n", "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("\"engine\":\"wasmtime:pulley\""),
        "{}",
        text(&out.stderr)
    );
}
