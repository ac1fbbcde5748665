//! Reading every call that matches a filter, one page at a time, for exports of many calls.
//!
//! Pages follow a keyset cursor on (`created_at`, `id`), newest first as in the list: each page
//! asks for the calls strictly after the last one it returned, so a page costs the same at the
//! start and at the end of 100,000 calls (a growing `OFFSET` would make SQLite walk past every
//! skipped row again), and at most one page of calls is held in memory. The connection's lock
//! is taken for one page at a time, so the app goes on while an export runs.
//!
//! A search walks the full-text index instead, newest id first (as [`History::list`] orders a
//! search): each page asks the index for the matches below the last id, checks the other
//! conditions on each, and stops after a page. (Keying a search on the time would make every
//! page gather all the matches again: 47 s for a common word at 100,000 calls.)
//!
//! A call recorded while the pages are read is included only if it sorts after the cursor;
//! annotations changed meanwhile show as they are when their page is read.

use rusqlite::types::Value;

use super::{filter_sql, search, select_many, CallRecord, History, HistoryFilter, Result, COLUMNS};

/// Calls per page when none is asked for.
pub const EXPORT_PAGE: u32 = 500;

/// A cursor over every call matching a filter (its `limit` and `offset` are ignored). Made by
/// [`History::pages`].
#[derive(Debug)]
pub struct Pages<'a> {
    history: &'a History,
    cond: String,
    args: Vec<Value>,
    /// The full-text query of a search (then pages follow ids, not times).
    fts: Option<String>,
    page_size: u32,
    /// (`created_at` in ms, `id`) of the last call returned.
    after: Option<(i64, i64)>,
    done: bool,
}

impl History {
    /// Every call matching `filter`, newest first (a search: by id, as [`History::list`]), in pages of `page_size` calls (0 means
    /// [`EXPORT_PAGE`]). The filter's `limit` and `offset` are ignored.
    pub fn pages(&self, filter: &HistoryFilter, page_size: u32) -> Pages<'_> {
        let mut rest = filter.clone();
        let fts = rest.search.take().as_deref().and_then(search::fts_query);
        let (cond, args) = filter_sql(&rest);
        Pages {
            history: self,
            cond,
            args,
            fts,
            page_size: if page_size == 0 {
                EXPORT_PAGE
            } else {
                page_size
            },
            after: None,
            done: false,
        }
    }
}

impl Pages<'_> {
    /// The most calls one page holds.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The next page, or `None` when every matching call was returned.
    pub fn next_page(&mut self) -> Result<Option<Vec<CallRecord>>> {
        if self.done {
            return Ok(None);
        }
        let limit = Value::Integer(self.page_size.into());
        let (sql, args) = match &self.fts {
            None => {
                let mut args = self.args.clone();
                let keyset = match self.after {
                    None => "",
                    Some((at, id)) => {
                        args.extend([Value::Integer(at), Value::Integer(at), Value::Integer(id)]);
                        " AND (created_at < ? OR (created_at = ? AND id < ?))"
                    }
                };
                args.push(limit);
                // Ids first (a sort over ids and times only), then just those rows, as `list`.
                let sql = format!(
                    "SELECT {COLUMNS} FROM calls WHERE id IN (SELECT id FROM calls WHERE {}{keyset} \
                     ORDER BY created_at DESC, id DESC LIMIT ?) ORDER BY created_at DESC, id DESC",
                    self.cond
                );
                (sql, args)
            }
            Some(q) => {
                let mut args = vec![Value::Text(q.clone())];
                let keyset = match self.after {
                    None => "",
                    Some((_, id)) => {
                        args.push(Value::Integer(id));
                        " AND rowid < ?"
                    }
                };
                args.extend(self.args.iter().cloned());
                args.push(limit);
                // The index hands its matches newest id first and stops after a page; the
                // other conditions are checked on each (bare names resolve to `calls c`).
                let sql = format!(
                    "SELECT {COLUMNS} FROM calls WHERE id IN (SELECT rowid FROM calls_fts \
                     WHERE calls_fts MATCH ?{keyset} AND EXISTS (SELECT 1 FROM calls c \
                     WHERE c.id = calls_fts.rowid AND {}) ORDER BY rowid DESC LIMIT ?) \
                     ORDER BY id DESC",
                    self.cond
                );
                (sql, args)
            }
        };
        let rows = select_many(&self.history.conn(), &sql, args)?;
        if rows.len() < self.page_size as usize {
            self.done = true;
        }
        match rows.last() {
            Some(last) => self.after = Some((last.created_at.timestamp_millis(), last.id)),
            None => return Ok(None),
        }
        Ok(Some(rows))
    }
}
