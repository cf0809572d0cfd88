//! Arguments, environment, stdin/stdout/stderr and exit codes, on every engine.

mod common;
use common::*;
use wasmux::wasi::{Pipe, Stdio};

#[test]
fn hello_sees_exactly_its_args_env_and_stdin() {
    let out = run_everywhere("hello", |ctx| {
        ctx.args(["hello", "one", "two words"])
            .env("MODE", "test")
            .env("LANG", "C")
            .stdin(Stdio::Pipe(Pipe::from_bytes("some input\n")))
    });
    assert_eq!(out.status, Ok(0), "{out:?}");
    assert_eq!(
        out.stdout,
        "args: [\"hello\", \"one\", \"two words\"]\n\
         env: [(\"LANG\", \"C\"), (\"MODE\", \"test\")]\n\
         stdin: 11 bytes: \"some input\\n\"\n"
    );
    assert_eq!(out.stderr, "to stderr\n");
}

#[test]
fn nothing_granted_means_no_env_and_empty_stdin() {
    let out = run_everywhere("hello", |ctx| ctx.arg("hello"));
    assert_eq!(out.status, Ok(0), "{out:?}");
    assert_eq!(
        out.stdout,
        "args: [\"hello\"]\nenv: []\nstdin: 0 bytes: \"\"\n"
    );
}

#[test]
fn exit_codes_are_the_same_everywhere() {
    let cases: [(&[&str], Result<i32, ()>); 4] = [
        (&["exit"], Ok(0)),
        (&["exit", "exit", "7"], Ok(7)),
        (&["exit", "exit", "0"], Ok(0)),
        (&["exit", "return-err"], Ok(1)),
    ];
    for (args, want) in cases {
        let out = run_everywhere("exit", |ctx| ctx.args(args.iter().copied()));
        assert_eq!(
            out.status.clone().map_err(|_| ()),
            want,
            "{args:?}: {out:?}"
        );
        assert_eq!(out.stdout, "before exit\n", "{args:?}");
    }
}

#[test]
fn a_panicking_guest_traps_and_the_host_survives() {
    let out = run_everywhere("exit", |ctx| ctx.args(["exit", "panic"]));
    let status = out.status.unwrap_err();
    assert!(status.contains("unreachable"), "{status}");
    assert!(out.stderr.contains("guest panicked"), "{}", out.stderr);
}
