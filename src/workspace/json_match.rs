//! Whether a JSON text is exactly what serde_json writes for a value, whitespace between
//! tokens aside, found by walking the text while the value serializes: nothing is printed
//! and no document is built.
//!
//! Loading a workspace asks this of every QnA file (is it in Botpress's own layout, so its
//! fields alone can rebuild it?). Printing the layout through serde_json and comparing the
//! output was 28 % of a cached start of 100,000 entries; here a string's plain runs are
//! compared as slices and only its escapes one by one.
//!
//! `true` means the text parses to the value with its keys in the same order. `false` says
//! nothing more: a string escaped otherwise than serde_json escapes it (`\u0061` for `a`), a
//! number, or a map with keys that are not strings is never matched.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// Whether `text` is `value` as `serde_json::to_string` writes it, with any whitespace
/// between tokens.
pub fn is_serialized_form<T: Serialize + ?Sized>(text: &str, value: &T) -> bool {
    let mut matcher = Matcher {
        rest: text.as_bytes(),
    };
    value.serialize(&mut matcher).is_ok() && {
        matcher.skip_space();
        matcher.rest.is_empty()
    }
}

/// The text not matched yet.
struct Matcher<'t> {
    rest: &'t [u8],
}

/// The text is not the value (or the value is of a kind never matched).
#[derive(Debug)]
struct Mismatch;

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not the same document")
    }
}

impl std::error::Error for Mismatch {}

impl ser::Error for Mismatch {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Mismatch
    }
}

impl Matcher<'_> {
    fn skip_space(&mut self) {
        while let [b' ' | b'\t' | b'\n' | b'\r', rest @ ..] = self.rest {
            self.rest = rest;
        }
    }

    /// The next token is exactly `expected`.
    fn token(&mut self, expected: &[u8]) -> Result<(), Mismatch> {
        self.skip_space();
        self.exactly(expected)
    }

    /// The text goes on with exactly `expected`, no whitespace first.
    fn exactly(&mut self, expected: &[u8]) -> Result<(), Mismatch> {
        match self.rest.strip_prefix(expected) {
            Some(rest) => {
                self.rest = rest;
                Ok(())
            }
            None => Err(Mismatch),
        }
    }

    /// The next token is `value` as a JSON string, escaped as serde_json escapes it.
    fn string(&mut self, value: &str) -> Result<(), Mismatch> {
        self.token(b"\"")?;
        let mut rest = value.as_bytes();
        while let Some(at) = Escape::first_needed(rest) {
            self.exactly(&rest[..at])?;
            self.exactly(Escape::of(rest[at]).as_bytes())?;
            rest = &rest[at + 1..];
        }
        self.exactly(rest)?;
        self.exactly(b"\"")
    }
}

/// How serde_json writes a byte that a JSON string cannot hold as itself.
struct Escape {
    bytes: [u8; 6],
    len: usize,
}

impl Escape {
    /// Whether serde_json escapes `byte` in a string.
    fn needed(byte: u8) -> bool {
        byte < 0x20 || byte == b'"' || byte == b'\\'
    }

    /// Where the first byte of `bytes` that [`Escape::needed`] is, eight bytes a step: a
    /// QnA file's strings are mostly plain, and scanning them byte by byte was a tenth of a
    /// cached start of 100,000 entries (callgrind). Each test below is exact for a whole
    /// word (a byte below 0x20, `"` or `\\` somewhere in it), so a word it flags is
    /// searched byte by byte and a word it passes holds none.
    fn first_needed(bytes: &[u8]) -> Option<usize> {
        const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
        const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
        // A byte of `word` below `n` (n <= 0x80).
        let has_below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH;
        let has = |word: u64, byte: u8| has_below(word ^ (ONES * u64::from(byte)), 1);
        // The byte-by-byte search of a part that starts at `offset`.
        let search = |part: &[u8], offset: usize| {
            part.iter()
                .position(|&byte| Escape::needed(byte))
                .map(|at| offset + at)
        };
        let mut chunks = bytes.chunks_exact(8);
        let mut offset = 0;
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let word = u64::from_ne_bytes(word);
            if has_below(word, 0x20) | has(word, b'"') | has(word, b'\\') != 0 {
                return search(chunk, offset);
            }
            offset += 8;
        }
        search(chunks.remainder(), offset)
    }

    /// The escape of a byte [`Escape::needed`] says is escaped.
    fn of(byte: u8) -> Escape {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let short = |letter: u8| Escape {
            bytes: [b'\\', letter, 0, 0, 0, 0],
            len: 2,
        };
        match byte {
            b'"' => short(b'"'),
            b'\\' => short(b'\\'),
            0x08 => short(b'b'),
            0x09 => short(b't'),
            0x0a => short(b'n'),
            0x0c => short(b'f'),
            0x0d => short(b'r'),
            _ => Escape {
                bytes: [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 0xf)],
                ],
                len: 6,
            },
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// A list, map or struct being matched: a comma before every member but the first.
struct Compound<'a, 't> {
    matcher: &'a mut Matcher<'t>,
    first: bool,
    close: &'static [u8],
}

impl Compound<'_, '_> {
    fn next_member(&mut self) -> Result<(), Mismatch> {
        if !std::mem::take(&mut self.first) {
            self.matcher.token(b",")?;
        }
        Ok(())
    }

    fn close(self) -> Result<(), Mismatch> {
        self.matcher.token(self.close)
    }
}

/// `Serializer` methods for values of kinds never matched: each says [`Mismatch`].
macro_rules! never_matched {
    ($($method:ident: $kind:ty),* $(,)?) => {
        $(
            fn $method(self, _: $kind) -> Result<(), Mismatch> {
                Err(Mismatch)
            }
        )*
    };
}

impl<'a, 't> ser::Serializer for &'a mut Matcher<'t> {
    type Ok = ();
    type Error = Mismatch;
    type SerializeSeq = Compound<'a, 't>;
    type SerializeTuple = Impossible<(), Mismatch>;
    type SerializeTupleStruct = Impossible<(), Mismatch>;
    type SerializeTupleVariant = Impossible<(), Mismatch>;
    type SerializeMap = Compound<'a, 't>;
    type SerializeStruct = Compound<'a, 't>;
    type SerializeStructVariant = Impossible<(), Mismatch>;

    fn serialize_bool(self, v: bool) -> Result<(), Mismatch> {
        self.token(if v { b"true" } else { b"false" })
    }

    // Numbers are never matched (see the module doc).
    never_matched! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64,
    }

    fn serialize_char(self, v: char) -> Result<(), Mismatch> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Mismatch> {
        self.string(v)
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Mismatch> {
        Err(Mismatch)
    }

    fn serialize_none(self) -> Result<(), Mismatch> {
        self.token(b"null")
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Mismatch> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Mismatch> {
        self.token(b"null")
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Mismatch> {
        self.token(b"null")
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Mismatch> {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Mismatch> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Mismatch> {
        Err(Mismatch)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a, 't>, Mismatch> {
        self.token(b"[")?;
        Ok(Compound {
            matcher: self,
            first: true,
            close: b"]",
        })
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Mismatch> {
        Err(Mismatch)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Mismatch> {
        Err(Mismatch)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Mismatch> {
        Err(Mismatch)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a, 't>, Mismatch> {
        self.token(b"{")?;
        Ok(Compound {
            matcher: self,
            first: true,
            close: b"}",
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a, 't>, Mismatch> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Mismatch> {
        Err(Mismatch)
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Mismatch;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Mismatch> {
        self.next_member()?;
        value.serialize(&mut *self.matcher)
    }

    fn end(self) -> Result<(), Mismatch> {
        self.close()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Mismatch;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Mismatch> {
        self.next_member()?;
        // Only string keys match: serde_json quotes other keys, which this does not follow.
        key.serialize(&mut *self.matcher)?;
        self.matcher.token(b":")
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Mismatch> {
        value.serialize(&mut *self.matcher)
    }

    fn end(self) -> Result<(), Mismatch> {
        self.close()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Mismatch;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Mismatch> {
        self.next_member()?;
        self.matcher.string(key)?;
        self.matcher.token(b":")?;
        value.serialize(&mut *self.matcher)
    }

    fn end(self) -> Result<(), Mismatch> {
        self.close()
    }
}

#[cfg(test)]
mod tests {
    use super::{Escape, is_serialized_form};

    #[test]
    fn the_word_scan_finds_the_first_escaped_byte_as_the_byte_scan_does() {
        let mut cases: Vec<Vec<u8>> = vec![Vec::new(), b"plain text, no escapes at all".to_vec()];
        for special in [0x00, 0x08, 0x1f, b'"', b'\\'] {
            for len in 0..20 {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = special;
                    cases.push(bytes);
                }
            }
        }
        // Bytes just past the tested ranges, and non-ASCII ones, are never escaped.
        cases.push([0x20, b'!', b'#', b'[', b']', 0x7f, 0x80, 0xc3, 0xa9, 0xff].repeat(3));
        for bytes in &cases {
            let expected = bytes.iter().position(|&byte| Escape::needed(byte));
            assert_eq!(Escape::first_needed(bytes), expected, "{bytes:?}");
        }
    }

    /// The reference: `text` with the whitespace between its tokens removed is exactly
    /// `compact` (what `serde_json::to_string` wrote).
    fn is_spaced_form_of(text: &str, compact: &str) -> bool {
        let mut in_string = false;
        let mut escaped = false;
        let tokens = text.bytes().filter(|&byte| {
            if in_string {
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                }
                true
            } else {
                in_string = byte == b'"';
                !matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
            }
        });
        tokens.eq(compact.bytes())
    }

    #[test]
    fn a_serialized_form_differs_from_the_value_only_by_whitespace_between_tokens() {
        let compact = r#"{"id":"a b","data":{"q":["say \"hi\" \\ ok\n"],"e":true,"n":null}}"#;
        let value: serde_json::Value = serde_json::from_str(compact).unwrap_or_default();
        let pretty = "{\n  \"id\": \"a b\",\n  \"data\": {\n    \"q\": [\n      \"say \\\"hi\\\" \\\\ ok\\n\"\n    ],\r\n\t\"e\": true, \"n\" : null\n  }\n}\n";
        assert!(is_serialized_form(pretty, &value));
        assert!(is_serialized_form(compact, &value));
        // Whitespace inside a string is text, not layout.
        assert!(!is_serialized_form(
            r#"{"id":"ab"}"#,
            &serde_json::json!({"id": "a b"})
        ));
        assert!(!is_serialized_form(
            r#"{"id":"a b"}"#,
            &serde_json::json!({"id": "ab"})
        ));
        // Another escape of the same text, another key order, or more text is not the form.
        assert!(!is_serialized_form(
            r#"{"id":"\u0061"}"#,
            &serde_json::json!({"id": "a"})
        ));
        let ordered = serde_json::json!({"a": true, "b": false});
        assert!(!is_serialized_form(r#"{"b":false,"a":true}"#, &ordered));
        assert!(!is_serialized_form(r#"{"a":true,"b":false}x"#, &ordered));
        assert!(!is_serialized_form(r#"{"a":true}"#, &ordered));
        assert!(is_serialized_form(" [ ] ", &Vec::<String>::new()));
        // Control characters are escaped as serde_json escapes them.
        assert!(is_serialized_form(
            r#""\u0001\b\f\t\r""#,
            "\u{1}\u{8}\u{c}\t\r"
        ));
        assert!(!is_serialized_form(r#""\u0001""#, "\u{2}"));
    }

    proptest::proptest! {
        /// Matching as the value serializes agrees with comparing against its compact text,
        /// for strings with quotes, escapes, control characters and non-ASCII, on the
        /// document's own pretty and compact forms and on texts cut or changed anywhere.
        #[test]
        fn matching_agrees_with_comparing_the_compact_text(
            texts in proptest::collection::vec("[a-z \"\\\\\\x00-\\x1f\\u{e9}\\u{1F5A8}]{0,12}", 0..4),
            flag in proptest::bool::ANY,
            cut in 0usize..200,
            change in 0usize..200,
        ) {
            let value = serde_json::json!({"id": "e", "data": {"questions": texts, "enabled": flag}});
            let compact = serde_json::to_string(&value).unwrap_or_default();
            let pretty = serde_json::to_string_pretty(&value).unwrap_or_default();
            proptest::prop_assert!(is_serialized_form(&pretty, &value));
            proptest::prop_assert!(is_serialized_form(&compact, &value));
            let cut_text = &pretty.as_bytes()[..cut.min(pretty.len())];
            let mut changed = pretty.clone().into_bytes();
            if let Some(byte) = changed.get_mut(change) {
                *byte = if *byte == b'x' { b'y' } else { b'x' };
            }
            for text in [cut_text.to_vec(), changed] {
                let Ok(text) = String::from_utf8(text) else { continue };
                proptest::prop_assert_eq!(
                    is_serialized_form(&text, &value),
                    is_spaced_form_of(&text, &compact),
                    "{:?}", text
                );
            }
        }
    }
}
