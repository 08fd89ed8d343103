//! Secrets in bodies that do not parse, or that are not JSON at all: what
//! `explain` and every scan format show of them. Found by a review that
//! looked for secret text in every output; each case leaked before.

use crate::util::{Folder, dapa_bounded};

const MEMORY_MIB: u64 = 384;
const SECONDS: u64 = 20;

/// Every scan format and `explain` of `capture`, with `extra` options.
fn everything_shown(folder: &Folder, capture: &str, extra: &[&str]) -> Vec<(String, String)> {
    let path = folder.join(capture);
    let path = path.to_str().unwrap();
    let mut shown = Vec::new();
    for format in [
        "table", "json", "jsonl", "markdown", "junit", "sarif", "html",
    ] {
        let mut args = vec!["scan", path, "--format", format];
        args.extend(extra);
        let out = dapa_bounded(MEMORY_MIB, SECONDS, &args).run();
        shown.push((format.to_owned(), format!("{}{}", out.stdout, out.stderr)));
    }
    let mut args = vec!["explain", path, "--color", "never"];
    args.extend(extra);
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &args).run();
    shown.push((
        "explain".to_owned(),
        format!("{}{}", out.stdout, out.stderr),
    ));
    shown
}

fn assert_never_shown(shown: &[(String, String)], secret: &str) {
    for (what, text) in shown {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
}

#[test]
fn explain_masks_a_secret_key_s_value_when_the_colon_is_missing() {
    let folder = Folder::new();
    folder.write(
        "no-colon.json",
        br#"{"result":{"token" "abcdSECRET1","expiresAt":1800000000},"errors":[]}"#,
    );
    folder.write(
        "equals.json",
        br#"{"result":{"token" = "abcdSECRET2","expiresAt":1800000000},"errors":[]}"#,
    );
    // A key in single quotes written with an escape; comments before the
    // colon.
    folder.write(
        "escaped.json",
        br#"{"result":{'tok\u0065n': 'abcdSECRET3', "expiresAt":1800000000"#,
    );
    folder.write(
        "comment.json",
        b"{\"result\":{\"token\" /* c */ // d\n : \"abcdSECRET4\",\"expiresAt\":18",
    );
    for (capture, secret) in [
        ("no-colon.json", "SECRET1"),
        ("equals.json", "SECRET2"),
        ("escaped.json", "SECRET3"),
        ("comment.json", "SECRET4"),
    ] {
        let shown = everything_shown(&folder, capture, &["--profile", "cognigy-token"]);
        assert!(shown[0].1.contains("malformed"), "{}", shown[0].1);
        assert_never_shown(&shown, secret);
    }
}

#[test]
fn secrets_under_items_and_maps_are_masked_in_text_that_does_not_parse() {
    let folder = Folder::new();
    folder.write(
        "items.schema.json",
        br#"{"type":"object","properties":{"pins":{"type":"array","items":{"type":"string","x-dapa-secret":true}}}}"#,
    );
    folder.write(
        "map.schema.json",
        br#"{"type":"object","additionalProperties":{"type":"string","x-dapa-secret":true}}"#,
    );
    folder.write("cut.json", br#"{"pins":["abcdSECRET3","abcdSECRET4""#);
    folder.write("twice.json", br#"{"q":"abcdSECRET6","q":"abcdSECRET7"}"#);
    let items = folder.join("items.schema.json");
    let map = folder.join("map.schema.json");
    let shown = everything_shown(&folder, "cut.json", &["--schema", items.to_str().unwrap()]);
    assert!(shown[0].1.contains("S01"), "{}", shown[0].1);
    assert_never_shown(&shown, "SECRET3");
    assert_never_shown(&shown, "SECRET4");
    let shown = everything_shown(&folder, "twice.json", &["--schema", map.to_str().unwrap()]);
    assert!(shown[0].1.contains("S07"), "{}", shown[0].1);
    assert_never_shown(&shown, "SECRET6");
    assert_never_shown(&shown, "SECRET7");
}

#[test]
fn a_secure_action_s_text_body_is_named_not_quoted() {
    let folder = Folder::new();
    folder.write(
        "secure.action.json",
        br#"{"name":"S","integrationType":"custom-rest-actions","actionType":"custom",
            "config":{"request":{"requestUrlTemplate":"https://x/","requestType":"GET","headers":{},"requestTemplate":"${input.rawRequest}"},
              "response":{"translationMap":{},"translationMapDefaults":{},"successTemplate":"${rawResult}"}},
            "contract":{"input":{"inputSchema":{"type":"object"}},"output":{"successSchema":{"type":"object","properties":{"apiKey":{"type":"string"}}}}},
            "secure":true}"#,
    );
    folder.write("text.txt", b"apiKey=abcdSECRET8 please");
    folder.write(
        "page.html",
        b"<!DOCTYPE html><html><head><title>key abcdSECRET9</title></head></html>",
    );
    let definition = folder.join("secure.action.json");
    let definition = ["--definition", definition.to_str().unwrap()];
    let shown = everything_shown(&folder, "text.txt", &definition);
    assert!(shown[0].1.contains("T05"), "{}", shown[0].1);
    assert_never_shown(&shown, "SECRET8");
    let shown = everything_shown(&folder, "page.html", &definition);
    assert!(shown[0].1.contains("T04"), "{}", shown[0].1);
    assert_never_shown(&shown, "SECRET9");
    // Asked for, the text is shown (the table has no messages).
    let shown = everything_shown(
        &folder,
        "text.txt",
        &[&definition[..], &["--show-secrets"]].concat(),
    );
    for (what, text) in shown.iter().filter(|(what, _)| what != "table") {
        assert!(text.contains("SECRET8"), "{what}: {text}");
    }
}

#[test]
fn a_token_sent_with_its_scheme_is_a_raw_token_and_masked() {
    let folder = Folder::new();
    folder.write(
        "bearer.body",
        b"Bearer 7Hq2xYzSECRETAopaqueTokenValue0123\n",
    );
    folder.write("basic.body", b"basic dXNlcjpTRUNSRVRCcGFzc3dvcmQxMjM0NQ==");
    folder.write("prose.body", b"Bearer of bad news: the service is down");
    for (capture, secret) in [("bearer.body", "SECRETA"), ("basic.body", "dXNlcjpTRUNS")] {
        let shown = everything_shown(&folder, capture, &[]);
        assert!(shown[0].1.contains("P02"), "{}", shown[0].1);
        assert_never_shown(&shown, secret);
    }
    // Words after the scheme are text, not a token.
    let shown = everything_shown(&folder, "prose.body", &[]);
    assert!(shown[0].1.contains("T05"), "{}", shown[0].1);
}

#[test]
fn a_body_in_utf16_hides_its_secrets_when_the_schema_marks_any() {
    let folder = Folder::new();
    folder.write(
        "schema.json",
        br#"{"type":"object","properties":{"t":{"type":"string","x-dapa-secret":true}}}"#,
    );
    let mut body = vec![0xFF, 0xFE];
    for unit in r#"{"t":"abcdSECRETB"}"#.encode_utf16() {
        body.extend_from_slice(&unit.to_le_bytes());
    }
    folder.write("u16.json", &body);
    let schema = folder.join("schema.json");
    let shown = everything_shown(&folder, "u16.json", &["--schema", schema.to_str().unwrap()]);
    assert!(shown[0].1.contains("T03"), "{}", shown[0].1);
    for (what, text) in &shown {
        assert!(!text.contains(r"S\u{0}E\u{0}C"), "{what}: {text}");
    }
    // Without a secret in the schema, the text is shown as it is.
    let plain = everything_shown(&folder, "u16.json", &[]);
    assert!(
        plain.last().unwrap().1.contains(r"S\u{0}E\u{0}C"),
        "{}",
        plain.last().unwrap().1
    );
}

/// A short secret shows no character of its own in any format, and a
/// secret marked by a pattern is masked on a property `properties` lists
/// too (JSON Schema applies both).
#[test]
fn short_secrets_and_secrets_marked_by_a_pattern_stay_masked() {
    let folder = Folder::new();
    folder.write(
        "schema.json",
        br#"{"type":"object","properties":{
            "apiKey":{"type":"string","pattern":"^k_"},
            "pin":{"type":"string","pattern":"^x","x-dapa-secret":true}},
          "patternProperties":{"Key$":{"x-dapa-secret":true}}}"#,
    );
    folder.write(
        "c.json",
        br#"{"apiKey":"SEKRIT_api_key_value_123","pin":"9876"}"#,
    );
    folder.write("raw.json", br#""abcd""#);
    let schema = folder.join("schema.json");
    let shown = everything_shown(&folder, "c.json", &["--schema", schema.to_str().unwrap()]);
    assert!(shown[2].1.contains("(4 characters)"), "{}", shown[2].1);
    assert_never_shown(&shown, "9876");
    assert_never_shown(&shown, "RIT_api");
    let shown = everything_shown(&folder, "raw.json", &[]);
    assert!(shown[2].1.contains("P02"), "{}", shown[2].1);
    assert_never_shown(&shown, "abcd");
}

/// A mark dapa cannot read is refused with the place it is at: ignored, a
/// secret mark would leave the value shown.
#[test]
fn a_mark_dapa_cannot_read_is_refused() {
    let folder = Folder::new();
    folder.write("c.json", br#"{"tok":"SEKRIT_m"}"#);
    for (mark, expected) in [
        (r#""x-dapa-secret":"true""#, "true or false"),
        (r#""x-dapa-timestamp":"UNIX-SECONDS""#, "\"unix-seconds\""),
        (r#""x-dapa-enum":"a""#, "an array of values"),
    ] {
        let schema = format!(
            r#"{{"type":"object","properties":{{"tok":{{"type":"string","pattern":"^x",{mark}}},
                "x-dapa-secret":{{"type":"string"}}}},"examples":[{{"x-dapa-secret":1}}]}}"#
        );
        folder.write("schema.json", schema.as_bytes());
        let schema = folder.join("schema.json");
        let out = dapa_bounded(MEMORY_MIB, SECONDS, &["scan", "--schema"])
            .arg(&schema)
            .arg(folder.join("c.json"))
            .run();
        assert_eq!(out.code, 2, "{mark}: {}", out.stderr);
        assert!(
            out.stderr.contains("/properties/tok/x-dapa-"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(expected), "{}", out.stderr);
        assert!(!out.stdout.contains("SEKRIT"), "{}", out.stdout);
    }
}

#[test]
fn a_secure_action_with_an_exception_masks_what_its_contract_does_not_declare() {
    let folder = Folder::new();
    folder.write(
        "except.action.json",
        br#"{"name":"E","integrationType":"custom-rest-actions","actionType":"custom",
            "config":{"request":{"requestUrlTemplate":"https://x/","requestType":"GET","headers":{},"requestTemplate":"${input.rawRequest}"},
              "response":{"translationMap":{},"translationMapDefaults":{},"successTemplate":"${rawResult}"}},
            "contract":{"input":{"inputSchema":{"type":"object"}},"output":{"successSchema":{"type":"object","properties":{
              "id":{"type":"string","x-dapa-secret":false},
              "apiKey":{"type":"integer"},
              "list":{"type":"array","items":{"type":"object","properties":{"label":{"type":"string","x-dapa-secret":false}}}}}}}},
            "secure":true}"#,
    );
    // Undeclared fields, a stringified one, an undeclared item field, an
    // item of another type; then the same cut off, and a scalar payload.
    folder.write(
        "extra.json",
        br#"{"id":"id-SHOWN","apiKey":"abcdSECRETK","extra":"abcdSECRETU","n":{"deep":"abcdSECRETD"},
            "str":"{\"x\":\"abcdSECRETS\"}","list":[{"label":"label-SHOWN","pin":"abcdSECRETP"},"abcdSECRETI"]}"#,
    );
    folder.write("cut.json", br#"{"id":"id-SHOWN","extra":"abcdSECRETC"#);
    folder.write("scalar.json", br#""abcdSECRETR""#);
    folder.write(
        "page.html",
        b"<!DOCTYPE html><html><head><title>key abcdSECRETH</title></head></html>",
    );
    let definition = folder.join("except.action.json");
    let definition = ["--definition", definition.to_str().unwrap()];
    let shown = everything_shown(&folder, "extra.json", &definition);
    assert!(shown[0].1.contains("D01"), "{}", shown[0].1);
    for secret in ["K", "U", "D", "S", "P", "I"] {
        assert_never_shown(&shown, &format!("SECRET{secret}"));
    }
    // The exceptions stay readable where a message or explain shows them.
    let explain = &shown.last().unwrap().1;
    assert!(explain.contains("id-SHOWN"), "{explain}");
    assert!(explain.contains("label-SHOWN"), "{explain}");
    let shown = everything_shown(&folder, "cut.json", &definition);
    assert!(shown[0].1.contains("S0"), "{}", shown[0].1);
    assert_never_shown(&shown, "SECRETC");
    let shown = everything_shown(&folder, "scalar.json", &definition);
    assert!(shown[0].1.contains("V02"), "{}", shown[0].1);
    assert_never_shown(&shown, "SECRETR");
    let shown = everything_shown(&folder, "page.html", &definition);
    assert!(shown[0].1.contains("T04"), "{}", shown[0].1);
    assert_never_shown(&shown, "SECRETH");
}

/// A secure definition with this `successSchema`.
fn secure_definition(success_schema: &str) -> String {
    format!(
        r#"{{"name":"S","secure":true,"contract":{{"input":{{"inputSchema":{{"type":"object"}}}},"output":{{"successSchema":{success_schema}}}}}}}"#
    )
}

#[test]
fn a_secure_action_masks_through_every_way_a_contract_can_be_written() {
    let draft = r#""$schema":"https://json-schema.org/draft/2020-12/schema""#;
    let cases = [
        // A boolean contract, and boolean subschemas.
        ("false".to_owned(), r#""abcdSECRETfalse0123456789abcdef""#),
        ("true".to_owned(), r#"{"token": abcdSECRETtrue0123456789abcdef}"#),
        (
            format!(r#"{{{draft},"properties":{{"kind":{{"x-dapa-secret":false}},"pw":false}}}}"#),
            r#"{"kind":"k","pw":"abcdSECRETsubfalse0123456789abc"}"#,
        ),
        // A `$ref` to a place outside `definitions`, beside an exception.
        (
            r##"{"properties":{"creds":{"$ref":"#/components/Creds","properties":{"label":{"x-dapa-secret":false}}}},
               "components":{"Creds":{"properties":{"password":{"enum":["x"]},"pin":{"type":"integer"}}}}}"##
                .to_owned(),
            r#"{"creds":{"label":"l","password":"abcdSECRETref0123456789abcdefgh","pin":"abcdSECRETpin"}}"#,
        ),
        // Tuple items.
        (
            format!(r#"{{{draft},"properties":{{"pair":{{"prefixItems":[{{"minLength":40}}],"items":{{"x-dapa-secret":false}}}}}}}}"#),
            r#"{"pair":["abcdSECRETprefix0123456789abcdef","public"]}"#,
        ),
        // An exception under a pattern: which keys it names is not known.
        (
            r#"{"properties":{"id":{"type":"string"}},"patternProperties":{"^public_":{"x-dapa-secret":false,"x-dapa-enum":["a"]}}}"#.to_owned(),
            r#"{"id":"i","password":"abcdSECRETpattern0123456789abcd","public_x":"abcdSECRETpublic"}"#,
        ),
        // Keys under an undeclared field are part of it: no drift paths.
        (
            r#"{"properties":{"kind":{"x-dapa-secret":false}}}"#.to_owned(),
            r#"{"kind":"k","extra":{"abcdSECRETkey0123456789abcdefgh":1}}"#,
        ),
        // A test trace: its steps' results are copies of the output.
        (
            r#"{"properties":{"kind":{"x-dapa-secret":false}}}"#.to_owned(),
            r#"{"operations":[{"step":4,"name":"Resolve translation map","success":true,"result":{"n":12345678901234567890123,"pin":"abcdSECRETtrace0123456789abcdef"}}],
"finalResult":{"pin":"abcdSECRETtrace0123456789abcdef","kind":"k"},"success":true}"#,
        ),
        (
            r#"{"type":"object"}"#.to_owned(),
            r#"{"operations":[{"step":1,"name":"Execute","success":true,"result":{"access_token":"abcdSECRETexec0123456789abcdefg","n":12345678901234567890123}}],
"finalResult":{"pin":"abcdSECRETfinal0123456789abcdef"},"success":true}"#,
        ),
        // A place declared both array and object.
        (
            r#"{"properties":{"x":{"type":["array","object"],"items":{"x-dapa-secret":false},"properties":{"0":{"enum":["a"]}}}}}"#.to_owned(),
            r#"{"x":{"0":"abcdSECRETitems0123456789abcdefg"}}"#,
        ),
    ];
    for (index, (schema, body)) in cases.iter().enumerate() {
        let folder = Folder::new();
        folder.write("s.action.json", secure_definition(schema).as_bytes());
        folder.write("c.json", body.as_bytes());
        let definition = folder.join("s.action.json");
        let shown = everything_shown(
            &folder,
            "c.json",
            &["--definition", definition.to_str().unwrap()],
        );
        assert!(
            shown[0].1.contains("c.json"),
            "case {index}: {}",
            shown[0].1
        );
        assert_never_shown(&shown, "SECRET");
        // Nor does a schema inferred from the capture (twice, so that its
        // values would repeat as an enum's do) name a key or value of it.
        folder.write("again.json", body.as_bytes());
        let out = dapa_bounded(
            MEMORY_MIB,
            SECONDS,
            &["infer", "--definition", "s.action.json", "."],
        )
        .current_dir(folder.path())
        .run();
        let healthy = !out
            .stderr
            .contains("none of the 2 captures has a healthy payload");
        assert_eq!(out.code, if healthy { 0 } else { 2 }, "{}", out.stderr);
        let shown = format!("{}{}", out.stdout, out.stderr);
        assert!(!shown.contains("SECRET"), "case {index}: {shown}");
    }
}

#[test]
fn a_text_body_is_not_quoted_when_a_field_is_secret() {
    let folder = Folder::new();
    folder.write(
        "token.schema.json",
        br#"{"properties":{"token":{"x-dapa-secret":true}}}"#,
    );
    folder.write(
        "text.txt",
        br#"Error: upstream said {"token": "abcdSECRETtext0123456789abcdef"}"#,
    );
    let schema = folder.join("token.schema.json");
    let schema = ["--schema", schema.to_str().unwrap()];
    let shown = everything_shown(&folder, "text.txt", &schema);
    assert!(shown[0].1.contains("T05"), "{}", shown[0].1);
    assert_never_shown(&shown, "SECRET");
}

/// `dapa infer ARGS...` run from `folder`: the schema it writes.
fn inferred(folder: &Folder, args: &[&str]) -> String {
    let mut all = vec!["infer", "--quiet", "--jobs", "2"];
    all.extend(args);
    let out = dapa_bounded(MEMORY_MIB, SECONDS, &all)
        .current_dir(folder.path())
        .run();
    assert_eq!(out.code, 0, "{all:?}: {}", out.stderr);
    out.stdout
}

/// Six captures of `action_id` in `folder_name`, each body made of its
/// index's parity: values that repeat, as an enum's do.
fn six_captures(folder: &Folder, folder_name: &str, action_id: &str, body: &str) {
    for index in 0..6 {
        let name = format!("{folder_name}/c{index}");
        let body = body.replace("{n}", &(index % 2).to_string());
        folder.write(&format!("{name}.json"), body.as_bytes());
        let meta = format!(r#"{{"action_id":"{action_id}","status":200}}"#);
        folder.write(&format!("{name}.meta.json"), meta.as_bytes());
    }
}

#[test]
fn infer_writes_no_value_or_key_that_a_profile_marks_secret() {
    let folder = Folder::new();
    // A secure action with an exception, its definition in its folder.
    let contract = r#"{"type":"object","properties":{"pin":{"type":"string"},
        "kind":{"type":"string","x-dapa-secret":false},
        "cards":{"type":"array","items":{"type":"object","properties":{"cvc":{"type":"string"}}}}}}"#;
    folder.write(
        "live/act-1.action.json",
        secure_definition(contract).as_bytes(),
    );
    six_captures(
        &folder,
        "live",
        "act-1",
        r#"{"pin":"SECRETpin {n}","kind":"gold","note":"SECRETnote {n}","SECRETkey{n}":1,"cards":[{"cvc":"SECRETcvc {n}"}]}"#,
    );
    // A field marked secret by a rule of the nearest `dapa.toml`.
    folder.write(
        "dapa.toml",
        b"[[rules]]\npath = \"ruled/**\"\nschema = \"code.schema.json\"\n",
    );
    folder.write(
        "code.schema.json",
        br#"{"type":"object","properties":{"codes":{"type":"object","additionalProperties":{"type":"string","x-dapa-secret":true}}}}"#,
    );
    six_captures(
        &folder,
        "ruled",
        "any",
        r#"{"codes":{"door":"SECRETcode {n}"},"state":"open"}"#,
    );
    // A secure action named with --definition, secret as a whole (kept
    // apart: a definition in a folder above the captures would apply).
    folder.write(
        "defs/whole.action.json",
        br#"{"id":"act-2","name":"W","secure":true,"contract":{"input":{"inputSchema":{"type":"object"}},
            "output":{"successSchema":{"type":"object","properties":{"state":{"type":"string"}}}}}}"#,
    );
    six_captures(&folder, "named", "act-2", r#"{"state":"SECRETstate {n}"}"#);

    let live = inferred(&folder, &["live"]);
    assert!(!live.contains("SECRET"), "{live}");
    // The exception and the declared names stay: the draft is still of use.
    for shown in ["\"gold\"", "\"kind\"", "\"pin\"", "\"cvc\""] {
        assert!(live.contains(shown), "{shown}: {live}");
    }
    let ruled = inferred(&folder, &["ruled"]);
    assert!(!ruled.contains("SECRET"), "{ruled}");
    assert!(ruled.contains("\"open\""), "{ruled}");
    // The same rules named with --config, from another folder.
    let config = folder.join("dapa.toml");
    let ruled = folder.join("ruled");
    let elsewhere = Folder::new();
    let shown = inferred(
        &elsewhere,
        &[
            "--config",
            config.to_str().unwrap(),
            ruled.to_str().unwrap(),
        ],
    );
    assert!(!shown.contains("SECRET"), "{shown}");
    let definition = folder.join("defs/whole.action.json");
    let named = folder.join("named");
    let shown = inferred(
        &elsewhere,
        &[
            "--definition",
            definition.to_str().unwrap(),
            named.to_str().unwrap(),
        ],
    );
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("\"state\""), "{shown}");
    // Without the definition the same values are an enum: the test can fail.
    let shown = inferred(&elsewhere, &[named.to_str().unwrap()]);
    assert!(shown.contains("SECRETstate 0"), "{shown}");
}

#[test]
fn infer_of_a_subfolder_or_of_named_files_keeps_the_secrets_of_a_definition_above() {
    let folder = Folder::new();
    folder.write(
        "live/act-1.action.json",
        secure_definition(r#"{"type":"object","properties":{"pin":{"type":"string"}}}"#).as_bytes(),
    );
    six_captures(&folder, "live/day1", "act-1", r#"{"pin":"SECRETpin {n}"}"#);
    let names: Vec<String> = (0..6).map(|n| format!("live/day1/c{n}.json")).collect();
    let mut named: Vec<&str> = names.iter().map(String::as_str).collect();
    for args in [vec!["live/day1"], std::mem::take(&mut named)] {
        let shown = inferred(&folder, &args);
        assert!(!shown.contains("SECRET"), "{args:?}: {shown}");
        assert!(shown.contains("\"pin\""), "{args:?}: {shown}");
    }
    // From inside the subfolder, the definition is two folders up.
    let inside = dapa_bounded(MEMORY_MIB, SECONDS, &["infer", "-q", "."])
        .current_dir(&folder.join("live/day1"))
        .run();
    assert_eq!(inside.code, 0, "{}", inside.stderr);
    assert!(!inside.stdout.contains("SECRET"), "{}", inside.stdout);
    // Without the definition the values are an enum: the test can fail.
    std::fs::remove_file(folder.join("live/act-1.action.json")).unwrap();
    let shown = inferred(&folder, &["live/day1"]);
    assert!(shown.contains("SECRETpin 0"), "{shown}");
}

#[test]
fn a_secure_action_s_error_texts_are_not_shown() {
    let folder = Folder::new();
    folder.write(
        "s.action.json",
        secure_definition(r#"{"type":"object","properties":{"pin":{"type":"string"}}}"#).as_bytes(),
    );
    let bodies = [
        // An error body that echoes the backend's reply, and its parameters.
        (
            "error.json",
            r#"{"message":"Response from web service: {\"pin\":\"abcdSECRETecho\"}","code":"bad.request","status":400,
               "messageParams":{"pin":"abcdSECRETparam","n":12345678901234567890123},"contextId":"c1",
               "errors":[{"code":"x","message":"abcdSECRETnested"}]}"#,
        ),
        // A failed test, and the seed envelope's errors.
        (
            "test.json",
            r#"{"success":false,"operations":[{"step":2,"name":"Execute","success":false,
               "error":{"message":"abcdSECRETstep","code":"c","status":400}}],"error":{"message":"abcdSECRETtest"}}"#,
        ),
        (
            "seed.json",
            r#"{"result":null,"errors":[{"message":"abcdSECRETseed"}],"warnings":["abcdSECRETwarn"]}"#,
        ),
        (
            "problem.json",
            r#"{"type":"about:blank","title":"abcdSECRETtitle","status":400,"detail":"abcdSECRETdetail"}"#,
        ),
        // Text where the envelope's lists belong, or where a number does.
        (
            "strings.json",
            r#"{"result":null,"errors":["Response from web service: {\"token\":\"abcdSECRETseedstr\"}"],"warnings":[]}"#,
        ),
        (
            "step.json",
            r#"{"success":false,"operations":[{"step":{"x":"abcdSECRETstep"},"name":"n","success":false},"abcdSECRETop"]}"#,
        ),
        // A rate limit's names, in a body recorded with another status.
        (
            "limit.json",
            r#"{"message":"m","code":"too.many.requests","status":400,"limit":{"key":"abcdSECRETkey","namespace":"abcdSECRETns"}}"#,
        ),
    ];
    let definition = folder.join("s.action.json");
    let definition = ["--definition", definition.to_str().unwrap()];
    for (name, body) in bodies {
        folder.write(name, body.as_bytes());
        let shown = everything_shown(&folder, name, &definition);
        assert!(shown[0].1.contains(name), "{}", shown[0].1);
        assert_never_shown(&shown, "SECRET");
        // What names the failure stays.
        let explain = &shown.last().unwrap().1;
        assert!(explain.contains("E0"), "{explain}");
        // Asked for, the texts are shown.
        let shown = everything_shown(
            &folder,
            name,
            &[&definition[..], &["--show-secrets"]].concat(),
        );
        assert!(shown.last().unwrap().1.contains("SECRET"), "{name}");
    }
    let shown = everything_shown(&folder, "error.json", &definition);
    let explain = &shown.last().unwrap().1;
    for named in ["bad.request", "c1", "400"] {
        assert!(explain.contains(named), "{named}: {explain}");
    }
}

/// Masking many places of one body takes time in proportion to them: an
/// error body of 100,000 nested errors, each masked, took minutes.
#[test]
fn a_secure_action_s_error_body_of_many_errors_is_explained_in_time() {
    let folder = Folder::new();
    folder.write(
        "s.action.json",
        secure_definition(r#"{"type":"object"}"#).as_bytes(),
    );
    let errors: Vec<String> = (0..100_000)
        .map(|n| format!(r#"{{"code":"x","message":"abcdSECRET{n}"}}"#))
        .collect();
    let body = format!(
        r#"{{"message":"m","code":"c","status":400,"errors":[{}]}}"#,
        errors.join(",")
    );
    folder.write("many.json", body.as_bytes());
    let definition = folder.join("s.action.json");
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "explain",
            folder.join("many.json").to_str().unwrap(),
            "--definition",
            definition.to_str().unwrap(),
            "--color",
            "never",
        ],
    )
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains("SECRET"));
    // The message lists the first errors and counts the rest.
    assert!(
        out.stdout.contains("and 99995 more"),
        "{}",
        &out.stdout[..2000.min(out.stdout.len())]
    );
}

/// A backend that failed on a token often echoes it, and Genesys writes
/// the reply into its error message: the credential is masked in every
/// report whatever the profile, and shown with `--show-secrets`.
#[test]
fn a_token_echoed_in_an_error_message_is_masked_in_every_report() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUNSRVQifQ.c2VjcmV0LXNpZ25hdHVyZS0wMTIzNDU2Nzg5";
    let folder = Folder::new();
    let body = format!(
        r#"{{"message":"Response from web service: {{\"access_token\":\"{jwt}\",\"sent\":\"Bearer abcdSECRET0123456789\"}}","code":"bad.request","status":401,"contextId":"ctx-1"}}"#
    );
    folder.write("err.json", body.as_bytes());
    for format in ["jsonl", "markdown", "html", "sarif", "junit", "table"] {
        let out = dapa_bounded(
            MEMORY_MIB,
            SECONDS,
            &["scan", folder.path_str(), "-q", "--format", format],
        )
        .run();
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        for secret in ["eyJzdWIi", "abcdSECRET"] {
            assert!(!out.stdout.contains(secret), "{format}: {}", out.stdout);
        }
    }
    let out = dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "scan",
            folder.path_str(),
            "-q",
            "--format",
            "jsonl",
            "--show-secrets",
        ],
    )
    .run();
    assert!(
        out.stdout.contains("abcdSECRET0123456789"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("ctx-1"), "ids stay: {}", out.stdout);
}

/// Genesys writes the backend's reply into its error message: where a
/// profile marks a field secret, the field's value there is masked too.
#[test]
fn an_error_text_that_echoes_a_secret_field_masks_its_value() {
    let folder = Folder::new();
    folder.write(
        "e.json",
        br#"{"message":"Response from web service: {\"token\":\"abcdSECRETtok\",\"expiresAt\":1}","code":"bad.request","status":400,"contextId":"c1",
            "errors":[{"code":"x","message":"token: abcdSECRETnested"}]}"#,
    );
    let shown = everything_shown(&folder, "e.json", &["--profile", "cognigy-token"]);
    assert!(shown[0].1.contains("E01"), "{}", shown[0].1);
    assert_never_shown(&shown, "SECRET");
    // What is not secret is still quoted, and the reply still decoded.
    let explain = &shown.last().unwrap().1;
    assert!(
        explain.contains(r#"{"expiresAt":1,"token":"(secret)"}"#),
        "{explain}"
    );
    let shown = everything_shown(
        &folder,
        "e.json",
        &["--profile", "cognigy-token", "--show-secrets"],
    );
    assert!(shown.last().unwrap().1.contains("SECRETtok"));
}

/// A gateway's page or a backend's text that names a token: what a report
/// quotes of it (T04's title, T05's first line and its signature) and what
/// `explain` shows of the body mask the token, whatever the profile, and
/// `--show-secrets` shows it.
#[test]
fn a_token_in_a_body_that_is_not_json_is_masked_wherever_it_is_shown() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUNSRVQifQ.c2VjcmV0LXNpZ25hdHVyZS0wMTIzNDU2Nzg5";
    let folder = Folder::new();
    folder.write(
        "text.body",
        format!("Unauthorized: token {jwt} expired\n").as_bytes(),
    );
    folder.write(
        "page.body",
        format!("<html><head><title>denied {jwt}</title></head></html>").as_bytes(),
    );
    folder.write(
        "markup.body",
        b"<error>Bearer abcdSECRET0123456789 was refused</error>",
    );
    folder.write(
        "cut.json",
        format!(r#"{{"data":{{"note":"sent with {jwt}"}},"x":"#).as_bytes(),
    );
    for (capture, code) in [
        ("text.body", "T05"),
        ("page.body", "T04"),
        ("markup.body", "T05"),
        ("cut.json", "S01"),
    ] {
        let shown = everything_shown(&folder, capture, &[]);
        assert!(shown[0].1.contains(code), "{capture}: {}", shown[0].1);
        assert_never_shown(&shown, "eyJzdWIi");
        assert_never_shown(&shown, "abcdSECRET");
        let shown = everything_shown(&folder, capture, &["--show-secrets"]);
        let explain = &shown.last().unwrap().1;
        assert!(
            explain.contains("eyJzdWIi") || explain.contains("abcdSECRET"),
            "{capture}: {explain}"
        );
    }
}

/// Without a profile, the values under OAuth's credential names
/// (`access_token`, `client_secret`, ...) are masked wherever dapa quotes
/// or shows them: a token reply cut off, one whose template left the token
/// unquoted, an error body echoing a login reply. `explain` showed them,
/// and S03 quoted the first 24 characters of an unquoted token.
#[test]
fn credentials_under_oauth_names_are_masked_without_a_profile() {
    let token = "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm";
    let client_secret = "s3cr3tS3CR3Ts3cr3tS3CR3T";
    let folder = Folder::new();
    folder.write(
        "cut.json",
        format!(
            r#"{{"access_token":"{token}","client_secret":"{client_secret}", "token_type":"bearer""#
        )
        .as_bytes(),
    );
    folder.write(
        "unquoted.json",
        format!(r#"{{"access_token": {token}, "token_type":"bearer"}}"#).as_bytes(),
    );
    folder.write(
        "echoed.json",
        format!(
            r#"{{"message":"Request failed: {{\"error\":\"invalid_grant\",\"refresh_token\":\"{token}\"}}","code":"bad.request","status":400,"contextId":"c1"}}"#
        )
        .as_bytes(),
    );
    for capture in ["cut.json", "unquoted.json", "echoed.json"] {
        let shown = everything_shown(&folder, capture, &[]);
        assert_never_shown(&shown, &token[..8]);
        assert_never_shown(&shown, &client_secret[..8]);
    }
    // What is not a credential is still quoted.
    folder.write("word.json", br#"{"email": undefined}"#);
    let shown = everything_shown(&folder, "word.json", &[]);
    assert!(
        shown
            .iter()
            .any(|(_, text)| text.contains("unexpected word 'undefined'")),
        "{shown:?}"
    );
}
