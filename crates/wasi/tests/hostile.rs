//! A guest that tries to leave its sandbox and to crash the host with bad pointers, on every
//! engine. Every attempt ends in an errno and the host directory outside the mounts is left as
//! it was.

mod common;
use common::*;
#[path = "hostile/bad_input.rs"]
mod bad_input;
#[path = "hostile/blocking.rs"]
mod blocking;
#[path = "hostile/caller_memory.rs"]
mod caller_memory;
#[path = "hostile/disk_quota.rs"]
mod disk_quota;
#[path = "hostile/links.rs"]
mod links;
#[path = "hostile/overlap.rs"]
mod overlap;
use std::fs;
use std::path::Path;
use std::time::Duration;
use wasmux::wasi::Mode;
use wasmux::Limits;

fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let content = if p.is_dir() {
            "<dir>".to_string()
        } else {
            fs::read_to_string(&p).unwrap_or_default()
        };
        out.push((e.file_name().to_string_lossy().into_owned(), content));
    }
    out.sort();
    out
}

#[test]
fn a_hostile_guest_is_contained_everywhere() {
    let root = tempfile::tempdir().unwrap();
    let (data, tmp) = (root.path().join("data"), root.path().join("tmp"));
    fs::create_dir_all(&data).unwrap();
    fs::write(data.join("input.txt"), "original").unwrap();
    fs::write(root.path().join("secret.txt"), "secret").unwrap();
    let before = snapshot(root.path());
    let module = guest("hostile");
    let mut first: Option<(String, Outcome)> = None;
    for engine in engines() {
        // A fresh /tmp per engine, so each run starts from the same state.
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).unwrap();
        let out = run(&engine, &module, |ctx| {
            ctx.arg("hostile")
                .preopen_dir(&tmp, "/tmp", Mode::Rw)
                .unwrap()
                .preopen_dir(&data, "/data", Mode::Ro)
                .unwrap()
        });
        assert_eq!(out.status, Ok(0), "{engine}: {out:?}");
        assert!(
            out.stdout.ends_with("still alive\n"),
            "{engine}: {}",
            out.stdout
        );
        // Outside the rw mount nothing changed; inside it only what the guest may create.
        let mut after = snapshot(root.path());
        after.retain(|(name, _)| name != "tmp");
        let mut want = before.clone();
        want.retain(|(name, _)| name != "tmp");
        assert_eq!(after, want, "{engine}");
        assert_eq!(
            fs::read_to_string(data.join("input.txt")).unwrap(),
            "original"
        );
        let mut inside: Vec<String> = fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        inside.sort();
        assert_eq!(inside, ["inside.txt", "link"], "{engine}");
        match &first {
            None => first = Some((engine, out)),
            Some((e0, o0)) => assert_eq!(&out, o0, "{engine} differs from {e0}"),
        }
    }
    let (_, out) = first.expect("at least one engine ran the guest");
    let expected = "\
dotdot: errno 76
dotdot deep: errno 44
absolute: errno 44
symlink absolute: errno 76
symlink dotdot: errno 76
symlink inside: ok
write inside: ok
read through up: errno 44
read through link: ok
hard link out: errno 76
rename out: errno 76
mkdir out: errno 76
write ro: errno 69
env HOME: None
env count: 0
fd_write bad iovs: 21
fd_write bad iov buf: 21
fd_write huge count: 28
fd_write bad nwritten: 21
fd_read bad iovs: 21
args_get bad: 21
args_sizes_get bad: 21
environ_sizes_get bad: 21
random_get bad: 21
clock bad: 21
path_open bad path: 21
prestat name bad: 21
poll bad: 21
poll huge: 28
readdir bad: 21
bad fd: 8
never opened: read 8 close 8 seek 8 readdir 8 open 8 close -1 8
rights: open 0 write read-only 8 widen 76 renumber 0 write renumbered 8
rights: open dir 0 other 0 write dir 31 create without the right 76 inherit more 0
rights: write through narrowed 8
still alive
";
    assert_eq!(out.stdout, expected);
}

/// Runs the `bomb` guest in `mode` under `limits` on every engine, with a read-only mount that
/// must stay as it was; returns each engine's outcome.
fn bomb(mode: &str, limits: Limits) -> Vec<(String, Outcome)> {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("keep.txt"), "kept").unwrap();
    let before = snapshot(root.path());
    let module = guest("bomb");
    engines()
        .into_iter()
        .map(|engine| {
            let out = run_limited(&engine, &module, limits.clone(), |ctx| {
                ctx.args(["bomb", mode])
                    .preopen_dir(root.path(), "/data", Mode::Ro)
                    .unwrap()
            });
            assert_eq!(snapshot(root.path()), before, "{engine} {mode}");
            (engine, out)
        })
        .collect()
}

fn all_equal(outcomes: &[(String, Outcome)]) -> &Outcome {
    let (e0, o0) = &outcomes[0];
    for (e, o) in outcomes {
        assert_eq!(o, o0, "{e} differs from {e0}");
    }
    o0
}

#[test]
fn a_memory_bomb_stops_at_max_memory() {
    let limits = Limits {
        max_memory: Some(16 << 20),
        ..Limits::default()
    };
    let out = bomb("memory", limits.clone());
    let out = all_equal(&out);
    assert_eq!(out.status, Ok(0), "{out:?}");
    let mib: usize = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("allocated MiB: "))
        .unwrap_or_else(|| panic!("{out:?}"))
        .parse()
        .unwrap();
    assert!((1..16).contains(&mib), "{mib} MiB under a 16 MiB cap");
    assert!(
        out.stdout.ends_with("memory.grow 1GiB: -1\nstill alive\n"),
        "{out:?}"
    );

    // An allocation Rust cannot recover from aborts the guest, and only the guest.
    let out = bomb("memory-abort", limits);
    let out = all_equal(&out);
    let err = out.status.clone().unwrap_err();
    assert!(err.contains("unreachable"), "{err}");
    assert!(out.stderr.contains("memory allocation"), "{out:?}");
}

#[test]
fn an_endless_loop_ends_at_the_timeout() {
    let limits = Limits {
        timeout: Some(Duration::from_millis(200)),
        ..Limits::default()
    };
    for (engine, out) in bomb("loop", limits) {
        let err = out.status.clone().unwrap_err();
        assert!(err.contains("timeout"), "{engine}: {err}");
        assert_eq!(out.stdout, "", "{engine}");
    }
}

#[test]
fn a_long_sleep_ends_at_the_timeout() {
    let limits = Limits {
        timeout: Some(Duration::from_millis(200)),
        ..Limits::default()
    };
    let started = std::time::Instant::now();
    let outcomes = bomb("sleep", limits);
    // Sleeping through, the engines would take 20 s each; stopped at the timeout, all of them
    // together (compiling included) take a small part of that.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    for (engine, out) in outcomes {
        let err = out.status.clone().unwrap_err();
        assert!(err.contains("timeout"), "{engine}: {err}");
        assert_eq!(out.stdout, "", "{engine}");
    }
}

#[test]
fn deep_recursion_is_a_stack_overflow_trap() {
    for (engine, out) in bomb("recurse", Limits::default()) {
        let err = out.status.clone().unwrap_err();
        assert!(err.contains("stack overflow"), "{engine}: {err}");
        assert_eq!(out.stdout, "", "{engine}");
    }
}

/// The library reports proc_exit's status as given (as an i32); mapping it to a process
/// status is the embedder's choice (`wasmux run` gives 0..=125 as is and 134 for the rest).
#[test]
fn proc_exit_with_odd_codes_reports_them_unchanged() {
    for code in [0, 1, 255, 256, -1, i32::MAX] {
        let arg = code.to_string();
        let out = run_everywhere("exit", |ctx| ctx.args(["exit", "exit", arg.as_str()]));
        assert_eq!(out.status, Ok(code), "{out:?}");
        assert_eq!(out.stdout, "before exit\n");
    }
}
