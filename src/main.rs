//! The nodelab web app: the course shell (hash routes, language switch) around the lab.

mod actions;
mod cri_view;
mod dom;
mod i18n;
mod lab;
mod panic_banner;
mod pod_view;
mod proxy_view;
mod runtime_view;
mod scale_view;
mod scenarios;
mod trace_view;
mod transport;

use i18n::{Key, Lang, t};
use lab::Lab;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// localStorage key of the chosen language.
const LANG_KEY: &str = "nodelab.v1.lang";

/// A page of the app, from the URL hash (hash routes keep deep links working on GitHub Pages).
#[derive(Clone, Debug, PartialEq)]
enum Route {
    /// `#/` or `#/session-7/lab`: the lab.
    Lab,
    /// Anything else.
    NotFound,
}

fn current_route() -> Route {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    match hash.trim_start_matches('#').trim_end_matches('/') {
        "" | "/session-7/lab" => Route::Lab,
        _ => Route::NotFound,
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn stored_lang() -> Lang {
    storage()
        .and_then(|s| s.get_item(LANG_KEY).ok().flatten())
        .map_or(Lang::Ko, |t| Lang::from_tag(&t))
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
            if let Some(s) = storage() {
                let _ = s.set_item(LANG_KEY, lang.tag());
            }
        });
    }
    let toggle = {
        let lang = lang.clone();
        Callback::from(move |_: MouseEvent| lang.set(lang.toggled()))
    };
    html! {
        <>
            <header class="site">
                <a class="brand" href="#/">{ "nodelab" }</a>
                <nav aria-label="breadcrumb" class="breadcrumb">{ t(*lang, Key::Breadcrumb) }</nav>
                <button class="lang" data-testid="lang-toggle" onclick={toggle} lang={lang.toggled().tag()}>
                    { t(*lang, Key::OtherLanguage) }
                </button>
            </header>
            <main>
                { match *route {
                    Route::Lab => html! { <Lab lang={*lang} /> },
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
