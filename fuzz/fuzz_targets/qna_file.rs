//! QnA files, Botpress 11 and 12: any text parses or gives a problem (never a panic), and a
//! parsed entry written back parses again to the same entry.
#![no_main]

use std::path::Path;

use interbot::workspace::QnaEntry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("bots/b/qna/e.json");
    for language in ["en", "fr"] {
        let Ok(entry) = QnaEntry::parse(path, text, language) else {
            continue;
        };
        let written = entry.to_json().to_string();
        let again = QnaEntry::parse(path, &written, language)
            .unwrap_or_else(|e| panic!("a written entry must parse again: {e}\n{written}"));
        assert_eq!(again.questions, entry.questions);
        assert_eq!(again.answers.first(), entry.answers.first());
        assert_eq!(again.enabled, entry.enabled);
        assert_eq!(again.form, entry.form);
    }
});
