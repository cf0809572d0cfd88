//! Which functions a trace shows.

/// Function-name patterns: a pattern with `*` is a glob (`*` matches any run of characters),
/// any other pattern matches names containing it. No pattern shows everything.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    patterns: Vec<String>,
}

impl Filter {
    pub fn new(patterns: Vec<String>) -> Filter {
        Filter { patterns }
    }

    pub fn shows(&self, name: &str) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| matches(p, name))
    }
}

fn matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return name.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &name[first.len()..];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substrings_and_globs() {
        let f = Filter::new(vec!["fib".into(), "wasi*::fd_*".into()]);
        assert!(f.shows("fib"));
        assert!(f.shows("my_fib_helper"));
        assert!(f.shows("wasi_snapshot_preview1::fd_write"));
        assert!(!f.shows("wasi_snapshot_preview1::proc_exit"));
        assert!(!f.shows("main"));
        assert!(Filter::default().shows("anything"));
        assert!(Filter::new(vec!["a*a".into()]).shows("aa"));
        assert!(!Filter::new(vec!["a*a".into()]).shows("a"));
    }
}
