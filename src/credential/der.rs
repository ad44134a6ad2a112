//! The few DER walks the certificate loader needs: the public key and expiry of an X.509
//! certificate (RFC 5280 §4.1) and the algorithm of a PKCS#8 private key (RFC 5208 §5).
//!
//! A dozen lines of tag-length-value reading cover these fields, so the crate needs no X.509
//! parser of its own. Every read is bounds-checked and returns `None` on malformed input: these
//! bytes come from user files and must never cause a panic.

/// DER tags used below (X.690 §8; universal class, constructed where marked).
const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
#[cfg(test)]
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// `[0] EXPLICIT`, the optional `version` field of `TBSCertificate`.
const CONTEXT_0: u8 = 0xA0;

/// rsaEncryption, 1.2.840.113549.1.1.1 (RFC 8017 Appendix C).
pub(crate) const OID_RSA_ENCRYPTION: &[u8] =
    &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
/// id-RSASSA-PSS, 1.2.840.113549.1.1.10 (RFC 4055 §3.1): an RSA key restricted to PSS.
pub(crate) const OID_RSASSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];
/// id-ecPublicKey, 1.2.840.10045.2.1 (RFC 5480 §2.1.1).
pub(crate) const OID_EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// id-Ed25519, 1.3.101.112 (RFC 8410 §3).
pub(crate) const OID_ED25519: &[u8] = &[0x2B, 0x65, 0x70];
/// id-Ed448, 1.3.101.113 (RFC 8410 §3).
pub(crate) const OID_ED448: &[u8] = &[0x2B, 0x65, 0x71];
/// id-dsa, 1.2.840.10040.4.1 (RFC 3279 §2.3.2).
pub(crate) const OID_DSA: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01];

/// Splits one TLV off `input`: `(tag, contents, rest)`. Only single-byte tags and definite
/// lengths of up to four bytes: that is all DER certificates and keys use (X.690 §10.1).
pub(crate) fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, after_tag) = input.split_first()?;
    if tag & 0x1F == 0x1F {
        return None; // high tag numbers never occur in the structures read here
    }
    let (&first, mut after_len) = after_tag.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 {
            return None; // indefinite length (BER) or absurdly long
        }
        let bytes = after_len.get(..count)?;
        after_len = after_len.get(count..)?;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let contents = after_len.get(..len)?;
    let rest = after_len.get(len..)?;
    Some((tag, contents, rest))
}

/// Reads one TLV that must carry `tag`.
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (found, contents, rest) = read_tlv(input)?;
    (found == tag).then_some((contents, rest))
}

/// What the certificate loader needs from an X.509 certificate.
pub(crate) struct CertInfo<'a> {
    /// The `subjectPublicKey` bits; for RSA, the DER of `RSAPublicKey` (RFC 8017 §A.1.1).
    pub(crate) public_key: &'a [u8],
    /// `notAfter` in seconds since the Unix epoch, when it parses.
    pub(crate) not_after: Option<u64>,
}

/// Walks `Certificate → TBSCertificate` (RFC 5280 §4.1) to the validity and the public key.
pub(crate) fn cert_info(der: &[u8]) -> Option<CertInfo<'_>> {
    let (cert, _) = expect(der, SEQUENCE)?;
    let (tbs, _) = expect(cert, SEQUENCE)?;
    let mut rest = tbs;
    if let Some((CONTEXT_0, _, after)) = read_tlv(rest) {
        rest = after; // version is absent for v1 certificates
    }
    let (_serial, rest) = expect(rest, INTEGER)?;
    let (_signature, rest) = expect(rest, SEQUENCE)?;
    let (_issuer, rest) = expect(rest, SEQUENCE)?;
    let (validity, rest) = expect(rest, SEQUENCE)?;
    let (_subject, rest) = expect(rest, SEQUENCE)?;
    let (spki, _) = expect(rest, SEQUENCE)?;

    let (_not_before_tag, _, after) = read_tlv(validity)?;
    let not_after = read_tlv(after).and_then(|(tag, time, _)| parse_time(tag, time));

    let (_algorithm, after) = expect(spki, SEQUENCE)?;
    let (bits, _) = expect(after, BIT_STRING)?;
    let (&unused_bits, public_key) = bits.split_first()?;
    if unused_bits != 0 {
        return None;
    }
    Some(CertInfo {
        public_key,
        not_after,
    })
}

/// The algorithm OID (contents only) of a PKCS#8 `PrivateKeyInfo` (RFC 5208 §5; the v2
/// `OneAsymmetricKey` of RFC 5958 has the same prefix).
pub(crate) fn pkcs8_algorithm(der: &[u8]) -> Option<&[u8]> {
    let (info, _) = expect(der, SEQUENCE)?;
    let (_version, rest) = expect(info, INTEGER)?;
    let (algorithm, _) = expect(rest, SEQUENCE)?;
    let (oid, _) = expect(algorithm, OID)?;
    Some(oid)
}

/// The `privateKey` of a PKCS#8 `PrivateKeyInfo`: for RSA, the PKCS#1 `RSAPrivateKey` DER.
#[cfg(test)]
pub(crate) fn pkcs8_private_key(der: &[u8]) -> Option<&[u8]> {
    let (info, _) = expect(der, SEQUENCE)?;
    let (_version, rest) = expect(info, INTEGER)?;
    let (_algorithm, rest) = expect(rest, SEQUENCE)?;
    let (key, _) = expect(rest, OCTET_STRING)?;
    Some(key)
}

/// `UTCTime` `YYMMDDHHMMSSZ` or `GeneralizedTime` `YYYYMMDDHHMMSSZ`, the only forms RFC 5280
/// §4.1.2.5 allows, as seconds since the Unix epoch.
fn parse_time(tag: u8, text: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            // RFC 5280 §4.1.2.5.1: YY >= 50 means 19YY, otherwise 20YY.
            let yy: i64 = digits.get(..2)?.parse().ok()?;
            (
                if yy >= 50 { 1900 + yy } else { 2000 + yy },
                digits.get(2..)?,
            )
        }
        (GENERALIZED_TIME, 14) => (digits.get(..4)?.parse().ok()?, digits.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let (month, day, hour, minute, second) =
        (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
    u64::try_from(seconds).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12; // March = 0
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Formats epoch seconds as `YYYY-MM-DD HH:MM:SS UTC` for messages (Hinnant's
/// `civil_from_days`).
pub(crate) fn format_utc(epoch: u64) -> String {
    let Ok(epoch) = i64::try_from(epoch) else {
        return format!("{epoch} s after 1970");
    };
    let (days, secs) = (epoch.div_euclid(86_400), epoch.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_to_epoch_seconds() {
        assert_eq!(parse_time(UTC_TIME, b"700101000000Z"), Some(0));
        assert_eq!(parse_time(UTC_TIME, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(
            parse_time(GENERALIZED_TIME, b"20380119031408Z"),
            Some(2_147_483_648)
        );
        assert_eq!(parse_time(UTC_TIME, b"700101000000"), None);
        assert_eq!(parse_time(UTC_TIME, b"7001010000+0Z"), None);
        assert_eq!(parse_time(GENERALIZED_TIME, b"700101000000Z"), None);
        assert_eq!(format_utc(2_147_483_648), "2038-01-19 03:14:08 UTC");
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn malformed_input_is_none_not_a_panic() {
        let samples: [&[u8]; 8] = [
            b"",
            &[0x30],
            &[0x30, 0x85, 1, 2, 3, 4, 5],
            &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
            &[0x30, 0x80, 0, 0],
            &[0x1F, 0x01, 0x00],
            &[0x30, 0x03, 0x30, 0x01],
            &[0x30, 0x02, 0x02, 0x00],
        ];
        for sample in samples {
            assert!(cert_info(sample).is_none());
            assert!(pkcs8_algorithm(sample).is_none());
            // Every prefix too: a truncated file is the commonest malformed input.
            for end in 0..sample.len() {
                let _ = cert_info(&sample[..end]);
                let _ = read_tlv(&sample[..end]);
            }
        }
    }
}
