//! Property tests of the wire module: decoding a task or an error body never panics, whatever
//! the bytes (arbitrary bytes, arbitrary JSON, and JSON objects built from the very field names
//! the decoder looks at, with values of every type), and what it does decode is usable.

use proptest::prelude::*;
use serde_json::{Map, Value};
use workapi::wire::{decode_error_body, decode_task};
use workapi::TaskId;

/// Any JSON value, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,24}".prop_map(Value::String),
        "[0-9a-f]{0,30}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The names the decoders read, plus a stranger.
const FIELDS: &[&str] = &[
    "task_id",
    "id",
    "_id",
    "$oid",
    "status",
    "task_number",
    "task_data",
    "result_data",
    "concatenated_transcript",
    "summary",
    "error",
    "code",
    "message",
    "unrelated",
];

/// A JSON object whose keys are the decoders' own field names, nested: the inputs most likely
/// to reach the deeper branches.
fn shaped() -> impl Strategy<Value = Value> {
    let field = prop::sample::select(FIELDS);
    let leaf = json();
    leaf.prop_recursive(3, 48, 6, move |inner| {
        prop::collection::vec((field.clone(), inner), 0..8).prop_map(|pairs| {
            let mut m = Map::new();
            for (k, v) in pairs {
                m.insert(k.to_owned(), v);
            }
            Value::Object(m)
        })
    })
}

fn check_task(bytes: &[u8]) {
    if let Ok(t) = decode_task(bytes) {
        // Whatever was decoded can be used as a task id in a URL and shown.
        assert!(TaskId::parse(t.id.as_str()).is_ok(), "{:?}", t.id);
        let _ = t.status.to_string();
        let _ = t.status.is_terminal();
    }
}

fn check_error(bytes: &[u8]) {
    let e = decode_error_body(bytes);
    if e.code.is_some() || e.message.is_some() {
        assert!(matches!(
            serde_json::from_slice::<Value>(bytes),
            Ok(Value::Object(_))
        ));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_task(&bytes);
        check_error(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(v in json()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        check_task(&bytes);
        check_error(&bytes);
    }

    #[test]
    fn objects_with_the_decoders_fields_never_panic(v in shaped()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        check_task(&bytes);
        check_error(&bytes);
    }

    #[test]
    fn a_well_formed_task_always_decodes(
        id in "[0-9a-f]{24}",
        status in prop::sample::select(&["pending", "accepted", "in_progress", "completed", "cancelled", "failed"][..]),
        number in any::<Option<u32>>(),
        transcript in proptest::option::of(".{0,200}"),
    ) {
        let mut v = serde_json::json!({"task_id": id, "status": status});
        if let Some(n) = number { v["task_number"] = n.into(); }
        if let Some(t) = &transcript { v["result_data"] = serde_json::json!({"concatenated_transcript": t}); }
        let t = decode_task(&serde_json::to_vec(&v).unwrap()).unwrap();
        prop_assert_eq!(t.id.as_str(), id.as_str());
        prop_assert_eq!(t.status.as_str(), status);
        prop_assert_eq!(t.number, number.map(i64::from));
        prop_assert_eq!(t.result.and_then(|r| r.transcript), transcript);
    }

    #[test]
    fn any_message_survives_each_error_shape(code in "[A-Z_]{1,20}", message in ".{0,80}") {
        for body in [
            serde_json::json!({"error": {"code": code, "message": message}}),
            serde_json::json!({"code": code, "message": message}),
            serde_json::json!({"error": code, "message": message}),
        ] {
            let e = decode_error_body(&serde_json::to_vec(&body).unwrap());
            prop_assert_eq!(e.code.as_deref(), Some(code.as_str()));
            prop_assert_eq!(e.message.as_deref(), Some(message.as_str()));
        }
    }
}
