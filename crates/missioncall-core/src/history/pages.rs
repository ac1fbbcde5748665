//! Reading every call that matches a filter, one page at a time, for exports of many calls.
//!
//! Pages follow a keyset cursor on (`created_at`, `id`), newest first as in the list: each page
//! asks for the calls strictly after the last one it returned, so a page costs the same at the
//! start and at the end of 100,000 calls (a growing `OFFSET` would make SQLite walk past every
//! skipped row again), and at most one page of calls is held in memory. The connection's lock
//! is taken for one page at a time, so the app goes on while an export runs.
//!
//! A call recorded while the pages are read is included only if it sorts after the cursor;
//! annotations changed meanwhile show as they are when their page is read.

use rusqlite::types::Value;

use super::{filter_sql, select_many, CallRecord, History, HistoryFilter, Result, COLUMNS};

/// Calls per page when none is asked for.
pub const EXPORT_PAGE: u32 = 500;

/// A cursor over every call matching a filter (its `limit` and `offset` are ignored). Made by
/// [`History::pages`].
#[derive(Debug)]
pub struct Pages<'a> {
    history: &'a History,
    cond: String,
    args: Vec<Value>,
    page_size: u32,
    /// (`created_at` in ms, `id`) of the last call returned.
    after: Option<(i64, i64)>,
    done: bool,
}

impl History {
    /// Every call matching `filter`, newest first, in pages of `page_size` calls (0 means
    /// [`EXPORT_PAGE`]). The filter's `limit` and `offset` are ignored.
    pub fn pages(&self, filter: &HistoryFilter, page_size: u32) -> Pages<'_> {
        let (cond, args) = filter_sql(filter);
        Pages {
            history: self,
            cond,
            args,
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
        let mut args = self.args.clone();
        let keyset = match self.after {
            None => "",
            Some((at, id)) => {
                args.extend([Value::Integer(at), Value::Integer(at), Value::Integer(id)]);
                " AND (created_at < ? OR (created_at = ? AND id < ?))"
            }
        };
        args.push(Value::Integer(self.page_size.into()));
        // Ids first (a sort over ids and times only), then just those rows, as `list` does.
        let sql = format!(
            "SELECT {COLUMNS} FROM calls WHERE id IN (SELECT id FROM calls WHERE {}{keyset} \
             ORDER BY created_at DESC, id DESC LIMIT ?) ORDER BY created_at DESC, id DESC",
            self.cond
        );
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
