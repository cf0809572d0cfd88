//! wasmux's engine-neutral core and its wasmi adapter, built without `std`, running a guest
//! on a Cortex-M4: a host function that reads guest memory, calls with results, and traps that
//! come back as the same typed errors as on a server. Prints through semihosting and exits
//! with status 0 only when every check held.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec;
use core::mem::MaybeUninit;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use embedded_alloc::LlffHeap as Heap;
use wasmux_core::{
    Caller, Error, ErrorKind, FuncType, HostError, HostFunc, Import, ImportValue, StoreConfig,
    Trap, Val, ValType,
};

#[global_allocator]
static HEAP: Heap = Heap::empty();

/// wasmi's engine, the module, one 64 KiB page of guest memory and the value stack.
const HEAP_BYTES: usize = 8 << 20;

/// Small enough that runaway recursion is stopped well inside the heap.
const STACK_LIMIT_BYTES: usize = 64 << 10;

static GUEST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest.wasm"));

#[entry]
fn main() -> ! {
    static mut HEAP_MEMORY: [MaybeUninit<u8>; HEAP_BYTES] = [MaybeUninit::uninit(); HEAP_BYTES];
    // SAFETY: `entry` makes `HEAP_MEMORY` a `&'static mut` handed out once, here.
    unsafe { HEAP.init(HEAP_MEMORY.as_mut_ptr() as usize, HEAP_BYTES) }
    let status = match run() {
        Ok(()) => {
            hprintln!("embedded: every check passed");
            debug::EXIT_SUCCESS
        }
        Err(failure) => {
            hprintln!("embedded: FAILED: {}", failure);
            debug::EXIT_FAILURE
        }
    };
    debug::exit(status);
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("embedded: panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}

fn run() -> Result<(), String> {
    let engine = wasmux_engine_wasmi::engines().remove(0);
    hprintln!(
        "embedded: {} {} ({})",
        engine.info().name,
        engine.info().version,
        engine.info().kind
    );
    let module = engine
        .compile(GUEST)
        .map_err(|e| alloc::format!("compile: {e}"))?;
    let mut store = engine
        .new_store(&StoreConfig {
            max_stack_bytes: Some(STACK_LIMIT_BYTES),
        })
        .map_err(|e| alloc::format!("store: {e}"))?;
    let imports = [Import {
        module: "host".into(),
        name: "print".into(),
        value: ImportValue::Func(print()),
    }];
    let guest = store
        .instantiate(&*module, &imports)
        .map_err(|e| alloc::format!("instantiate: {e}"))?;
    let mut call = |func: &str, args: &[Val]| store.call(guest, func, args);

    expect("hello", call("hello", &[]), |r| r.is_empty())?;
    expect("fib(20)", call("fib", &[Val::I64(20)]), |r| {
        r == [Val::I64(6765)]
    })?;
    expect(
        "divide(7, -2)",
        call("divide", &[Val::I32(7), Val::I32(-2)]),
        |r| r == [Val::I32(-3)],
    )?;
    expect_error(
        "divide(1, 0)",
        call("divide", &[Val::I32(1), Val::I32(0)]),
        |e| e.kind() == ErrorKind::Trap(Trap::DivideByZero),
    )?;
    expect_error("recurse", call("recurse", &[]), |e| {
        e.kind() == ErrorKind::Trap(Trap::StackOverflow)
    })?;
    expect_error(
        "print_out_of_bounds",
        call("print_out_of_bounds", &[]),
        |e| e.kind() == ErrorKind::Trap(Trap::HostError),
    )?;
    // A guest that grows its memory until refused must not exhaust the device's heap: the
    // growth fails inside the guest (memory.grow gives -1) and the host goes on.
    expect(
        "grow_until_refused (pages)",
        call("grow_until_refused", &[]),
        |r| matches!(r, [Val::I32(pages)] if *pages > 1 && (*pages as usize) < HEAP_BYTES >> 16),
    )?;
    // The store is still usable after its guest trapped.
    expect(
        "fib(10) after the traps",
        call("fib", &[Val::I64(10)]),
        |r| r == [Val::I64(55)],
    )
}

/// `host.print(ptr, len)`: prints that much of the caller's memory, which must hold it.
fn print() -> HostFunc {
    let ty = FuncType {
        params: vec![ValType::I32, ValType::I32],
        results: vec![],
    };
    HostFunc::new(ty, |caller: &mut dyn Caller, params, _results| {
        let [Val::I32(ptr), Val::I32(len)] = params else {
            return Err(HostError::Message("print: expected (i32, i32)".into()));
        };
        let memory = caller
            .memory()
            .ok_or_else(|| HostError::Message("print: the guest exports no memory".into()))?;
        let (start, len) = (*ptr as u32 as usize, *len as u32 as usize);
        let bytes = start
            .checked_add(len)
            .and_then(|end| memory.get(start..end))
            .ok_or_else(|| {
                HostError::Message(alloc::format!(
                    "print: bytes {start}..{start}+{len} are outside the guest's {} bytes",
                    memory.len()
                ))
            })?;
        hprintln!("guest: {}", String::from_utf8_lossy(bytes));
        Ok(())
    })
}

fn expect(
    what: &str,
    outcome: Result<alloc::vec::Vec<Val>, Error>,
    ok: impl Fn(&[Val]) -> bool,
) -> Result<(), String> {
    match outcome {
        Ok(results) if ok(&results) => {
            hprintln!("embedded: {} = {:?}", what, results);
            Ok(())
        }
        Ok(results) => Err(alloc::format!("{what} returned {results:?}")),
        Err(e) => Err(alloc::format!("{what} failed: {e}")),
    }
}

fn expect_error(
    what: &str,
    outcome: Result<alloc::vec::Vec<Val>, Error>,
    ok: impl Fn(&Error) -> bool,
) -> Result<(), String> {
    match outcome {
        Err(e) if ok(&e) => {
            hprintln!("embedded: {}: {}", what, e);
            Ok(())
        }
        Err(e) => Err(alloc::format!("{what} failed otherwise: {e}")),
        Ok(results) => Err(alloc::format!(
            "{what} returned {results:?}, expected a trap"
        )),
    }
}
