//! The four workloads of EEMBC's CoreMark, written again in Rust: a linked list, small-integer
//! matrices, a state machine over a string, and CRC-16. Same shapes and operations as
//! CoreMark's C (`core_list_join.c`, `core_matrix.c`, `core_state.c`, `core_util.c`), not
//! its exact data or scores: these are for comparing engines with each other.

use super::{Checksum, XorShift};

/// CoreMark's `crcu8`: CRC-16 (polynomial 0xA001, reflected), one bit at a time.
fn crcu8(mut data: u8, mut crc: u16) -> u16 {
    for _ in 0..8 {
        let x16 = (data & 1) ^ (crc as u8 & 1);
        data >>= 1;
        if x16 == 1 {
            crc ^= 0x4002;
            crc = (crc >> 1) | 0x8000;
        } else {
            crc >>= 1;
        }
    }
    crc
}

fn crc16_of(value: u16, crc: u16) -> u16 {
    crcu8((value >> 8) as u8, crcu8(value as u8, crc))
}

pub fn crc16(n: u32) -> u64 {
    let mut rng = XorShift::new(0xc0de);
    let data: Vec<u8> = (0..8192).map(|_| rng.next() as u8).collect();
    let mut crc = 0u16;
    let mut sum = Checksum::new();
    for _ in 0..n {
        for &b in &data {
            crc = crcu8(b, crc);
        }
        sum.add(crc as u64);
    }
    sum.finish()
}

const NIL: u32 = u32::MAX;
const LIST_LEN: usize = 256;

struct Node {
    next: u32,
    data: i16,
    idx: i16,
}

/// A singly linked list kept in one vector, linked by index: walking it chases pointers as
/// CoreMark's does.
struct List {
    nodes: Vec<Node>,
    head: u32,
}

impl List {
    fn new(rng: &mut XorShift) -> List {
        let nodes = (0..LIST_LEN)
            .map(|i| Node {
                next: if i + 1 == LIST_LEN { NIL } else { i as u32 + 1 },
                data: rng.below(256) as i16,
                idx: i as i16,
            })
            .collect();
        List { nodes, head: 0 }
    }

    fn next(&self, at: u32) -> u32 {
        self.nodes[at as usize].next
    }

    /// The position of the first node holding `data`.
    fn find(&self, data: i16) -> Option<u32> {
        let mut at = self.head;
        let mut pos = 0;
        while at != NIL {
            if self.nodes[at as usize].data == data {
                return Some(pos);
            }
            at = self.next(at);
            pos += 1;
        }
        None
    }

    fn reverse(&mut self) {
        let mut prev = NIL;
        let mut at = self.head;
        while at != NIL {
            let next = self.next(at);
            self.nodes[at as usize].next = prev;
            prev = at;
            at = next;
        }
        self.head = prev;
    }

    /// Stable bottom-up merge sort of the list itself (Simon Tatham's, as CoreMark uses).
    fn sort_by(&mut self, key: impl Fn(&Node) -> i16) {
        let mut insize = 1;
        let mut list = self.head;
        loop {
            let mut p = list;
            list = NIL;
            let mut tail = NIL;
            let mut merges = 0;
            while p != NIL {
                merges += 1;
                let mut q = p;
                let mut psize = 0;
                for _ in 0..insize {
                    psize += 1;
                    q = self.next(q);
                    if q == NIL {
                        break;
                    }
                }
                let mut qsize = insize;
                while psize > 0 || (qsize > 0 && q != NIL) {
                    let take_p = if psize == 0 {
                        false
                    } else if qsize == 0 || q == NIL {
                        true
                    } else {
                        key(&self.nodes[p as usize]) <= key(&self.nodes[q as usize])
                    };
                    let e = if take_p {
                        let e = p;
                        p = self.next(p);
                        psize -= 1;
                        e
                    } else {
                        let e = q;
                        q = self.next(q);
                        qsize -= 1;
                        e
                    };
                    if tail == NIL {
                        list = e;
                    } else {
                        self.nodes[tail as usize].next = e;
                    }
                    tail = e;
                }
                p = q;
            }
            if tail != NIL {
                self.nodes[tail as usize].next = NIL;
            }
            if merges <= 1 {
                self.head = list;
                return;
            }
            insize *= 2;
        }
    }

    fn crc(&self) -> u16 {
        let mut crc = 0;
        let mut at = self.head;
        while at != NIL {
            crc = crc16_of(self.nodes[at as usize].data as u16, crc);
            at = self.next(at);
        }
        crc
    }
}

pub fn list(n: u32) -> u64 {
    let mut rng = XorShift::new(0x1157);
    let mut list = List::new(&mut rng);
    let mut sum = Checksum::new();
    for i in 0..n {
        let mut found = 0u64;
        let mut missed = 0u64;
        for j in 0..8u32 {
            let wanted = (i.wrapping_mul(7).wrapping_add(j * 31) & 0x1ff) as i16;
            match list.find(wanted) {
                Some(pos) => found += pos as u64,
                None => missed += 1,
            }
        }
        list.reverse();
        list.sort_by(|node| node.data);
        let crc = list.crc();
        list.sort_by(|node| node.idx);
        // One node changes each time, so no two iterations do quite the same work.
        let changed = &mut list.nodes[i as usize % LIST_LEN];
        changed.data = (changed.data + 1) & 0xff;
        sum.add(found << 32 | missed << 16 | crc as u64);
    }
    sum.add(list.crc() as u64);
    sum.finish()
}

const MAT: usize = 24;

/// CoreMark's `matrix_sum`: a running total with a clip, so overflow and order both matter.
fn matrix_sum(c: &[i32], clip: i32) -> i16 {
    let mut tmp = 0i32;
    let mut prev = 0i32;
    let mut ret = 0i16;
    for &cur in c {
        tmp = tmp.wrapping_add(cur);
        if tmp > clip {
            ret = ret.wrapping_add(10);
            tmp = 0;
        } else {
            ret = ret.wrapping_add((cur > prev) as i16);
        }
        prev = cur;
    }
    ret
}

pub fn matrix(n: u32) -> u64 {
    let mut rng = XorShift::new(0x3a7);
    let mut a: Vec<i16> = (0..MAT * MAT).map(|_| rng.below(0x1000) as i16).collect();
    let b: Vec<i16> = (0..MAT * MAT).map(|_| rng.below(0x1000) as i16).collect();
    let mut c = vec![0i32; MAT * MAT];
    let mut sum = Checksum::new();
    for i in 0..n {
        let val = (i as i16 & 0xff) | 0x10;
        let clip = (val as i32) << 16 | 0x0f00;
        let mut crc = 0u16;
        for x in a.iter_mut() {
            *x = x.wrapping_add(val);
        }
        // C = A * val
        for (cx, &ax) in c.iter_mut().zip(&a) {
            *cx = ax as i32 * val as i32;
        }
        crc = crc16_of(matrix_sum(&c, clip) as u16, crc);
        // C = A * the first column of B, a matrix times a vector
        for row in 0..MAT {
            let mut acc = 0i32;
            for k in 0..MAT {
                acc = acc.wrapping_add(a[row * MAT + k] as i32 * b[k * MAT] as i32);
            }
            c[row] = acc;
        }
        crc = crc16_of(matrix_sum(&c[..MAT], clip) as u16, crc);
        // C = A * B
        for row in 0..MAT {
            for col in 0..MAT {
                let mut acc = 0i32;
                for k in 0..MAT {
                    acc = acc.wrapping_add(a[row * MAT + k] as i32 * b[k * MAT + col] as i32);
                }
                c[row * MAT + col] = acc;
            }
        }
        crc = crc16_of(matrix_sum(&c, clip) as u16, crc);
        // C = bits 2..6 and 5..12 of each product of A * B, added up
        for row in 0..MAT {
            for col in 0..MAT {
                let mut acc = 0i32;
                for k in 0..MAT {
                    let p = a[row * MAT + k] as i32 * b[k * MAT + col] as i32;
                    acc = acc.wrapping_add(((p >> 2) & 0xf) * ((p >> 5) & 0x7f));
                }
                c[row * MAT + col] = acc;
            }
        }
        crc = crc16_of(matrix_sum(&c, clip) as u16, crc);
        for x in a.iter_mut() {
            *x = x.wrapping_sub(val);
        }
        // As with the list, a little changes from one iteration to the next.
        a[i as usize % (MAT * MAT)] ^= 0x5;
        sum.add(crc as u64);
    }
    sum.finish()
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Start,
    Invalid,
    S1,
    S2,
    Int,
    Float,
    Exponent,
    Scientific,
}

const STATES: usize = 8;

/// CoreMark's `core_state_transition`: reads one comma-terminated token from `at`, counting
/// the transitions out of each state, and returns the state it ends in.
fn transition(input: &[u8], at: &mut usize, transitions: &mut [u32; STATES]) -> State {
    let mut state = State::Start;
    while *at < input.len() && input[*at] != b',' {
        let c = input[*at];
        let digit = c.is_ascii_digit();
        let next = match state {
            State::Start => {
                if digit {
                    State::Int
                } else if c == b'+' || c == b'-' {
                    State::S1
                } else if c == b'.' {
                    State::Float
                } else {
                    State::Invalid
                }
            }
            State::S1 => {
                if digit {
                    State::Int
                } else if c == b'.' {
                    State::Float
                } else {
                    State::Invalid
                }
            }
            State::Int => {
                if c == b'.' {
                    State::Float
                } else if !digit {
                    State::Invalid
                } else {
                    State::Int
                }
            }
            State::Float => {
                if c == b'E' || c == b'e' {
                    State::S2
                } else if !digit {
                    State::Invalid
                } else {
                    State::Float
                }
            }
            State::S2 => {
                if c == b'+' || c == b'-' {
                    State::Exponent
                } else {
                    State::Invalid
                }
            }
            State::Exponent => {
                if digit {
                    State::Scientific
                } else {
                    State::Invalid
                }
            }
            State::Scientific => {
                if !digit {
                    State::Invalid
                } else {
                    State::Scientific
                }
            }
            State::Invalid => State::Invalid,
        };
        if next != state {
            transitions[state as usize] += 1;
        }
        state = next;
        *at += 1;
    }
    *at += 1;
    state
}

fn scan(input: &[u8], finals: &mut [u32; STATES], transitions: &mut [u32; STATES]) {
    let mut at = 0;
    while at < input.len() {
        let end = transition(input, &mut at, transitions);
        finals[end as usize] += 1;
    }
}

/// CoreMark's inputs: numbers of each kind and some that are not numbers.
const TOKENS: [&str; 16] = [
    "5012", "1234", "-874", "+122", "35.54400", ".1234500", "-110.700", "+0.64400", "5.500e+3",
    "-.123e-2", "-87e+832", "+0.6e-12", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z", "34.0e-T^",
];

pub fn state(n: u32) -> u64 {
    let mut rng = XorShift::new(0x57a7e);
    let mut input = Vec::new();
    while input.len() < 2048 {
        input.extend_from_slice(TOKENS[rng.below(16) as usize].as_bytes());
        input.push(b',');
    }
    let mut sum = Checksum::new();
    for i in 0..n {
        let mut finals = [0u32; STATES];
        let mut transitions = [0u32; STATES];
        scan(&input, &mut finals, &mut transitions);
        // Corrupt every 13th byte and scan again, then undo it, as CoreMark does.
        let mask = (i as u8 & 0x3f) | 1;
        let start = i as usize % 13;
        for b in input.iter_mut().skip(start).step_by(13) {
            *b ^= mask;
        }
        scan(&input, &mut finals, &mut transitions);
        for b in input.iter_mut().skip(start).step_by(13) {
            *b ^= mask;
        }
        let mut crc = 0;
        for k in 0..STATES {
            crc = crc16_of(finals[k] as u16, crc);
            crc = crc16_of(transitions[k] as u16, crc);
        }
        sum.add(crc as u64);
    }
    sum.finish()
}
