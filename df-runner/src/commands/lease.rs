//! `lease` and `lease break`: who holds the upgrade lease, and breaking a stale one.

use super::confirm;
use crate::cli::{Format, LeaseAction, LeaseArgs, Options};
use crate::refusal::Refusal;
use crate::{json, Outcome};
use df_migrations::Engine;
use std::io::Write;

pub fn run(global: &Options, args: &LeaseArgs, engine: &mut Engine, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let store = engine.store().describe();
    let lease = engine.lease()?;
    let Some(LeaseAction::Break { yes }) = &args.action else {
        if global.format == Format::Json {
            let body = json::LeaseBody {
                held: lease.is_some(),
                holder: lease.as_ref().map(|l| (&l.holder).into()),
                expires_in_seconds: lease.as_ref().and_then(|l| l.expires_in).map(|d| d.as_secs_f64()),
            };
            json::write(out, "lease", body)?;
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
        if global.format == Format::Json {
            json::write(out, "lease break", json::LeaseBreakBody { broken: false, holder: None })?;
        } else if !global.quiet {
            writeln!(out, "the lease of {store} is free: nothing to break")?;
        }
        return Ok(Outcome::Success);
    };
    let Some(token) = lease.token else {
        return Err(Refusal::LeaseOfAProcess { store, holder: lease.holder.who }.into());
    };
    let question = format!(
        "Break the lease of {store} held by {} since {}? If that runner still runs, it can no longer commit.",
        lease.holder.who, lease.holder.since
    );
    if !yes && !confirm(&question)? {
        return Err(Refusal::Declined { what: "lease break" }.into());
    }
    if !engine.break_lease(&token)? {
        return Err(Refusal::LeaseNotBroken { store, holder: lease.holder.who }.into());
    }
    if global.format == Format::Json {
        json::write(out, "lease break", json::LeaseBreakBody { broken: true, holder: Some((&lease.holder).into()) })?;
    } else if !global.quiet {
        writeln!(out, "broke the lease of {store} held by {}: the next run completes or discards what it left", lease.holder.who)?;
    }
    Ok(Outcome::Success)
}
