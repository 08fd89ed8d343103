//! `dapa infer` and `dapa scan` in turn: an inferred schema checks its own
//! corpus (single runs with profiles, rules, secrets and `infer` are cases in
//! `tests/cmd/`).

use crate::util::{Folder, codes, dapa, records};
use serde_json::Value;

#[test]
fn the_inferred_schema_validates_its_own_corpus() {
    let folder = Folder::new();
    let schema = folder.join("inferred.json");
    for corpus in [
        "samples/ok",
        "samples/schema/cognigy-profile",
        "samples/payload",
    ] {
        let output = dapa(&["infer", corpus, "-o", schema.to_str().unwrap(), "-q"]).run();
        assert_eq!(output.code, 0, "{}", output.stderr);
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(&schema).unwrap()).unwrap();
        assert_eq!(
            document["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        let scan = dapa(&[
            "scan",
            "--schema",
            schema.to_str().unwrap(),
            corpus,
            "--format",
            "jsonl",
            "-q",
        ])
        .run();
        for (source, record) in records(&scan.stdout) {
            let drifted: Vec<String> = codes(&record)
                .into_iter()
                .filter(|code| code.starts_with('V') || code.starts_with('D'))
                .collect();
            assert!(drifted.is_empty(), "{source}: {drifted:?}");
        }
    }
}
