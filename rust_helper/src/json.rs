//! A minimal compact JSON writer.
//!
//! Hand-written rather than serde so that users' crates do not pay serde's compile time.
//! The output is byte-for-byte what Python's
//! `json.dumps(doc, separators=(",", ":"), ensure_ascii=False)` writes for the parsed
//! document, so the Python side can recompute `api_hash` from the data alone.

use std::fmt::Write as _;

/// Writes JSON into a `String`, inserting commas between values automatically.
pub(crate) struct JsonWriter {
    out: String,
    /// Whether the next value or key in the current container needs a leading comma.
    comma: bool,
}

impl JsonWriter {
    pub(crate) fn new() -> Self {
        JsonWriter {
            out: String::new(),
            comma: false,
        }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    fn separate(&mut self) {
        if self.comma {
            self.out.push(',');
        }
    }

    pub(crate) fn begin_object(&mut self) {
        self.separate();
        self.out.push('{');
        self.comma = false;
    }

    pub(crate) fn end_object(&mut self) {
        self.out.push('}');
        self.comma = true;
    }

    pub(crate) fn begin_array(&mut self) {
        self.separate();
        self.out.push('[');
        self.comma = false;
    }

    pub(crate) fn end_array(&mut self) {
        self.out.push(']');
        self.comma = true;
    }

    /// Writes an object key; the next call must write its value.
    pub(crate) fn key(&mut self, key: &str) {
        self.separate();
        write_escaped(&mut self.out, key);
        self.out.push(':');
        self.comma = false;
    }

    pub(crate) fn string(&mut self, value: &str) {
        self.separate();
        write_escaped(&mut self.out, value);
        self.comma = true;
    }

    pub(crate) fn bool(&mut self, value: bool) {
        self.raw(if value { "true" } else { "false" });
    }

    pub(crate) fn int(&mut self, value: impl Into<i128>) {
        self.separate();
        // Writing into a String cannot fail.
        let _ = write!(self.out, "{}", value.into());
        self.comma = true;
    }

    pub(crate) fn uint(&mut self, value: usize) {
        self.separate();
        let _ = write!(self.out, "{value}");
        self.comma = true;
    }

    /// Writes an already-valid JSON token (number literal, `true`, ...).
    pub(crate) fn raw(&mut self, token: &str) {
        self.separate();
        self.out.push_str(token);
        self.comma = true;
    }

    /// Shorthand for a `"key": "value"` member.
    pub(crate) fn key_string(&mut self, key: &str, value: &str) {
        self.key(key);
        self.string(value);
    }
}

/// Writes `value` as a JSON string literal.
///
/// Escapes exactly what Python's `json` module escapes with `ensure_ascii=False`: `"`, `\`
/// and the C0 control characters (short forms where JSON has them, `\u00xx` otherwise).
/// Everything else, including non-ASCII, is written as UTF-8.
pub(crate) fn write_escaped(out: &mut String, value: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in value.char_indices() {
        let short = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&value[start..i]);
        if short.is_empty() {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push_str(short);
        }
        start = i + c.len_utf8();
    }
    out.push_str(&value[start..]);
    out.push('"');
}

/// A float as a JSON token: a number for finite values, else the string `"inf"`, `"-inf"` or
/// `"nan"`.
///
/// Finite values use the shortest digits that round-trip (Rust's `{:?}`), in the layout of
/// Python's `repr(float)`: `1.0`, `0.1`, `1e+16`, `1.5e-07`. Callers pass the value's own
/// `{:?}` so that an `f32` keeps its shortest `f32` digits (`0.1`, not `0.10000000149011612`).
pub(crate) fn float_token(
    debug_repr: &str,
    is_finite: bool,
    is_nan: bool,
    negative: bool,
) -> String {
    if !is_finite {
        let name = if is_nan {
            "nan"
        } else if negative {
            "-inf"
        } else {
            "inf"
        };
        return format!("\"{name}\"");
    }
    match debug_repr.split_once('e') {
        // Rust writes `1e16` and `1.5e-7`; Python (and most JSON writers) `1e+16` and `1.5e-07`.
        Some((mantissa, exponent)) => {
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(digits) => ('-', digits),
                None => ('+', exponent),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => debug_repr.to_owned(),
    }
}

pub(crate) fn f64_token(value: f64) -> String {
    float_token(
        &format!("{value:?}"),
        value.is_finite(),
        value.is_nan(),
        value.is_sign_negative(),
    )
}

pub(crate) fn f32_token(value: f32) -> String {
    float_token(
        &format!("{value:?}"),
        value.is_finite(),
        value.is_nan(),
        value.is_sign_negative(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = String::new();
        write_escaped(&mut out, s);
        out
    }

    #[test]
    fn escapes_quotes_backslashes_and_controls() {
        assert_eq!(escaped(""), r#""""#);
        assert_eq!(escaped("plain"), r#""plain""#);
        assert_eq!(escaped(r#"say "hi"\"#), r#""say \"hi\"\\""#);
        assert_eq!(escaped("a\nb\rc\td"), r#""a\nb\rc\td""#);
        assert_eq!(escaped("\u{8}\u{c}"), r#""\b\f""#);
        assert_eq!(escaped("\u{0}\u{1}\u{1f}"), r#""\u0000\u0001\u001f""#);
        // DEL and non-ASCII are valid in JSON strings and stay as they are.
        assert_eq!(escaped("\u{7f}é→😀"), "\"\u{7f}é→😀\"");
        assert_eq!(escaped("/</script>"), r#""/</script>""#);
    }

    #[test]
    fn writer_inserts_commas() {
        let mut w = JsonWriter::new();
        w.begin_object();
        w.key_string("a", "x");
        w.key("b");
        w.begin_array();
        w.int(1i64);
        w.bool(false);
        w.begin_object();
        w.end_object();
        w.begin_array();
        w.end_array();
        w.end_array();
        w.key("c");
        w.uint(3);
        w.end_object();
        assert_eq!(w.finish(), r#"{"a":"x","b":[1,false,{},[]],"c":3}"#);
    }

    #[test]
    fn big_integers_are_exact() {
        let mut w = JsonWriter::new();
        w.begin_array();
        w.int(u64::MAX);
        w.int(i64::MIN);
        w.end_array();
        assert_eq!(w.finish(), "[18446744073709551615,-9223372036854775808]");
    }

    #[test]
    fn f64_formatting_matches_python_repr() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (2.5, "2.5"),
            (0.1, "0.1"),
            (1e300, "1e+300"),
            (-1.5e-7, "-1.5e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (std::f64::consts::PI, "3.141592653589793"),
            (f64::INFINITY, "\"inf\""),
            (f64::NEG_INFINITY, "\"-inf\""),
            (f64::NAN, "\"nan\""),
        ];
        for &(value, expected) in cases {
            assert_eq!(f64_token(value), expected, "{value:?}");
        }
    }

    #[test]
    fn f64_formatting_round_trips() {
        for value in [
            0.1,
            1.0 / 3.0,
            123456.789e-20,
            9007199254740993.0,
            1e22,
            4.35e-5,
        ] {
            let token = f64_token(value);
            assert_eq!(token.parse::<f64>().unwrap().to_bits(), value.to_bits());
        }
    }

    #[test]
    fn f32_formatting_uses_f32_shortest_digits() {
        assert_eq!(f32_token(0.1), "0.1");
        assert_eq!(f32_token(1.0), "1.0");
        assert_eq!(f32_token(f32::MAX), "3.4028235e+38");
        assert_eq!(f32_token(1e-10), "1e-10");
        assert_eq!(f32_token(f32::NEG_INFINITY), "\"-inf\"");
        assert_eq!(f32_token(f32::NAN), "\"nan\"");
        let token = f32_token(16_777_217.0);
        assert_eq!(token.parse::<f32>().unwrap(), 16_777_217.0);
    }
}
