//! Stdio, arguments and environment: prints what it was given, echoes stdin.
use std::io::{Read, Write};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("args: {args:?}");
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.sort();
    println!("env: {env:?}");
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    println!("stdin: {} bytes: {input:?}", input.len());
    eprintln!("to stderr");
    std::io::stdout().flush().unwrap();
}
