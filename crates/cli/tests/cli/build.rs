//! `wasmux build` on small crates written into a temporary directory: a program built,
//! shrunk and run, and the errors a user meets first. The builds share one cargo target
//! directory inside the temporary directory, and only one crate is compiled to wasm.

use super::common::{text, wasmux_command};
use std::path::Path;
use std::process::Output;

/// Writes a crate named `name` with `main` as src/main.rs; `[workspace]` keeps it out of any
/// workspace above the temporary directory.
fn write_crate(dir: &Path, name: &str, main: &str, extra: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             {extra}\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
}

/// `wasmux build ARGS` with cargo's target directory in `root`; the variables cargo test sets
/// for the outer build are for this workspace, not for the crate built.
fn build(root: &Path, dir: &Path, args: &[&str]) -> Output {
    let mut cmd = wasmux_command(dir, ["build"].iter().chain(args));
    cmd.env("CARGO_TARGET_DIR", root.join("cargo-target"));
    for var in [
        "CARGO_BUILD_TARGET",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    cmd.output().expect("wasmux runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn failed(out: &Output) -> String {
    assert!(!out.status.success(), "succeeded:\n{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn a_rust_program_is_built_shrunk_and_runs() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("greet");
    write_crate(
        &dir,
        "greet",
        r#"fn main() {
    let who = std::env::args().nth(1).unwrap_or_else(|| "nobody".into());
    println!("hello, {who}");
}"#,
        "",
    );
    let out = ok(&build(root.path(), &dir, &["--json"]));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let steps = report["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["cargo build", "strip", "drop-unreachable", "wasm-opt"],
        "{out}"
    );
    // Each step starts from where the one before ended, and the module only shrinks.
    for pair in steps.windows(2) {
        assert_eq!(pair[1]["before"], pair[0]["after"], "{out}");
        assert!(
            pair[1]["after"].as_u64() <= pair[0]["after"].as_u64(),
            "{out}"
        );
    }
    // Re-encoding alone writes the linker's padded indices minimal.
    assert!(steps[2]["applied"] == true, "{out}");
    assert!(
        steps[2]["after"].as_u64() < steps[2]["before"].as_u64(),
        "{out}"
    );
    let output = dir.join("target/wasmux/greet.wasm");
    // PATH defaults to `.`, and the output is relative to it.
    assert_eq!(
        dir.join(report["output"].as_str().unwrap())
            .canonicalize()
            .unwrap(),
        output.canonicalize().unwrap()
    );
    let cargo_size = std::fs::metadata(report["cargo_output"].as_str().unwrap())
        .unwrap()
        .len();
    let size = std::fs::metadata(&output).unwrap().len();
    assert!(size <= cargo_size, "{size} > {cargo_size}");
    assert_eq!(size, steps[3]["after"].as_u64().unwrap());

    let run = wasmux_command(&dir, ["run", output.to_str().unwrap(), "world"])
        .output()
        .unwrap();
    assert_eq!(ok(&run), "hello, world\n");

    // Again as a table, stripped, to a file of our choosing (cargo has nothing to redo).
    let small = root.path().join("small.wasm");
    let out = ok(&build(
        root.path(),
        &dir,
        &[
            "--strip-custom",
            "--strip-names",
            "-o",
            small.to_str().unwrap(),
        ],
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("STEP") && lines[0].contains("BEFORE"),
        "{out}"
    );
    for step in ["cargo build", "strip", "drop-unreachable", "wasm-opt"] {
        assert!(
            lines.iter().any(|l| l.starts_with(step)),
            "{step} missing:\n{out}"
        );
    }
    assert!(out.contains("removed name, producers"), "{out}");
    assert!(lines.last().unwrap().contains("from cargo's"), "{out}");
    assert!(std::fs::metadata(&small).unwrap().len() < size);
    let run = wasmux_command(&dir, ["run", "--engine", "wasmi", small.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(ok(&run), "hello, nobody\n");

    // A compile error: cargo's own message, and a failure.
    let broken = root.path().join("broken");
    write_crate(
        &broken,
        "broken",
        "fn main() { let x: u32 = \"text\"; }",
        "",
    );
    let err = failed(&build(root.path(), &broken, &[]));
    assert!(err.contains("cargo build failed"), "{err}");
    assert!(err.contains("mismatched types"), "{err}");
    assert!(err.contains("src/main.rs"), "{err}");
}

#[test]
fn what_is_not_a_buildable_crate_is_told_so() {
    let root = tempfile::tempdir().unwrap();

    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = failed(&build(root.path(), &empty, &[]));
    assert!(
        err.contains("is not a Rust project: it has no Cargo.toml")
            && err.contains("wasmux build expects"),
        "{err}"
    );

    let err = failed(&build(root.path(), root.path(), &["no/such/dir"]));
    assert!(err.contains("no/such/dir does not exist"), "{err}");

    // Two binaries: cargo metadata finds them, nothing is compiled.
    let two = root.path().join("two");
    write_crate(
        &two,
        "two",
        "fn main() {}",
        "[[bin]]\nname = \"one\"\npath = \"src/main.rs\"\n\n\
         [[bin]]\nname = \"other\"\npath = \"src/main.rs\"\n",
    );
    let err = failed(&build(root.path(), &two, &[]));
    assert!(
        err.contains("one (package two)")
            && err.contains("other (package two)")
            && err.contains("--bin NAME"),
        "{err}"
    );
    let err = failed(&build(root.path(), &two, &["--bin", "third"]));
    assert!(err.contains("no binary named `third`"), "{err}");

    // No cargo to be found.
    let out = wasmux_command(&two, ["build"])
        .env("PATH", root.path().join("no-bin"))
        .env_remove("CARGO")
        .output()
        .unwrap();
    let err = failed(&out);
    assert!(err.contains("cargo was not found on PATH"), "{err}");
}
