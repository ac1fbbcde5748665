//! Why a batch file cannot be read or planned at all (a problem of one row is that row's
//! verdict instead). Each message says what happened and what to do.

/// Why a batch cannot go on: the file cannot be read, or something concerns every row.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The file is not UTF-8 text.
    #[error("This file is not text MissionCall can read: line {line} has characters that are not UTF-8. Export the sheet again as \"CSV UTF-8\".")]
    NotText {
        /// The line (from 1) of the first byte that could not be read.
        line: usize,
    },

    /// The file has no header row (it is empty, or blank).
    #[error("This file is empty. A batch file needs a header row naming its columns (for example Name,Phone), then one row per call.")]
    Empty,

    /// The file has a header row and nothing under it.
    #[error(
        "This file has a header row but no rows to call. Add one row per call under the header."
    )]
    NoRows,

    /// The file has more rows to call than a batch may have.
    #[error("This file has {rows} rows to call; a batch can have at most {limit}. Split it into files of {limit} rows or fewer.")]
    TooManyRows {
        /// The data rows in the file (blank rows not counted).
        rows: usize,
        /// The most a batch may have.
        limit: usize,
    },

    /// The CSV reader failed (the detail says how).
    #[error("This file could not be read as CSV ({detail}). Check that it is a CSV file.")]
    Csv {
        /// The reader's words.
        detail: String,
    },

    /// No header looks like the phone column, and none was named.
    #[error("No column of this file looks like the phone numbers ({}). Name that column \"Phone\", or choose the column that holds the numbers.", listed(headers))]
    NoPhoneColumn {
        /// The file's headers.
        headers: Vec<String>,
    },

    /// The phone column named by the user is not in the file.
    #[error("This file has no column named \"{name}\" ({}). Choose one of its columns for the phone numbers.", listed(headers))]
    UnknownPhoneColumn {
        /// The name as given.
        name: String,
        /// The file's headers.
        headers: Vec<String>,
    },

    /// The country for numbers written without a country code is not one MissionCall knows.
    #[error("\"{code}\" is not a country MissionCall knows. Choose the country of the numbers from the list (for example US or GB).")]
    UnknownRegion {
        /// The code as given.
        code: String,
    },

    /// The mission is blank.
    #[error("The mission is empty. Write what the agent should do on each call; {{{{column}}}} puts in that column's cell of the row.")]
    NoMission,
}

/// The most headers a message lists.
const LISTED: usize = 20;

/// `its columns are "Name", "Phone" and "City"`, or `it has no named column`.
pub(super) fn listed(headers: &[String]) -> String {
    let named: Vec<String> = headers
        .iter()
        .filter(|h| !h.trim().is_empty())
        .map(|h| format!("\"{}\"", crate::session::plain_line(h)))
        .collect();
    let more = named.len().saturating_sub(LISTED);
    let shown = &named[..named.len().min(LISTED)];
    match shown {
        [] => "it has no named column".to_owned(),
        [one] => format!("its only column is {one}"),
        [rest @ .., last] if more == 0 => format!("its columns are {} and {last}", rest.join(", ")),
        all => format!("its columns are {} and {more} more", all.join(", ")),
    }
}
