//! `wasmux bench`: its figures in JSON for every engine, and its refusals.

use super::{stderr, stdout, wasmux};

#[test]
fn bench_reports_throughput_and_percentiles_for_every_engine() {
    let out = wasmux(&[
        "bench",
        "--engine",
        "all",
        "--parallel",
        "2",
        "--iterations",
        "50",
        "--json",
        "examples/fib.wat",
        "--invoke",
        "fib",
        "10",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = rows.as_array().unwrap();
    let engines: Vec<&str> = rows.iter().map(|r| r["engine"].as_str().unwrap()).collect();
    assert_eq!(engines, wasmux::engine_names(), "one object per engine");
    for row in rows {
        assert_eq!(row["parallel"], 2, "{row}");
        assert_eq!(row["iterations"], 50, "{row}");
        assert_eq!(row["errors"], 0, "{row}");
        let figure = |k: &str| row[k].as_f64().unwrap_or_else(|| panic!("{k}: {row}"));
        assert!(figure("throughput_per_s") > 0.0, "{row}");
        assert!(figure("p50_us") <= figure("p90_us"), "{row}");
        assert!(figure("p90_us") <= figure("p99_us"), "{row}");
    }
}

#[test]
fn bench_prints_a_table_and_runs_commands_once_per_instance() {
    // `_start` runs on a fresh instance each time: this one traps if started twice.
    let dir = tempfile::tempdir().unwrap();
    let command = dir.path().join("once.wat");
    std::fs::write(
        &command,
        r#"(module (global $ran (mut i32) (i32.const 0))
             (func (export "_start")
               (if (global.get $ran) (then unreachable))
               (global.set $ran (i32.const 1))))"#,
    )
    .unwrap();
    let out = wasmux(&["bench", "--iterations", "5", command.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}{text}", stderr(&out));
    assert!(text.starts_with("engine"), "{text}");
    assert!(text.contains("calls/s") && text.contains("p99"), "{text}");
}

#[test]
fn bench_refuses_what_it_cannot_measure() {
    for (args, expected) in [
        (
            vec!["--invoke", "nope", "examples/fib.wat"],
            "no exported function named `nope`",
        ),
        (
            vec!["--invoke", "fib", "examples/fib.wat", "1", "2"],
            "takes 1 argument(s)",
        ),
        (
            vec!["--invoke", "fib", "examples/fib.wat", "x"],
            "argument 0",
        ),
        (
            vec![
                "--parallel",
                "0",
                "--invoke",
                "fib",
                "examples/fib.wat",
                "1",
            ],
            "at least 1",
        ),
        (
            vec![
                "--engine",
                "nosuch",
                "--invoke",
                "fib",
                "examples/fib.wat",
                "1",
            ],
            "unknown engine `nosuch`",
        ),
    ] {
        let out = wasmux(&[&["bench"], args.as_slice()].concat());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}
