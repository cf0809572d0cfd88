//! The host side of the probes: a call tree, kept as the guest enters and leaves functions.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use wasmux::{FuncType, HostFunc, RuntimeBuilder, Val, ValType};
use wasmux_instrument::probe::{ProbeOptions, PROBE_MODULE};

use super::probes::ProbePass;
use super::report::Profile;
use crate::symbols::Symbols;

/// Records where a guest spends its time. Install it on a runtime builder, run the guest,
/// then read the [`Profile`].
///
/// ```no_run
/// use wasmux::{Module, Runtime, Val};
/// use wasmux_devtools::profile::Profiler;
/// let profiler = Profiler::new();
/// let runtime = profiler.install(Runtime::builder().engine("wasmi")).build()?;
/// let module = Module::from_file("fib.wat")?;
/// runtime.instantiate(&module)?.call("fib", &[Val::I32(20)])?;
/// let profile = profiler.profile(&wasmux_devtools::Symbols::read(module.bytes()));
/// println!("{:?}", profile.top(5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct Profiler {
    state: Arc<Mutex<State>>,
}

/// Call paths kept at most, so that a guest cannot make the host's memory grow with every
/// new path it takes (2^30 of them are a few lines of wasm away). Past it, a new path is
/// counted under its function alone, below a `[call tree full]` frame: calls and self time
/// per function stay exact, the stacks of those calls are lost.
pub const MAX_PATHS: usize = 1 << 20;

#[derive(Default)]
pub(crate) struct State {
    /// [`MAX_PATHS`], or less for tests.
    limit: Option<usize>,
    /// Past the limit: the node of each function under the `[call tree full]` node.
    overflow: Vec<(u32, usize)>,
    /// The call tree; node 0 is the root, above the guest's first frame.
    pub nodes: Vec<Node>,
    stack: Vec<Active>,
    origin: Option<Instant>,
    /// Probe calls made (an entry and an exit count one each).
    pub probes: u64,
    /// Time inside the guest's outermost frames.
    pub wall_ns: u64,
}

pub(crate) struct Node {
    pub func: u32,
    pub calls: u64,
    pub total_ns: u64,
    pub self_ns: u64,
    pub host: bool,
    children: Vec<(u32, usize)>,
}

struct Active {
    node: usize,
    start: u64,
    /// Time spent in the frames it called.
    children_ns: u64,
}

#[derive(Clone, Copy)]
enum Event {
    Enter { host: bool },
    Exit,
}

impl Profiler {
    pub fn new() -> Profiler {
        Profiler::default()
    }

    /// A profiler keeping at most `paths` call paths instead of [`MAX_PATHS`].
    pub fn with_path_limit(paths: usize) -> Profiler {
        let profiler = Profiler::default();
        profiler
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .limit = Some(paths);
        profiler
    }

    /// `builder` with the probes added to every module it prepares and the host functions
    /// they call.
    pub fn install(&self, builder: RuntimeBuilder) -> RuntimeBuilder {
        builder
            .pass(ProbePass(ProbeOptions {
                values: false,
                host_calls: true,
            }))
            .func(
                PROBE_MODULE,
                "enter0",
                self.probe(Event::Enter { host: false }),
            )
            .func(PROBE_MODULE, "exit0", self.probe(Event::Exit))
            .func(
                PROBE_MODULE,
                "host_enter0",
                self.probe(Event::Enter { host: true }),
            )
            .func(PROBE_MODULE, "host_exit0", self.probe(Event::Exit))
    }

    fn probe(&self, event: Event) -> HostFunc {
        let state = self.state.clone();
        let ty = FuncType {
            params: vec![ValType::I32],
            results: vec![],
        };
        HostFunc::new(ty, move |_, args, _| {
            let Some(&Val::I32(func)) = args.first() else {
                return Ok(());
            };
            let func = func as u32;
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            match event {
                Event::Enter { host } => state.enter(func, host),
                Event::Exit => state.exit(func),
            }
            Ok(())
        })
    }

    /// Closes the frames a trap (or an exit of the guest) left open, as if they returned now.
    /// Call it after each call into the guest that did not return normally.
    pub fn unwind(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = state.now();
        while !state.stack.is_empty() {
            state.pop(now);
        }
    }

    /// What was recorded so far, named from `symbols` (the user's module).
    pub fn profile(&self, symbols: &Symbols) -> Profile {
        self.unwind();
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        Profile::new(&state, symbols)
    }
}

impl State {
    fn now(&mut self) -> u64 {
        let origin = *self.origin.get_or_insert_with(Instant::now);
        origin.elapsed().as_nanos() as u64
    }

    fn enter(&mut self, func: u32, host: bool) {
        let now = self.now();
        self.probes += 1;
        if self.nodes.is_empty() {
            self.nodes.push(Node::new(u32::MAX, false));
        }
        let parent = self.stack.last().map_or(0, |a| a.node);
        let node = match self.nodes[parent]
            .children
            .iter()
            .find(|&&(f, _)| f == func)
        {
            Some(&(_, node)) => node,
            None if self.nodes.len() >= self.limit.unwrap_or(MAX_PATHS) => {
                self.overflowed(func, host)
            }
            None => {
                let node = self.nodes.len();
                self.nodes.push(Node::new(func, host));
                self.nodes[parent].children.push((func, node));
                node
            }
        };
        self.nodes[node].calls += 1;
        self.stack.push(Active {
            node,
            start: now,
            children_ns: 0,
        });
    }

    /// The node of `func` below the `[call tree full]` node, made on first use (a few past
    /// the limit: one per function).
    fn overflowed(&mut self, func: u32, host: bool) -> usize {
        if let Some(&(_, node)) = self.overflow.iter().find(|&&(f, _)| f == func) {
            return node;
        }
        if self.overflow.is_empty() {
            self.nodes.push(Node::new(FULL, false));
            let full = self.nodes.len() - 1;
            self.nodes[0].children.push((FULL, full));
        }
        let full = self.nodes.iter().position(|n| n.func == FULL).unwrap_or(0);
        let node = self.nodes.len();
        self.nodes.push(Node::new(func, host));
        self.nodes[full].children.push((func, node));
        self.overflow.push((func, node));
        node
    }

    fn exit(&mut self, func: u32) {
        let now = self.now();
        self.probes += 1;
        // Frames an exception unwound without their exit probe end here too.
        while let Some(top) = self.stack.last() {
            let done = self.nodes[top.node].func == func;
            self.pop(now);
            if done {
                break;
            }
        }
    }

    fn pop(&mut self, now: u64) {
        let Some(active) = self.stack.pop() else {
            return;
        };
        let elapsed = now.saturating_sub(active.start);
        let node = &mut self.nodes[active.node];
        node.total_ns += elapsed;
        node.self_ns += elapsed.saturating_sub(active.children_ns);
        match self.stack.last_mut() {
            Some(parent) => parent.children_ns += elapsed,
            None => self.wall_ns += elapsed,
        }
    }
}

/// The function index of the `[call tree full]` node: none a module can have (at most
/// 1,000,000 functions, by the limits every engine applies).
pub(crate) const FULL: u32 = u32::MAX - 1;

impl Node {
    pub(crate) fn children(&self) -> &[(u32, usize)] {
        &self.children
    }

    /// A node of a sampled tree: no call count of its own (counts are per function there).
    pub(crate) fn sampled(func: u32, host: bool, self_ns: u64) -> Node {
        Node {
            self_ns,
            ..Node::new(func, host)
        }
    }

    pub(crate) fn set_children(&mut self, children: Vec<(u32, usize)>) {
        self.children = children;
    }

    fn new(func: u32, host: bool) -> Node {
        Node {
            func,
            calls: 0,
            total_ns: 0,
            self_ns: 0,
            host,
            children: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A guest that takes a new call path on every call (two functions recursing along the
    /// bits of a counter) keeps at most the limit of paths, and exact counts per function.
    #[test]
    fn new_paths_past_the_limit_keep_counts_but_not_stacks() {
        let mut state = State {
            limit: Some(100),
            ..State::default()
        };
        let mut calls = [0u64; 2];
        for n in 0u32..1000 {
            for bit in 0..10 {
                let func = (n >> bit) & 1;
                state.enter(func, false);
                calls[func as usize] += 1;
            }
            for bit in (0..10).rev() {
                state.exit((n >> bit) & 1);
            }
        }
        assert!(state.nodes.len() <= 100 + 3, "{} nodes", state.nodes.len());
        let profile = super::super::report::Profile::new(&state, &Symbols::default());
        let counted: Vec<u64> = [0, 1]
            .iter()
            .map(|&f| {
                profile
                    .functions
                    .iter()
                    .find(|s| s.func == f)
                    .unwrap()
                    .calls
            })
            .collect();
        assert_eq!(counted, calls);
        assert!(profile
            .stacks
            .iter()
            .any(|s| s.frames.starts_with("[call tree full]")));
    }
}
