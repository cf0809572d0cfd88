//! Exit codes: `exit N` calls proc_exit(N); `return-err` returns an error from main (status
//! 1); `panic` aborts (a trap); anything else returns normally (status 0).
fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("before exit");
    match args.first().map(String::as_str) {
        Some("exit") => std::process::exit(args[1].parse().unwrap()),
        Some("return-err") => Err("main failed".into()),
        Some("panic") => panic!("guest panicked"),
        _ => Ok(()),
    }
}
