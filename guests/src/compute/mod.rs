//! Compute kernels for benchmarks: each runs one workload `n` times and returns a checksum of
//! what it computed. The checksum is the same on every engine (integer work, or floating point
//! summed in a fixed order), so one run both measures an engine and checks it.

mod coremark;
mod workloads;

/// One workload, run by `compute NAME N` (`guests/src/bin/compute.rs`).
pub struct Kernel {
    pub name: &'static str,
    /// Iterations that take about a second on wasmtime (Cranelift) on the project's machine.
    pub default_n: u32,
    pub what: &'static str,
    pub run: fn(u32) -> u64,
}

pub const KERNELS: &[Kernel] = &[
    Kernel {
        name: "list",
        default_n: 36_000,
        what: "CoreMark's list: find, reverse and merge-sort a 256-node linked list",
        run: coremark::list,
    },
    Kernel {
        name: "matrix",
        default_n: 22_000,
        what: "CoreMark's matrix: add, multiply and bit-extract small-integer 24x24 matrices",
        run: coremark::matrix,
    },
    Kernel {
        name: "state",
        default_n: 85_000,
        what: "CoreMark's state machine: classify the numbers in a 2 KiB string, twice",
        run: coremark::state,
    },
    Kernel {
        name: "crc16",
        default_n: 11_000,
        what: "CoreMark's CRC-16, bit by bit, over 8 KiB",
        run: coremark::crc16,
    },
    Kernel {
        name: "sha256",
        default_n: 6_000,
        what: "SHA-256 (the sha2 crate) of a 16 KiB buffer",
        run: workloads::sha256,
    },
    Kernel {
        name: "matmul",
        default_n: 4_000,
        what: "f64 matrix multiply, 64x64",
        run: workloads::matmul,
    },
    Kernel {
        name: "sort",
        default_n: 2_200,
        what: "sort_unstable of 20,000 xorshift u64",
        run: workloads::sort,
    },
    Kernel {
        name: "regex",
        default_n: 220,
        what: "regex crate (without Unicode tables): captures over 400 log lines",
        run: workloads::regex,
    },
];

pub fn find(name: &str) -> Option<&'static Kernel> {
    KERNELS.iter().find(|k| k.name == name)
}

/// Folds 64-bit values into one checksum (FNV-1a over words, then a final mix).
pub struct Checksum(u64);

impl Checksum {
    pub fn new() -> Self {
        Checksum(0xcbf2_9ce4_8422_2325)
    }

    pub fn add(&mut self, value: u64) {
        self.0 = (self.0 ^ value).wrapping_mul(0x0000_0100_0000_01b3);
    }

    pub fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^ (x >> 33)
    }
}

impl Default for Checksum {
    fn default() -> Self {
        Self::new()
    }
}

/// xorshift64 with a fixed seed: the same inputs on every engine and every run.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}
