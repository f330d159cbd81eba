//! The nodelab web app: the course shell (hash routes, language switch) around the lab.

mod actions;
mod course;
mod cri_view;
mod diagram;
mod dom;
mod editor;
mod events_view;
mod i18n;
mod kubectl_view;
mod lab;
mod panic_banner;
mod pod_view;
mod proxy_view;
mod runtime_view;
mod scale_view;
mod scenarios;
mod share;
mod storage;
mod trace_view;
mod transport;

use i18n::{Key, Lang, t};
use lab::Lab;
use storage::Store;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// localStorage key of the chosen language.
const LANG_KEY: &str = "nodelab.v1.lang";

/// localStorage key of the chosen theme (`light` or `dark`; absent: follow the system).
const THEME_KEY: &str = "nodelab.v1.theme";

/// A page of the app, from the URL hash (hash routes keep deep links working on GitHub Pages).
#[derive(Clone, Debug, PartialEq)]
enum Route {
    /// `#/session-7/lab` (with a share link's `?s=…`): the free lab.
    Lab,
    /// `#/session-7/<section>` (and `#/`, the first section): a course section page.
    Section(String),
    /// Anything else.
    NotFound,
}

fn current_route() -> Route {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    // A share link's query (`?s=…`) is the lab's business, not the route's.
    let path = hash.split('?').next().unwrap_or_default();
    match path.trim_start_matches('#').trim_end_matches('/') {
        "/session-7/lab" => Route::Lab,
        "" => course::first_section().map_or(Route::Lab, |s| Route::Section(s.to_owned())),
        path => match path.strip_prefix("/session-7/") {
            Some(id) if !id.contains('/') => Route::Section(id.to_owned()),
            _ => Route::NotFound,
        },
    }
}

fn stored_lang() -> Lang {
    Store::open()
        .and_then(|s| s.text(LANG_KEY))
        .map_or(Lang::Ko, |t| Lang::from_tag(&t))
}

/// The theme in effect: `data-theme` on `<html>` (set from localStorage by index.html before the
/// first paint), else the system's `prefers-color-scheme`.
fn current_theme_is_dark() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let chosen = window
        .document()
        .and_then(|d| d.document_element())
        .and_then(|root| root.get_attribute("data-theme"));
    match chosen.as_deref() {
        Some("dark") => true,
        Some("light") => false,
        _ => window
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches()),
    }
}

/// Marks the lab interactive (`data-ready` on `[data-testid=lab]`) once it has rendered: its
/// controls are in the DOM and its world is built. The bench measures cold loads up to this.
fn mark_lab_ready() {
    if let Some(lab) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("[data-testid=lab]").ok().flatten())
    {
        let _ = lab.set_attribute("data-ready", "true");
    }
}

#[component]
fn App() -> Html {
    let lang = use_state(stored_lang);
    let route = use_state(current_route);
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || route.set(current_route()));
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(w) = window {
                    let _ = w.remove_event_listener_with_callback(
                        "hashchange",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    {
        let lang = *lang;
        use_effect_with(lang, move |lang| {
            if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                if let Some(root) = doc.document_element() {
                    let _ = root.set_attribute("lang", lang.tag());
                }
                doc.set_title(t(*lang, Key::Title));
            }
            if let Some(s) = Store::open() {
                s.set_text(LANG_KEY, lang.tag());
            }
        });
    }
    let toggle = {
        let lang = lang.clone();
        Callback::from(move |_: MouseEvent| lang.set(lang.toggled()))
    };
    let dark = use_state(current_theme_is_dark);
    let toggle_theme = {
        let dark = dark.clone();
        Callback::from(move |_: MouseEvent| {
            let next = !*dark;
            let name = if next { "dark" } else { "light" };
            if let Some(root) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = root.set_attribute("data-theme", name);
            }
            if let Some(s) = Store::open() {
                s.set_text(THEME_KEY, name);
            }
            dark.set(next);
        })
    };
    use_effect_with((*route).clone(), |_| mark_lab_ready());
    html! {
        <>
            <header class="site">
                <a class="brand" href="#/">{ "nodelab" }</a>
                <nav aria-label="breadcrumb" class="breadcrumb">{ t(*lang, Key::Breadcrumb) }</nav>
                <button class="theme" data-testid="theme-toggle" onclick={toggle_theme}
                        aria-pressed={if *dark { "true" } else { "false" }}>
                    { t(*lang, Key::DarkTheme) }
                </button>
                <button class="lang" data-testid="lang-toggle" onclick={toggle} lang={lang.toggled().tag()}>
                    { t(*lang, Key::OtherLanguage) }
                </button>
            </header>
            <main>
                { match &*route {
                    Route::Lab => html! {
                        <div class="page">
                            <aside class="lesson" data-testid="lesson" aria-label={t(*lang, Key::Lesson)}>
                                <p class="intro">{ t(*lang, Key::LabIntro) }</p>
                            </aside>
                            <div class="lab-column"><Lab lang={*lang} /></div>
                        </div>
                    },
                    Route::Section(id) => html! { <course::CoursePage lang={*lang} section={id.clone()} /> },
                    Route::NotFound => html! { <p>{ t(*lang, Key::NotFound) }</p> },
                } }
            </main>
        </>
    }
}

fn main() {
    panic_banner::install(
        t(stored_lang(), Key::Crashed),
        t(stored_lang(), Key::CrashReset),
    );
    yew::Renderer::<App>::new().render();
}
