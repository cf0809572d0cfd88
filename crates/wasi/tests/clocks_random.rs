//! Clocks and randomness: granted by default, deniable, the same on every engine.

mod common;
use common::*;

#[test]
fn clocks_and_random_work_by_default() {
    let out = run_everywhere("clocks", |ctx| ctx);
    assert_eq!(out.status, Ok(0), "{out:?}");
    assert_eq!(
        out.stdout,
        "realtime after 2020: true\nslept at least 20ms: true\nmonotonic: true\n\
         random errno: 0 0\nrandom differs: true\nunknown clock errno: 28\n"
    );
}

#[test]
fn denied_random_is_an_errno() {
    // std's own start-up does not need randomness, so the guest runs and sees ENOTCAPABLE.
    let out = run_everywhere("clocks", |ctx| ctx.allow_random(false));
    assert_eq!(out.status, Ok(0), "{out:?}");
    assert!(
        out.stdout.contains("random errno: 76 76\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn denied_clocks_stop_a_guest_that_needs_them() {
    // std panics when the clock it needs is refused: the guest dies, the host does not.
    let out = run_everywhere("clocks", |ctx| ctx.allow_clock(false));
    assert!(out.status.is_err(), "{out:?}");
    assert_eq!(out.stdout, "");
}
