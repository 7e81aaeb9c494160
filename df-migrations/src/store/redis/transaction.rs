//! A batch under the lease as the commands of one `MULTI`/`EXEC` transaction, and how
//! such a transaction can end. The commands are made as they are sent (see [`grouped`]),
//! so the transaction never holds a second copy of a commit's values.

use crate::store::Op;
use redis::Cmd;

/// `ops` as few commands as keep their order, for a transaction on one server: each run
/// of sets or deletes becomes one `MSET` or `DEL` of at most `batch` keys; a rename stays
/// a command of its own. Each command comes with the first key it writes, for errors.
/// Made as they are sent, so that a commit's values are never all copied into commands
/// at once.
pub(super) fn grouped(ops: &[Op], batch: usize) -> impl Iterator<Item = (Cmd, &str)> {
    runs(ops, batch).map(|run| {
        let mut cmd = match &run[0] {
            Op::Set(..) => redis::cmd("MSET"),
            Op::Delete(_) => redis::cmd("DEL"),
            Op::Rename { .. } => redis::cmd("RENAME"),
        };
        for op in run {
            match op {
                Op::Set(key, value) => cmd.arg(key).arg(value),
                Op::Delete(key) => cmd.arg(key),
                Op::Rename { from, to } => cmd.arg(from).arg(to),
            };
        }
        (cmd, run[0].key())
    })
}

/// `ops` cut into runs of one kind of op, of at most `batch` ops (renames one by one).
fn runs(ops: &[Op], batch: usize) -> impl Iterator<Item = &[Op]> {
    let kind = |op: &Op| std::mem::discriminant(op);
    let mut rest = ops;
    std::iter::from_fn(move || {
        let first = rest.first()?;
        let limit = if matches!(first, Op::Rename { .. }) { 1 } else { batch.max(1) };
        let length = rest.iter().take(limit).take_while(|op| kind(op) == kind(first)).count();
        let (run, tail) = rest.split_at(length);
        rest = tail;
        Some(run)
    })
}

/// How a transaction ended (see [`Backend::transaction`]). Public only because that
/// method is; this module is private.
///
/// [`Backend::transaction`]: super::backend::Backend::transaction
#[derive(Debug)]
pub enum Transaction {
    /// Every command ran.
    Applied,
    /// The lease was not ours when watched, or changed (expired, taken) before `EXEC`;
    /// nothing ran.
    LeaseLost,
    /// Not attempted, or given up before `EXEC`; nothing ran. Says why.
    Declined(String),
    /// Command `index` was refused while queued (nothing ran) or failed inside `EXEC`
    /// (the ones before it ran: Redis does not roll back), as `applied` says.
    Failed { index: usize, message: String, applied: bool },
}
