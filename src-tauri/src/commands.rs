//! The commands the UI may call: each a few lines over the core or the state. The API key
//! only ever goes in (`set_api_key`); nothing here returns it.

use crate::dto::*;
use crate::error::{AppError, AppErrorKind, CmdResult};
use crate::state::{FileKind, PickedBatchFile, Starting};
use missioncall_core::calls::{CallRequest, HoursChoice};
use missioncall_core::export::many::{self as export_many, ExportError, ExportOptions, Format};
use missioncall_core::history::HistoryFilter;
use missioncall_core::review::FollowUp;
use missioncall_core::{export, phone};
use std::sync::Arc;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn app_mode(app: State<'_, Starting>) -> CmdResult<AppMode> {
    let state = app.get().await?;
    state.mode().await
}

/// Everything the first screen needs, in one call: the mode, the regions for the number field
/// (sorted by name) and the settings. The page asks for it before its script has loaded
/// (`ui/public/boot.js`), so that the answer is on its way while the script is parsed.
#[tauri::command]
#[specta::specta]
pub async fn boot(app: State<'_, Starting>) -> CmdResult<Boot> {
    let state = app.get().await?;
    Ok(Boot {
        mode: state.mode().await?,
        settings: settings_of(&state),
        regions: phone::regions().into_iter().map(Region::from).collect(),
        status_choices: StatusChoice::all(),
        outcome_choices: OutcomeChoice::all(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn validate_phone(input: String, region: Option<String>) -> CmdResult<PhoneCheck> {
    Ok(phone::check(&input, region.as_deref()).into())
}

/// Checks a call and confirms it in the backend: the answer is exactly what will be sent, with
/// the one-use token that `place_call` requires. Nothing is sent.
#[tauri::command]
#[specta::specta]
pub async fn confirm_call(
    app: State<'_, Starting>,
    args: ConfirmCallArgs,
) -> CmdResult<Confirmation> {
    let state = app.get().await?;
    let c = state
        .manager
        .confirm(&CallRequest {
            number: &args.number,
            region: args.region.as_deref(),
            task: &args.task,
            force: args.force,
        })
        .await?;
    Ok(c.into())
}

/// Places a call confirmed by `confirm_call` (its token works once). Outside the calling
/// hours it is refused (`OutsideCallingHours`, the token still works) unless `anyway` says the
/// user chose "call now anyway", which the call records.
#[tauri::command]
#[specta::specta]
pub async fn place_call(
    app: State<'_, Starting>,
    token: String,
    anyway: bool,
) -> CmdResult<CallSummary> {
    let state = app.get().await?;
    let rec = state
        .manager
        .place_confirmed_with(&token, hours_choice(anyway))
        .await?;
    Ok((&rec).into())
}

fn hours_choice(anyway: bool) -> HoursChoice {
    if anyway {
        HoursChoice::CallAnyway
    } else {
        HoursChoice::Respect
    }
}

/// The calling hours, and the user's time zone.
#[tauri::command]
#[specta::specta]
pub async fn get_calling_hours(app: State<'_, Starting>) -> CmdResult<CallingHoursDto> {
    let state = app.get().await?;
    Ok(CallingHoursDto::new(&state.manager.hours_rule()))
}

/// Checks and saves the calling hours; every call from now on respects them.
#[tauri::command]
#[specta::specta]
pub async fn set_calling_hours(
    app: State<'_, Starting>,
    hours: CallingHoursDto,
) -> CmdResult<CallingHoursDto> {
    let state = app.get().await?;
    let clock = |text: &str| {
        chrono::NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
            AppError::new(
                AppErrorKind::InvalidSettings,
                format!("\"{text}\" is not a time of day. Write it as HH:MM, such as 08:00."),
            )
        })
    };
    let days: [bool; 7] = hours.days.as_slice().try_into().map_err(|_| {
        AppError::new(
            AppErrorKind::InvalidSettings,
            "The calling hours need a yes or no for each of the seven days.",
        )
    })?;
    state
        .manager
        .set_calling_hours(missioncall_core::callee_time::CallingHours {
            days,
            start: clock(&hours.start)?,
            end: clock(&hours.end)?,
        })?;
    Ok(CallingHoursDto::new(&state.manager.hours_rule()))
}

#[tauri::command]
#[specta::specta]
pub async fn get_task(app: State<'_, Starting>, id: i64) -> CmdResult<CallDetail> {
    let state = app.get().await?;
    let rec = state.history().get(id)?;
    let timeline = state.history().timeline(id)?;
    Ok(CallDetail::new(&rec, &timeline))
}

/// Cancels a call at its own origin (or says why it cannot).
#[tauri::command]
#[specta::specta]
pub async fn cancel_task(app: State<'_, Starting>, id: i64) -> CmdResult<CallSummary> {
    let state = app.get().await?;
    let rec = state.manager.cancel(id).await?;
    Ok((&rec).into())
}

/// Asks the call's own origin where it stands now, and follows it again.
#[tauri::command]
#[specta::specta]
pub async fn refresh_task(app: State<'_, Starting>, id: i64) -> CmdResult<CallSummary> {
    let state = app.get().await?;
    let rec = state.manager.refresh(id).await?;
    Ok((&rec).into())
}

/// One page of history. A read: it changes nothing.
#[tauri::command]
#[specta::specta]
pub async fn list_history(app: State<'_, Starting>, query: HistoryQuery) -> CmdResult<HistoryPage> {
    let state = app.get().await?;
    let filter = HistoryFilter {
        limit: query.limit,
        offset: query.offset,
        ..query.filter.to_core()?
    };
    let total = state.history().count(&filter)?;
    let items = state.history().list(&filter)?;
    Ok(HistoryPage {
        items: items.iter().map(CallSummary::from).collect(),
        total: total.min(u32::MAX as u64) as u32,
        offset: query.offset,
    })
}

/// Looks for work done elsewhere (the CLI): the window asks when it gets the focus. Attempts
/// whose sender is gone become unknown outcomes; new live calls are followed.
#[tauri::command]
#[specta::specta]
pub async fn sync_history(app: State<'_, Starting>) -> CmdResult<()> {
    let state = app.get().await?;
    Ok(state.manager.rescan().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn check_unknown_outcome(
    app: State<'_, Starting>,
    id: i64,
    task_id: String,
) -> CmdResult<CallSummary> {
    let state = app.get().await?;
    let rec = state.manager.check_unknown_outcome(id, &task_id).await?;
    Ok((&rec).into())
}

#[tauri::command]
#[specta::specta]
pub async fn dismiss_unknown_outcome(app: State<'_, Starting>, id: i64) -> CmdResult<CallSummary> {
    let state = app.get().await?;
    let rec = state.manager.dismiss_unknown_outcome(id)?;
    Ok((&rec).into())
}

#[tauri::command]
#[specta::specta]
pub async fn set_api_key(app: State<'_, Starting>, key: String) -> CmdResult<KeyStatus> {
    let state = app.get().await?;
    state.set_key(&key).await?;
    Ok(state.manager.key_status()?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn clear_api_key(app: State<'_, Starting>) -> CmdResult<KeyStatus> {
    let state = app.get().await?;
    state.clear_key().await?;
    Ok(state.manager.key_status()?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn key_status(app: State<'_, Starting>) -> CmdResult<KeyStatus> {
    let state = app.get().await?;
    Ok(state.manager.key_status()?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(app: State<'_, Starting>) -> CmdResult<Settings> {
    Ok(settings_of(&*app.get().await?))
}

fn settings_of(state: &crate::state::AppState) -> Settings {
    (&state.settings()).into()
}

#[tauri::command]
#[specta::specta]
pub async fn set_settings(app: State<'_, Starting>, settings: Settings) -> CmdResult<Settings> {
    let state = app.get().await?;
    Ok((&state.set_settings(settings.to_core()).await?).into())
}

#[tauri::command]
#[specta::specta]
pub async fn start_demo(app: State<'_, Starting>) -> CmdResult<AppMode> {
    let state = app.get().await?;
    state.start_demo().await
}

#[tauri::command]
#[specta::specta]
pub async fn stop_demo(app: State<'_, Starting>) -> CmdResult<AppMode> {
    let state = app.get().await?;
    state.stop_demo().await
}

#[tauri::command]
#[specta::specta]
pub async fn export_call(app: State<'_, Starting>, id: i64) -> CmdResult<Option<String>> {
    let state = app.get().await?;
    let rec = state.history().get(id)?;
    let text = export::to_text(&rec, &state.history().timeline(id)?);
    let host = state.host.clone();
    let name = export::file_name(&rec);
    let Some(path) = tokio::task::spawn_blocking(move || host.save_path(&name, FileKind::Text))
        .await
        .ok()
        .flatten()
    else {
        return Ok(None);
    };
    std::fs::write(&path, text).map_err(|e| {
        AppError::new(
            AppErrorKind::Storage,
            format!("Could not save the file ({e}). Choose another folder and try again."),
        )
    })?;
    Ok(Some(path.display().to_string()))
}

/// The UI's first screen is rendered. Prints the benchmark readiness line when
/// `MISSIONCALL_BENCH_READY=1`, and loads the phone-number metadata in the background now
/// that the window no longer competes for the CPU (it takes tens of milliseconds; the first
/// number typed would otherwise wait for it).
#[tauri::command]
#[specta::specta]
pub fn ui_ready() {
    crate::ready::signal();
    phone::warm_up_in_background();
}

// ----- Reviewing calls: outcome, note, follow-up, tags, contacts (the core's history/review).

/// Runs a history write off the async threads (each is one short SQLite transaction with an
/// fsync) and answers with the call as it is now.
async fn review_call(
    app: State<'_, Starting>,
    id: i64,
    write: impl FnOnce(
            &missioncall_core::history::History,
        ) -> Result<
            missioncall_core::history::CallRecord,
            missioncall_core::history::HistoryError,
        > + Send
        + 'static,
) -> CmdResult<CallSummary> {
    let state = app.get().await?;
    let history = Arc::clone(state.history());
    let rec = blocking(move || write(&history)).await??;
    debug_assert_eq!(rec.id, id);
    // Every window showing this call (the list, its detail) hears of it.
    state.host.task_updated(TaskUpdated {
        call: (&rec).into(),
    });
    Ok((&rec).into())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> CmdResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|_| {
        AppError::new(
            AppErrorKind::Other,
            "MissionCall stopped this task part way. Try again; if it happens again, restart MissionCall.",
        )
    })
}

/// Sets what the call achieved (`None` clears it). The service's status is not touched.
#[tauri::command]
#[specta::specta]
pub async fn set_outcome(
    app: State<'_, Starting>,
    id: i64,
    outcome: Option<missioncall_core::call::Outcome>,
) -> CmdResult<CallSummary> {
    review_call(app, id, move |h| h.set_outcome(id, outcome)).await
}

/// Replaces the call's note (empty text removes it).
#[tauri::command]
#[specta::specta]
pub async fn set_note(app: State<'_, Starting>, id: i64, note: String) -> CmdResult<CallSummary> {
    review_call(app, id, move |h| h.set_note(id, &note)).await
}

/// Sets the follow-up (`YYYY-MM-DD` with an optional ` HH:MM`, local time) or clears it.
#[tauri::command]
#[specta::specta]
pub async fn set_follow_up(
    app: State<'_, Starting>,
    id: i64,
    follow_up: Option<String>,
) -> CmdResult<CallSummary> {
    let follow_up = match follow_up
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => None,
        Some(text) => {
            Some(FollowUp::parse(text).map_err(|m| AppError::new(AppErrorKind::InvalidInput, m))?)
        }
    };
    review_call(app, id, move |h| h.set_follow_up(id, follow_up)).await
}

/// A follow-up as the window writes it (`None` or blank: none).
pub fn follow_up_of(text: Option<&str>) -> Result<Option<FollowUp>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => FollowUp::parse(t)
            .map(Some)
            .map_err(|m| AppError::new(AppErrorKind::InvalidInput, m)),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn add_tag(app: State<'_, Starting>, id: i64, tag: String) -> CmdResult<CallSummary> {
    review_call(app, id, move |h| h.add_tag(id, &tag)).await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_tag(app: State<'_, Starting>, id: i64, tag: String) -> CmdResult<CallSummary> {
    review_call(app, id, move |h| h.remove_tag(id, &tag)).await
}

/// Every tag with its number of calls, by name.
#[tauri::command]
#[specta::specta]
pub async fn list_tags(app: State<'_, Starting>) -> CmdResult<Vec<TagCount>> {
    let state = app.get().await?;
    Ok(state
        .history()
        .tags()?
        .into_iter()
        .map(TagCount::from)
        .collect())
}

/// Renames a tag on every call (merging it into a tag of that name if there is one); answers
/// with the number of calls changed.
#[tauri::command]
#[specta::specta]
pub async fn rename_tag(app: State<'_, Starting>, from: String, to: String) -> CmdResult<u32> {
    let state = app.get().await?;
    let history = Arc::clone(state.history());
    let n = blocking(move || history.rename_tag(&from, &to)).await??;
    Ok(n.min(u32::MAX.into()) as u32)
}

/// Removes a tag from every call; answers with the number of calls changed.
#[tauri::command]
#[specta::specta]
pub async fn delete_tag(app: State<'_, Starting>, tag: String) -> CmdResult<u32> {
    let state = app.get().await?;
    let history = Arc::clone(state.history());
    let n = blocking(move || history.delete_tag(&tag)).await??;
    Ok(n.min(u32::MAX.into()) as u32)
}

/// Every contact, by name.
#[tauri::command]
#[specta::specta]
pub async fn list_contacts(app: State<'_, Starting>) -> CmdResult<Vec<Contact>> {
    let state = app.get().await?;
    Ok(state
        .history()
        .contacts()?
        .into_iter()
        .map(Contact::from)
        .collect())
}

/// Names a number (E.164, or as typed with the default region). Every call to it shows the name.
#[tauri::command]
#[specta::specta]
pub async fn set_contact(
    app: State<'_, Starting>,
    number: String,
    region: Option<String>,
    name: String,
) -> CmdResult<Contact> {
    let state = app.get().await?;
    let parsed = phone::parse(&number, region.as_deref())
        .map_err(|e| AppError::new(AppErrorKind::InvalidPhone, e.to_string()))?;
    let history = Arc::clone(state.history());
    let c = blocking(move || history.set_contact(&parsed.e164, &name)).await??;
    Ok(c.into())
}

/// Forgets a number's name (its calls stay).
#[tauri::command]
#[specta::specta]
pub async fn remove_contact(app: State<'_, Starting>, number: String) -> CmdResult<bool> {
    let state = app.get().await?;
    let history = Arc::clone(state.history());
    Ok(blocking(move || history.remove_contact(&number)).await??)
}

/// Calls with a follow-up, soonest first, with where each stands on the local clock.
#[tauri::command]
#[specta::specta]
pub async fn list_follow_ups(app: State<'_, Starting>) -> CmdResult<Vec<FollowUpItem>> {
    let state = app.get().await?;
    let now = state.local_now();
    Ok(state
        .history()
        .follow_ups()?
        .iter()
        .filter_map(|r| {
            let f = r.follow_up?;
            Some(FollowUpItem {
                overdue: if f.time.is_some() {
                    f.is_due(now)
                } else {
                    f.date < now.date()
                },
                today: f.date == now.date(),
                call: r.into(),
            })
        })
        .collect())
}

/// The figures of the calls the filter selects.
#[tauri::command]
#[specta::specta]
pub async fn overview(app: State<'_, Starting>, filter: CallFilter) -> CmdResult<Overview> {
    let state = app.get().await?;
    let filter = filter.to_core()?;
    let offset = state.local_offset_secs();
    let history = Arc::clone(state.history());
    Ok(blocking(move || history.overview(&filter, offset))
        .await??
        .into())
}

/// Exports the calls the filter selects to a file the user picks, with `export-progress`
/// events on the way. `None` if the user closed the dialog. `cancel_export` stops it (no file
/// is left).
#[tauri::command]
#[specta::specta]
pub async fn export_calls(
    app: State<'_, Starting>,
    args: ExportArgs,
) -> CmdResult<Option<ExportDone>> {
    let state = app.get().await?;
    let format = export_format(&args.format)?;
    let filter = args.filter.to_core()?;
    let kind = match format {
        Format::Csv => FileKind::Csv,
        Format::Json => FileKind::Json,
        Format::Markdown => FileKind::Markdown,
    };
    let name = format!(
        "missioncall-calls-{}.{}",
        state.local_now().format("%Y-%m-%d"),
        format.extension()
    );
    let host = state.host.clone();
    let Some(path) = blocking(move || host.save_path(&name, kind)).await? else {
        return Ok(None);
    };
    let cancel = state.begin_export();
    let history = Arc::clone(state.history());
    let host = state.host.clone();
    let opts = ExportOptions {
        with_transcripts: args.with_transcripts,
        ..ExportOptions::new(format)
    };
    let target = path.clone();
    let written = blocking(move || {
        // The dialog already asked about replacing an existing file.
        export_many::export_to_file(&history, &filter, &opts, &target, true, |done, total| {
            host.export_progress(ExportProgress {
                done: done.min(u32::MAX.into()) as u32,
                total: total.min(u32::MAX.into()) as u32,
            });
            !cancel.load(std::sync::atomic::Ordering::SeqCst)
        })
    })
    .await?;
    match written {
        Ok(n) => Ok(Some(ExportDone {
            path: path.display().to_string(),
            calls: n.min(u32::MAX.into()) as u32,
        })),
        Err(ExportError::Cancelled) => Err(export_cancelled()),
        Err(e) => Err(AppError::new(AppErrorKind::Storage, e.to_string())),
    }
}

/// The export format named by the window (`csv`, `json`, `md`).
pub fn export_format(word: &str) -> Result<Format, AppError> {
    Format::parse(word).ok_or_else(|| {
        AppError::new(
            AppErrorKind::InvalidInput,
            "Pick CSV, JSON or a printable report.",
        )
    })
}

/// The error of an export stopped by `cancel_export`.
pub fn export_cancelled() -> AppError {
    AppError::new(
        AppErrorKind::StoppedByUser,
        ExportError::Cancelled.to_string(),
    )
}

/// Stops the export under way, if any.
#[tauri::command]
#[specta::specta]
pub async fn cancel_export(app: State<'_, Starting>) -> CmdResult<()> {
    app.get().await?.cancel_export();
    Ok(())
}

/// Opens the system's print dialog for the window (the report view has a print stylesheet;
/// the dialog can save it as PDF).
#[tauri::command]
#[specta::specta]
pub async fn print_window(app: State<'_, Starting>) -> CmdResult<()> {
    let state = app.get().await?;
    state.host.print().map_err(|e| {
        AppError::new(
            AppErrorKind::Other,
            format!("Could not open the print dialog ({e}). Export a report file instead and print it from another program."),
        )
    })
}

/// Asks for a file of `kind` and hands its bytes to `import` on a blocking thread. `None` if
/// the dialog was closed; a file that cannot be read is an `InvalidInput` error naming it.
async fn import_picked<T: Send + 'static>(
    state: &crate::state::AppState,
    kind: FileKind,
    import: impl FnOnce(&missioncall_core::history::History, &[u8]) -> CmdResult<T> + Send + 'static,
) -> CmdResult<Option<T>> {
    let host = state.host.clone();
    let Some(path) = blocking(move || host.open_path(kind)).await? else {
        return Ok(None);
    };
    let history = Arc::clone(state.history());
    let done = blocking(move || -> CmdResult<T> {
        let bytes = std::fs::read(&path).map_err(|e| {
            AppError::new(
                AppErrorKind::InvalidInput,
                format!(
                    "Could not read {} ({e}). Choose another file.",
                    path.display()
                ),
            )
        })?;
        import(&history, &bytes)
    })
    .await??;
    Ok(Some(done))
}

/// Names numbers from a vCard or CSV file the user picks (numbers without a country code are
/// read in `region`). `None` if the dialog was closed.
#[tauri::command]
#[specta::specta]
pub async fn import_contacts(
    app: State<'_, Starting>,
    region: Option<String>,
) -> CmdResult<Option<ContactsImported>> {
    let state = app.get().await?;
    import_picked(&state, FileKind::Contacts, move |history, bytes| {
        let preview = missioncall_core::contacts_import::read_bytes(bytes, region.as_deref())
            .map_err(|e| AppError::new(AppErrorKind::InvalidInput, e.to_string()))?;
        let applied = missioncall_core::contacts_import::apply(history, &preview)?;
        Ok(ContactsImported::new(&preview, &applied))
    })
    .await
}

// ----- Backups

/// Writes a consistent snapshot of the history (SQLite's online backup, while calls go on) to
/// a file the user picks. `None` if the dialog was closed.
#[tauri::command]
#[specta::specta]
pub async fn backup_history(app: State<'_, Starting>) -> CmdResult<Option<BackupDone>> {
    let state = app.get().await?;
    let name = backup_file_name(state.local_now().date());
    let host = state.host.clone();
    let Some(path) = blocking(move || host.save_path(&name, FileKind::Backup)).await? else {
        return Ok(None);
    };
    let history = Arc::clone(state.history());
    let info = blocking(move || history.backup_to(&path)).await??;
    Ok(Some(info.into()))
}

/// The name a backup made on `day` is offered under.
pub fn backup_file_name(day: chrono::NaiveDate) -> String {
    format!("missioncall-backup-{}.sqlite", day.format("%Y-%m-%d"))
}

/// The error for a daily backup named by a day that is not one.
pub fn no_such_backup_day() -> AppError {
    AppError::new(
        AppErrorKind::InvalidInput,
        "That is not a day MissionCall has a backup of. Pick one from the list.",
    )
}

/// Merges a backup the user picks into the history: calls it lacks are added, annotations of
/// the newer side win, nothing is doubled. `None` if the dialog was closed.
#[tauri::command]
#[specta::specta]
pub async fn restore_history(app: State<'_, Starting>) -> CmdResult<Option<RestoreDone>> {
    let state = app.get().await?;
    let host = state.host.clone();
    let Some(path) = blocking(move || host.open_path(FileKind::Backup)).await? else {
        return Ok(None);
    };
    restore_from(&state, path).await.map(Some)
}

/// The automatic daily backups, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_backups(app: State<'_, Starting>) -> CmdResult<Vec<DailyBackup>> {
    let state = app.get().await?;
    let dir = state.backup_dir();
    let found = blocking(move || missioncall_core::history::list_backups(&dir)).await??;
    Ok(found.into_iter().map(DailyBackup::from).collect())
}

/// Merges one of the automatic daily backups (named by its day, `YYYY-MM-DD`).
#[tauri::command]
#[specta::specta]
pub async fn restore_daily_backup(
    app: State<'_, Starting>,
    date: String,
) -> CmdResult<RestoreDone> {
    let state = app.get().await?;
    let day = missioncall_core::review::parse_day(&date).ok_or_else(|| {
        AppError::new(
            AppErrorKind::InvalidInput,
            "That is not a day MissionCall has a backup of. Pick one from the list.",
        )
    })?;
    // Only a file of the backups folder, by its own name: the window never names a path.
    let path = state
        .backup_dir()
        .join(missioncall_core::history::backup::daily_name(day));
    restore_from(&state, path).await
}

async fn restore_from(
    state: &crate::state::AppState,
    path: std::path::PathBuf,
) -> CmdResult<RestoreDone> {
    let history = Arc::clone(state.history());
    let report = blocking(move || history.restore_from(&path)).await??;
    // Restored calls that are still live are followed at their own origin (reads only).
    if let Err(e) = state.manager.rescan().await {
        log::warn!("following restored calls: {e}");
    }
    Ok(report.into())
}

// ----- The do-not-call list and the caller identity

/// The do-not-call list, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_do_not_call(app: State<'_, Starting>) -> CmdResult<Vec<DoNotCallEntry>> {
    let state = app.get().await?;
    Ok(state
        .history()
        .do_not_call_list()?
        .iter()
        .map(DoNotCallEntry::from)
        .collect())
}

/// Puts a number (as typed, read in `region`) on the do-not-call list.
#[tauri::command]
#[specta::specta]
pub async fn add_do_not_call(
    app: State<'_, Starting>,
    number: String,
    region: Option<String>,
    reason: String,
) -> CmdResult<DoNotCallEntry> {
    let state = app.get().await?;
    let parsed = phone::parse(&number, region.as_deref())
        .map_err(|e| AppError::new(AppErrorKind::InvalidPhone, e.to_string()))?;
    let history = Arc::clone(state.history());
    let added = blocking(move || {
        history.add_do_not_call(
            &parsed.e164,
            &reason,
            missioncall_core::do_not_call::Source::Typed,
        )
    })
    .await??;
    Ok((&added.listing).into())
}

/// "Don't call this number again", from a call.
#[tauri::command]
#[specta::specta]
pub async fn add_do_not_call_from_call(
    app: State<'_, Starting>,
    id: i64,
    reason: String,
) -> CmdResult<DoNotCallEntry> {
    let state = app.get().await?;
    let history = Arc::clone(state.history());
    let added = blocking(move || history.add_do_not_call_from_call(id, &reason)).await??;
    Ok((&added.listing).into())
}

/// The name the do-not-call list's export suggests.
pub const DO_NOT_CALL_FILE_NAME: &str = "do-not-call.csv";

/// Takes a number (E.164) off the list; false if it was not on it.
#[tauri::command]
#[specta::specta]
pub async fn remove_do_not_call(app: State<'_, Starting>, number: String) -> CmdResult<bool> {
    let state = app.get().await?;
    let history = Arc::clone(state.history());
    Ok(blocking(move || history.remove_do_not_call(&number)).await??)
}

/// Adds the numbers of a CSV file the user picks. `None` if the dialog was closed.
#[tauri::command]
#[specta::specta]
pub async fn import_do_not_call(
    app: State<'_, Starting>,
    region: Option<String>,
) -> CmdResult<Option<DoNotCallImported>> {
    let state = app.get().await?;
    import_picked(&state, FileKind::Csv, move |history, bytes| {
        let preview = missioncall_core::do_not_call::read_bytes(bytes, region.as_deref())
            .map_err(|e| AppError::new(AppErrorKind::InvalidInput, e.to_string()))?;
        let imported = missioncall_core::do_not_call::apply(history, &preview)?;
        Ok(DoNotCallImported::new(&preview, &imported))
    })
    .await
}

/// Writes the list to a CSV file the user picks (its path; `None` if the dialog was closed).
#[tauri::command]
#[specta::specta]
pub async fn export_do_not_call(app: State<'_, Starting>) -> CmdResult<Option<String>> {
    let state = app.get().await?;
    let host = state.host.clone();
    let Some(path) = blocking(move || host.save_path(DO_NOT_CALL_FILE_NAME, FileKind::Csv)).await?
    else {
        return Ok(None);
    };
    let history = Arc::clone(state.history());
    let target = path.clone();
    blocking(move || missioncall_core::do_not_call::export_to_file(&history, &target, true))
        .await?
        .map_err(|e| AppError::new(AppErrorKind::Storage, e.to_string()))?;
    Ok(Some(path.display().to_string()))
}

/// Who the calls are made for, and the sentence added to every mission.
#[tauri::command]
#[specta::specta]
pub async fn get_caller_identity(app: State<'_, Starting>) -> CmdResult<CallerIdentity> {
    let state = app.get().await?;
    Ok((&state.manager.caller_identity()).into())
}

/// Saves the caller identity; the next confirmation shows the new sentence.
#[tauri::command]
#[specta::specta]
pub async fn set_caller_identity(
    app: State<'_, Starting>,
    identity: CallerIdentity,
) -> CmdResult<CallerIdentity> {
    let state = app.get().await?;
    state.manager.set_caller_identity(identity.to_core())?;
    Ok((&state.manager.caller_identity()).into())
}

// ----- Scheduled calls

fn scheduled_call(
    history: &missioncall_core::history::History,
    job: &missioncall_core::history::ScheduledJob,
) -> ScheduledCall {
    let name = history
        .contact(&job.phone_e164)
        .ok()
        .flatten()
        .map(|c| c.name);
    ScheduledCall::new(job, name)
}

/// A local date and time as the window writes it (`YYYY-MM-DDTHH:MM`), as a moment.
pub fn local_moment(text: &str) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
    use chrono::TimeZone;
    let naive = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        // A date-time field with a finer step gives seconds too.
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            AppError::new(
                AppErrorKind::InvalidInput,
                "Pick the day and the time the call should be placed.",
            )
        })?;
    chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok_or_else(|| {
            AppError::new(
                AppErrorKind::InvalidInput,
                "That time does not exist here (the clocks change then). Pick another time.",
            )
        })
}

/// Schedules a confirmed call (the token of `confirm_call`, which works once) for a local
/// time (`YYYY-MM-DDTHH:MM`). Nothing is sent now; the running app places it once, when due.
#[tauri::command]
#[specta::specta]
pub async fn schedule_call(
    app: State<'_, Starting>,
    token: String,
    at: String,
    anyway: bool,
) -> CmdResult<ScheduledCall> {
    let state = app.get().await?;
    let due = local_moment(&at)?;
    let job = state
        .manager
        .schedule_confirmed(&token, due, hours_choice(anyway))
        .await?;
    Ok(scheduled_call(state.history(), &job))
}

/// What keeps MissionCall running with its window closed (scheduled calls, batches), whether
/// "Pause all" is on, and whether closing the window keeps it running in the tray.
#[tauri::command]
#[specta::specta]
pub async fn get_background(app: State<'_, Starting>) -> CmdResult<BackgroundWork> {
    app.get().await?.background()
}

/// "Pause all" (`true`): no scheduled call or batch row is placed until resumed (`false`);
/// calls already placed go on. Saved, so a restart and the CLI's runner keep it.
#[tauri::command]
#[specta::specta]
pub async fn set_paused(app: State<'_, Starting>, paused: bool) -> CmdResult<BackgroundWork> {
    app.get().await?.set_paused(paused, false)
}

/// Whether closing the window keeps MissionCall running in the tray while calls are
/// scheduled or a batch runs.
#[tauri::command]
#[specta::specta]
pub async fn set_keep_running_in_tray(
    app: State<'_, Starting>,
    on: bool,
) -> CmdResult<BackgroundWork> {
    app.get().await?.set_keep_running_in_tray(on)
}

/// The calls waiting to be placed, and those overdue (waiting for the user), soonest first.
#[tauri::command]
#[specta::specta]
pub async fn list_scheduled(app: State<'_, Starting>) -> CmdResult<Vec<ScheduledCall>> {
    let state = app.get().await?;
    let history = state.history();
    Ok(state
        .manager
        .scheduled()?
        .iter()
        .map(|j| scheduled_call(history, j))
        .collect())
}

/// Cancels a scheduled call before it is placed. Nothing is sent.
#[tauri::command]
#[specta::specta]
pub async fn cancel_scheduled(app: State<'_, Starting>, id: i64) -> CmdResult<()> {
    let state = app.get().await?;
    state.manager.cancel_scheduled(id)?;
    Ok(())
}

/// Drops an overdue scheduled call: it is not placed.
#[tauri::command]
#[specta::specta]
pub async fn drop_scheduled(app: State<'_, Starting>, id: i64) -> CmdResult<()> {
    let state = app.get().await?;
    state.manager.drop_scheduled(id)?;
    Ok(())
}

/// Places an overdue scheduled call now, because the user said so (once, at its own origin).
/// Outside the calling hours: outsideCallingHours (nothing sent) unless `anyway` ("Place it
/// anyway", recorded on the call) or the call was scheduled outside them on purpose.
#[tauri::command]
#[specta::specta]
pub async fn place_scheduled_now(
    app: State<'_, Starting>,
    id: i64,
    anyway: bool,
) -> CmdResult<CallSummary> {
    let state = app.get().await?;
    let rec = state
        .manager
        .confirm_scheduled_with(id, hours_choice(anyway))
        .await?;
    Ok((&rec).into())
}

// ----- Batches

/// Asks for a CSV file of numbers to call and reads it (on a blocking thread: a file of
/// 10,000 rows is refused at once, with its count). `None` if the dialog was closed. The file
/// stays with the backend; the window gets its token, headers and row count.
#[tauri::command]
#[specta::specta]
pub async fn choose_batch_file(app: State<'_, Starting>) -> CmdResult<Option<BatchFile>> {
    let state = app.get().await?;
    let host = state.host.clone();
    let Some(path) = blocking(move || host.open_path(FileKind::Batch)).await? else {
        return Ok(None);
    };
    let (picked, file) = blocking(move || -> CmdResult<(PickedBatchFile, BatchFile)> {
        let bytes = std::fs::read(&path).map_err(|e| {
            AppError::new(
                AppErrorKind::InvalidInput,
                format!(
                    "Could not read {}: {e}. Check that the file is still there and that you may read it.",
                    path.display()
                ),
            )
        })?;
        let sheet = missioncall_core::batch::read_sheet(&bytes)
            .map_err(|e| AppError::new(AppErrorKind::InvalidInput, e.to_string()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let token = format!("{:032x}", rand::random::<u128>());
        let guessed = missioncall_core::batch::guess_phone_column(sheet.headers())
            .map(|i| sheet.headers()[i].clone());
        let file = BatchFile {
            token: token.clone(),
            name: name.clone(),
            headers: sheet.headers().to_vec(),
            rows: u32::try_from(sheet.rows().len()).unwrap_or(u32::MAX),
            guessed_phone_column: guessed,
        };
        Ok((
            PickedBatchFile {
                token,
                name,
                bytes: Arc::new(bytes),
            },
            file,
        ))
    })
    .await??;
    if let Ok(mut slot) = state.batch_file.lock() {
        *slot = Some(picked);
    }
    Ok(Some(file))
}

fn picked_file(state: &crate::state::AppState, token: &str) -> CmdResult<PickedBatchFile> {
    state
        .batch_file
        .lock()
        .ok()
        .and_then(|f| f.clone())
        .filter(|f| f.token == token)
        .ok_or_else(|| {
            AppError::new(
                AppErrorKind::InvalidInput,
                "That file is no longer open here. Choose the CSV file again.",
            )
        })
}

async fn plan_of(
    state: &crate::state::AppState,
    args: &BatchArgs,
) -> CmdResult<(PickedBatchFile, missioncall_core::batch::Plan)> {
    let file = picked_file(state, &args.token)?;
    let manager = state.manager.clone();
    let (bytes, template) = (file.bytes.clone(), args.template.clone());
    let (region, column) = (args.region.clone(), args.phone_column.clone());
    let plan =
        blocking(move || manager.plan_batch(&bytes, &template, region, column, None)).await??;
    Ok((file, plan))
}

/// The dry run of the picked file: every row with the number as it will be dialled and the
/// mission as it will be sent, or why it will not be called. Nothing is stored or sent.
#[tauri::command]
#[specta::specta]
pub async fn plan_batch(app: State<'_, Starting>, args: BatchArgs) -> CmdResult<BatchPlan> {
    let state = app.get().await?;
    let (_, plan) = plan_of(&state, &args).await?;
    Ok(BatchPlan::new(&plan))
}

/// Starts the picked file as a batch of the session in use, after the user confirmed
/// `expected` calls: the dry run is made again now, and if it no longer gives that count
/// nothing is started (the user sees the new count first). Its rows are then placed by the
/// running app, at most `concurrency` at once.
#[tauri::command]
#[specta::specta]
pub async fn start_batch(
    app: State<'_, Starting>,
    args: BatchArgs,
    concurrency: u8,
    expected: u32,
) -> CmdResult<BatchDto> {
    let state = app.get().await?;
    let (file, plan) = plan_of(&state, &args).await?;
    missioncall_core::batch_run::check_expected(&plan, expected as usize)?;
    let batch = state
        .manager
        .start_batch(&file.name, &args.template, &plan, concurrency)
        .await?;
    place_due_now(&state);
    Ok((&batch).into())
}

/// Places what is due now (a batch just started or resumed) without waiting for the watch.
fn place_due_now(state: &crate::state::AppState) {
    let manager = state.manager.clone();
    let host = state.host.clone();
    tokio::spawn(async move {
        match manager.run_due().await {
            Ok(report) => {
                if !report.is_empty() {
                    host.scheduled_changed();
                }
                crate::state::announce_batches(
                    host.as_ref(),
                    manager.settings().notifications,
                    &report,
                );
            }
            Err(e) => tracing::warn!("placing a batch's calls: {e}"),
        }
    });
}

/// Every batch, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_batches(app: State<'_, Starting>) -> CmdResult<Vec<BatchDto>> {
    let state = app.get().await?;
    let history = Arc::clone(state.history());
    let batches = blocking(move || history.batches()).await??;
    Ok(batches.iter().map(BatchDto::from).collect())
}

/// A batch and every one of its rows with what became of it.
#[tauri::command]
#[specta::specta]
pub async fn batch_rows(app: State<'_, Starting>, id: i64) -> CmdResult<Vec<BatchRowDto>> {
    let state = app.get().await?;
    let history = Arc::clone(state.history());
    let rows = blocking(move || history.batch_rows(id)).await??;
    Ok(rows.iter().map(BatchRowDto::from).collect())
}

/// Pauses a running batch: nothing more of it is placed until it is resumed.
#[tauri::command]
#[specta::specta]
pub async fn pause_batch(app: State<'_, Starting>, id: i64) -> CmdResult<BatchDto> {
    let state = app.get().await?;
    let b = state.history().pause_batch(id)?;
    Ok((&b).into())
}

/// Resumes a paused batch, run by this app from now on.
#[tauri::command]
#[specta::specta]
pub async fn resume_batch(app: State<'_, Starting>, id: i64) -> CmdResult<BatchDto> {
    let state = app.get().await?;
    let b = state.history().resume_batch(id)?;
    place_due_now(&state);
    Ok((&b).into())
}

/// Cancels a batch: its rows not yet placed never will be; its calls still waiting are
/// cancelled at the service where it allows it.
#[tauri::command]
#[specta::specta]
pub async fn cancel_batch(app: State<'_, Starting>, id: i64) -> CmdResult<BatchDto> {
    let state = app.get().await?;
    let b = state.manager.cancel_batch(id).await?;
    state.host.scheduled_changed();
    Ok((&b).into())
}

/// Writes a batch's results (row, number, task id, status, outcome) as CSV to a file the user
/// picks. `None` if the dialog was closed.
#[tauri::command]
#[specta::specta]
pub async fn export_batch_results(app: State<'_, Starting>, id: i64) -> CmdResult<Option<String>> {
    let state = app.get().await?;
    let host = state.host.clone();
    let name = format!("batch-{id}-results.csv");
    let Some(path) = blocking(move || host.save_path(&name, FileKind::BatchResults)).await? else {
        return Ok(None);
    };
    let history = Arc::clone(state.history());
    let target = path.clone();
    blocking(move || missioncall_core::batch_run::export_results(&history, id, &target, true))
        .await?
        .map_err(|e| AppError::new(AppErrorKind::Storage, e.to_string()))?;
    Ok(Some(path.display().to_string()))
}
