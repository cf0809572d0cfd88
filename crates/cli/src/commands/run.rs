use super::cache_args::{self, CacheArgs};
use super::limits::LimitArgs;
use super::policy_args::PolicyArgs;
use super::registry_run::{self, RegistryRunArgs};
use crate::progress::{self, Spinner};
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use wasmux::auto::{self, Calls, Choice};
use wasmux::{
    Error, ErrorKind, ExportKind, Instance, PreparedModule, Runtime, RuntimeBuilder, UnknownImports,
};
use wasmux_registry::DependencyModule;

/// Run a module: its `_start` (a command, with WASI), or one exported function with --invoke.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux run examples/fib.wat --invoke fib 20\n  \
    wasmux run --engine wasm3 --fuel 100000 --stats examples/fib.wat --invoke fib 30\n  \
    wasmux run --timeout 1s --max-memory 16MiB app.wasm\n  \
    wasmux run --dir ./data::/data:ro --dir ./out::/out --env MODE=test app.wasm input.txt\n  \
    wasmux run --dir ./out::/out --max-disk 100MiB app.wasm\n  \
    wasmux run --policy policy.toml --audit audit.jsonl --audit-level all app.wasm\n  \
    wasmux run --dir ./data::/data:ro --stderr guest.err --audit - app.wasm 2> refused.jsonl\n  \
    wasmux run --env-inherit LANG --deny-clock --stdin input.txt --stdout null app.wasm\n  \
    wasmux run --invoke run --dir .::/ interpreter.wasm -c 'print(1)'\n  \
    wasmux compile app.wasm -o app.cwasm && wasmux run app.cwasm\n  \
    wasmux run acme/math@^1.2 3 4                 # from the registry: its manifest's entry\n  \
    wasmux run --lock wasmux.lock --require-signed acme/math@^1.2 3 4\n  \
    wasmux run --coredump app.coredump app.wasm   # on a trap, also write a core dump\n  \
    wasmux run --engine wasmi --backtrace app.wasm # frames of a trap on an interpreter too\n\n\
    A registry package runs its manifest's entry (else _start) unless --invoke says\n\
    otherwise. The manifest's [capabilities] narrow the policy of this command line (a grant\n\
    it asks for that the command line does not give is an error, never a grant); its module\n\
    is re-hashed before it runs and its signature checked.\n\n\
    A module importing wasi_snapshot_preview1 gets WASI with exactly what the policy grants:\n\
    nothing but clocks and randomness unless --dir, --env, --listen or --policy add more.\n\
    Flags add to the policy file and override it where both name the same thing; limit\n\
    flags override the file's [limits]. ARGS become the guest's argv after the module's\n\
    file name. With --invoke they are also the function's arguments: it takes as many as\n\
    it has parameters from the front of ARGS, and the guest still sees them all as argv\n\
    (as wasmtime does), so a reactor's entry point can read a command line through WASI.\n\
    A module exporting `_initialize` (a reactor) has it called first.\n\n\
    A trap is reported with the wasm frames where the guest was, innermost first, named as\n\
    the module's name section has them, with source lines where it carries DWARF (on\n\
    wasmtime and wasmer; on wasm3 and wasmi, and for wasmer's fuel and timeout traps, with\n\
    --backtrace; see ENGINES.md). --coredump writes the guest's memory and those\n\
    frames in the wasm core dump format (tool-conventions' Coredump.md); --stats adds them\n\
    to its JSON line as `trap`.\n\n\
    Compiled code is kept in the compile cache (see --cache) and reused by later runs of the\n\
    same module with the same engine and limits; `wasmux cache` lists and empties it.\n\n\
    --audit - writes the audit's JSON lines to stderr, where the guest's own stderr goes\n\
    too unless --stderr sends it elsewhere.\n\n\
    Exit status: 0 on success; the guest's status if it calls proc_exit with 0..=125; 134\n\
    on a trap, and for proc_exit with 126 or more (WASI reserves those: 255, 256, -1 and\n\
    i32::MAX all give 134, like an `unreachable`); 1 on any other error, including a\n\
    policy refused before the guest starts.")]
pub struct RunArgs {
    /// Engine variant (see `wasmux engines`), or `auto`: the one that should finish first,
    /// from the module's size and what is in the compile cache (the rule is in ENGINES.md).
    /// Default: wasmtime where native code may run, else wasmi.
    #[arg(long, default_value = wasmux::platform::default_engine())]
    engine: String,
    /// Call this exported function instead of `_start`; its parameters come from the front of
    /// ARGS.
    #[arg(long, value_name = "FUNC")]
    invoke: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    cache: CacheArgs,
    #[command(flatten)]
    registry: RegistryRunArgs,
    /// Print one JSON line of statistics to stderr when the call ends.
    #[arg(long)]
    stats: bool,
    /// On a trap, write a core dump to FILE: the guest's memory and the trap's frames, in the
    /// wasm core dump format (tool-conventions' Coredump.md). A trap in a start function,
    /// before the instance exists, writes none.
    #[arg(long, value_name = "FILE")]
    coredump: Option<PathBuf>,
    /// On wasm3 and wasmi, which report no frames of a trap, have the guest record them, so
    /// that a trap prints its backtrace there too; likewise on wasmer's Singlepass, which has
    /// none for fuel and timeout traps. Slower there (up to about 3x on code that does
    /// little but call); wasmtime and wasmer's LLVM always report frames.
    #[arg(long)]
    backtrace: bool,
    /// What to link for imports nothing provides.
    #[arg(long, value_enum, value_name = "HOW")]
    unknown_imports: Option<UnknownImportsArg>,
    /// A .wasm or .wat file, or a registry package: namespace/name[@requirement].
    #[arg(value_name = "MODULE|NAME@REQ")]
    module: PathBuf,
    /// The guest's arguments (argv[1..]); with --invoke, also the function's.
    #[arg(allow_hyphen_values = true, trailing_var_arg = true)]
    args: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum UnknownImportsArg {
    /// Trap when the import is called.
    Trap,
    /// Return zeros.
    Default,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    run_with(
        args,
        &Hooks {
            extend: &|builder| builder,
            after: &|_, _| {},
        },
    )
}

/// What a profiler or tracer adds to a run.
pub struct Hooks<'a> {
    /// Adds to the runtime: passes and the host functions they import.
    pub extend: &'a dyn Fn(RuntimeBuilder) -> RuntimeBuilder,
    /// Called with the instance and the call's error, if any, as soon as the guest's call
    /// ends, however it ended: to read what the guest kept for the host.
    pub after: &'a dyn Fn(&mut Instance, Option<&Error>),
}

impl RunArgs {
    /// The engine asked for (a variant's name, or `auto`).
    pub fn engine(&self) -> &str {
        &self.engine
    }

    pub fn module(&self) -> &std::path::Path {
        &self.module
    }
}

/// [`run`], with `hooks`.
pub fn run_with(args: RunArgs, hooks: &Hooks) -> Result<ExitCode> {
    let extend = hooks.extend;
    // The policy is checked first: a bad one must stop us before any guest code runs.
    let policy = args.policy.policy()?;
    let target = registry_run::target(&args.module, &args.registry, policy)?;
    let (policy, module_path, module, deps) =
        (target.policy, target.path, target.bytes, target.deps);
    // A release's manifest entry unless --invoke names another.
    let invoke = args.invoke.clone().or(target.entry);
    let name = program_name(&module_path);
    let bytes = module.len() as u64;
    let what = format!("{name} ({})", progress::size(bytes));
    let spinner = Spinner::for_module(bytes, format!("validating {what}"));
    let argv: Vec<String> = std::iter::once(name)
        .chain(args.args.iter().cloned())
        .collect();
    let ctx = args.policy.wasi_ctx(&policy, argv)?;
    let limits = args.limits.over(policy.limits.to_limits());
    let mut choice = (args.engine == AUTO).then(|| {
        let choice = auto::choose(
            &module,
            Calls::One,
            args.cache.cache().as_ref(),
            &limits,
            false,
        );
        warm_cache(&choice, &args, &module_path, &module, &limits);
        choice
    });
    let engine = choice
        .as_ref()
        .map_or(args.engine.clone(), |c| c.engine.to_string());
    let engine = engine.as_str();
    // The one instance takes the context; a runtime made again for another engine (below)
    // hands it over instead of opening the granted directories and sockets twice.
    let ctx = Arc::new(Mutex::new(Some(ctx)));
    let runtime_on = |engine: &str| -> Result<Runtime> {
        let ctx = ctx.clone();
        let mut builder = extend(
            Runtime::builder()
                .engine(engine)
                .limits(limits.clone())
                .record_backtraces(args.backtrace),
        );
        // Linked for every module: only those importing wasi_snapshot_preview1 use it. A
        // release and its dependencies are one program: they share one context.
        builder = if deps.is_empty() {
            builder.wasi(move || {
                ctx.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
                    .ok_or_else(|| std::io::Error::other("the WASI context is already in use"))
            })
        } else {
            let shared = ctx.lock().unwrap_or_else(PoisonError::into_inner).take();
            builder.wasi_shared(shared.context("the WASI context is already in use")?)
        };
        if let Some(how) = args.unknown_imports {
            builder = builder.unknown_imports(match how {
                UnknownImportsArg::Trap => UnknownImports::Trap,
                UnknownImportsArg::Default => UnknownImports::Default,
            });
        }
        Ok(args.cache.apply(builder).build()?)
    };
    spinner.set_message(format!("compiling {what} on {engine}"));
    let mut runtime = runtime_on(engine)?;
    let mut prepared = cache_args::prepare_read(&runtime, &module_path, &module);
    let unsupported = |p: &Result<_>| {
        p.as_ref()
            .err()
            .and_then(|e| e.downcast_ref::<Error>())
            .map(Error::kind)
            == Some(ErrorKind::Unsupported)
    };
    let fallback = fallback();
    if choice.is_some() && engine != fallback && unsupported(&prepared) {
        // The interpreter auto chose lacks a proposal the module uses: the engine with them all.
        runtime = runtime_on(fallback)?;
        prepared = cache_args::prepare_read(&runtime, &module_path, &module);
        choice = Some(Choice {
            engine: fallback,
            reason: "the interpreter it would choose lacks a proposal the module uses",
            warm_cache_for: None,
        });
    }
    let instantiating = || format!("cannot instantiate {}", module_path.display());
    let prepared = prepared.map_err(|e| {
        // A module that is not one is reported as it is; anything later, with the module named.
        match e.downcast_ref::<Error>().map(Error::kind) {
            Some(
                ErrorKind::InvalidModule
                | ErrorKind::InvalidText
                | ErrorKind::Io
                | ErrorKind::Artifact,
            ) => e,
            _ => e.context(instantiating()),
        }
    })?;
    let mut instance = link(&prepared, &deps).with_context(instantiating)?;
    drop(spinner);
    let func = entry_point(&instance, invoke.as_deref())
        .with_context(|| module_path.display().to_string())?;
    let params = invoke_params(&instance, &func, invoke.is_some(), &args.args)?;
    // A reactor sets itself up in `_initialize` before any other export may be called.
    let result = if func != INITIALIZE && instance.func_type(INITIALIZE).is_some() {
        instance
            .call(INITIALIZE, &[])
            .and_then(|_| instance.call_with_strings(&func, params))
    } else {
        instance.call_with_strings(&func, params)
    };
    (hooks.after)(&mut instance, result.as_ref().err());
    if args.stats {
        let trap = result.as_ref().err().filter(|e| e.as_trap().is_some());
        eprintln!(
            "{}",
            stats(&mut instance, &prepared, choice.as_ref(), trap)?
        );
    }
    if let (Err(trap @ Error::Trap { .. }), Some(path)) = (&result, &args.coredump) {
        // The trap is reported first, as without --coredump; then what became of the dump.
        let dump = instance.core_dump(trap).unwrap_or_default();
        let written = std::fs::write(path, dump);
        let status = crate::exit::report(&result.map_err(anyhow::Error::from).expect_err("a trap"));
        match written {
            Ok(()) => eprintln!("note: core dump written to {}", path.display()),
            Err(e) => eprintln!(
                "error: cannot write the core dump to {}: {e}",
                path.display()
            ),
        }
        return Ok(status);
    }
    // Some engines compile functions on their first call, so an error that is not the
    // guest's own doing can surface here: it names the module like one at instantiation.
    let result = result.map_err(|e| match e {
        Error::Trap { .. } | Error::Exit(_) => anyhow::Error::from(e),
        other => anyhow::Error::from(other)
            .context(format!("cannot run `{func}` of {}", module_path.display())),
    });
    for value in result? {
        outln!("{value}");
    }
    Ok(ExitCode::SUCCESS)
}

/// An instance of `prepared`, its imports from `deps` (a release's dependencies, in order)
/// taken from instances of theirs, in one store and under one set of limits.
fn link(prepared: &PreparedModule, deps: &[DependencyModule]) -> Result<Instance> {
    if deps.is_empty() {
        return Ok(prepared.instantiate()?);
    }
    let runtime = prepared.runtime();
    let mut linker = runtime.linker()?;
    for dep in deps {
        let id = dep.release.id();
        let bytes = Arc::from(dep.bytes.as_slice());
        let module = cache_args::prepare_read(runtime, std::path::Path::new(&id), &bytes)?;
        linker
            .instantiate(&dep.import_name, &module)
            .with_context(|| format!("cannot instantiate {id}, a dependency"))?;
    }
    let root = linker.instantiate_unnamed(prepared)?;
    Ok(linker.into_instance(root)?)
}

/// The call's figures and what it took to get there: `--stats`'s one JSON line.
fn stats(
    instance: &mut Instance,
    prepared: &PreparedModule,
    choice: Option<&Choice>,
    trap: Option<&Error>,
) -> Result<String> {
    let mut line = serde_json::to_value(instance.last_call_stats())?;
    if let Some(e) = trap {
        line["trap"] = serde_json::json!({
            "kind": e.as_trap(),
            "message": e.to_string(),
            "backtrace": e.backtrace(),
        });
    }
    let metrics = prepared.runtime().metrics();
    line["compile_us"] = (metrics.compile_ns / 1000).into();
    line["cache"] = serde_json::to_value(prepared.cache_outcome())?;
    line["instantiate_us"] = (metrics.instantiate_ns / 1000).into();
    if let Some(choice) = choice {
        line["engine_choice"] = choice.reason.into();
    }
    Ok(line.to_string())
}

/// `--engine auto`.
const AUTO: &str = "auto";
/// What `--engine auto` runs a module on when the engine it chose cannot run it: the engine
/// with every proposal, Cranelift where it runs, else its interpreter, Pulley.
fn fallback() -> &'static str {
    if wasmux::platform::availability("wasmtime").available {
        "wasmtime"
    } else {
        "wasmtime:pulley"
    }
}

/// Puts the code of the engine `--engine auto` would choose next time into the cache, on a
/// thread of its own while the guest runs. Work it has not finished when the guest ends is
/// dropped with the process: a short run costs nothing, a long one leaves the next run cached.
fn warm_cache(
    choice: &Choice,
    args: &RunArgs,
    path: &std::path::Path,
    module: &Arc<[u8]>,
    limits: &wasmux::Limits,
) {
    let (Some(engine), Some(cache)) = (choice.warm_cache_for, args.cache.cache()) else {
        return;
    };
    let (name, module, limits) = (path.display().to_string(), module.clone(), limits.clone());
    std::thread::spawn(move || {
        let runtime = Runtime::builder()
            .engine(engine)
            .limits(limits)
            .cache(cache)
            .build();
        if let Ok(runtime) = runtime {
            // Any failure only means the next run compiles, as this one would have.
            let _ = runtime.prepare_shared(&name, module);
        }
    });
}

/// The export a reactor runs once before anything else.
const INITIALIZE: &str = "_initialize";

/// The arguments of the entry point: none for a command, which reads them through WASI; for
/// `--invoke`, as many as the function has parameters, from the front of ARGS.
fn invoke_params<'a>(
    instance: &Instance,
    func: &str,
    invoked: bool,
    args: &'a [String],
) -> Result<&'a [String]> {
    if !invoked {
        return Ok(&[]);
    }
    let Some(ty) = instance.func_type(func) else {
        // The call itself reports the missing export, with the exports there are.
        return Ok(args);
    };
    let wanted = ty.params.len();
    if args.len() < wanted {
        bail!(
            "`{func}` takes {wanted} argument(s) ({ty}); {} given",
            args.len()
        );
    }
    Ok(&args[..wanted])
}

/// argv[0]: the module's file name, as a shell would pass a program's name.
fn program_name(module: &std::path::Path) -> String {
    module.file_name().map_or_else(
        || module.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn entry_point(instance: &Instance, invoke: Option<&str>) -> Result<String> {
    if let Some(func) = invoke {
        return Ok(func.to_string());
    }
    if instance.func_type("_start").is_some() {
        return Ok("_start".to_string());
    }
    let funcs: Vec<String> = instance
        .exports()
        .into_iter()
        .filter(|e| e.kind == ExportKind::Func)
        .map(|e| e.name)
        .collect();
    bail!(
        "the module has no `_start`; choose a function with --invoke FUNC (exported functions: {})",
        if funcs.is_empty() {
            "none".to_string()
        } else {
            funcs.join(", ")
        }
    )
}
