//! Many calls or instances of one prepared module over a pool of threads, on any engine: each
//! worker thread owns its instances (an instance is `Send`, not `Sync`), and takes the next job
//! from a shared counter, so a slow job never holds up the others.

use crate::instance::Instance;
use crate::prepared::PreparedModule;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasmux_core::Error;

/// Runs jobs on instances of a prepared module, in parallel; see [`PreparedModule::batch`].
///
/// ```no_run
/// use wasmux::{Module, Runtime, Val};
/// let runtime = Runtime::builder().engine("wasmi").fuel(1_000_000).build()?;
/// let prepared = runtime.prepare(&Module::from_file("fib.wat")?)?;
/// let fib = |n: i32| vec![Val::I32(n)];
/// let results = prepared.batch().threads(2).run(100, |instance, job| {
///     instance.call("fib", &fib(job as i32 % 20))
/// });
/// assert_eq!(results.len(), 100);
/// # Ok::<(), wasmux::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Batch<'a> {
    prepared: &'a PreparedModule,
    threads: usize,
    fresh: bool,
}

impl PreparedModule {
    /// A batch on as many threads as the machine has cores, each thread reusing one instance.
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            prepared: self,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            fresh: false,
        }
    }
}

impl Batch<'_> {
    /// Worker threads (at least one).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// A new instance for every job, so that no job sees what another left in memory or
    /// globals; by default each thread keeps one instance for all its jobs.
    pub fn fresh_instance_per_job(mut self, fresh: bool) -> Self {
        self.fresh = fresh;
        self
    }

    /// Runs `job(instance, index)` for every index in `0..jobs`; the results come back in
    /// index order. A job whose instance could not be made gets that error.
    pub fn run<T: Send>(
        &self,
        jobs: usize,
        job: impl Fn(&mut Instance, usize) -> Result<T, Error> + Sync,
    ) -> Vec<Result<T, Error>> {
        let next = AtomicUsize::new(0);
        let workers = self.threads.min(jobs.max(1));
        let done: Vec<Vec<(usize, Result<T, Error>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| scope.spawn(|| self.worker(jobs, &next, &job)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        let mut results: Vec<Option<Result<T, Error>>> = (0..jobs).map(|_| None).collect();
        for (index, result) in done.into_iter().flatten() {
            results[index] = Some(result);
        }
        results
            .into_iter()
            .map(|r| r.expect("every job index is taken by exactly one worker"))
            .collect()
    }

    fn worker<T>(
        &self,
        jobs: usize,
        next: &AtomicUsize,
        job: &(impl Fn(&mut Instance, usize) -> Result<T, Error> + Sync),
    ) -> Vec<(usize, Result<T, Error>)> {
        let mut done = Vec::new();
        let mut kept: Option<Instance> = None;
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= jobs {
                return done;
            }
            let instance = match kept.take() {
                Some(instance) if !self.fresh => Ok(instance),
                _ => self.prepared.instantiate(),
            };
            let result = instance.and_then(|mut instance| {
                let result = job(&mut instance, index);
                kept = Some(instance);
                result
            });
            done.push((index, result));
        }
    }
}
