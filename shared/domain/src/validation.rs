//! Field-level validation shared by every input of the service.
//!
//! Each check appends a [`FieldError`] naming the offending field with a
//! JSON-path-like name (`services[1].line_id`), so that a client learns every
//! problem of a request at once.

/// One invalid field of an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Collects field errors while an input is checked.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

/// Longest free-text name we store (customer names, service names, titles).
pub const MAX_NAME: usize = 200;
/// Longest free-text paragraph (addresses, notes, descriptions, reasons).
pub const MAX_TEXT: usize = 2000;
/// Longest external identifier (deal, account, line, subscription ids).
pub const MAX_ID: usize = 64;
/// Longest e-mail address (RFC 5321 path limit).
pub const MAX_EMAIL: usize = 254;

/// What a required text that is blank is told.
pub const BLANK: &str = "must not be blank";

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }

    /// Required free text: not blank, at most `max` characters, no control characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, BLANK);
        } else if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        } else if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            self.add(field, "must not contain control characters");
        }
    }

    /// Optional free text: absent is fine, present follows [`Errors::text`].
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.text(field, v, max);
        }
    }

    /// An external identifier: 1 to 64 of `A-Z a-z 0-9 . _ : / -`, starting alphanumeric.
    pub fn identifier(&mut self, field: &str, value: &str) {
        if !is_identifier(value) {
            self.add(
                field,
                format!(
                    "must be 1 to {MAX_ID} characters among letters, digits and . _ : / -, \
                     starting with a letter or digit"
                ),
            );
        }
    }

    pub fn email(&mut self, field: &str, value: &str) {
        if !is_email(value) {
            self.add(field, "must be an e-mail address");
        }
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}

pub fn is_identifier(value: &str) -> bool {
    let mut chars = value.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && value.len() <= MAX_ID
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-'))
}

/// A deliberately plain check: one `@`, a non-empty local part, a dotted
/// domain, no whitespace. Deliverability is the mail system's business.
pub fn is_email(value: &str) -> bool {
    if value.len() > MAX_EMAIL || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = value.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !value.contains(['<', '>', ',', ';', '"'])
}

/// Lower-case snake case machine keys (service types, milestone keys).
pub fn is_machine_key(value: &str) -> bool {
    let mut chars = value.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && value.len() <= MAX_ID
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_accept_crm_ids_and_reject_separators_of_our_keys() {
        assert!(is_identifier("D-2026-0042"));
        assert!(is_identifier("SUB-9001"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("-D"));
        assert!(!is_identifier("D#1"));
        assert!(!is_identifier("D 1"));
        assert!(!is_identifier(&"a".repeat(MAX_ID + 1)));
    }

    #[test]
    fn emails_need_one_at_and_a_dotted_domain() {
        assert!(is_email("claire@boulangerie-martin.fr"));
        assert!(!is_email("claire"));
        assert!(!is_email("claire@localhost"));
        assert!(!is_email("a@b@c.fr"));
        assert!(!is_email("claire @x.fr"));
        assert!(!is_email("Claire <claire@x.fr>"));
    }

    #[test]
    fn machine_keys_are_lower_snake_case() {
        assert!(is_machine_key("fibre_ftto"));
        assert!(is_machine_key("go_live"));
        assert!(!is_machine_key("Go_live"));
        assert!(!is_machine_key("1st"));
        assert!(!is_machine_key("a-b"));
    }

    #[test]
    fn text_rejects_blank_long_and_control_characters() {
        let mut e = Errors::new();
        e.text("a", "  ", 10);
        e.text("b", "abcdefghijk", 10);
        e.text("c", "nul\u{0}", 10);
        e.text("d", "fine\nline", 10);
        let errors = e.into_result().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["a", "b", "c"]);
    }
}
