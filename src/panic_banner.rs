//! A panic must not leave a dead page: the hook shows a banner with a reset button that clears
//! saved state and reloads.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Installs the panic hook. `message` and `button` are the localized texts.
pub fn install(message: &'static str, button: &'static str) {
    std::panic::set_hook(Box::new(move |info| {
        web_sys::console::error_1(&format!("nodelab: {info}").into());
        show(message, button);
    }));
}

fn show(message: &str, button: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(banner) = doc.create_element("div") else {
        return;
    };
    banner.set_class_name("error-banner");
    let _ = banner.set_attribute("role", "alert");
    let _ = banner.set_attribute("data-testid", "error-banner");
    banner.set_text_content(Some(message));
    if let Ok(reset) = doc.create_element("button") {
        reset.set_text_content(Some(button));
        let on_click = Closure::<dyn Fn()>::new(|| {
            if let Some(w) = web_sys::window() {
                if let Ok(Some(s)) = w.local_storage() {
                    let _ = s.clear();
                }
                let _ = w.location().reload();
            }
        });
        let _ = reset.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
        on_click.forget();
        let _ = banner.append_child(&reset);
    }
    if let Some(body) = doc.body() {
        let _ = body.prepend_with_node_1(&banner);
    }
}
