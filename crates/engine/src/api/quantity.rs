//! `resource.Quantity`: `500m`, `128Mi`, `1.5`, `1e3`, parsed to an exact value and printed in
//! the API server's canonical form (`k8s.io/apimachinery/pkg/api/resource/quantity.go`).

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// How a quantity was written, which decides how it is printed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// `Ki`, `Mi`, `Gi`, … (powers of 1024).
    BinarySi,
    /// `m`, ``, `k`, `M`, `G`, … (powers of 1000).
    DecimalSi,
    /// `1e3`, `5E-3`.
    DecimalExponent,
}

/// An exact resource amount, stored in thousandths of the base unit (millicores for CPU,
/// millibytes for memory) so that `100m` CPU and `1.5Gi` memory are both exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity {
    milli: i128,
    format: Format,
}

/// Why a quantity string was rejected; the text matches the API server's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)]
pub struct QuantityError;

impl Quantity {
    /// A quantity of whole base units (cores, bytes).
    pub fn from_units(n: i64) -> Quantity {
        Quantity {
            milli: i128::from(n) * 1000,
            format: Format::DecimalSi,
        }
    }

    /// A memory-style quantity of `n` bytes, printed with binary suffixes.
    pub fn from_bytes(n: i64) -> Quantity {
        Quantity {
            milli: i128::from(n) * 1000,
            format: Format::BinarySi,
        }
    }

    /// The value in thousandths (e.g. millicores), rounded up like `MilliValue()`.
    pub fn milli_value(&self) -> i64 {
        self.milli.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// The value in whole units rounded up, like `Value()` (bytes for memory).
    pub fn value(&self) -> i64 {
        let v = if self.milli >= 0 {
            (self.milli + 999) / 1000
        } else {
            self.milli / 1000
        };
        v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.milli == 0
    }

    /// Parses a quantity string as the API server does.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        let s = s.trim();
        let num_end = s
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || ((c == '+' || c == '-') && i == 0)))
            .map_or(s.len(), |(i, _)| i);
        let (num, suffix) = s.split_at(num_end);
        let (negative, digits) = match num.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, num.strip_prefix('+').unwrap_or(num)),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        if (int_part.is_empty() && frac_part.is_empty())
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(QuantityError);
        }
        let (format, pow10, pow2): (Format, i32, u32) = match suffix {
            "" => (Format::DecimalSi, 0, 0),
            "n" => (Format::DecimalSi, -9, 0),
            "u" => (Format::DecimalSi, -6, 0),
            "m" => (Format::DecimalSi, -3, 0),
            "k" => (Format::DecimalSi, 3, 0),
            "M" => (Format::DecimalSi, 6, 0),
            "G" => (Format::DecimalSi, 9, 0),
            "T" => (Format::DecimalSi, 12, 0),
            "P" => (Format::DecimalSi, 15, 0),
            "E" => (Format::DecimalSi, 18, 0),
            "Ki" => (Format::BinarySi, 0, 10),
            "Mi" => (Format::BinarySi, 0, 20),
            "Gi" => (Format::BinarySi, 0, 30),
            "Ti" => (Format::BinarySi, 0, 40),
            "Pi" => (Format::BinarySi, 0, 50),
            "Ei" => (Format::BinarySi, 0, 60),
            other => {
                let exp = other.strip_prefix(['e', 'E']).ok_or(QuantityError)?;
                let exp: i32 = exp.parse().map_err(|_| QuantityError)?;
                if !(-30..=30).contains(&exp) {
                    return Err(QuantityError);
                }
                (Format::DecimalExponent, exp, 0)
            }
        };
        // mantissa as an integer scaled by 10^-frac_len, then to milli-units, rounding up.
        let mantissa_str = format!("{int_part}{frac_part}");
        let mantissa_str = mantissa_str.trim_start_matches('0');
        if mantissa_str.len() > 30 {
            return Err(QuantityError);
        }
        let mantissa: i128 = if mantissa_str.is_empty() {
            0
        } else {
            mantissa_str.parse().map_err(|_| QuantityError)?
        };
        let mut scaled = mantissa.checked_mul(1i128 << pow2).ok_or(QuantityError)?;
        let exp10 = pow10 + 3 - frac_part.len() as i32;
        if exp10 >= 0 {
            scaled = scaled
                .checked_mul(10i128.checked_pow(exp10 as u32).ok_or(QuantityError)?)
                .ok_or(QuantityError)?;
        } else {
            let div = 10i128.checked_pow((-exp10) as u32).ok_or(QuantityError)?;
            // Quantities finer than a milli-unit round up, as the API server does.
            scaled = (scaled + div - 1) / div;
        }
        Ok(Quantity {
            milli: if negative { -scaled } else { scaled },
            format,
        })
    }

    /// The canonical text (`CanonicalizeBytes`): `0.5` → `500m`, `1.5Gi` → `1536Mi`, `1000m` → `1`.
    pub fn canonical(&self) -> String {
        if self.milli == 0 {
            return "0".to_owned();
        }
        let sign = if self.milli < 0 { "-" } else { "" };
        let abs = self.milli.abs();
        let mut format = self.format;
        if format == Format::BinarySi && (abs % 1000 != 0 || abs < 1024 * 1000) {
            format = Format::DecimalSi;
        }
        match format {
            Format::BinarySi => {
                let mut v = abs / 1000;
                let mut i = 0;
                while i < 6 && v % 1024 == 0 {
                    v /= 1024;
                    i += 1;
                }
                let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][i];
                format!("{sign}{v}{suffix}")
            }
            Format::DecimalSi | Format::DecimalExponent => {
                let mut v = abs;
                let mut exp = -3;
                while exp < 18 && v % 1000 == 0 {
                    v /= 1000;
                    exp += 3;
                }
                if format == Format::DecimalExponent {
                    return if exp == 0 {
                        format!("{sign}{v}")
                    } else {
                        format!("{sign}{v}e{exp}")
                    };
                }
                let suffix = match exp {
                    -3 => "m",
                    0 => "",
                    3 => "k",
                    6 => "M",
                    9 => "G",
                    12 => "T",
                    15 => "P",
                    _ => "E",
                };
                format!("{sign}{v}{suffix}")
            }
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.canonical())
    }
}

impl<'de> Deserialize<'de> for Quantity {
    /// Accepts a string (`"500m"`) or a bare YAML number (`cpu: 1`, `cpu: 0.5`), as the API does.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity such as \"500m\", \"128Mi\" or 2")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Quantity::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity::from_units(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Quantity::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Quantity::parse(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        Quantity::parse(s)
            .map(|q| q.canonical())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn canonical_forms_match_the_api_server() {
        // Expected values from apimachinery quantity_test.go (TestQuantityParse canonical column).
        assert_eq!(canon("0.5"), "500m");
        assert_eq!(canon("1000m"), "1");
        assert_eq!(canon("1.5Gi"), "1536Mi");
        assert_eq!(canon("128Mi"), "128Mi");
        assert_eq!(canon("1024Mi"), "1Gi");
        assert_eq!(canon("100M"), "100M");
        assert_eq!(canon("1e3"), "1e3");
        assert_eq!(canon("0.0001"), "1m");
        assert_eq!(canon("512"), "512");
        assert_eq!(canon("0"), "0");
    }

    #[test]
    fn values() {
        let q = Quantity::parse("250m").map_err(|e| e.to_string());
        assert_eq!(q.map(|q| q.milli_value()), Ok(250));
        assert_eq!(
            Quantity::parse("64Mi").map(|q| q.value()),
            Ok(64 * 1024 * 1024)
        );
        assert_eq!(Quantity::parse("1.5").map(|q| q.value()), Ok(2));
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in ["", "abc", "1.2.3", "5Xi", "--1", "1e400"] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
    }
}
