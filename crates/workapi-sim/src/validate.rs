//! Validation of a create request, as the service does it: JSON object, both fields present and
//! strings, `phone_number` in E.164, `task` not blank and not too long.
//!
//! Works on untrusted bytes: must never panic, and every message names the offending field.

use serde_json::Value;

use crate::task::TaskData;
use crate::MAX_TASK_CHARS;

/// Whether `s` is E.164: `+`, then 8 to 15 digits, the first not 0.
pub fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// The create request's fields, or the `VALIDATION_ERROR` message.
pub(crate) fn create_request(body: &[u8]) -> Result<TaskData, String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("request body must be valid JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("request body must be a JSON object with phone_number and task".into());
    };
    let field = |name: &str| -> Result<String, String> {
        match obj.get(name) {
            None | Some(Value::Null) => Err(format!("{name} is required")),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("{name} must be a string")),
        }
    };
    let phone_number = field("phone_number")?;
    if !is_e164(&phone_number) {
        return Err(
            "phone_number must be a valid phone number in E.164 format, e.g. \"+14151234567\""
                .into(),
        );
    }
    let task = field("task")?;
    if task.trim().is_empty() {
        return Err("task must not be empty".into());
    }
    if task.chars().count() > MAX_TASK_CHARS {
        return Err(format!("task must be at most {MAX_TASK_CHARS} characters"));
    }
    Ok(TaskData { phone_number, task })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164() {
        assert!(is_e164("+14151234567"));
        assert!(is_e164("+12345678"));
        assert!(is_e164("+123456789012345"));
        assert!(!is_e164("+1234567"));
        assert!(!is_e164("+1234567890123456"));
        assert!(!is_e164("14151234567"));
        assert!(!is_e164("+04151234567"));
        assert!(!is_e164("+1 415 123 4567"));
        assert!(!is_e164("+١٢٣٤٥٦٧٨٩"));
        assert!(!is_e164(""));
    }

    #[test]
    fn messages_name_the_field() {
        let e = |b: &str| create_request(b.as_bytes()).unwrap_err();
        assert!(e("{").contains("JSON"));
        assert!(e("[]").contains("object"));
        assert!(e(r#"{"task":"x"}"#).contains("phone_number"));
        assert!(e(r#"{"phone_number":1,"task":"x"}"#).contains("phone_number"));
        assert!(e(r#"{"phone_number":"+14151234567"}"#).contains("task"));
        assert!(e(r#"{"phone_number":"+14151234567","task":"  \n"}"#).contains("task"));
        let long = "é".repeat(MAX_TASK_CHARS + 1);
        assert!(e(&format!(
            r#"{{"phone_number":"+14151234567","task":"{long}"}}"#
        ))
        .contains("task"));
        let ok = "é".repeat(MAX_TASK_CHARS);
        assert!(create_request(
            format!(r#"{{"phone_number":"+14151234567","task":"{ok}"}}"#).as_bytes()
        )
        .is_ok());
    }
}
