//! `lease` and `lease break`: who holds the upgrade lease, and breaking a stale one.

use super::confirm;
use crate::cli::{Format, LeaseAction, LeaseArgs, Options};
use crate::Outcome;
use df_migrations::Engine;
use std::io::Write;

pub fn run(global: &Options, args: &LeaseArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let store = engine.store().describe();
    let lease = engine.lease()?;
    let Some(LeaseAction::Break { yes }) = &args.action else {
        if global.format == Format::Json {
            let holder = lease.as_ref().map(|l| serde_json::json!({"who": l.holder.who, "since": l.holder.since}));
            let expires = lease.as_ref().and_then(|l| l.expires_in).map(|d| d.as_secs_f64());
            crate::report::json(out, &serde_json::json!({"held": lease.is_some(), "holder": holder, "expires_in_seconds": expires}))?;
        } else {
            match &lease {
                None => writeln!(out, "the lease of {store} is free")?,
                Some(lease) => {
                    let expires = lease.expires_in.map_or_else(|| "until its process ends".to_owned(), |d| format!("for {}s more unless renewed", d.as_secs()));
                    writeln!(out, "the lease of {store} is held by {} since {}, {expires}", lease.holder.who, lease.holder.since)?;
                }
            }
        }
        return Ok(Outcome::Success);
    };
    let Some(lease) = lease else {
        writeln!(out, "the lease of {store} is free: nothing to break")?;
        return Ok(Outcome::Success);
    };
    let Some(token) = lease.token else {
        anyhow::bail!("the lease of {store} is held by {} and ends only with that process: stop it instead", lease.holder.who);
    };
    let question = format!(
        "Break the lease of {store} held by {} since {}? If that runner still runs, it can no longer commit.",
        lease.holder.who, lease.holder.since
    );
    if !yes && !confirm(&question)? {
        anyhow::bail!("the lease was not broken");
    }
    if !engine.break_lease(&token)? {
        anyhow::bail!("the lease of {store} is still held by {}: it could not be broken; look again with `lease`", lease.holder.who);
    }
    if !global.quiet {
        writeln!(out, "broke the lease of {store} held by {}: the next run completes or discards what it left", lease.holder.who)?;
    }
    Ok(Outcome::Success)
}
