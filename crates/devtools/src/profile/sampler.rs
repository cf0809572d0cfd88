//! The sampling profiler: the guest counts its calls and keeps its depth in globals
//! (`wasmux_instrument::sample`), the host takes samples at a steady pace and names the
//! sampled frames as they return.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use wasmux::pass::{Added, InstrumentError, Instrumented, Pass};
use wasmux::{Backtrace, Error, Frame, FuncType, HostFunc, Instance, RuntimeBuilder, Val, ValType};
use wasmux_instrument::sample::{
    sample, COUNT, FLUSH_EXPORT, HOST_ENTER, HOST_EXIT, RESOLVE, SAMPLE_MODULE, TICK,
};

use super::report::{Method, Overhead, Profile};
use super::samples::SampleTree;
use crate::symbols::Symbols;

/// Samples per second of guest time, by default: 10,000, enough for a usable flame graph of
/// a run of a tenth of a second, at a cost of well under 1% (a sample costs about a
/// microsecond).
pub const DEFAULT_INTERVAL: Duration = Duration::from_micros(100);

/// Entries and loop headers between samples at least and at most.
const MIN_COUNTDOWN: u64 = 64;
const MAX_COUNTDOWN: u64 = 1 << 24;

/// Records where a guest spends its time, by sampling. Install it on a runtime builder, run
/// the guest, [`collect`](Sampler::collect) the call counts from the instance, then read the
/// [`Profile`].
///
/// ```no_run
/// use wasmux::{Module, Runtime, Val};
/// use wasmux_devtools::profile::Sampler;
/// let sampler = Sampler::new();
/// let runtime = sampler.install(Runtime::builder().engine("wasmi")).build()?;
/// let module = Module::from_file("fib.wat")?;
/// let mut instance = runtime.instantiate(&module)?;
/// instance.call("fib", &[Val::I32(25)])?;
/// sampler.collect(&mut instance)?;
/// let profile = sampler.profile(&wasmux_devtools::Symbols::read(module.bytes()));
/// println!("{:?}", profile.top(5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Sampler {
    state: Arc<Mutex<State>>,
}

struct State {
    tree: SampleTree,
    origin: Instant,
    interval_ns: u64,
    /// When the last tick came and the countdown it handed out, to pace the next.
    last_tick: Option<(u64, u64)>,
    calls: HashMap<u32, u64>,
}

impl Default for Sampler {
    fn default() -> Self {
        Sampler::with_interval(DEFAULT_INTERVAL, None)
    }
}

impl Sampler {
    pub fn new() -> Sampler {
        Sampler::default()
    }

    /// A sampler taking a sample every `interval` of guest time, and keeping at most `paths`
    /// call paths (default [`super::MAX_PATHS`]).
    pub fn with_interval(interval: Duration, paths: Option<usize>) -> Sampler {
        Sampler {
            state: Arc::new(Mutex::new(State {
                tree: SampleTree::new(paths),
                origin: Instant::now(),
                interval_ns: interval.as_nanos().max(1) as u64,
                last_tick: None,
                calls: HashMap::new(),
            })),
        }
    }

    /// `builder` with the sampling probes added to every module it prepares and the host
    /// functions they call.
    pub fn install(&self, builder: RuntimeBuilder) -> RuntimeBuilder {
        use ValType::{I32, I64};
        let tick = self.host(&[I32, I32], &[I32], |s, args, results| {
            let now = s.now();
            s.tree.sample(now, arg(args, 0), arg(args, 1));
            results[0] = Val::I32(s.pace(now) as i32);
        });
        let resolve = self.host(&[I32, I32], &[], |s, args, _| {
            let now = s.now();
            s.tree.resolve(now, arg(args, 0), arg(args, 1));
        });
        let host_enter = self.host(&[I32, I32, I32], &[], |s, args, _| {
            let now = s.now();
            s.tree
                .host_enter(now, arg(args, 0), arg(args, 1), arg(args, 2));
        });
        let host_exit = self.host(&[I32], &[], |s, args, _| {
            let now = s.now();
            s.tree.host_exit(now, arg(args, 0));
        });
        let count = self.host(&[I32, I64], &[], |s, args, _| {
            if let [Val::I32(func), Val::I64(n)] = args {
                *s.calls.entry(*func as u32).or_default() += *n as u64;
            }
        });
        builder
            .pass(SamplePass)
            .func(SAMPLE_MODULE, TICK, tick)
            .func(SAMPLE_MODULE, RESOLVE, resolve)
            .func(SAMPLE_MODULE, HOST_ENTER, host_enter)
            .func(SAMPLE_MODULE, HOST_EXIT, host_exit)
            .func(SAMPLE_MODULE, COUNT, count)
    }

    /// A host function of type `params -> results` that runs `f` on the locked state.
    fn host(
        &self,
        params: &[ValType],
        results: &[ValType],
        f: impl Fn(&mut State, &[Val], &mut [Val]) + Send + Sync + 'static,
    ) -> HostFunc {
        let state = self.state.clone();
        let ty = FuncType {
            params: params.to_vec(),
            results: results.to_vec(),
        };
        HostFunc::new(ty, move |_, args, results| {
            f(&mut lock(&state), args, results);
            Ok(())
        })
    }

    /// Takes the call counts out of `instance` (they stay in the guest until then) and
    /// forgets the stack a trap or an exit left. Call it after each call into the guest, or
    /// at least before [`profile`](Sampler::profile).
    pub fn collect(&self, instance: &mut Instance) -> Result<(), Error> {
        lock(&self.state).tree.unwind();
        instance.call_hidden(FLUSH_EXPORT, &[]).map(|_| ())
    }

    /// Names the frames a trap left running from its backtrace (as the facade gives it, in
    /// the user's module), so that they do not stay `[unknown]`. Only a whole backtrace of
    /// one module is used: the guest's levels count that module's functions.
    pub fn name_from(&self, backtrace: &Backtrace) {
        let frames: Vec<&Frame> = backtrace
            .frames
            .iter()
            .filter(|f| f.func.is_some())
            .collect();
        let one_module = frames.windows(2).all(|w| w[0].module == w[1].module);
        if backtrace.omitted > 0 || !one_module {
            return;
        }
        let funcs: Vec<u32> = frames.iter().rev().filter_map(|f| f.func).collect();
        lock(&self.state).tree.name_running(&funcs);
    }

    /// What was recorded so far, named from `symbols` (the user's module).
    pub fn profile(&self, symbols: &Symbols) -> Profile {
        let s = lock(&self.state);
        let mut profile = Profile::from_nodes(&s.tree.nodes(), symbols);
        profile.set_calls(&s.calls, &s.tree.host_calls, symbols);
        profile.wall_ns = profile.stacks.iter().map(|st| st.self_ns).sum();
        profile.overhead = Overhead {
            method: Method::Sampled,
            probe_calls: s.calls.values().sum(),
            ns_per_probe: None,
            samples: s.tree.samples,
        };
        profile
    }
}

impl State {
    fn now(&mut self) -> u64 {
        self.origin.elapsed().as_nanos() as u64
    }

    /// The countdown to the next tick: as many entries and loop headers as the last
    /// countdown's took in one interval.
    fn pace(&mut self, now: u64) -> u64 {
        let next = match self.last_tick {
            Some((then, countdown)) if now > then => {
                (countdown as u128 * self.interval_ns as u128 / (now - then) as u128) as u64
            }
            _ => MIN_COUNTDOWN,
        };
        // No more than 4x faster or slower at once: one slow tick (a host call between)
        // does not throw the pace off.
        let previous = self.last_tick.map_or(MIN_COUNTDOWN, |(_, c)| c);
        let next = next
            .clamp(previous / 4, previous.saturating_mul(4))
            .clamp(MIN_COUNTDOWN, MAX_COUNTDOWN);
        self.last_tick = Some((now, next));
        next
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn arg(args: &[Val], i: usize) -> u32 {
    match args.get(i) {
        Some(Val::I32(v)) => *v as u32,
        _ => 0,
    }
}

/// The sampling probes as a pass of the wasmux runtime.
pub struct SamplePass;

impl Pass for SamplePass {
    fn label(&self) -> String {
        "sampling probes".to_string()
    }

    fn apply(&self, wasm: &[u8], earlier: &Added) -> Result<Instrumented, InstrumentError> {
        sample(wasm, earlier)
    }
}
