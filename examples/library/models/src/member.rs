//! Members and, from 3.0, their accounts.
//!
//! | model | version | release | change |
//! |---|---|---|---|
//! | `Member` | 1 | 1.0 | baseline: `email`, and the fines owed as `fines_cents` |
//! | `Member` | 2 | 2.0 | `email` renamed `contact_email`: migration `member-v2-contact-email` |
//! | `Account` | 1 | 3.0 | new model: automatic |
//! | `Member` | 3 | 3.0 | `fines_cents` moves into the member's `Account`: migration `member-v3-accounts` |

use df_schema::fields::rename_member;
use df_schema::{df_model, migration, MigrationError, NbApi, Object};
use serde_json::Value;

/// A member, stored without a topic: `library:{member.}<id>`.
#[df_model(version = 3, release = "3.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The member's id, as in its key.
    pub id: String,
    /// The member's name.
    pub name: String,
    /// Where the library writes to: the member's address, or a guardian's.
    pub contact_email: String,
}

/// What a member owes, kept apart from the member since 3.0 so that the desk's till can
/// update it alone: `library:{account.}<member id>`.
#[df_model(version = 1, release = "3.0")]
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// The member's id.
    pub id: String,
    /// The member the account belongs to: the same id as `id`.
    pub member: String,
    /// Fines owed, in cents.
    pub owed_cents: i64,
}

/// 2.0: `email` becomes `contact_email`, since members may give a guardian's address.
#[migration(
    model = Member,
    to = 2,
    release = "2.0",
    proposed_at = "2020-01-11 09:00:00",
    description = "member: email renamed contact_email",
    id = "member-v2-contact-email"
)]
fn member_v2_contact_email(id: &str, member: &mut Object) -> Result<(), MigrationError> {
    rename_member(member, "email", "contact_email").map_err(|message| MigrationError::object("member", id, message))
}

/// 3.0: the fines a member owes move out of the member into an account of the same id,
/// created for every member (with 0 when nothing is owed).
#[migration(
    model = Member,
    to = 3,
    release = "3.0",
    proposed_at = "2021-03-02 09:00:00",
    description = "member: fines_cents moves into the member's account",
    id = "member-v3-accounts",
    tables = ["member", "account"]
)]
fn member_v3_accounts(nb: &mut NbApi) -> Result<(), MigrationError> {
    let mut accounts = Vec::new();
    nb.update_each("member", |id, member| {
        let owed = match member.remove("fines_cents") {
            None | Some(Value::Null) => 0,
            Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or_default(),
            Some(other) => return Err(MigrationError::object("member", id, format!("`fines_cents` is {other}, not a whole number"))),
        };
        accounts.push(serde_json::json!({"id": id, "member": id, "owed_cents": owed}));
        Ok(())
    })?;
    for account in accounts {
        if let Value::Object(account) = account {
            nb.put("account", account)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fines_move_into_accounts_and_bad_ones_are_named() {
        let mut nb = NbApi::new();
        nb.put("member", json!({"id": "m1", "fines_cents": 250}).as_object().unwrap().clone()).unwrap();
        nb.put("member", json!({"id": "m2"}).as_object().unwrap().clone()).unwrap();
        member_v3_accounts(&mut nb).unwrap();
        assert_eq!(Value::Object(nb.get("member", "m1").unwrap().clone()), json!({"id": "m1"}));
        assert_eq!(Value::Object(nb.get("account", "m1").unwrap().clone()), json!({"id": "m1", "member": "m1", "owed_cents": 250}));
        assert_eq!(nb.get("account", "m2").unwrap()["owed_cents"], 0);
        let mut bad = NbApi::new();
        bad.put("member", json!({"id": "m3", "fines_cents": "lots"}).as_object().unwrap().clone()).unwrap();
        let error = member_v3_accounts(&mut bad).unwrap_err().to_string();
        assert!(error.contains("m3") && error.contains("not a whole number"), "{error}");
    }
}
