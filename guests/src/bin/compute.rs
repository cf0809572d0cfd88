//! `compute KERNEL [N]`: runs one benchmark kernel N times (its default when N is left out)
//! and prints `KERNEL N CHECKSUM`, the same on every engine; `compute all N` runs each kernel
//! N times. `compute` alone lists the kernels. `scripts/bench` runs it on every engine and on
//! the wasmtime CLI.
use std::process::ExitCode;
use wasmux_guests::compute::{self, Kernel, KERNELS};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kernels: &[Kernel] = match args.first().map(String::as_str) {
        Some("all") if args.len() == 2 => KERNELS,
        Some(name) => match compute::find(name) {
            Some(kernel) => std::slice::from_ref(kernel),
            None => return usage(),
        },
        None => return usage(),
    };
    let n = match args.get(1).map(|n| n.parse::<u32>()) {
        None => kernels[0].default_n,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("compute: N: {e}");
            return ExitCode::from(2);
        }
    };
    for kernel in kernels {
        println!("{} {n} {:016x}", kernel.name, (kernel.run)(n));
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: compute KERNEL [N] | compute all N\n\nkernels (default N):");
    for k in KERNELS {
        eprintln!("  {:8} {:>7}  {}", k.name, k.default_n, k.what);
    }
    ExitCode::from(2)
}

/// The same for `wasmux bench --invoke kernel INDEX N`: kernel number INDEX (in the order
/// `compute` lists them) run N times, returning its checksum.
#[no_mangle]
pub extern "C" fn kernel(index: u32, n: u32) -> u64 {
    KERNELS.get(index as usize).map_or(0, |k| (k.run)(n))
}
