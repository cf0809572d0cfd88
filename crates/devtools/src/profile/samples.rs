//! The host side of the sampling probes: a call tree of sampled time whose frames are named
//! as they return (see `wasmux_instrument::sample`).

use std::collections::HashMap;

use super::recorder::{Node, FULL, MAX_PATHS};

/// A frame not named yet: it was running at a sample and has not returned.
pub(crate) const PENDING: u32 = u32::MAX - 2;
const ROOT: usize = 0;
/// Levels of the stack the host follows at most.
const MAX_LEVELS: usize = 1 << 16;

pub(crate) struct SampleTree {
    nodes: Vec<TreeNode>,
    /// Nodes merged into others, for reuse: a pending frame becomes garbage as soon as it is
    /// named, on every sample.
    free: Vec<usize>,
    /// The pending frame of each level from 1 up, as far as the host knows the stack.
    live: Vec<usize>,
    /// Paths kept at most (nodes in use).
    limit: usize,
    /// The caller's node and the import of a host call in progress, and when it started.
    in_host: Option<(usize, u32, u64)>,
    /// When the last sample was taken.
    last: Option<u64>,
    pub samples: u64,
    pub host_calls: HashMap<u32, u64>,
}

struct TreeNode {
    func: u32,
    host: bool,
    self_ns: u64,
    parent: usize,
    children: Vec<usize>,
}

impl SampleTree {
    pub fn new(limit: Option<usize>) -> SampleTree {
        SampleTree {
            nodes: vec![TreeNode::new(u32::MAX, false, ROOT)],
            free: vec![],
            live: vec![],
            limit: limit.unwrap_or(MAX_PATHS),
            in_host: None,
            last: None,
            samples: 0,
            host_calls: HashMap::new(),
        }
    }

    /// A sample at `now`: `func` runs at `level`. The time since the last sample goes to it.
    /// Returns its node.
    pub fn sample(&mut self, now: u64, func: u32, level: u32) -> usize {
        let weight = now.saturating_sub(self.last.unwrap_or(now));
        self.last = Some(now);
        self.samples += 1;
        let level = level.max(1) as usize;
        if level > MAX_LEVELS {
            // Deeper than any engine's stack lets a guest go (a trap left `depth` raised and
            // nobody collected): the time is kept, the stack is not.
            self.live.clear();
            let full = self.child(ROOT, FULL, false);
            let leaf = self.child(full, func, false);
            self.nodes[leaf].self_ns += weight;
            return leaf;
        }
        if self.live.len() >= level {
            // The frame at `level` is `func`; pending frames above it are stale (an
            // exception unwound them) and stay unnamed.
            self.live.truncate(level);
            self.name_top(func);
        }
        let leaf = if self.in_use() >= self.limit {
            // The stack is lost, the function's time is kept.
            self.live.clear();
            let full = self.child(ROOT, FULL, false);
            self.child(full, func, false)
        } else {
            while self.live.len() < level - 1 {
                let parent = self.live.last().copied().unwrap_or(ROOT);
                let node = self.alloc(PENDING, false, parent);
                self.nodes[parent].children.push(node);
                self.live.push(node);
            }
            let parent = self.live.last().copied().unwrap_or(ROOT);
            self.child(parent, func, false)
        };
        self.nodes[leaf].self_ns += weight;
        leaf
    }

    /// The frame at `level` returns at `now`: it was `func`.
    pub fn resolve(&mut self, now: u64, func: u32, level: u32) {
        self.name_level(Some(now), func, level);
    }

    /// Names the frame at `level` `func`; when it returned at `now` (rather than ended in a
    /// trap), it takes the time since the last sample if it is the outermost.
    fn name_level(&mut self, returned: Option<u64>, func: u32, level: u32) {
        let level = level as usize;
        if level == 0 || self.live.len() < level {
            return;
        }
        self.live.truncate(level);
        if let (1, Some(now)) = (level, returned) {
            // The outermost frame returns: the time since the last sample, which no later
            // sample will claim, is its own.
            let node = self.live[0];
            let last = self.last.unwrap_or(now);
            self.nodes[node].self_ns += now.saturating_sub(last);
            self.last = Some(now);
        }
        self.name_top(func);
    }

    pub fn host_enter(&mut self, now: u64, import: u32, caller: u32, level: u32) {
        *self.host_calls.entry(import).or_default() += 1;
        let node = self.sample(now, caller, level);
        self.in_host = Some((node, import, now));
    }

    pub fn host_exit(&mut self, now: u64, import: u32) {
        let Some((caller, entered, start)) = self.in_host.take() else {
            return;
        };
        if entered != import {
            return;
        }
        let node = self.child(caller, import, true);
        self.nodes[node].self_ns += now.saturating_sub(start);
        self.last = Some(now);
    }

    /// Names the frames still running from `funcs`, the whole stack outermost first (as a
    /// backtrace gives it), when it is at least as deep as what the host follows.
    pub fn name_running(&mut self, funcs: &[u32]) {
        if funcs.len() < self.live.len() {
            return;
        }
        while let Some(level) = std::num::NonZeroUsize::new(self.live.len()) {
            self.name_level(None, funcs[level.get() - 1], level.get() as u32);
        }
    }

    /// Forgets the stack a trap or an exit left (its frames stay unnamed) and the time of
    /// the last sample, so that the time until the next call is nobody's.
    pub fn unwind(&mut self) {
        self.live.clear();
        self.in_host = None;
        self.last = None;
    }

    /// The tree in the recorder's form, totals filled in, pending frames as they are.
    pub fn nodes(&self) -> Vec<Node> {
        let mut out: Vec<Node> = self
            .nodes
            .iter()
            .map(|n| Node::sampled(n.func, n.host, n.self_ns))
            .collect();
        // Children are allocated after their parents unless reused from the free list, so
        // totals are summed over an explicit post-order.
        let mut order = Vec::with_capacity(self.nodes.len());
        let mut todo = vec![ROOT];
        while let Some(i) = todo.pop() {
            order.push(i);
            todo.extend(&self.nodes[i].children);
        }
        for &i in order.iter().rev() {
            let total = self.nodes[i].self_ns
                + self.nodes[i]
                    .children
                    .iter()
                    .map(|&c| out[c].total_ns)
                    .sum::<u64>();
            out[i].total_ns = total;
            let children = self.nodes[i]
                .children
                .iter()
                .map(|&c| (self.nodes[c].func, c))
                .collect();
            out[i].set_children(children);
        }
        out
    }

    fn in_use(&self) -> usize {
        self.nodes.len() - self.free.len()
    }

    /// Names the topmost pending frame `func` and takes it off the stack, merging it into
    /// a sibling that is the same function.
    fn name_top(&mut self, func: u32) {
        let Some(node) = self.live.pop() else {
            return;
        };
        self.nodes[node].func = func;
        let parent = self.nodes[node].parent;
        let twin = self.nodes[parent]
            .children
            .iter()
            .copied()
            .find(|&c| c != node && self.nodes[c].func == func && !self.nodes[c].host);
        if let Some(twin) = twin {
            self.merge(node, twin);
        }
    }

    /// Moves everything of `from` into `into` (the same function under the same parent),
    /// and frees `from`.
    fn merge(&mut self, from: usize, into: usize) {
        let parent = self.nodes[from].parent;
        self.nodes[parent].children.retain(|&c| c != from);
        let mut todo = vec![(from, into)];
        while let Some((from, into)) = todo.pop() {
            self.nodes[into].self_ns += self.nodes[from].self_ns;
            for child in std::mem::take(&mut self.nodes[from].children) {
                let (func, host) = (self.nodes[child].func, self.nodes[child].host);
                let twin = (func != PENDING)
                    .then(|| {
                        self.nodes[into]
                            .children
                            .iter()
                            .copied()
                            .find(|&c| self.nodes[c].func == func && self.nodes[c].host == host)
                    })
                    .flatten();
                match twin {
                    Some(twin) => todo.push((child, twin)),
                    None => {
                        self.nodes[child].parent = into;
                        self.nodes[into].children.push(child);
                    }
                }
            }
            self.nodes[from] = TreeNode::new(PENDING, false, ROOT);
            self.free.push(from);
        }
    }

    /// The child of `parent` for `func`, made if missing.
    fn child(&mut self, parent: usize, func: u32, host: bool) -> usize {
        let found = self.nodes[parent]
            .children
            .iter()
            .copied()
            .find(|&c| self.nodes[c].func == func && self.nodes[c].host == host);
        found.unwrap_or_else(|| {
            let node = self.alloc(func, host, parent);
            self.nodes[parent].children.push(node);
            node
        })
    }

    fn alloc(&mut self, func: u32, host: bool, parent: usize) -> usize {
        match self.free.pop() {
            Some(i) => {
                self.nodes[i] = TreeNode::new(func, host, parent);
                i
            }
            None => {
                self.nodes.push(TreeNode::new(func, host, parent));
                self.nodes.len() - 1
            }
        }
    }
}

impl TreeNode {
    fn new(func: u32, host: bool, parent: usize) -> TreeNode {
        TreeNode {
            func,
            host,
            self_ns: 0,
            parent,
            children: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plays the guest's side as `wasmux_instrument::sample` writes it (depth, watch,
    /// countdown), on a random walk of calls and returns, against the tree; the host must
    /// end up with the true stack of every sample, weighted by the time since the one before.
    struct Guest {
        tree: SampleTree,
        stack: Vec<u32>,
        depth: u32,
        watch: u32,
        countdown: u32,
        now: u64,
        last: u64,
        truth: HashMap<Vec<u32>, u64>,
    }

    impl Guest {
        fn new(limit: Option<usize>) -> Guest {
            Guest {
                tree: SampleTree::new(limit),
                stack: vec![],
                depth: 0,
                watch: 0,
                countdown: 1,
                now: 0,
                last: 0,
                truth: HashMap::new(),
            }
        }

        fn enter(&mut self, func: u32, every: u32) {
            self.now += 7;
            self.depth += 1;
            self.stack.push(func);
            self.countdown -= 1;
            if self.countdown == 0 {
                let first = self.tree.samples == 0;
                self.tree.sample(self.now, func, self.depth);
                if !first {
                    *self.truth.entry(self.stack.clone()).or_default() += self.now - self.last;
                }
                self.last = self.now;
                self.countdown = every;
                self.watch = self.depth - 1;
            }
        }

        fn exit(&mut self) {
            self.now += 3;
            let func = self.stack.pop().unwrap();
            let level = self.depth;
            if level == self.watch {
                if level == 1 {
                    *self.truth.entry(vec![func]).or_default() += self.now - self.last;
                    self.last = self.now;
                }
                self.tree.resolve(self.now, func, level);
                self.watch -= 1;
            }
            self.depth = level - 1;
        }

        /// Folded stacks, from the tree, by function index.
        fn folded(&self) -> HashMap<Vec<u32>, u64> {
            let nodes = self.tree.nodes();
            let mut out = HashMap::new();
            let mut todo = vec![(0usize, vec![])];
            while let Some((i, path)) = todo.pop() {
                for &(func, child) in nodes[i].children() {
                    let mut path = path.clone();
                    path.push(func);
                    if nodes[child].self_ns > 0 {
                        *out.entry(path.clone()).or_default() += nodes[child].self_ns;
                    }
                    todo.push((child, path));
                }
            }
            out
        }
    }

    fn walk(guest: &mut Guest, seed: u64, steps: usize, funcs: u32, every: u32) {
        let mut rng = seed;
        let mut next = || {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng >> 33) as u32
        };
        guest.enter(0, every);
        for _ in 0..steps {
            // Deeper on average while shallow, back up while deep.
            let up = next() % 100 < 45 + guest.stack.len().min(40) as u32;
            if up && guest.stack.len() > 1 {
                guest.exit();
            } else {
                let f = 1 + next() % funcs;
                guest.enter(f, every);
            }
        }
        while !guest.stack.is_empty() {
            guest.exit();
        }
    }

    #[test]
    fn every_sample_gets_its_true_stack() {
        for (seed, every) in [(1, 1), (2, 3), (3, 17), (4, 64)] {
            let mut guest = Guest::new(None);
            walk(&mut guest, seed, 20_000, 6, every);
            assert_eq!(guest.folded(), guest.truth, "seed {seed}, every {every}");
            let total: u64 = guest.truth.values().sum();
            assert!(total > 0);
        }
    }

    #[test]
    fn named_frames_are_merged_and_their_nodes_reused() {
        // The same walk again and again: the same paths, so the tree must stop growing
        // although every sample makes pending frames.
        let mut guest = Guest::new(None);
        for _ in 0..10 {
            walk(&mut guest, 7, 5_000, 3, 2);
        }
        let after_ten = guest.tree.nodes.len();
        for _ in 0..100 {
            walk(&mut guest, 7, 5_000, 3, 2);
        }
        assert!(guest.tree.samples > 100_000);
        assert_eq!(
            guest.tree.nodes.len(),
            after_ten,
            "nodes after 110 walks and after 10"
        );
        assert_eq!(guest.folded(), guest.truth);
    }

    #[test]
    fn past_the_path_limit_time_is_kept_per_function() {
        let mut guest = Guest::new(Some(50));
        walk(&mut guest, 9, 20_000, 8, 5);
        let nodes = guest.tree.nodes();
        assert!(
            guest.tree.in_use() <= 50 + 10,
            "{} nodes",
            guest.tree.in_use()
        );
        let full = nodes[0]
            .children()
            .iter()
            .find(|&&(f, _)| f == FULL)
            .map(|&(_, n)| n);
        assert!(full.is_some(), "no [call tree full] node");
        // No time is lost but the last stretch, after the last sample (its frames were
        // forgotten, so the outermost one returning cannot claim it).
        let truth: u64 = guest.truth.values().sum();
        let kept: u64 = nodes[0]
            .children()
            .iter()
            .map(|&(_, c)| nodes[c].total_ns)
            .sum();
        assert!(
            kept <= truth && truth - kept < 5 * 10,
            "kept {kept} of {truth}"
        );
    }

    #[test]
    fn a_host_call_is_timed_under_its_caller() {
        let mut tree = SampleTree::new(None);
        // main (1) at level 1 calls f (2), which calls host function 9; f returns, then
        // main (watched since the sample in f) returns.
        tree.sample(0, 1, 1);
        tree.sample(50, 2, 2);
        tree.host_enter(100, 9, 2, 2);
        tree.host_exit(350, 9);
        tree.resolve(400, 1, 1);
        let nodes = tree.nodes();
        let (_, main) = nodes[0].children()[0];
        let (_, f) = nodes[main].children()[0];
        let (_, host) = nodes[f].children()[0];
        assert!(nodes[host].host);
        assert_eq!(nodes[host].self_ns, 250);
        // 0..50 before the sample in f, 50..100 before the host call.
        assert_eq!(nodes[f].self_ns, 100);
        assert_eq!(nodes[f].total_ns, 350);
        // The first sample in main is merged with main named on return, which takes the
        // time after the last sample (350 to 400).
        assert_eq!(nodes[0].children().len(), 1);
        assert_eq!(nodes[main].self_ns, 50);
        assert_eq!(nodes[main].total_ns, 400);
        assert_eq!(tree.host_calls[&9], 1);
    }
}
