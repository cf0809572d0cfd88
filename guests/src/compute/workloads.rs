//! Workloads beyond CoreMark: a hash, floating-point matrices, a sort and a regex, each from
//! code people ship (the sha2 and regex crates, the standard library's sort).

use super::{Checksum, XorShift};
use sha2::{Digest, Sha256};

pub fn sha256(n: u32) -> u64 {
    let mut rng = XorShift::new(0x5a256);
    let mut buf: Vec<u8> = (0..16 * 1024).map(|_| rng.next() as u8).collect();
    let mut digest = [0u8; 32];
    for _ in 0..n {
        // Each hash covers the one before, so none can be skipped.
        buf[..32].copy_from_slice(&digest);
        digest = Sha256::digest(&buf).into();
    }
    u64::from_le_bytes(digest[..8].try_into().unwrap())
}

const M: usize = 64;

pub fn matmul(n: u32) -> u64 {
    let mut rng = XorShift::new(0xf64);
    let mut unit = || (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
    let mut a: Vec<f64> = (0..M * M).map(|_| unit()).collect();
    let b: Vec<f64> = (0..M * M).map(|_| unit()).collect();
    let mut c = vec![0f64; M * M];
    let mut sum = Checksum::new();
    for i in 0..n {
        c.fill(0.0);
        for row in 0..M {
            for k in 0..M {
                let x = a[row * M + k];
                for col in 0..M {
                    c[row * M + col] += x * b[k * M + col];
                }
            }
        }
        // Wasm has no fused multiply-add unless asked, so these bits match on every engine.
        let total: f64 = c.iter().sum();
        sum.add(total.to_bits());
        // Feed one result back (scaled to stay in 0..1) so no two iterations are the same.
        let at = i as usize % (M * M);
        a[at] = c[at] / M as f64;
    }
    sum.finish()
}

pub fn sort(n: u32) -> u64 {
    let mut rng = XorShift::new(0x5047);
    let mut values = vec![0u64; 20_000];
    let mut sum = Checksum::new();
    for _ in 0..n {
        for v in values.iter_mut() {
            *v = rng.next();
        }
        values.sort_unstable();
        let len = values.len();
        for at in [0, len / 4, len / 2, 3 * len / 4, len - 1] {
            sum.add(values[at]);
        }
    }
    sum.finish()
}

pub fn regex(n: u32) -> u64 {
    let mut rng = XorShift::new(0x4e6e);
    let users = ["alice", "bob", "carol", "dave", "eve", "mallory"];
    let domains = ["example", "test", "wasm", "bytecode"];
    let mut text = String::new();
    for line in 0..400 {
        let user = users[rng.below(users.len() as u64) as usize];
        let domain = domains[rng.below(domains.len() as u64) as usize];
        let method = if rng.below(3) == 0 { "POST" } else { "GET" };
        let status = [200, 201, 204, 301, 404, 500][rng.below(6) as usize];
        let tld = if line % 7 == 3 { "net" } else { "com" };
        text.push_str(&format!(
            "{user}{}@{domain}.{tld} {method} /api/v{}/items/{} {status} {}ms\n",
            rng.below(100),
            rng.below(3) + 1,
            rng.below(100_000),
            rng.below(2_000),
        ));
    }
    let re = regex::Regex::new(
        r"(?m)^([a-z]+)([0-9]*)@([a-z]+)\.(?:com|org) (GET|POST) (/[^ ]*) ([0-9]{3}) ([0-9]+)ms$",
    )
    .unwrap();
    let mut sum = Checksum::new();
    for _ in 0..n {
        let mut matches = 0u64;
        let mut total = 0u64;
        for caps in re.captures_iter(&text) {
            matches += 1;
            total += caps[6].parse::<u64>().unwrap() + caps[7].parse::<u64>().unwrap();
            total += caps[1].len() as u64 + caps[5].len() as u64;
        }
        sum.add(matches << 32 | total);
    }
    sum.finish()
}
