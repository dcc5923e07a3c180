//! The field rules of `domain::validation` as OpenAPI patterns (feature
//! `openapi`), so that the document promises exactly what the handlers
//! accept: a client generated from it never sends what is then refused
//! with a `422`.

/// [`Errors::text`](domain::validation::Errors::text): not blank
/// (one character that is neither white space nor a control character), no
/// control characters but line breaks and tabs. Lengths are `max_length`.
pub const TEXT: &str = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*\
    [^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$";

/// [`is_identifier`](domain::validation::is_identifier), up to 64.
pub const IDENTIFIER: &str = "^[A-Za-z0-9][A-Za-z0-9._:/-]*$";

/// An e-mail address without anchors: [`EMAIL`], and inside [`ASSIGNEE`].
macro_rules! email_address {
    () => {
        "[\\x21\\x23-\\x2b\\x2d-\\x3a\\x3d\\x3f\\x41-\\x7e]+\
        @[\\x21\\x23-\\x2b\\x2d\\x2f-\\x3a\\x3d\\x3f\\x41-\\x7e]+\
        (\\.[\\x21\\x23-\\x2b\\x2d\\x2f-\\x3a\\x3d\\x3f\\x41-\\x7e]+)+"
    };
}

/// [`is_email`](domain::validation::is_email), up to 254: one `@`, a
/// local part, a dotted domain, printable ASCII but `"` `,` `;` `<` `>`. The
/// check counts bytes, JSON Schema characters: ASCII keeps the two equal.
pub const EMAIL: &str = concat!("^", email_address!(), "$");

/// [`is_machine_key`](domain::validation::is_machine_key), up to 64.
pub const MACHINE_KEY: &str = "^[a-z][a-z0-9_]*$";

/// A phone number: an optional leading `+`, 4 to 20 digits, and spaces,
/// dots, dashes or parentheses between them; up to 32 characters.
pub const PHONE: &str = "^\\+?[ .()-]*([0-9][ .()-]*){4,20}$";

/// `assignee` of `GET /v1/tasks`: `me`, `any` or an e-mail address,
/// surrounding white space ignored.
pub const ASSIGNEE: &str = concat!("^\\s*(me|any|", email_address!(), ")\\s*$");

/// String schemas of the rules, each a component of its own under its name.
macro_rules! string_rule {
    ($(#[$doc:meta])* $name:ident, $pattern:expr, $max:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string($pattern, $max).into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, Type};

/// A string of 1 to `max` characters matching `pattern`: every rule's shape.
pub fn string(pattern: &str, max: usize) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(pattern))
        .build()
}

string_rule!(
    /// A name: not blank, at most 200 characters.
    Name, TEXT, MAX_NAME
);
string_rule!(
    /// A paragraph: not blank, at most 2000 characters.
    Paragraph, TEXT, MAX_TEXT
);
string_rule!(
    /// A number of a service line as installed: not blank, at most 32 characters.
    Number, TEXT, 32
);
string_rule!(
    /// An external identifier (deal, account, line, subscription).
    Identifier, IDENTIFIER, MAX_ID
);
string_rule!(
    /// An e-mail address.
    Email, EMAIL, MAX_EMAIL
);
string_rule!(
    /// A machine key: lower-case snake case (service types, milestone keys).
    MachineKey, MACHINE_KEY, MAX_ID
);
string_rule!(
    /// `me`, `any` or an e-mail address.
    Assignee, ASSIGNEE, MAX_EMAIL + 8
);
string_rule!(
    /// A phone number such as +33612345678.
    Phone, PHONE, 32
);

use domain::validation::{MAX_EMAIL, MAX_ID, MAX_NAME, MAX_TEXT};

/// A service line's details: at most 30 entries, keys and values checked as text.
pub fn details() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .max_properties(Some(domain::activation::MAX_DETAILS))
        .property_names(Some(string(TEXT, 64)))
        .additional_properties(Some(Schema::Object(string(TEXT, MAX_TEXT))))
        .into()
}
