//! The do-not-call table (layout version 5): add, remove, list and look up numbers, and the
//! check that [`History::insert_attempt`] makes in its own transaction, so that no attempt row
//! (and so no request) can exist for a listed number, whoever lists it and whenever.
//!
//! Numbers are stored in E.164 only; what they mean and how they are worded is
//! `crate::do_not_call`'s.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::review::contact_number;
use super::{time_at, History, HistoryError, Result};
use crate::do_not_call::{self, Added, Listing, Source};

const SELECT: &str = "SELECT phone_e164, added_at, reason, source, call_id FROM do_not_call";

fn listing_row(r: &Row) -> rusqlite::Result<Listing> {
    let source: String = r.get(3)?;
    let reason: String = r.get(2)?;
    Ok(Listing {
        phone_e164: r.get(0)?,
        added_at: time_at(r, 1)?,
        reason: Some(reason).filter(|r| !r.is_empty()),
        // The table's CHECK admits only the known words.
        source: Source::from_key(&source).unwrap_or(Source::Typed),
        call_id: r.get(4)?,
    })
}

fn listing_in(conn: &Connection, phone_e164: &str) -> Result<Option<Listing>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE phone_e164 = ?1"))?
        .query_row([phone_e164], listing_row)
        .optional()?)
}

/// Refuses a listed number: the error placing a call to it gives (see
/// [`do_not_call::refusal`]). Runs inside the attempt's own transaction.
pub(super) fn refuse_listed(conn: &Connection, phone_e164: &str, now_ms: i64) -> Result<()> {
    if let Some(l) = listing_in(conn, phone_e164)? {
        let now = DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
        return Err(HistoryError::DoNotCall {
            phone_e164: l.phone_e164,
            added_on: do_not_call::day_label(l.added_at, now),
            reason: l.reason,
        });
    }
    Ok(())
}

fn clean_reason(reason: &str) -> Result<String> {
    do_not_call::clean_reason(reason).map_err(HistoryError::InvalidInput)
}

/// Inserts a listing, or (when the number is listed already) keeps its date and source and
/// takes a new non-empty reason. Returns whether it was listed already.
fn upsert(
    tx: &Connection,
    phone: &str,
    reason: &str,
    source: Source,
    call_id: Option<i64>,
    at: i64,
) -> Result<bool> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO do_not_call (phone_e164, added_at, reason, source, call_id) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (phone_e164) DO NOTHING",
        )?
        .execute(params![phone, at, reason, source.key(), call_id])?;
    if inserted == 0 && !reason.is_empty() {
        tx.prepare_cached("UPDATE do_not_call SET reason = ?2 WHERE phone_e164 = ?1")?
            .execute(params![phone, reason])?;
    }
    Ok(inserted == 0)
}

impl History {
    /// Puts a number on the do-not-call list (`phone`: a full international number). `reason`
    /// may be empty. Adding a listed number again keeps its date and source; a reason given
    /// replaces the old one.
    pub fn add_do_not_call(&self, phone: &str, reason: &str, source: Source) -> Result<Added> {
        let phone = contact_number(phone)?;
        let reason = clean_reason(reason)?;
        let now = self.now_ms();
        self.write(|tx| {
            let already_listed = upsert(tx, &phone, &reason, source, None, now)?;
            let listing = listing_in(tx, &phone)?
                .ok_or_else(|| HistoryError::InvalidInput("The number was not listed.".into()))?;
            Ok(Added {
                listing,
                already_listed,
            })
        })
    }

    /// Puts the number of call `call_id` on the list ("Don't call this number again").
    pub fn add_do_not_call_from_call(&self, call_id: i64, reason: &str) -> Result<Added> {
        let reason = clean_reason(reason)?;
        let now = self.now_ms();
        self.write(|tx| {
            let phone = super::get_in(tx, call_id)?.phone_e164;
            let already_listed = upsert(tx, &phone, &reason, Source::Call, Some(call_id), now)?;
            let listing = listing_in(tx, &phone)?
                .ok_or_else(|| HistoryError::InvalidInput("The number was not listed.".into()))?;
            Ok(Added {
                listing,
                already_listed,
            })
        })
    }

    /// Puts many numbers (E.164, as [`crate::do_not_call::read`] gives them) on the list in
    /// one transaction, each with its reason and, when known, the time it was first listed;
    /// listed numbers keep their listing. Returns (added, already listed).
    pub fn add_do_not_call_many(
        &self,
        entries: &[(&str, &str, Option<DateTime<Utc>>)],
        source: Source,
    ) -> Result<(u64, u64)> {
        let now = self.now_ms();
        self.write(|tx| {
            let (mut added, mut already) = (0, 0);
            for (phone, reason, at) in entries {
                let phone = contact_number(phone)?;
                let reason = clean_reason(reason)?;
                let at = at.map_or(now, |t| t.timestamp_millis());
                let insert = tx
                    .prepare_cached(
                        "INSERT INTO do_not_call (phone_e164, added_at, reason, source) \
                         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (phone_e164) DO NOTHING",
                    )?
                    .execute(params![phone, at, reason, source.key()])?;
                if insert == 0 {
                    already += 1;
                } else {
                    added += 1;
                }
            }
            Ok((added, already))
        })
    }

    /// Takes a number off the list. Returns false if it was not on it.
    pub fn remove_do_not_call(&self, phone: &str) -> Result<bool> {
        let phone = contact_number(phone)?;
        self.write(|tx| {
            Ok(tx.execute("DELETE FROM do_not_call WHERE phone_e164 = ?1", [&phone])? > 0)
        })
    }

    /// The number's listing, if it is on the list.
    pub fn do_not_call(&self, phone: &str) -> Result<Option<Listing>> {
        let phone = contact_number(phone)?;
        listing_in(&self.conn(), &phone)
    }

    /// Whether the number is on the list.
    pub fn is_do_not_call(&self, phone: &str) -> Result<bool> {
        Ok(self.do_not_call(phone)?.is_some())
    }

    /// The whole list, the most recently added first.
    pub fn do_not_call_list(&self) -> Result<Vec<Listing>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached(&format!("{SELECT} ORDER BY added_at DESC, phone_e164"))?;
        let rows = stmt
            .query_map([], listing_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
