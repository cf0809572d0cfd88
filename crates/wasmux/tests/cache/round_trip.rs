//! Compile, serialize, store, load, run: the loaded module computes what the compiled one does.

use super::*;
use wasmux::{read_aot, write_aot};

#[test]
fn every_serializing_engine_round_trips_through_the_cache() {
    for engine in serializing_engines() {
        let name = &engine.info().name;
        let (_dir, cache) = temp_cache();
        let (key, entry) = fib_entry(engine.as_ref());
        assert_eq!(cache.get(&key).unwrap(), None, "{name}: empty cache");
        cache.put(&key, &entry).unwrap();
        let got = cache.get(&key).unwrap().expect("a hit after put");
        assert_eq!(got, entry, "{name}");

        let fresh = engine.compile(&fib_wasm()).unwrap();
        let loaded = engine.deserialize(&got.artifact).unwrap();
        let expected = call_fib(engine.as_ref(), fresh.as_ref(), None, 20);
        assert_eq!(expected, vec![Val::I32(6765)], "{name}");
        assert_eq!(
            call_fib(engine.as_ref(), loaded.as_ref(), None, 20),
            expected,
            "{name}"
        );
        // wasmtime builds one engine per stack limit: a loaded module must serve them all.
        let stack = Some(256 * 1024);
        assert_eq!(
            call_fib(engine.as_ref(), loaded.as_ref(), stack, 20),
            expected,
            "{name}"
        );
        // And a loaded module serializes again, for a cache filled from an AOT file.
        assert!(
            engine.serialize(loaded.as_ref()).unwrap().is_some(),
            "{name}"
        );

        let listed = cache.list().unwrap();
        assert_eq!(listed.len(), 1, "{name}");
        assert_eq!(listed[0].header.as_ref().unwrap().key, key, "{name}");
        assert_eq!(cache.size().unwrap().files, 1, "{name}");
        assert_eq!(cache.clean().unwrap().files, 1, "{name}");
        assert_eq!(cache.get(&key).unwrap(), None, "{name}: cleaned");
    }
}

#[test]
fn interpreters_serialize_nothing() {
    for name in ["wasm3", "wasmi"] {
        let engine = engine(name);
        assert_eq!(engine.artifact_key(), None, "{name}");
        let compiled = engine.compile(&fib_wasm()).unwrap();
        assert!(
            engine.serialize(compiled.as_ref()).unwrap().is_none(),
            "{name}"
        );
        let err = engine.precompile_for(&fib_wasm(), "aarch64-unknown-linux-gnu");
        assert!(
            matches!(err, Err(wasmux::Error::Unsupported { .. })),
            "{name}: {err:?}"
        );
    }
}

/// wasmtime writes its major version into every artifact (section `.wasmtime.engine`: a
/// format byte 0, a length byte, the version): the version the build read from Cargo.lock
/// must agree with it.
#[test]
fn the_version_in_the_key_is_the_one_wasmtime_writes_into_its_artifacts() {
    let engine = engine("wasmtime");
    let key = engine.artifact_key().unwrap();
    assert_eq!(engine.info().version, key.version);
    let major = key.version.split('.').next().unwrap();
    let mut marker = vec![0, major.len() as u8];
    marker.extend_from_slice(major.as_bytes());
    let (_, entry) = fib_entry(engine.as_ref());
    assert!(
        entry.artifact.windows(marker.len()).any(|w| w == marker),
        "wasmtime's artifact does not name major version {major}"
    );
}

#[test]
fn an_aot_file_round_trips_and_names_both_sides_on_another_engine() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fib.cwasm");
    let winch = engine("wasmtime:winch");
    let (key, entry) = fib_entry(winch.as_ref());
    write_aot(&path, &key, &entry).unwrap();
    let read = read_aot(&path, winch.as_ref()).unwrap();
    assert_eq!((read.key, read.entry), (key.clone(), entry));

    let wasmer = engine("wasmer");
    let err = read_aot(&path, wasmer.as_ref()).unwrap_err().to_string();
    let (ours, theirs) = (key.engine, wasmer.artifact_key().unwrap());
    let expected = format!(
        "compiled for wasmtime:winch {} on {}; this is wasmer {} on {}",
        ours.version, ours.target, theirs.version, theirs.target
    );
    assert!(err.contains(&expected), "{err}");

    let err = read_aot(&path, engine("wasmi").as_ref()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "wasmi does not write compiled code to files"
    );
}

#[test]
fn code_cross_compiled_for_aarch64_is_refused_here_naming_both_targets() {
    let cranelift = engine("wasmtime");
    let target = "aarch64-unknown-linux-gnu";
    let artifact = cranelift.precompile_for(&fib_wasm(), target).unwrap();
    assert_eq!(artifact.key.target, target);
    // An ELF object for 64-bit ARM (e_machine 183).
    assert_eq!(&artifact.bytes[..4], b"\x7fELF");
    assert_eq!(
        u16::from_le_bytes([artifact.bytes[18], artifact.bytes[19]]),
        183
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fib.aarch64.cwasm");
    let key = CacheKey::new(&fib_wasm(), "", artifact.key.clone());
    let entry = Entry {
        metadata: Vec::new(),
        artifact: artifact.bytes,
    };
    write_aot(&path, &key, &entry).unwrap();
    let here = cranelift.artifact_key().unwrap();
    let err = read_aot(&path, cranelift.as_ref()).unwrap_err().to_string();
    let expected = format!(
        "compiled for wasmtime {v} on {target}; this is wasmtime {v} on {}",
        here.target,
        v = here.version
    );
    assert!(err.contains(&expected), "{err}");
    assert_ne!(
        here.target, target,
        "this test expects a host other than aarch64"
    );
}

#[test]
fn compiling_for_the_host_gives_the_hosts_key() {
    for engine in serializing_engines() {
        let key = engine.artifact_key().unwrap();
        match engine.precompile_for(&fib_wasm(), &key.target) {
            Ok(artifact) => {
                assert_eq!(artifact.key, key, "{}", key.engine);
                let loaded = engine.deserialize(&artifact.bytes).unwrap();
                assert_eq!(
                    call_fib(engine.as_ref(), loaded.as_ref(), None, 10),
                    vec![Val::I32(55)]
                );
            }
            Err(e) => assert!(key.engine.starts_with("wasmer"), "{e}"),
        }
    }
}
