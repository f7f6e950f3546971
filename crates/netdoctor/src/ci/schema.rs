//! The JSON Schemas of the `-o json` outputs, generated from the types the commands
//! serialize (`docs/schema/*.json`). The test below regenerates them and fails when the
//! files in the repository differ (`NETDOCTOR_BLESS=1` rewrites them);
//! `tests/json_schemas.rs` validates each command's JSON against its schema.

#[cfg(test)]
mod tests {
    use crate::commands::{dns, policy};
    use crate::output::{Document, ExplainDocument, FindingsReport};
    use netdoctor_core::rules::evidence::TraceReport;
    use netdoctor_core::rules::RuleInfo;
    use netdoctor_core::sim::{dns::Resolution, path::Route};
    use std::path::Path;

    /// The schema of what `T` serializes to (fields skipped when empty are optional).
    fn schema<T: schemars::JsonSchema>() -> schemars::Schema {
        schemars::generate::SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<T>()
    }

    /// Every published schema: the file name and the schema.
    fn schemas() -> Vec<(&'static str, schemars::Schema)> {
        vec![
            ("doctor.json", schema::<FindingsReport<'static>>()),
            ("trace.json", schema::<Document<'static, TraceReport>>()),
            ("explain.json", schema::<ExplainDocument>()),
            ("rules.json", schema::<Vec<RuleInfo>>()),
            (
                "dns-resolve.json",
                schema::<Document<'static, Resolution>>(),
            ),
            (
                "dns-check.json",
                schema::<Document<'static, dns::CheckReport<'static>>>(),
            ),
            (
                "policy-check.json",
                schema::<Document<'static, policy::CheckReport>>(),
            ),
            (
                "policy-map.json",
                schema::<Document<'static, policy::MapReport<'static>>>(),
            ),
            ("ingress-route.json", schema::<Document<'static, Route>>()),
            (
                "probe.json",
                schema::<Document<'static, netdoctor_live::probe::Report>>(),
            ),
        ]
    }

    #[test]
    fn published_schemas_are_generated_from_the_output_types() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema");
        let bless = std::env::var_os("NETDOCTOR_BLESS").is_some();
        let mut stale = Vec::new();
        for (name, schema) in schemas() {
            let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
            let path = dir.join(name);
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(name);
            }
        }
        assert!(
            stale.is_empty(),
            "docs/schema is out of date for {stale:?}: run `NETDOCTOR_BLESS=1 cargo test -p netdoctor --bin netdoctor schema` and commit"
        );
    }
}
