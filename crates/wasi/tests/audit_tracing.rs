//! Audit events through `tracing`: a subscriber sees one event per WASI call of a real guest,
//! at INFO when allowed and WARN when refused, with the call's fields.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use wasmux::wasi::audit::TARGET;
use wasmux::wasi::{AuditLevel, AuditSink, Mode};

/// One event as a subscriber received it.
#[derive(Debug)]
struct Seen {
    level: Level,
    fields: BTreeMap<String, String>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// A subscriber keeping every audit event; it declines everything else (engines trace too).
#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<Seen>>>);

impl Subscriber for Collector {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == TARGET
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        assert_eq!(event.metadata().target(), TARGET);
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Seen {
            level: *event.metadata().level(),
            fields,
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Every field as text: strings as they are, numbers in decimal.
struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
}

/// Runs `touch /ro/a.txt /rw/b.txt` (a refused write, then an allowed one) with audit events
/// going to `tracing` at `level`; returns what the subscriber saw and the context's id.
fn touch_traced(level: AuditLevel) -> (Vec<Seen>, u64) {
    let root = tempfile::tempdir().unwrap();
    let (ro, rw) = (root.path().join("ro"), root.path().join("rw"));
    std::fs::create_dir_all(&ro).unwrap();
    std::fs::create_dir_all(&rw).unwrap();
    let collector = Collector::default();
    let mut instance = 0;
    // One engine is enough: the events are built above the engines, once for all of them.
    let out = tracing::subscriber::with_default(collector.clone(), || {
        run("wasmtime", &guest("touch"), |ctx| {
            instance = ctx.instance_id();
            ctx.args(["touch", "/ro/a.txt", "/rw/b.txt"])
                .preopen_dir(&ro, "/ro", Mode::Ro)
                .unwrap()
                .preopen_dir(&rw, "/rw", Mode::Rw)
                .unwrap()
                .audit(AuditSink::tracing(level))
        })
    });
    assert_eq!(out.status, Ok(0), "{out:?}");
    assert_eq!(out.stdout, "/ro/a.txt: errno 69\n/rw/b.txt: ok\n");
    assert_eq!(std::fs::read_to_string(rw.join("b.txt")).unwrap(), "x");
    let seen = std::mem::take(&mut *collector.0.lock().unwrap());
    (seen, instance)
}

#[test]
fn every_call_becomes_a_tracing_event_with_its_fields() {
    let (seen, instance) = touch_traced(AuditLevel::All);
    let id = instance.to_string();
    assert!(
        seen.iter()
            .all(|e| e.field("instance") == Some(id.as_str())),
        "{seen:#?}"
    );
    for e in &seen {
        e.field("duration_ns")
            .and_then(|d| d.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no duration in {e:?}"));
    }

    let refused: Vec<&Seen> = seen.iter().filter(|e| e.level == Level::WARN).collect();
    assert_eq!(refused.len(), 1, "{seen:#?}");
    let open = refused[0];
    assert_eq!(open.field("func"), Some("path_open"));
    assert_eq!(open.field("decision"), Some("denied"));
    assert_eq!(open.field("errno"), Some("69"));
    assert_eq!(open.field("rule"), Some("fs /ro: mounted ro"));
    assert_eq!(open.field("path"), Some("a.txt"));
    assert_eq!(open.field("fd"), Some("3"), "the first preopen");

    let allowed = |func: &str, path: &str| {
        seen.iter()
            .find(|e| e.field("func") == Some(func) && e.field("path") == Some(path))
            .unwrap_or_else(|| panic!("no {func} of {path} in {seen:#?}"))
    };
    let open = allowed("path_open", "b.txt");
    assert_eq!(open.level, Level::INFO);
    assert_eq!(open.field("decision"), Some("allowed"));
    assert_eq!(open.field("errno"), Some("0"));
    assert_eq!(open.field("fd"), Some("4"), "the second preopen");
    assert_eq!(open.field("rule"), None);

    // The one-byte write to b.txt, on neither stdout nor a preopen.
    let write = seen
        .iter()
        .find(|e| {
            e.field("func") == Some("fd_write") && !matches!(e.field("fd"), Some("1" | "3" | "4"))
        })
        .unwrap_or_else(|| panic!("no write to b.txt in {seen:#?}"));
    assert_eq!(
        (write.level, write.field("bytes")),
        (Level::INFO, Some("1"))
    );
    assert_eq!(write.field("path"), None);
}

#[test]
fn at_level_denied_only_refusals_are_traced() {
    let (seen, _) = touch_traced(AuditLevel::Denied);
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert_eq!(seen[0].level, Level::WARN);
    assert_eq!(seen[0].field("func"), Some("path_open"));
    assert_eq!(seen[0].field("path"), Some("a.txt"));
}
