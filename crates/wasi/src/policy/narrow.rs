//! `Policy::narrow`: a child policy (a plugin's) restricted to what its parent holds. Asking
//! for more is an error, never a silent grant.

use super::{Policy, PolicyError, Toggle};
use crate::audit::AuditLevel;
use crate::ctx::Mode;
use std::path::{Path, PathBuf};

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// The mode the parent gives `host`: its most specific mount's (the longest host path that
/// contains it; read-only where two are equally specific), as bind mounts decide on Linux.
fn deciding_mode(parent: &[(PathBuf, Mode)], host: &Path) -> Option<Mode> {
    let covering = parent.iter().filter(|(p, _)| host.starts_with(p));
    let deepest = covering
        .clone()
        .map(|(p, _)| p.components().count())
        .max()?;
    let modes = covering.filter(|(p, _)| p.components().count() == deepest);
    Some(if modes.clone().any(|(_, m)| *m == Mode::Ro) {
        Mode::Ro
    } else {
        Mode::Rw
    })
}

fn toggle(name: &str, parent: Toggle, child: Toggle) -> Result<Toggle, PolicyError> {
    if child.allow == Some(true) && !parent.allowed() {
        return Err(PolicyError::Widens(format!(
            "{name} is denied by the parent"
        )));
    }
    Ok(Toggle {
        allow: Some(parent.allowed() && child.allow.unwrap_or(true)),
    })
}

fn limit<T: PartialOrd + Copy + std::fmt::Debug>(
    name: &str,
    parent: Option<T>,
    child: Option<T>,
) -> Result<Option<T>, PolicyError> {
    match (parent, child) {
        (Some(p), Some(c)) if c > p => Err(PolicyError::Widens(format!(
            "limit {name} {c:?} is above the parent's {p:?}"
        ))),
        (p, c) => Ok(c.or(p)),
    }
}

impl Policy {
    /// The child as allowed under `self`: each grant must be within one of the parent's, each
    /// limit at most the parent's (an unset child limit takes the parent's).
    pub fn narrow(&self, child: &Policy) -> Result<Policy, PolicyError> {
        let mut out = child.clone();
        let parent: Vec<(PathBuf, Mode)> = self
            .fs
            .values()
            .map(|m| (canonical(m.host.get_ref()), m.mode))
            .collect();
        for (guest, mount) in &child.fs {
            let host = canonical(mount.host.get_ref());
            let Some(mode) = deciding_mode(&parent, &host) else {
                return Err(PolicyError::Widens(format!(
                    "{guest} = {} is outside every directory of the parent",
                    host.display()
                )));
            };
            if mount.mode == Mode::Rw && mode == Mode::Ro {
                return Err(PolicyError::Widens(format!(
                    "{guest} asks for rw where the parent grants ro"
                )));
            }
            // A writable child mount must not cover a part the parent holds read-only.
            if let Some((inner, _)) = parent.iter().find(|(p, m)| {
                mount.mode == Mode::Rw && *m == Mode::Ro && p.starts_with(&host) && *p != host
            }) {
                return Err(PolicyError::Widens(format!(
                    "{guest} asks for rw over {}, which the parent grants ro",
                    inner.display()
                )));
            }
        }
        let parent_env = |k: &String| self.env.inherit.contains(k) || self.env.set.contains_key(k);
        if let Some(k) = child
            .env
            .inherit
            .iter()
            .find(|k| !self.env.inherit.contains(k))
        {
            return Err(PolicyError::Widens(format!(
                "environment variable {k} is not inherited by the parent"
            )));
        }
        if let Some(k) = child.env.set.keys().find(|k| !parent_env(k)) {
            return Err(PolicyError::Widens(format!(
                "environment variable {k} is not granted by the parent"
            )));
        }
        let listen: Vec<&String> = self.net.listen.iter().map(|a| a.get_ref()).collect();
        if let Some(a) = child
            .net
            .listen
            .iter()
            .find(|a| !listen.contains(&a.get_ref()))
        {
            return Err(PolicyError::Widens(format!(
                "listening on {} is not granted by the parent",
                a.get_ref()
            )));
        }
        out.clock = toggle("the clock", self.clock, child.clock)?;
        out.random = toggle("randomness", self.random, child.random)?;
        out.limits.memory = limit("memory", self.limits.memory, child.limits.memory)?;
        out.limits.fuel = limit("fuel", self.limits.fuel, child.limits.fuel)?;
        out.limits.timeout = limit("timeout", self.limits.timeout, child.limits.timeout)?;
        out.limits.disk = limit("disk", self.limits.disk, child.limits.disk)?;
        // Auditing is the parent's to require: the child may log more, never less.
        out.audit.file = self.audit.file.clone().or(child.audit.file.clone());
        out.audit.level = match (self.audit.level, child.audit.level) {
            (Some(AuditLevel::All), _) | (_, Some(AuditLevel::All)) => Some(AuditLevel::All),
            (p, c) => p.or(c),
        };
        Ok(out)
    }
}
