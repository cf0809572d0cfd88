//! A recorded profile: per function, per stack, and what the probes cost.

use serde::Serialize;
use std::collections::HashMap;

use super::recorder::{Node, State};
use crate::symbols::Symbols;

/// Where a guest spent its time.
#[derive(Clone, Debug, Serialize)]
pub struct Profile {
    /// Time inside the guest (its outermost frames), probes included.
    pub wall_ns: u64,
    /// Every function that ran, most self time first.
    pub functions: Vec<FunctionStats>,
    /// Self time by stack, outermost frame first: the folded-stacks format of flame graphs.
    pub stacks: Vec<Stack>,
    pub overhead: Overhead,
}

#[derive(Clone, Debug, Serialize)]
pub struct FunctionStats {
    /// Index in the module's function index space.
    pub func: u32,
    pub name: String,
    /// An imported (host) function.
    pub host: bool,
    pub calls: u64,
    /// Time in the function itself, not in what it called.
    pub self_ns: u64,
    /// Time from entry to exit, what it called included; a recursive call is counted once,
    /// in its outermost activation.
    pub total_ns: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Stack {
    /// Function names, outermost first, separated by `;`.
    pub frames: String,
    pub self_ns: u64,
}

/// How the times were taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// By sampling: the guest counts calls and keeps its stack in globals of its own, and the
    /// host samples the stack at a steady pace. Calls are exact, times are estimates.
    #[default]
    Sampled,
    /// A probe call into the host at every entry and exit: exact times and calls per call
    /// path, at a high cost for call-heavy code.
    Exact,
}

/// What the probes cost.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overhead {
    pub method: Method,
    /// Exact: probe calls made, one per entry and one per exit. Sampled: calls the guest
    /// counted, each paying for its bookkeeping.
    pub probe_calls: u64,
    /// The cost of each on this engine, measured on a loop of calls
    /// ([`super::calibrate`]); `None` if not measured.
    pub ns_per_probe: Option<f64>,
    /// Samples taken (sampled only).
    pub samples: u64,
}

impl Overhead {
    /// The time the probes took, estimated.
    pub fn estimated_ns(&self) -> Option<u64> {
        self.ns_per_probe
            .map(|ns| (ns * self.probe_calls as f64) as u64)
    }
}

impl Profile {
    pub(crate) fn new(state: &State, symbols: &Symbols) -> Profile {
        let mut profile = Profile::from_nodes(&state.nodes, symbols);
        profile.wall_ns = state.wall_ns;
        profile.overhead = Overhead {
            method: Method::Exact,
            probe_calls: state.probes,
            ns_per_probe: None,
            samples: 0,
        };
        profile
    }

    /// The profile of a call tree (node 0 its root); `wall_ns` and `overhead` left for the
    /// caller.
    pub(crate) fn from_nodes(nodes: &[Node], symbols: &Symbols) -> Profile {
        let mut by_func: HashMap<u32, FunctionStats> = HashMap::new();
        let mut stacks = Vec::new();
        // Depth-first, with the functions active on the path, for recursion-aware totals.
        let mut on_path: HashMap<u32, u32> = HashMap::new();
        let mut names: Vec<String> = Vec::new();
        let mut todo: Vec<(usize, bool)> = vec![];
        if !nodes.is_empty() {
            for &(_, child) in nodes[0].children() {
                todo.push((child, false));
            }
        }
        while let Some((i, leaving)) = todo.pop() {
            let node = &nodes[i];
            if leaving {
                names.pop();
                if let Some(n) = on_path.get_mut(&node.func) {
                    *n -= 1;
                }
                continue;
            }
            let name = match node.func {
                super::recorder::FULL => "[call tree full]".to_string(),
                super::samples::PENDING => "[unknown]".to_string(),
                func => symbols.name(func),
            };
            if matches!(node.func, super::recorder::FULL | super::samples::PENDING) {
                if node.self_ns > 0 {
                    stacks.push(Stack {
                        frames: names
                            .iter()
                            .chain([&name])
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(";"),
                        self_ns: node.self_ns,
                    });
                }
                names.push(name);
                todo.push((i, true));
                for &(_, child) in node.children().iter().rev() {
                    todo.push((child, false));
                }
                continue;
            }
            let stats = by_func.entry(node.func).or_insert_with(|| FunctionStats {
                func: node.func,
                name: name.clone(),
                host: node.host,
                calls: 0,
                self_ns: 0,
                total_ns: 0,
            });
            stats.calls += node.calls;
            stats.self_ns += node.self_ns;
            let active = on_path.entry(node.func).or_default();
            if *active == 0 {
                stats.total_ns += node.total_ns;
            }
            *active += 1;
            names.push(name);
            if node.self_ns > 0 {
                stacks.push(Stack {
                    frames: names.join(";"),
                    self_ns: node.self_ns,
                });
            }
            todo.push((i, true));
            for &(_, child) in node.children().iter().rev() {
                todo.push((child, false));
            }
        }
        let mut functions: Vec<FunctionStats> = by_func.into_values().collect();
        functions.sort_by(|a, b| b.self_ns.cmp(&a.self_ns).then(a.func.cmp(&b.func)));
        Profile {
            wall_ns: 0,
            functions,
            stacks,
            overhead: Overhead::default(),
        }
    }

    /// The `n` functions with the most self time.
    pub fn top(&self, n: usize) -> &[FunctionStats] {
        &self.functions[..n.min(self.functions.len())]
    }

    /// The folded-stacks text (`a;b;c 1234` per line, in nanoseconds) that flame graph tools
    /// read.
    pub fn folded(&self) -> String {
        self.stacks
            .iter()
            .map(|s| format!("{} {}\n", s.frames, s.self_ns))
            .collect()
    }

    /// The function with this name, if it ran.
    pub fn function(&self, name: &str) -> Option<&FunctionStats> {
        self.functions.iter().find(|f| f.name == name)
    }
}

impl Profile {
    /// Calls per function counted apart from the tree (sampling counts per function, not per
    /// path): `calls` for the guest's functions, `host_calls` for imports. A function that
    /// was called but never sampled is listed with no time.
    pub(crate) fn set_calls(
        &mut self,
        calls: &HashMap<u32, u64>,
        host_calls: &HashMap<u32, u64>,
        symbols: &Symbols,
    ) {
        for f in &mut self.functions {
            let counted = if f.host { host_calls } else { calls };
            f.calls = counted.get(&f.func).copied().unwrap_or(0);
        }
        for (counted, host) in [(calls, false), (host_calls, true)] {
            for (&func, &n) in counted {
                if !self
                    .functions
                    .iter()
                    .any(|f| f.func == func && f.host == host)
                {
                    self.functions.push(FunctionStats {
                        func,
                        name: symbols.name(func),
                        host,
                        calls: n,
                        self_ns: 0,
                        total_ns: 0,
                    });
                }
            }
        }
        self.functions
            .sort_by(|a, b| b.self_ns.cmp(&a.self_ns).then(a.func.cmp(&b.func)));
    }
}
