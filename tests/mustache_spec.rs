//! The official mustache spec (`tests/fixtures/mustache-spec/`, see its README): every case of
//! the interpolation, sections, inverted, comments and delimiters modules, rendered by the
//! library and by `interbot render --template FILE --data @FILE`, byte for byte.
//!
//! Botpress renders content elements with mustache.js (`renderTemplate` in Botpress's
//! `src/bp/core/misc/templating.ts` calls `Mustache.render`), and mustache.js passes these
//! modules; so must interbot. The two delimiters cases that need partials
//! (`Partial Inheritence`, `Post-Partial Behavior`) are rendered with the case's partials
//! (`render --partial NAME=FILE` for the binary).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The five spec modules in scope (no partials, lambdas or inheritance).
const MODULES: [&str; 5] = [
    "interpolation",
    "sections",
    "inverted",
    "comments",
    "delimiters",
];

/// One spec case.
struct Case {
    module: &'static str,
    name: String,
    data: Value,
    template: String,
    partials: Vec<(String, String)>,
    expected: String,
}

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mustache-spec")
}

fn cases(module: &'static str) -> Vec<Case> {
    let path = spec_dir().join(format!("{module}.json"));
    let text = std::fs::read_to_string(&path).expect("a spec file");
    let spec: Value = serde_json::from_str(&text).expect("spec JSON");
    let tests = spec["tests"].as_array().expect("a list of tests");
    tests
        .iter()
        .map(|test| {
            let text = |key: &str| test[key].as_str().expect(key).to_string();
            let partials = test["partials"].as_object().map_or_else(Vec::new, |map| {
                map.iter()
                    .map(|(name, text)| (name.clone(), text.as_str().unwrap_or("").to_string()))
                    .collect()
            });
            Case {
                module,
                name: text("name"),
                data: test["data"].clone(),
                template: text("template"),
                partials,
                expected: text("expected"),
            }
        })
        .collect()
}

fn all_cases() -> Vec<Case> {
    MODULES.into_iter().flat_map(cases).collect()
}

/// Renders one case with the library, with its partials if it has any.
fn render(case: &Case) -> Result<String, String> {
    let partials = |name: &str| {
        case.partials
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, text)| text.clone())
    };
    interbot::template::render_with_partials(&case.template, &case.data, &partials)
        .map(|rendered| rendered.text)
        .map_err(|e| e.to_string())
}

#[test]
fn every_case_of_the_five_spec_modules_renders_as_the_spec_says() {
    let cases = all_cases();
    assert_eq!(cases.len(), 110, "31 + 33 + 21 + 11 + 14 cases");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let got = render(case);
            (got.as_deref() != Ok(case.expected.as_str())).then(|| {
                format!(
                    "{}: {}\n  template {:?}\n  expected {:?}\n  got      {:?}",
                    case.module, case.name, case.template, case.expected, got
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} spec cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_spec_case_renders_byte_for_byte_through_interbot_render() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut checked = 0;
    for (i, case) in all_cases().iter().enumerate() {
        let template = dir.path().join(format!("{i}.mustache"));
        let data = dir.path().join(format!("{i}.json"));
        std::fs::write(&template, &case.template).expect("template written");
        std::fs::write(&data, case.data.to_string()).expect("data written");
        // No workspace: run in the empty folder, with no `-w`.
        let mut command = Command::cargo_bin("interbot").expect("the interbot binary");
        command
            .current_dir(dir.path())
            .args(["render", "--template"])
            .arg(&template)
            .arg("--data")
            .arg(format!("@{}", data.display()));
        for (name, text) in &case.partials {
            let file = dir.path().join(format!("{i}-{name}.mustache"));
            std::fs::write(&file, text).expect("partial written");
            command
                .arg("--partial")
                .arg(format!("{name}={}", file.display()));
        }
        let output = command.output().expect("interbot runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}: {}",
            case.module,
            case.name,
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            case.expected,
            "{}: {} (stdout bytes)",
            case.module,
            case.name
        );
        checked += 1;
    }
    assert_eq!(
        checked, 110,
        "every case, the two with partials through --partial"
    );
}
