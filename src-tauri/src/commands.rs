//! The commands the UI may call: each a few lines over the core or the state. The API key
//! only ever goes in (`set_api_key`); nothing here returns it.

use crate::dto::*;
use crate::error::{AppError, AppErrorKind, CmdResult};
use crate::state::Starting;
use missioncall_core::calls::CallRequest;
use missioncall_core::history::HistoryFilter;
use missioncall_core::{export, phone};
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

/// Places a call confirmed by `confirm_call` (its token works once).
#[tauri::command]
#[specta::specta]
pub async fn place_call(app: State<'_, Starting>, token: String) -> CmdResult<CallSummary> {
    let state = app.get().await?;
    let rec = state.manager.place_confirmed(&token).await?;
    Ok((&rec).into())
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
        status: query.status,
        search: query.search.filter(|s| !s.trim().is_empty()),
        limit: query.limit,
        offset: query.offset,
        ..HistoryFilter::default()
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
    let Some(path) = tokio::task::spawn_blocking(move || host.save_path(&name))
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
