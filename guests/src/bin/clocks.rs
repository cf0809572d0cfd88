//! Clocks and randomness: prints facts that hold on every engine, never the values themselves.
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use wasmux_guests::raw;

fn main() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    println!("realtime after 2020: {}", now.as_secs() > 1_577_836_800);
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    let slept = start.elapsed();
    println!(
        "slept at least 20ms: {}",
        slept >= Duration::from_millis(20)
    );
    println!("monotonic: {}", Instant::now() >= start);
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    let ea = unsafe { raw::random_get(a.as_mut_ptr() as i32, 32) };
    let eb = unsafe { raw::random_get(b.as_mut_ptr() as i32, 32) };
    println!("random errno: {ea} {eb}");
    println!("random differs: {}", a != b && a != [0; 32]);
    let mut t = 0u64;
    let e = unsafe { raw::clock_time_get(9, 0, &mut t as *mut u64 as i32) };
    println!("unknown clock errno: {e}");
}
