//! Missions with placeholders: `{{City}}` (spaces inside the braces allowed, the header
//! matched in any case) is replaced by the row's cell of that column, trimmed. Braces that do
//! not make a placeholder (`{{}}`, `{{ a\nb }}`, a lone `{`) stay as they are. A placeholder
//! naming no column, or a row whose cell for one is empty, gives no mission for that row, never
//! a mission with a hole in it.

use crate::session::plain_line;

/// A mission split into text and placeholders.
pub(super) struct Template<'t> {
    parts: Vec<Part<'t>>,
}

enum Part<'t> {
    Text(&'t str),
    Field {
        /// The name as written, trimmed.
        name: &'t str,
        /// The column it names, if the file has one.
        column: Option<usize>,
    },
}

/// A row's mission, or why it has none.
pub(super) enum Rendered {
    /// The mission with every placeholder filled (not trimmed).
    Text(String),
    /// Cells the mission uses are empty on this row (the reason names their columns).
    EmptyCells(String),
}

impl<'t> Template<'t> {
    /// Splits `text` into text and placeholders, and finds each placeholder's column among
    /// `headers`. Linear in the text's length, whatever its braces.
    pub(super) fn parse(text: &'t str, headers: &[String]) -> Template<'t> {
        let lower: Vec<String> = headers.iter().map(|h| h.trim().to_lowercase()).collect();
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(close) = rest.find("}}") {
            let head = &rest[..close];
            let field = head
                .rfind("{{")
                .map(|open| (open, head[open + 2..].trim()))
                .filter(|(_, name)| is_name(name));
            match field {
                Some((open, name)) => {
                    parts.push(Part::Text(&rest[..open]));
                    let wanted = name.to_lowercase();
                    parts.push(Part::Field {
                        name,
                        column: lower.iter().position(|h| *h == wanted),
                    });
                    rest = &rest[close + 2..];
                }
                None => {
                    // Keep the first `}` as text; the second may close a placeholder.
                    parts.push(Part::Text(&rest[..close + 1]));
                    rest = &rest[close + 1..];
                }
            }
        }
        parts.push(Part::Text(rest));
        Template { parts }
    }

    /// The placeholders that name no column, as written, each once (any case), in order.
    pub(super) fn unknown(&self) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for part in &self.parts {
            if let Part::Field { name, column: None } = part {
                let key = name.to_lowercase();
                if !seen.contains(&key) {
                    seen.push(key);
                    out.push((*name).to_owned());
                }
            }
        }
        out
    }

    /// The mission for a row (`cells` as read; `headers` name the columns in the reason).
    /// Placeholders that name no column are left out (see [`Template::unknown`]).
    pub(super) fn render(&self, cells: &[String], headers: &[String]) -> Rendered {
        let mut text = String::new();
        let mut empty: Vec<&str> = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => text.push_str(t),
                Part::Field {
                    column: Some(c), ..
                } => {
                    let value = cells.get(*c).map_or("", |v| v.trim());
                    if value.is_empty() {
                        let header = headers.get(*c).map_or("", String::as_str);
                        if !empty.contains(&header) {
                            empty.push(header);
                        }
                    }
                    text.push_str(value);
                }
                Part::Field { column: None, .. } => {}
            }
        }
        match empty.as_slice() {
            [] => Rendered::Text(text),
            [one] => Rendered::EmptyCells(format!(
                "The mission uses {}, and this row's \"{}\" cell is empty. Fill it in, or remove the row.",
                braced(one),
                plain_line(one)
            )),
            many => Rendered::EmptyCells(format!(
                "The mission uses {}, and this row's {} cells are empty. Fill them in, or remove the row.",
                and_list(&many.iter().map(|h| braced(h)).collect::<Vec<_>>()),
                and_list(
                    &many
                        .iter()
                        .map(|h| format!("\"{}\"", plain_line(h)))
                        .collect::<Vec<_>>()
                )
            )),
        }
    }
}

/// A placeholder's name: some text on one line, no braces, not too long to be one.
fn is_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 200 && !name.contains(['{', '}', '\n', '\r'])
}

/// The placeholders of `template` that name no column of `headers` (without braces, each once
/// in any case, in order): the mission cannot be written for any row while there are some.
pub fn unknown_placeholders(template: &str, headers: &[String]) -> Vec<String> {
    Template::parse(template, headers).unknown()
}

/// Why no row can have a mission when placeholders name no column, or `None`.
pub(super) fn unknown_reason(unknown: &[String], headers: &[String]) -> Option<String> {
    let names: Vec<String> = unknown.iter().map(|n| braced(n)).collect();
    match names.as_slice() {
        [] => None,
        [one] => Some(format!(
            "The mission uses {one}, but the file has no column of that name ({}). Correct the placeholder in the mission, or the header in the file.",
            super::error::listed(headers)
        )),
        many => Some(format!(
            "The mission uses {}, but the file has no columns of those names ({}). Correct the placeholders in the mission, or the headers in the file.",
            and_list(many),
            super::error::listed(headers)
        )),
    }
}

fn braced(name: &str) -> String {
    format!("{{{{{}}}}}", plain_line(name))
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn text(r: Rendered) -> String {
        match r {
            Rendered::Text(t) => t,
            Rendered::EmptyCells(why) => panic!("not rendered: {why}"),
        }
    }

    #[test]
    fn placeholders_are_filled_with_the_rows_trimmed_cells_in_any_case() {
        let headers = h(&["Name", "Phone", "Party size"]);
        let t = Template::parse(
            "Book a table for {{ party SIZE }} under {{name}}{{Name}}.",
            &headers,
        );
        assert!(t.unknown().is_empty());
        let row = h(&[" Ada ", "+1", "4\n"]);
        assert_eq!(
            text(t.render(&row, &headers)),
            "Book a table for 4 under AdaAda."
        );
    }

    #[test]
    fn braces_that_make_no_placeholder_stay_as_they_are() {
        let headers = h(&["a"]);
        for (template, want) in [
            ("{{{a}}}", "{x}"),
            ("{{}} {{ }} {a} }}{{", "{{}} {{ }} {a} }}{{"),
            ("{{a\nb}} {{a}}", "{{a\nb}} x"),
            ("{{ {{a}}", "{{ x"),
            ("}}}", "}}}"),
        ] {
            let t = Template::parse(template, &headers);
            assert_eq!(text(t.render(&h(&["x"]), &headers)), want, "{template:?}");
        }
        // Linear: a long run of braces is read at once.
        let long = "{{".repeat(50_000) + &"}".repeat(50_000);
        assert!(Template::parse(&long, &headers).unknown().is_empty());
    }

    #[test]
    fn unknown_placeholders_are_listed_once_as_written() {
        let headers = h(&["Name", "Phone"]);
        assert_eq!(
            unknown_placeholders("Hi {{Nmae}}, {{ city }}, {{nmae}} {{name}}", &headers),
            ["Nmae", "city"]
        );
        assert_eq!(
            unknown_reason(&h(&["Nmae"]), &headers).unwrap(),
            "The mission uses {{Nmae}}, but the file has no column of that name (its columns are \"Name\" and \"Phone\"). Correct the placeholder in the mission, or the header in the file."
        );
        assert!(unknown_reason(&h(&["a", "b"]), &headers)
            .unwrap()
            .starts_with("The mission uses {{a}} and {{b}}, but the file has no columns"));
        assert_eq!(unknown_reason(&[], &headers), None);
    }

    #[test]
    fn an_empty_cell_names_its_column() {
        let headers = h(&["Name", "Phone", "City"]);
        let t = Template::parse("Call {{name}} in {{City}} about {{city}}", &headers);
        let Rendered::EmptyCells(why) = t.render(&h(&["Ada", "+1", "  "]), &headers) else {
            panic!("rendered");
        };
        assert_eq!(
            why,
            "The mission uses {{City}}, and this row's \"City\" cell is empty. Fill it in, or remove the row."
        );
        let Rendered::EmptyCells(why) = t.render(&h(&["", "+1"]), &headers) else {
            panic!("rendered");
        };
        assert!(
            why.contains(
                "{{Name}} and {{City}}, and this row's \"Name\" and \"City\" cells are empty"
            ),
            "{why}"
        );
    }
}
