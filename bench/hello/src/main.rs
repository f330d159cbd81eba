//! The smallest Yew page, built by Trunk exactly as the app is: the baseline cold load that
//! `cargo xtask bench` compares the lab's cold load with.

use yew::prelude::*;

/// One heading; `data-ready` marks it rendered, as the lab's `[data-testid=lab]` is marked.
#[component]
fn Hello() -> Html {
    html! { <h1 data-testid="hello" data-ready="true">{ "Hello, nodelab" }</h1> }
}

fn main() {
    yew::Renderer::<Hello>::new().render();
}
