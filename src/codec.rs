//! The little-endian byte form of the numbers and texts a cache file holds (the persistent
//! index cache, `index::cache`, the classifier weights in it, and the QnA snapshots,
//! `workspace::snapshot`): a [`Writer`]
//! that appends them and a [`Reader`] that reads them back, every read checked against what
//! is left (a cache file is never trusted: a short or odd one reads as `None`, never panics).

/// The body of `bytes` written by [`Writer::into_checked_bytes`]: `None` unless it is
/// followed by its own BLAKE3 hash.
pub(crate) fn checked_body(bytes: &[u8]) -> Option<&[u8]> {
    let body_len = bytes.len().checked_sub(blake3::OUT_LEN)?;
    let (body, hash) = bytes.split_at(body_len);
    (blake3::hash(body).as_bytes() == hash).then_some(body)
}

/// Appends values to a byte buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The bytes written so far followed by their BLAKE3 hash, which [`checked_body`]
    /// checks when they are read back.
    pub fn into_checked_bytes(self) -> Vec<u8> {
        let mut bytes = self.bytes;
        let hash = blake3::hash(&bytes);
        bytes.extend_from_slice(hash.as_bytes());
        bytes
    }

    pub fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    pub fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub fn u32(&mut self, value: u32) {
        self.raw(&value.to_le_bytes());
    }

    pub fn u64(&mut self, value: u64) {
        self.raw(&value.to_le_bytes());
    }

    pub fn f32(&mut self, value: f32) {
        self.raw(&value.to_le_bytes());
    }

    /// A length, then the values.
    pub fn f32s(&mut self, values: &[f32]) {
        self.u64(values.len() as u64);
        for value in values {
            self.f32(*value);
        }
    }

    /// A length, then the bytes.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.u64(bytes.len() as u64);
        self.raw(bytes);
    }

    /// A length, then the UTF-8 bytes.
    pub fn str(&mut self, text: &str) {
        self.u64(text.len() as u64);
        self.raw(text.as_bytes());
    }

    /// A count, then each text as [`Writer::str`] writes it.
    pub fn strs(&mut self, texts: &[String]) {
        self.u64(texts.len() as u64);
        for text in texts {
            self.str(text);
        }
    }
}

/// Reads values back from bytes a [`Writer`] wrote; each read is `None` past the end.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The next `len` bytes, without reading them.
    pub fn peek(&self, len: usize) -> Option<&'a [u8]> {
        self.bytes.get(..len)
    }

    /// How many bytes are left to read.
    pub fn remaining(&self) -> usize {
        self.bytes.len()
    }

    pub fn raw(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.raw(N)?.try_into().ok()
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    pub fn f32(&mut self) -> Option<f32> {
        self.array().map(f32::from_le_bytes)
    }

    /// A length no larger than what is left at `unit` bytes an item.
    fn len(&mut self, unit: usize) -> Option<usize> {
        let len = usize::try_from(self.u64()?).ok()?;
        (len.checked_mul(unit)? <= self.bytes.len()).then_some(len)
    }

    /// `count` items of `N` bytes, one after the other: decoded in one pass over one
    /// slice (a bounds check and an `Option` per number was a tenth of a cached start of
    /// 100,000 entries).
    fn arrays<const N: usize>(&mut self, count: usize) -> Option<&'a [[u8; N]]> {
        let (items, rest) = self.raw(count.checked_mul(N)?)?.as_chunks::<N>();
        rest.is_empty().then_some(items)
    }

    /// A length, then that many 4-byte numbers, each made by `from`.
    fn words<T>(&mut self, from: fn([u8; 4]) -> T) -> Option<Vec<T>> {
        let len = self.len(4)?;
        Some(
            self.arrays::<4>(len)?
                .iter()
                .map(|bytes| from(*bytes))
                .collect(),
        )
    }

    pub fn f32s(&mut self) -> Option<Vec<f32>> {
        self.words(f32::from_le_bytes)
    }

    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = self.len(1)?;
        self.raw(len)
    }

    pub fn str(&mut self) -> Option<&'a str> {
        let len = self.len(1)?;
        std::str::from_utf8(self.raw(len)?).ok()
    }

    /// Texts [`Writer::strs`] wrote (a count no larger than what is left at the 8 bytes of
    /// length each text takes at least).
    pub fn strs(&mut self) -> Option<Vec<String>> {
        let count = self.len(8)?;
        let mut texts = Vec::with_capacity(count);
        for _ in 0..count {
            texts.push(self.str()?.to_owned());
        }
        Some(texts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_written() {
        let mut writer = Writer::default();
        writer.u8(7);
        writer.u32(0xdead_beef);
        writer.u64(u64::MAX - 1);
        writer.f32s(&[1.5, -0.0, f32::MIN_POSITIVE]);
        writer.str("héllo");
        writer.strs(&["a".to_string(), String::new()]);
        let bytes = writer.into_bytes();
        let mut reader = Reader::new(&bytes);
        assert_eq!(reader.u8(), Some(7));
        assert_eq!(reader.u32(), Some(0xdead_beef));
        assert_eq!(reader.u64(), Some(u64::MAX - 1));
        let floats = reader.f32s().unwrap_or_default();
        assert_eq!(
            floats.iter().map(|f| f.to_bits()).collect::<Vec<_>>(),
            [1.5f32, -0.0, f32::MIN_POSITIVE].map(f32::to_bits)
        );
        assert_eq!(reader.str(), Some("héllo"));
        assert_eq!(reader.strs(), Some(vec!["a".to_string(), String::new()]));
        assert!(reader.is_empty());
    }

    #[test]
    fn short_or_lying_bytes_read_as_none() {
        let mut writer = Writer::default();
        writer.str("abc");
        let bytes = writer.into_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(Reader::new(&bytes[..cut]).str(), None, "cut at {cut}");
        }
        // A length far beyond the bytes is refused before anything is allocated.
        let mut huge = Writer::default();
        huge.u64(u64::MAX);
        let huge = huge.into_bytes();
        assert_eq!(Reader::new(&huge).f32s(), None);
        assert_eq!(Reader::new(&[0xff; 9]).str(), None);
        // A count of texts that could not fit is refused the same way.
        let mut many = Writer::default();
        many.u64(2);
        many.str("x");
        assert_eq!(Reader::new(&many.into_bytes()).strs(), None);
    }
}
