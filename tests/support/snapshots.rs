//! Contract snapshots: responses and stored items as stable text for insta.
//!
//! Response bodies are indented without reordering a single key, so a
//! snapshot stands for the exact bytes a client receives; stored items are
//! shown with their types (DynamoDB) or columns (SQLite), keys sorted.

use crate::Reply;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Indents compact JSON (serde's output: no whitespace outside strings)
/// without reordering anything. Panics on whitespace outside strings, which
/// the indentation could not stand for.
pub fn indent_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' if matches!(chars.peek(), Some('}' | ']')) => {
                out.push(c);
                out.extend(chars.next());
            }
            '{' | '[' => {
                depth += 1;
                out.push(c);
                newline(&mut out, depth);
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => panic!("not compact JSON: {compact}"),
            c => out.push(c),
        }
    }
    out
}

/// A response as a client sees it: status, the headers a client acts on,
/// and the body (JSON indented in place, anything else as it is).
pub fn reply_text(reply: &Reply) -> String {
    let mut text = format!("HTTP {}\n", reply.status.as_u16());
    for name in ["content-type", "location", "allow", "www-authenticate"] {
        if let Some(value) = reply.headers.get(name).and_then(|v| v.to_str().ok()) {
            text.push_str(&format!("{name}: {value}\n"));
        }
    }
    let body = String::from_utf8_lossy(&reply.body);
    text.push('\n');
    if reply.content_type.contains("json") {
        text.push_str(&indent_json(&body));
    } else {
        text.push_str(&body);
    }
    text
}

/// A DynamoDB item in DynamoDB's own JSON notation (`{"S": ...}`), keys sorted.
pub fn dynamo_item(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), attribute(v))).collect::<Map<_, _>>())
}

fn attribute(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::L(list) => json!({ "L": list.iter().map(attribute).collect::<Vec<_>>() }),
        AttributeValue::M(map) => json!({ "M": dynamo_item(map) }),
        other => panic!("an attribute type the store never writes: {other:?}"),
    }
}

/// A SQLite row as `{column: value}`; text holding a JSON object or array
/// is shown parsed, so that its keys sort like the rest.
pub fn sqlite_row(row: &rusqlite::Row<'_>) -> Value {
    use rusqlite::types::ValueRef;
    let columns = row.as_ref().column_names().map(str::to_owned).collect::<Vec<_>>();
    let mut out = Map::new();
    for (i, name) in columns.into_iter().enumerate() {
        let value = match row.get_ref(i).expect("a column") {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) => json!(n),
            ValueRef::Real(x) => json!(x),
            ValueRef::Text(t) => {
                let text = String::from_utf8_lossy(t).into_owned();
                match serde_json::from_str::<Value>(&text) {
                    Ok(parsed @ (Value::Object(_) | Value::Array(_))) => parsed,
                    _ => Value::String(text),
                }
            }
            ValueRef::Blob(b) => json!({ "blob_bytes": b.len() }),
        };
        out.insert(name, value);
    }
    Value::Object(out)
}

/// Sorted, indented JSON of a stored item.
pub fn stored_text(items: &[(String, Value)]) -> String {
    items
        .iter()
        .map(|(what, item)| {
            format!("# {what}\n{}", serde_json::to_string_pretty(item).expect("serializes"))
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indentation_keeps_every_byte_in_order() {
        let compact = r#"{"b":1,"a":[true,{"x":"a, {b}: \"c\""}],"e":{},"f":[]}"#;
        let indented = indent_json(compact);
        let mut in_string = false;
        let mut escaped = false;
        let squeezed: String = indented
            .chars()
            .filter(|&c| {
                if in_string {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => in_string = false,
                        _ => {}
                    }
                    return true;
                }
                if c == '"' {
                    in_string = true;
                }
                !c.is_whitespace()
            })
            .collect();
        assert_eq!(squeezed, compact);
        assert!(indented.starts_with("{\n  \"b\": 1,"));
    }
}
