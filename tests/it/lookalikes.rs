//! The rules of `dapa.toml` choose the same profiles however a path is
//! typed, compared over several runs (the look-alike samples and the
//! envelope deciding before the schema are cases in `tests/cmd/`).

use crate::util::dapa;

#[test]
fn the_rules_of_dapa_toml_do_not_depend_on_how_a_path_is_typed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let absolute = format!("{root}/samples/schema");
    let summary_of = |dir: &str, path: &str| {
        let out = dapa(&["scan", path, "--format", "json", "--fail-on", "none"])
            .current_dir(&std::path::Path::new(root).join(dir))
            .run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        (summary, out.stderr)
    };
    let (reference, stderr) = summary_of(".", "samples/schema");
    assert!(reference["profiled"].as_u64().unwrap() >= 40, "{reference}");
    assert_eq!(reference["config"], "dapa.toml");
    assert!(stderr.contains("rules of dapa.toml"), "{stderr}");
    for (dir, path, config) in [
        (".", "./samples/schema/", "dapa.toml"),
        (".", absolute.as_str(), "dapa.toml"),
        ("samples", "schema", "../dapa.toml"),
        ("samples/schema", ".", "../../dapa.toml"),
        (
            "samples/schema/cognigy-token",
            "../../schema",
            "../../../dapa.toml",
        ),
    ] {
        let (summary, stderr) = summary_of(dir, path);
        assert_eq!(summary["config"], config, "{dir} {path}");
        assert!(stderr.contains(config), "{stderr}");
        for field in ["captures", "profiled", "statuses", "codes"] {
            let same = if field == "codes" {
                // Examples name the capture as typed; the counts must agree.
                let counts = |s: &serde_json::Value| {
                    s["codes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| (c["code"].clone(), c["captures"].clone()))
                        .collect::<Vec<_>>()
                };
                counts(&summary) == counts(&reference)
            } else {
                summary[field] == reference[field]
            };
            assert!(same, "{field} differs for {path} from {dir}: {summary}");
        }
    }
}
