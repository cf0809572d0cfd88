//! The facade's side of the compile cache and of AOT files: what an entry holds besides the
//! engine's code, and how a prepared module is made from one without compiling.

use crate::cache::{CacheKey, CompileCache, Entry};
use crate::imports::{module_imports, ModuleImport};
use crate::pass::Rewriting;
use std::sync::Arc;
use wasmux_core::{CompiledModule, Engine, Error};

/// The rewriting, as cache keys and AOT files record it and people read it: what the limits
/// added, and the build of the rewriter that added it.
pub(crate) fn rewrite_label(rewriting: &Rewriting) -> String {
    let opts = &rewriting.opts;
    let on = |yes: bool| if yes { "on" } else { "off" };
    let shadow = if rewriting.shadow_stack {
        ", then a shadow stack"
    } else {
        ""
    };
    let passes: String = rewriting
        .passes
        .iter()
        .map(|p| format!(", then {}", p.label()))
        .collect();
    format!(
        "fuel metering {}, timeout checks {}, memory cap {}, lowering {}{shadow}{passes} (wasmux {}, rewriter {})",
        on(opts.fuel),
        on(opts.interrupt),
        opts.max_memory_pages
            .map_or("none".to_string(), |p| format!("{p} pages")),
        on(opts.lower_post_mvp),
        env!("CARGO_PKG_VERSION"),
        env!("WASMUX_REWRITER_DIGEST")
    )
}

/// The key for `module` (binary) on `engine` with `opts`; `None` if the engine keeps no
/// compiled code.
pub(crate) fn key(engine: &dyn Engine, module: &[u8], rewriting: &Rewriting) -> Option<CacheKey> {
    Some(CacheKey::new(
        module,
        rewrite_label(rewriting),
        engine.artifact_key()?,
    ))
}

/// What an entry keeps besides the code: the compiled module's imports (rewriting adds some),
/// as a module of only its type and import sections, read back with the same parser.
pub(crate) fn metadata(rewritten: &[u8]) -> Vec<u8> {
    use wasmux_instrument::sections::{only, IMPORT, TYPE};
    // The bytes were validated or written by the rewriter, so their sections are well-formed.
    only(rewritten, &[TYPE, IMPORT]).unwrap_or_default()
}

/// The code and imports an entry holds, loaded into `engine`.
pub(crate) fn load(
    engine: &dyn Engine,
    entry: &Entry,
) -> Result<(Arc<dyn CompiledModule>, Vec<ModuleImport>), Error> {
    let imports = module_imports(&entry.metadata)?;
    let compiled = engine.deserialize(&entry.artifact)?;
    Ok((compiled, imports))
}

/// An entry for `compiled`, or `None` if the engine cannot write it out.
pub(crate) fn entry(
    engine: &dyn Engine,
    compiled: &dyn CompiledModule,
    rewritten: &[u8],
) -> Result<Option<Entry>, Error> {
    Ok(engine.serialize(compiled)?.map(|artifact| Entry {
        metadata: metadata(rewritten),
        artifact,
    }))
}

/// Looks `key` up; anything but an intact entry for this key is a miss (the caller compiles
/// and replaces it), so a damaged cache never stops a run.
pub(crate) fn lookup(
    cache: &CompileCache,
    engine: &dyn Engine,
    key: &CacheKey,
) -> Option<(Arc<dyn CompiledModule>, Vec<ModuleImport>)> {
    let loaded = cache.get_mapped(key, |metadata, artifact| {
        let imports = module_imports(metadata)?;
        Ok::<_, Error>((engine.deserialize(artifact)?, imports))
    });
    loaded.ok()??.ok()
}
