//! The command line, as clap reads it. Only parsing lives here; `run.rs` does the work.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit codes:
  0  ok
  1  other error
  2  usage error (bad flags or arguments; a call not confirmed)
  3  invalid input: nothing was sent (bad number, empty task, duplicate call, a number on the
     do-not-call list, no key)
  4  the service refused (400, 401, 403, 404, 409)
  5  still rate-limited after retries
  6  network failure, nothing was sent: safe to retry
  7  outcome unknown: the request may have been processed (do NOT blindly retry a call)

Environment:
  WORKAPI_API_KEY       the API key (else the system keychain; see `missioncall key set`)
  MISSIONCALL_BASE_URL  the service address
  MISSIONCALL_DATA_DIR  where the call history lives (shared with the desktop app)";

/// Place phone calls with the WorkAPI.ai voice agent, follow them, and search their history.
#[derive(Parser, Debug)]
#[command(name = "missioncall", version, about, after_long_help = EXIT_CODES, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted before or after the subcommand.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The service address (https; plain http only for this computer).
    #[arg(long, global = true, env = "MISSIONCALL_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Folder of the call history and settings.
    #[arg(long, global = true, env = "MISSIONCALL_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Seconds to wait for each request's answer.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Send the agent to call NUMBER with the mission TASK (asks for confirmation).
    Call {
        /// The number: international (+44 20 ...), or national with --region.
        number: String,
        /// What the agent should get done, in plain words.
        task: String,
        /// Country of a national number (ISO code, e.g. GB, US).
        #[arg(long, value_name = "CC")]
        region: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Follow the call until it ends, printing each change.
        #[arg(long)]
        wait: bool,
        /// Place it even if the same call was placed in the last 10 minutes.
        #[arg(long)]
        force: bool,
        /// Schedule it instead of calling now: RFC 3339 (2026-03-01T15:30:00+01:00), or
        /// "YYYY-MM-DD HH:MM" in local time. It is placed when it falls due, by the app or
        /// by `missioncall run-scheduled`.
        #[arg(long, value_name = "TIME", conflicts_with_all = ["wait", "force"])]
        at: Option<String>,
        /// Place it even outside your calling hours in the callee's local time (see
        /// `missioncall hours`); the call records that you chose to.
        #[arg(long)]
        anyway: bool,
    },
    /// Call every row of a CSV file: a dry run first (every row: the number as dialled, the
    /// mission as sent, or why it would not be called), then, once you confirm the count, the
    /// calls, at most --concurrency at once, in the foreground until the batch ends (Ctrl-C
    /// pauses it; `missioncall batches resume ID` goes on).
    Batch {
        /// The CSV file (a header row; `,` `;` or tab; UTF-8 with or without BOM).
        file: PathBuf,
        /// The mission, with {{column}} placeholders filled from each row.
        #[arg(long, value_name = "TEXT")]
        template: String,
        /// Country of numbers written without their country code (ISO code, e.g. US).
        #[arg(long, value_name = "CC")]
        region: Option<String>,
        /// The column holding the numbers (default: guessed from headers like phone, mobile).
        #[arg(long, value_name = "NAME")]
        phone_column: Option<String>,
        /// Only show what would happen to each row; nothing is stored or sent.
        #[arg(long)]
        dry_run: bool,
        /// Judge calling hours and recent calls as if it were this time (RFC 3339); dry runs only.
        #[arg(long, value_name = "RFC3339", requires = "dry_run")]
        as_of: Option<String>,
        /// How many calls may be going at once (1 to 3).
        #[arg(long, value_name = "N", default_value_t = 1)]
        concurrency: u8,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Batches of calls: list them, pause, resume or cancel one, export its results.
    Batches {
        #[command(subcommand)]
        action: BatchesAction,
    },
    /// Calls scheduled with `call --at`: list them, cancel one, or place or drop an overdue one.
    Scheduled {
        #[command(subcommand)]
        action: ScheduledAction,
    },
    /// Place scheduled calls as they fall due, in the foreground, until interrupted (Ctrl-C).
    /// A call whose time passed more than 2 minutes ago is not placed: it is overdue, and
    /// waits for `missioncall scheduled confirm ID` or `drop ID`.
    RunScheduled,
    /// Show a task's status at the service (ID: the task id).
    Status { id: String },
    /// Cancel a task while it is still waiting or assigned (ID: the task id).
    Cancel { id: String },
    /// List calls in the local history, newest first.
    History {
        /// Only calls in this status (pending, completed, unknown_outcome, ...).
        #[arg(long)]
        status: Option<String>,
        /// Words to find in the task, transcript, summary, number, note, tags or contact name.
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        review: ReviewFilter,
        /// How many calls to show (at most 500).
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Say what a call achieved, note it, tag it or set a follow-up date (ID: the history id
    /// shown by `history`, or the task id).
    Mark {
        id: String,
        /// achieved, not_achieved, no_answer, follow_up, or none to clear.
        #[arg(long, value_name = "WORD")]
        outcome: Option<String>,
        /// Replace the note ("" removes it).
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// Add a tag (repeat for several).
        #[arg(long = "tag", value_name = "NAME")]
        tags: Vec<String>,
        /// Remove a tag (repeat for several).
        #[arg(long = "untag", value_name = "NAME")]
        untags: Vec<String>,
        /// Follow up on DATE (YYYY-MM-DD, optionally with HH:MM), or none to clear.
        #[arg(long, value_name = "DATE")]
        follow_up: Option<String>,
    },
    /// Names for numbers: shown wherever the number is, and found by the search.
    Contact {
        #[command(subcommand)]
        action: ContactAction,
    },
    /// Numbers never to call: every way of placing a call refuses them, and nothing is sent.
    Dnc {
        #[command(subcommand)]
        action: DncAction,
    },
    /// Who calls are made for: a name and a business the agent gives, in a sentence added to
    /// every mission (shown when you confirm a call).
    Identity {
        #[command(subcommand)]
        action: IdentityAction,
    },
    /// Calling hours: when calls may ring, in the callee's local time (default 08:00-21:00,
    /// every day). A call outside them is placed only with --anyway.
    Hours {
        #[command(subcommand)]
        action: HoursAction,
    },
    /// The tags on calls: list them, rename or delete one on every call.
    Tag {
        #[command(subcommand)]
        action: TagAction,
    },
    /// Write every call matching the filters to FILE: a spreadsheet (csv), everything for
    /// programs (json) or a printable report (md). Dates in the CSV are in UTC.
    Export {
        /// csv, json or md.
        #[arg(long, value_name = "FORMAT")]
        format: String,
        /// The file to write (refused if it exists, unless --force).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only calls in this status (pending, completed, unknown_outcome, ...).
        #[arg(long)]
        status: Option<String>,
        /// Words to find in the task, transcript, summary, number, note, tags or contact name.
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        review: ReviewFilter,
        /// Add each call's transcript (a CSV column, a section of the report; JSON always has it).
        #[arg(long)]
        with_transcripts: bool,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Write a copy of the whole call history to FILE, consistent even while the app or
    /// another command is writing to it.
    Backup {
        /// The file to write (refused if it exists, unless --force).
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Merge the backup FILE into the call history: calls it lacks are added, none is doubled,
    /// and what you said of a call comes from the side that said it last. FILE is not changed.
    Restore {
        /// A backup made by `missioncall backup`, the app, or a daily backup.
        file: PathBuf,
    },
    /// Check phone numbers without calling anyone. `-` reads lines from stdin, each
    /// `NUMBER` or `REGION<TAB>NUMBER`.
    Validate {
        #[arg(required = true, value_name = "NUMBER")]
        numbers: Vec<String>,
        /// Country of national numbers (ISO code).
        #[arg(long, value_name = "CC")]
        region: Option<String>,
    },
    /// Manage the API key in the system keychain.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Run the WorkAPI simulator on this computer (nobody is called).
    Sim {
        /// Port (0 = any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// How much faster than real time calls progress.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
    },
}

/// The history filters on what the user said of calls, and on dates.
#[derive(Args, Debug, Clone, Default)]
pub struct ReviewFilter {
    /// Only calls with this outcome: achieved, not_achieved, no_answer, follow_up, or none.
    #[arg(long, value_name = "WORD")]
    pub outcome: Option<String>,
    /// Only calls with this tag.
    #[arg(long, value_name = "NAME")]
    pub tag: Option<String>,
    /// Only calls to this contact (its name, or a number).
    #[arg(long, value_name = "NAME_OR_NUMBER")]
    pub contact: Option<String>,
    /// Only calls made on or after this day (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only calls made on or before this day (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ContactAction {
    /// Give NUMBER the name NAME (replaces its name).
    Set {
        number: String,
        name: String,
        /// Country of a national number (ISO code).
        #[arg(long, value_name = "CC")]
        region: Option<String>,
    },
    /// List every contact with how many calls went to it.
    List,
    /// Forget the name of NUMBER.
    Remove {
        number: String,
        /// Country of a national number (ISO code).
        #[arg(long, value_name = "CC")]
        region: Option<String>,
    },
    /// Name numbers from a vCard (.vcf) or a CSV file with a name and a phone column.
    Import {
        file: std::path::PathBuf,
        /// Country of the numbers written without their country code (ISO code).
        #[arg(long, value_name = "CC")]
        region: Option<String>,
        /// List what would be kept, and why any entry would not, without changing anything.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DncAction {
    /// Put NUMBER on the do-not-call list.
    Add {
        number: String,
        /// Why (shown when a call to it is refused).
        #[arg(long, value_name = "TEXT", default_value = "")]
        reason: String,
        /// Country of a national number (ISO code).
        #[arg(long, value_name = "CC")]
        region: Option<String>,
    },
    /// Take NUMBER off the do-not-call list.
    Remove {
        number: String,
        /// Country of a national number (ISO code).
        #[arg(long, value_name = "CC")]
        region: Option<String>,
    },
    /// Every number on the list, the most recently added first.
    List,
    /// Add the numbers of a CSV file (a phone column, or one number per line).
    Import {
        file: PathBuf,
        /// Country of the numbers written without their country code (ISO code).
        #[arg(long, value_name = "CC")]
        region: Option<String>,
        /// List what each row would give, without changing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the list to FILE as CSV.
    Export {
        /// The file to write (refused if it exists, unless --force).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum IdentityAction {
    /// Say who calls are made for (replaces what was set).
    Set {
        /// The person, e.g. "Ada Okafor".
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// The business, e.g. "Luigi's Trattoria".
        #[arg(long, value_name = "NAME")]
        business: Option<String>,
        /// The agent does not say that it is an AI assistant.
        #[arg(long)]
        no_ai_disclosure: bool,
    },
    /// Show who calls are made for, and the sentence added to every mission.
    Show,
    /// Stop saying who calls are made for (nothing is added to missions).
    Clear,
}

#[derive(Subcommand, Debug)]
pub enum BatchesAction {
    /// Every batch, newest first, with where its rows stand.
    List,
    /// Stop placing a running batch's rows (its calls going on go on).
    Pause { id: i64 },
    /// Go on with a paused batch, in the foreground until it ends (Ctrl-C pauses it again).
    Resume { id: i64 },
    /// Cancel a batch: its rows not yet placed never will be; its calls still waiting are
    /// cancelled at the service.
    Cancel { id: i64 },
    /// Write a batch's results (row, number, task id, status, outcome) as CSV.
    Export {
        id: i64,
        /// The file to write (refused if it exists, unless --force).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum HoursAction {
    /// Show the calling hours.
    Show,
    /// Set the calling hours (replaces them).
    Set {
        /// The first minute calls may ring, HH:MM in the callee's local time.
        #[arg(long, value_name = "HH:MM")]
        from: String,
        /// The minute calls stop, HH:MM (after --from; windows across midnight are not
        /// supported).
        #[arg(long, value_name = "HH:MM")]
        to: String,
        /// The days: "every", "weekdays", or names such as mon,tue,wed (default: every).
        #[arg(long, value_name = "DAYS", default_value = "every")]
        days: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ScheduledAction {
    /// The scheduled calls still to place (waiting, overdue), soonest first.
    List {
        /// Also those placed, cancelled, dropped or refused.
        #[arg(long)]
        all: bool,
    },
    /// Cancel a scheduled call before it is placed (ID: from `scheduled list`).
    Cancel { id: i64 },
    /// Place an overdue scheduled call now.
    Confirm {
        id: i64,
        /// Outside your calling hours where they are: place it anyway (recorded on the call).
        #[arg(long)]
        anyway: bool,
    },
    /// Drop an overdue scheduled call: it is not placed.
    Drop { id: i64 },
    /// Pause all: no scheduled call and no batch row is placed, here or in the app, until
    /// `scheduled resume` (calls already placed go on).
    Pause,
    /// Resume what `scheduled pause` (or the app's "Pause all") held. A call whose time passed
    /// meanwhile is overdue: it waits for you.
    Resume,
}

#[derive(Subcommand, Debug)]
pub enum TagAction {
    /// Every tag with how many calls carry it.
    List,
    /// Rename a tag on every call (onto an existing tag: the two become one).
    Rename { from: String, to: String },
    /// Remove a tag from every call.
    Delete { name: String },
}

#[derive(Subcommand, Debug)]
pub enum KeyAction {
    /// Store the key (read from stdin, never from the command line).
    Set,
    /// Remove the key from the keychain.
    Clear,
    /// Show whether a key is set (only its last 4 characters).
    Status,
}
