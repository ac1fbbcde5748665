//! What the user says of a call: outcome, note, follow-up, tags, and the names given to numbers.
//!
//! These live in their own columns and tables, which no write of the tracker or of the placing
//! path touches (those update only the service's columns by name), so the service's reports can
//! never overwrite a user's judgement. Each change sets `annotated_at` (a restore keeps the
//! newer side) and keeps the copies the full-text index reads (`tags_text`, `contact_name`) in
//! step, in the same transaction.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{get_in, select_many, CallRecord, History, HistoryError, Result, COLUMNS};
use crate::call::Outcome;
use crate::review::{self, FollowUp};

/// A tag and how many calls carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TagCount {
    /// The tag, as first written.
    pub name: String,
    /// How many calls carry it.
    pub calls: u64,
}

/// A name the user gave a number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// The number, E.164.
    pub phone_e164: String,
    /// The name.
    pub name: String,
    /// How many calls in the history went to this number.
    pub calls: u64,
    /// When the newest of those calls was made.
    pub last_call_at: Option<DateTime<Utc>>,
}

/// The most calls [`History::follow_ups`] returns.
pub const MAX_FOLLOW_UPS: u32 = 1_000;

/// The tags stored in `tags_text` (one per line).
pub(crate) fn tags_from_text(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn invalid(msg: String) -> HistoryError {
    HistoryError::InvalidInput(msg)
}

/// Rewrites the call's `tags_text` from its tags (sorted, case-insensitively).
pub(super) fn refresh_tags_text(tx: &Connection, call_id: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE calls SET tags_text = COALESCE((SELECT group_concat(name, char(10)) FROM \
         (SELECT t.name FROM call_tags ct JOIN tags t ON t.id = ct.tag_id \
          WHERE ct.call_id = ?1 ORDER BY t.name COLLATE NOCASE)), '') WHERE id = ?1",
    )?
    .execute([call_id])?;
    Ok(())
}

/// Refreshes `tags_text` of every call carrying the tag.
fn refresh_tag_everywhere(tx: &Connection, tag_id: i64) -> Result<Vec<i64>> {
    let ids: Vec<i64> = tx
        .prepare_cached("SELECT call_id FROM call_tags WHERE tag_id = ?1")?
        .query_map([tag_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &ids {
        refresh_tags_text(tx, *id)?;
    }
    Ok(ids)
}

/// Records that the user changed what they said of these calls, at `now`.
fn stamp(tx: &Connection, ids: &[i64], now: i64) -> Result<()> {
    let mut stmt =
        tx.prepare_cached("UPDATE calls SET annotated_at = ?1, updated_at = ?1 WHERE id = ?2")?;
    for id in ids {
        stmt.execute(params![now, id])?;
    }
    Ok(())
}

fn tag_id(tx: &Connection, name: &str) -> Result<Option<i64>> {
    Ok(tx
        .prepare_cached("SELECT id FROM tags WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

/// The number as stored for a contact: E.164, checked.
pub(super) fn contact_number(phone: &str) -> Result<String> {
    crate::phone::parse(phone, None)
        .map(|p| p.e164)
        .map_err(|e| {
            invalid(format!(
                "{e} Write the number with its country code, like +14155550100."
            ))
        })
}

impl History {
    /// Runs `f` on call `id` inside one write, then stamps the annotation time and returns the
    /// call as it is now.
    fn annotate(&self, id: i64, f: impl FnOnce(&Connection) -> Result<()>) -> Result<CallRecord> {
        let now = self.now_ms();
        self.write(|tx| {
            get_in(tx, id)?;
            f(tx)?;
            stamp(tx, &[id], now)?;
            get_in(tx, id)
        })
    }

    /// Sets (or with `None` clears) what the call achieved, in the user's judgement.
    pub fn set_outcome(&self, id: i64, outcome: Option<Outcome>) -> Result<CallRecord> {
        self.annotate(id, |tx| {
            tx.execute(
                "UPDATE calls SET outcome = ?1 WHERE id = ?2",
                params![outcome.map(Outcome::key), id],
            )?;
            Ok(())
        })
    }

    /// Replaces the call's note (an empty text removes it).
    pub fn set_note(&self, id: i64, note: &str) -> Result<CallRecord> {
        let note = review::clean_note(note).map_err(invalid)?;
        self.annotate(id, |tx| {
            tx.execute(
                "UPDATE calls SET note = ?1 WHERE id = ?2",
                params![note, id],
            )?;
            Ok(())
        })
    }

    /// Sets (or with `None` clears) when to follow the call up.
    pub fn set_follow_up(&self, id: i64, follow_up: Option<FollowUp>) -> Result<CallRecord> {
        self.annotate(id, |tx| {
            tx.execute(
                "UPDATE calls SET follow_up_on = ?1 WHERE id = ?2",
                params![follow_up.map(|f| f.key()), id],
            )?;
            Ok(())
        })
    }

    /// Puts a tag on the call (made if new; an existing tag is matched whatever its case).
    pub fn add_tag(&self, id: i64, name: &str) -> Result<CallRecord> {
        let name = review::clean_tag(name).map_err(invalid)?;
        self.annotate(id, |tx| {
            let count: i64 = tx.query_row(
                "SELECT COUNT(*) FROM call_tags WHERE call_id = ?1",
                [id],
                |r| r.get(0),
            )?;
            let tag = match tag_id(tx, &name)? {
                Some(t) => t,
                None => {
                    tx.execute("INSERT INTO tags (name) VALUES (?1)", [&name])?;
                    tx.last_insert_rowid()
                }
            };
            let has: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM call_tags WHERE call_id = ?1 AND tag_id = ?2)",
                params![id, tag],
                |r| r.get(0),
            )?;
            if has {
                return Ok(());
            }
            if count as usize >= review::MAX_TAGS_PER_CALL {
                return Err(invalid(format!(
                    "A call can have at most {} tags; remove one first.",
                    review::MAX_TAGS_PER_CALL
                )));
            }
            tx.execute(
                "INSERT INTO call_tags (call_id, tag_id) VALUES (?1, ?2)",
                params![id, tag],
            )?;
            refresh_tags_text(tx, id)
        })
    }

    /// Takes a tag off the call (nothing happens if it does not carry it). A tag no call
    /// carries any more is forgotten.
    pub fn remove_tag(&self, id: i64, name: &str) -> Result<CallRecord> {
        let name = crate::session::plain_line(name);
        self.annotate(id, |tx| {
            let Some(tag) = tag_id(tx, &name)? else {
                return Ok(());
            };
            tx.execute(
                "DELETE FROM call_tags WHERE call_id = ?1 AND tag_id = ?2",
                params![id, tag],
            )?;
            tx.execute(
                "DELETE FROM tags WHERE id = ?1 AND NOT EXISTS \
                 (SELECT 1 FROM call_tags WHERE tag_id = ?1)",
                [tag],
            )?;
            refresh_tags_text(tx, id)
        })
    }

    /// Every tag with how many calls carry it, by name.
    pub fn tags(&self) -> Result<Vec<TagCount>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT t.name, COUNT(ct.call_id) FROM tags t LEFT JOIN call_tags ct ON ct.tag_id = t.id \
             GROUP BY t.id ORDER BY t.name COLLATE NOCASE",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(TagCount {
                    name: r.get(0)?,
                    calls: r.get::<_, i64>(1)?.try_into().unwrap_or(0),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Renames a tag on every call; renaming onto an existing tag merges the two. Returns how
    /// many calls carry the tag now.
    pub fn rename_tag(&self, from: &str, to: &str) -> Result<u64> {
        let from = crate::session::plain_line(from);
        let to = review::clean_tag(to).map_err(invalid)?;
        let now = self.now_ms();
        self.write(|tx| {
            let old = tag_id(tx, &from)?.ok_or_else(|| HistoryError::TagNotFound(from.clone()))?;
            let target = match tag_id(tx, &to)? {
                Some(t) if t != old => {
                    // Merge: the calls of the old tag get the other one (once), then it goes.
                    tx.execute(
                        "INSERT OR IGNORE INTO call_tags (call_id, tag_id) \
                         SELECT call_id, ?2 FROM call_tags WHERE tag_id = ?1",
                        params![old, t],
                    )?;
                    tx.execute("DELETE FROM tags WHERE id = ?1", [old])?;
                    t
                }
                _ => {
                    tx.execute("UPDATE tags SET name = ?1 WHERE id = ?2", params![to, old])?;
                    old
                }
            };
            // Every call that carries the tag now (the merged ones included) changed.
            let ids = refresh_tag_everywhere(tx, target)?;
            stamp(tx, &ids, now)?;
            Ok(ids.len() as u64)
        })
    }

    /// Deletes a tag from every call. Returns how many calls carried it.
    pub fn delete_tag(&self, name: &str) -> Result<u64> {
        let name = crate::session::plain_line(name);
        let now = self.now_ms();
        self.write(|tx| {
            let tag = tag_id(tx, &name)?.ok_or_else(|| HistoryError::TagNotFound(name.clone()))?;
            let ids: Vec<i64> = tx
                .prepare("SELECT call_id FROM call_tags WHERE tag_id = ?1")?
                .query_map([tag], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            tx.execute("DELETE FROM tags WHERE id = ?1", [tag])?;
            for id in &ids {
                refresh_tags_text(tx, *id)?;
            }
            stamp(tx, &ids, now)?;
            Ok(ids.len() as u64)
        })
    }

    /// Gives a number a name (replacing the one it had); the name shows on every call to it.
    /// `phone` must be a full international number (`+` and country code).
    pub fn set_contact(&self, phone: &str, name: &str) -> Result<Contact> {
        let phone = contact_number(phone)?;
        let name = review::clean_contact_name(name).map_err(invalid)?;
        let now = self.now_ms();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO contacts (phone_e164, name, updated_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (phone_e164) DO UPDATE SET name = ?2, updated_at = ?3",
                params![phone, name, now],
            )?;
            tx.execute(
                "UPDATE calls SET contact_name = ?2 WHERE phone_e164 = ?1 AND contact_name <> ?2",
                params![phone, name],
            )?;
            contact_in(tx, &phone)?.ok_or_else(|| invalid("The contact was not kept.".into()))
        })
    }

    /// Forgets the name of a number. Returns false if it had none.
    pub fn remove_contact(&self, phone: &str) -> Result<bool> {
        let phone = contact_number(phone)?;
        self.write(|tx| {
            let n = tx.execute("DELETE FROM contacts WHERE phone_e164 = ?1", [&phone])?;
            tx.execute(
                "UPDATE calls SET contact_name = '' WHERE phone_e164 = ?1 AND contact_name <> ''",
                [&phone],
            )?;
            Ok(n > 0)
        })
    }

    /// The name given to this number, if any.
    pub fn contact(&self, phone: &str) -> Result<Option<Contact>> {
        let phone = contact_number(phone)?;
        contact_in(&self.conn(), &phone)
    }

    /// Every contact, by name, with how many calls went to it.
    pub fn contacts(&self) -> Result<Vec<Contact>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{CONTACT_SELECT} ORDER BY c.name COLLATE NOCASE, c.phone_e164"
        ))?;
        let rows = stmt
            .query_map([], contact_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The numbers whose contact name is `name` (any case).
    pub fn numbers_named(&self, name: &str) -> Result<Vec<String>> {
        let name = crate::session::plain_line(name);
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT phone_e164 FROM contacts WHERE name = ?1 COLLATE NOCASE ORDER BY phone_e164",
        )?;
        let rows = stmt
            .query_map([name], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Calls with a follow-up date, soonest first (at most [`MAX_FOLLOW_UPS`]).
    pub fn follow_ups(&self) -> Result<Vec<CallRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM calls WHERE follow_up_on IS NOT NULL \
             ORDER BY follow_up_on, id LIMIT {MAX_FOLLOW_UPS}"
        );
        select_many(&self.conn(), &sql, Vec::new())
    }
}

const CONTACT_SELECT: &str = "SELECT c.phone_e164, c.name, \
     (SELECT COUNT(*) FROM calls WHERE phone_e164 = c.phone_e164), \
     (SELECT MAX(created_at) FROM calls WHERE phone_e164 = c.phone_e164) FROM contacts c";

fn contact_row(r: &rusqlite::Row) -> rusqlite::Result<Contact> {
    Ok(Contact {
        phone_e164: r.get(0)?,
        name: r.get(1)?,
        calls: r.get::<_, i64>(2)?.try_into().unwrap_or(0),
        last_call_at: r
            .get::<_, Option<i64>>(3)?
            .map(|ms| super::to_time(3, ms))
            .transpose()?,
    })
}

fn contact_in(conn: &Connection, phone: &str) -> Result<Option<Contact>> {
    Ok(conn
        .prepare_cached(&format!("{CONTACT_SELECT} WHERE c.phone_e164 = ?1"))?
        .query_row([phone], contact_row)
        .optional()?)
}
