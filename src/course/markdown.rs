//! Lesson Markdown to Yew nodes: CommonMark plus tables, no raw HTML (it is shown as text),
//! and the fenced directive blocks replaced by the widgets the caller renders.
//!
//! The text is never handed to `innerHTML`: every element is built as a Yew node.

use nodelab_content::directives::{DIRECTIVE_KINDS, Directive};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use yew::prelude::*;

/// An element being built: its tag and the children so far.
struct Frame<'a> {
    tag: Tag<'a>,
    children: Vec<Html>,
    /// Rows of a table's body (a table's head comes first, then rows).
    body: Vec<Html>,
}

/// Whether `url` leaves the app (gets `rel="noopener"` and a new tab).
fn external(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// Whether `url` may be a link target: web links, in-app hash routes, anchors and relative
/// paths; never `javascript:` or `data:`.
fn safe_href(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        Some((scheme, _)) if !scheme.contains('/') && !scheme.contains('#') => {
            matches!(scheme, "http" | "https" | "mailto")
        }
        _ => true,
    }
}

fn heading(level: HeadingLevel, children: Vec<Html>) -> Html {
    // The page title is the h1; lesson headings start one level below it.
    let name = match level {
        HeadingLevel::H1 | HeadingLevel::H2 => "h2",
        HeadingLevel::H3 => "h3",
        HeadingLevel::H4 => "h4",
        HeadingLevel::H5 => "h5",
        HeadingLevel::H6 => "h6",
    };
    html! { <@{name}>{ for children }</@> }
}

fn close(frame: Frame<'_>) -> Html {
    let kids = frame.children;
    match frame.tag {
        Tag::Paragraph => html! { <p>{ for kids }</p> },
        Tag::Heading { level, .. } => heading(level, kids),
        Tag::BlockQuote(_) => html! { <blockquote>{ for kids }</blockquote> },
        Tag::CodeBlock(_) => html! { <pre><code>{ for kids }</code></pre> },
        Tag::List(Some(start)) => {
            html! { <ol start={start.to_string()}>{ for kids }</ol> }
        }
        Tag::List(None) => html! { <ul>{ for kids }</ul> },
        Tag::Item => html! { <li>{ for kids }</li> },
        Tag::Table(_) => html! {
            <div class="table-scroll"><table class="md-table">{ for kids }<tbody>{ for frame.body }</tbody></table></div>
        },
        Tag::TableHead => html! { <thead><tr>{ for kids }</tr></thead> },
        Tag::TableRow => html! { <tr>{ for kids }</tr> },
        Tag::TableCell => html! { <td>{ for kids }</td> },
        Tag::Emphasis => html! { <em>{ for kids }</em> },
        Tag::Strong => html! { <strong>{ for kids }</strong> },
        Tag::Strikethrough => html! { <del>{ for kids }</del> },
        Tag::Link {
            dest_url, title, ..
        } => {
            let url = dest_url.to_string();
            let title = (!title.is_empty()).then(|| title.to_string());
            if !safe_href(&url) {
                html! { <span>{ for kids }</span> }
            } else if external(&url) {
                html! { <a href={url} {title} target="_blank" rel="noopener">{ for kids }</a> }
            } else {
                html! { <a href={url} {title}>{ for kids }</a> }
            }
        }
        // No image is fetched (the lab makes no third-party request): its text stands in.
        Tag::Image { .. } => html! { <span class="md-image">{ for kids }</span> },
        _ => html! { <>{ for kids }</> },
    }
}

/// Renders `markdown`. Each fenced block whose info string is a directive kind is replaced by
/// `directive(d)` for the directive of `directives` that starts at the same byte offset
/// (blocks that failed to decode are left out).
pub fn render(
    markdown: &str,
    directives: &[Directive],
    directive: &dyn Fn(&Directive) -> Html,
) -> Html {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    );
    let mut stack: Vec<Frame<'_>> = vec![Frame {
        tag: Tag::Paragraph,
        children: Vec::new(),
        body: Vec::new(),
    }];
    // Inside a directive block: skip its events.
    let mut skipping = false;
    let mut in_head = false;
    for (event, range) in parser.into_offset_iter() {
        if skipping {
            if matches!(event, Event::End(TagEnd::CodeBlock)) {
                skipping = false;
            }
            continue;
        }
        let node = match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if DIRECTIVE_KINDS
                    .contains(&info.split_whitespace().next().unwrap_or_default()) =>
            {
                skipping = true;
                match directives.iter().find(|d| d.range.0 == range.start) {
                    Some(d) => directive(d),
                    None => continue,
                }
            }
            Event::Start(tag) => {
                if matches!(tag, Tag::TableHead) {
                    in_head = true;
                }
                stack.push(Frame {
                    tag,
                    children: Vec::new(),
                    body: Vec::new(),
                });
                continue;
            }
            Event::End(end) => {
                if matches!(end, TagEnd::TableHead) {
                    in_head = false;
                }
                if stack.len() < 2 {
                    continue;
                }
                let Some(frame) = stack.pop() else { continue };
                let is_row = matches!(frame.tag, Tag::TableRow);
                let is_head_cell = in_head && matches!(frame.tag, Tag::TableCell);
                let node = if is_head_cell {
                    html! { <th scope="col">{ for frame.children }</th> }
                } else {
                    close(frame)
                };
                if is_row && let Some(parent) = stack.last_mut() {
                    parent.body.push(node);
                    continue;
                }
                node
            }
            Event::Text(text) => Html::from(text.to_string()),
            Event::Code(code) => html! { <code>{ code.to_string() }</code> },
            // Raw HTML is not rendered: it shows as the text it is.
            Event::Html(raw) | Event::InlineHtml(raw) => Html::from(raw.to_string()),
            Event::SoftBreak => Html::from(" "),
            Event::HardBreak => html! { <br /> },
            Event::Rule => html! { <hr /> },
            Event::FootnoteReference(name) => Html::from(format!("[{name}]")),
            Event::TaskListMarker(done) => Html::from(if done { "☑ " } else { "☐ " }),
            Event::InlineMath(m) | Event::DisplayMath(m) => {
                html! { <code>{ m.to_string() }</code> }
            }
        };
        if let Some(top) = stack.last_mut() {
            top.children.push(node);
        }
    }
    // Close whatever a malformed input left open.
    while stack.len() > 1 {
        if let Some(frame) = stack.pop() {
            let node = close(frame);
            if let Some(top) = stack.last_mut() {
                top.children.push(node);
            }
        }
    }
    let root = stack.pop().map(|f| f.children).unwrap_or_default();
    html! { <>{ for root }</> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn hrefs() {
        assert!(safe_href("https://kubernetes.io/docs/"));
        assert!(safe_href("#/session-7/cri"));
        assert!(safe_href("../x"));
        assert!(!safe_href("javascript:alert(1)"));
        assert!(!safe_href(" JavaScript:alert(1)"));
        assert!(!safe_href("data:text/html,x"));
        assert!(external("https://kubernetes.io/"));
        assert!(!external("#/session-7/cri"));
    }
}
