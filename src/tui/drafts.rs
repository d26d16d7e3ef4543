//! Keeping the editors' unsaved drafts on disk as they change ([`DraftKeeper`], over the
//! core's [`RecoveryStore`]), and reading back at start-up what an earlier session left
//! ([`load_recovered`]). The app only says what its drafts are ([`App::drafts`]); writing
//! happens here, off the UI task.
//!
//! [`App::drafts`]: super::state::App::drafts

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc::{self, UnboundedSender};

use crate::Engine;
use crate::workspace::recovery::{Draft, DraftTarget, RecoveryStore, StoredDraft, now_seconds};

use super::qna::EntryFields;
use super::recovery::Recovered;

/// Writes this session's drafts to the recovery folder whenever they change (latest wins,
/// off the UI task), and once more, synchronously, when the app stops however it stops.
#[derive(Debug)]
pub struct DraftKeeper {
    store: RecoveryStore,
    session: String,
    /// The drafts as last given (without their `written` stamp).
    latest: Arc<Mutex<Vec<Draft>>>,
    wake: Option<UnboundedSender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl DraftKeeper {
    /// A keeper writing `session`'s file in `store` (must run inside a tokio runtime).
    pub fn spawn(store: RecoveryStore, session: String) -> Self {
        let latest = Arc::new(Mutex::new(Vec::new()));
        let (wake, mut woken) = mpsc::unbounded_channel::<()>();
        let task = {
            let (store, session, latest) = (store.clone(), session.clone(), latest.clone());
            tokio::spawn(async move {
                while woken.recv().await.is_some() {
                    while woken.try_recv().is_ok() {}
                    let drafts = snapshot(&latest);
                    let (store, session) = (store.clone(), session.clone());
                    let written =
                        tokio::task::spawn_blocking(move || write(&store, &session, drafts)).await;
                    if let Err(error) = written {
                        tracing::warn!(%error, "the draft writer failed");
                    }
                }
            })
        };
        Self {
            store,
            session,
            latest,
            wake: Some(wake),
            task,
        }
    }

    /// The session whose file this keeper writes.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// Takes the drafts the app holds now; they are written if they changed.
    pub fn update(&self, drafts: Vec<Draft>) {
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        if *latest != drafts {
            *latest = drafts;
            if let Some(wake) = &self.wake {
                // The writer ends only after `finish`.
                let _ = wake.send(());
            }
        }
    }

    /// Takes a restored or discarded draft of an earlier session out of the folder.
    pub fn forget(&self, session: String, draft: Draft) {
        spawn_forget(&self.store, session, draft);
    }

    /// Writes the drafts last given, now, on this thread (after a panic, when the UI task
    /// can no longer be trusted to say what they are).
    pub fn write_now(&self) {
        write(&self.store, &self.session, snapshot(&self.latest));
    }

    /// Stops the keeper, leaving `drafts` on disk: none after the user quit and agreed to
    /// drop them (the session's file goes), every unsaved one after a signal.
    pub async fn finish(mut self, drafts: Vec<Draft>) {
        self.wake = None;
        if let Err(error) = (&mut self.task).await {
            tracing::warn!(%error, "the draft writer failed");
        }
        let (store, session) = (self.store.clone(), self.session.clone());
        let done = tokio::task::spawn_blocking(move || write(&store, &session, drafts)).await;
        if let Err(error) = done {
            tracing::warn!(%error, "the last draft write failed");
        }
    }
}

fn snapshot(latest: &Mutex<Vec<Draft>>) -> Vec<Draft> {
    latest
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

fn write(store: &RecoveryStore, session: &str, mut drafts: Vec<Draft>) {
    let now = now_seconds();
    for draft in &mut drafts {
        draft.written = now;
    }
    match store.write(session, &drafts) {
        Ok(()) => tracing::debug!(drafts = drafts.len(), "drafts kept for recovery"),
        Err(error) => tracing::warn!(%error, "cannot keep the drafts for recovery"),
    }
}

/// Takes a restored or discarded draft out of the recovery folder, off the UI task.
pub fn spawn_forget(store: &RecoveryStore, session: String, draft: Draft) {
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(error) = store.remove(&session, &draft) {
            tracing::warn!(%error, "cannot take a recovered draft out of the folder");
        }
    });
}

/// The drafts sessions other than `own` left in `store`, each with what its target holds
/// now in `engine`'s workspace; and a line per session file that could not be read.
pub fn load_recovered(
    engine: &Engine,
    store: &RecoveryStore,
    own: &str,
) -> (Vec<Recovered>, Vec<String>) {
    let (stored, problems) = store.load(own);
    let recovered = stored
        .into_iter()
        .map(|stored| now_of(engine, stored))
        .collect();
    (
        recovered,
        problems.iter().map(ToString::to_string).collect(),
    )
}

/// A stored draft with its target as it is now.
fn now_of(engine: &Engine, stored: StoredDraft) -> Recovered {
    let draft = &stored.draft;
    let bot = engine.workspace().bot(&draft.bot);
    let (current, version) = match (&draft.target, bot) {
        (DraftTarget::Entry { id: Some(id) }, Some(bot)) => match bot.entry(id) {
            Some(entry) => (
                Some(EntryFields::of(entry).to_bare_document()),
                entry.version,
            ),
            None => (None, None),
        },
        (DraftTarget::Element { id }, Some(bot)) => match bot.element(id) {
            Some(element) => (
                Some(element.text.clone().unwrap_or_default()),
                element.version,
            ),
            None => (None, None),
        },
        _ => (None, None),
    };
    let changed_since = current.is_some() && version != draft.base_version;
    Recovered {
        stored,
        current,
        changed_since,
    }
}
