//! The formats of values that the API and the table spell the same way.

/// An edge's own copy of a domain enum, converted both ways. The edge (a
/// stored record, an HTTP body) spells its values itself, so renaming a
/// domain variant breaks the build instead of a stored or public value.
///
/// `mirror_enum!(#[derive(..)] pub enum Edge mirrors domain::path::Enum { A, B })`
#[macro_export]
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident mirrors $($domain:ident)::+ { $($variant:ident),+ $(,)? }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $($variant),+
        }

        impl From<$($domain)::+> for $name {
            fn from(value: $($domain)::+) -> Self {
                use $($domain)::+ as Domain;
                match value {
                    $(Domain::$variant => Self::$variant),+
                }
            }
        }

        impl From<$name> for $($domain)::+ {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant),+
                }
            }
        }
    };
}
