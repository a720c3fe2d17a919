//! Certificates and private keys: PEM blocks in any text, DER and PKCS#12 files, read with x509-parser.
//!
//! [`read_text`] and [`read_binary`] turn a file into [`Item`]s (each certificate and private key, located at its
//! PEM `BEGIN` line) and problems (blocks that are not what their label says). [`CertCheck::judge`] holds the
//! built-in checks that the certificate rules name.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::Path;
use x509_parser::der_parser::ber::{BerObject, BerObjectContent};
use x509_parser::prelude::*;

/// Bodies shorter than this are placeholders (`...`, `<your cert here>`) when they sit in a document.
const MIN_DER: usize = 64;
/// The SPIFFE ID length limit, in bytes.
const SPIFFE_MAX: usize = 2048;
const DAY: i64 = 86_400;

/// Files read for certificates and keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CryptoKind {
    /// `.pem .crt .cer .der .key .p8 .pkcs8`: PEM text or DER; anything else in them is reported.
    File,
    /// `.p12 .pfx`: a PKCS#12 bundle.
    Pkcs12,
    /// `.txt`, and files without an extension (`id_rsa`, `ssh_host_ed25519_key`): PEM blocks where there are any;
    /// other content is ignored.
    Text,
}

impl CryptoKind {
    /// The kind for a file name, if it is one we read for certificates and keys.
    pub fn for_path(path: &Path) -> Option<Self> {
        let Some(ext) = path.extension() else {
            return path.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('.')).then_some(Self::Text);
        };
        match ext.to_str()?.to_ascii_lowercase().as_str() {
            "pem" | "crt" | "cer" | "der" | "key" | "p8" | "pkcs8" => Some(Self::File),
            "p12" | "pfx" => Some(Self::Pkcs12),
            "txt" => Some(Self::Text),
            _ => None,
        }
    }
}

/// A certificate or private key found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The `-----BEGIN ...-----` marker (empty at 0 for a DER file).
    pub bytes: Range<usize>,
    /// What it is.
    pub what: What,
}

/// The two kinds of item.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// An X.509 certificate.
    Cert(Box<CertFacts>),
    /// A private key.
    Key(KeyFacts),
}

/// What the checks need to know about a certificate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CertFacts {
    /// The subject DN in RFC 4514 order as x509-parser prints it (`CN=..., O=...`), or empty.
    pub subject: String,
    /// The serial number, colon-separated hex.
    pub serial: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// The public key, e.g. `RSA-2048`, `EC P-256`, `Ed25519`.
    pub key: String,
    /// Why the key is weak, when it is.
    pub weak_key: Option<String>,
    /// The signature algorithm, e.g. `sha256WithRSAEncryption`.
    pub signature: String,
    /// The signature's hash is broken (MD2, MD4, MD5, SHA-1).
    pub weak_signature: bool,
    /// The issuer DN, printed like `subject`.
    pub issuer: String,
    /// Subject and issuer are the same name.
    pub self_signed: bool,
    /// basicConstraints says CA:TRUE.
    pub ca: bool,
    /// Another certificate in the same file names this one as its issuer.
    pub issues_others: bool,
    /// The extendedKeyUsage extension, when present.
    pub eku: Option<Eku>,
    /// A subjectAltName extension is present.
    pub has_san: bool,
    /// The URI SANs.
    pub uris: Vec<String>,
}

/// The extended key usages the checks look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Eku {
    /// id-kp-serverAuth.
    pub server_auth: bool,
    /// id-kp-clientAuth.
    pub client_auth: bool,
    /// anyExtendedKeyUsage.
    pub any: bool,
}

/// What the checks need to know about a private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    /// The format, e.g. `PKCS#8`, `PKCS#1 RSA`, `OpenSSH`.
    pub format: &'static str,
    /// The key material is encrypted with a passphrase.
    pub encrypted: bool,
}

/// The short identity of a certificate and its validity, reported with each of its findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    /// The subject DN (may be empty).
    pub subject: String,
    /// The serial number, colon-separated hex.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
}

impl CertFacts {
    /// The identity and validity as reported.
    pub fn summary(&self) -> CertSummary {
        CertSummary {
            subject: self.subject.clone(),
            serial: self.serial.clone(),
            not_before: rfc3339(self.not_before),
            not_after: rfc3339(self.not_after),
        }
    }

    /// A leaf: not a CA by basicConstraints, and the issuer of no other certificate in its file.
    pub fn is_leaf(&self) -> bool {
        !self.ca && !self.issues_others
    }

    fn spiffe_ids(&self) -> impl Iterator<Item = &String> {
        self.uris.iter().filter(|u| u.len() >= 9 && u[..9].eq_ignore_ascii_case("spiffe://"))
    }

    fn name(&self) -> String {
        let subject = if self.subject.is_empty() { "(empty subject)" } else { &self.subject };
        format!("`{subject}` (serial {})", self.serial)
    }
}

/// What a file held: its certificates and keys, and what could not be read.
#[derive(Debug, Default)]
pub struct Contents {
    /// Certificates and keys, in file order.
    pub items: Vec<Item>,
    /// Blocks or files that are not what they claim, each a message that names the block's line.
    pub problems: Vec<String>,
}

/// Whether the bytes hold a PEM marker (the cheap test before [`read_text`]).
pub fn has_pem(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"-----BEGIN ").is_some()
}

/// Reads the PEM blocks of a text. `strict` (certificate and key files) reports blocks that do not decode;
/// otherwise (documents, manifests) short or undecodable bodies are taken for placeholders and skipped.
pub fn read_text(src: &str, strict: bool) -> Contents {
    let mut out = Contents::default();
    let mut from = 0;
    while let Some(at) = src[from..].find("-----BEGIN ").map(|i| from + i) {
        from = at + 11;
        let Some(block) = Block::at(src, at, strict) else { continue };
        from = block.end;
        let body = match block.body {
            Ok(b) => b,
            Err(e) => {
                if strict {
                    out.problems.push(format!("{} block at line {}: {e}", block.label, line_of(src, at)));
                }
                continue;
            }
        };
        let marker = at..block.marker_end;
        match block.label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => match parse_cert(&body) {
                Ok(facts) => out.items.push(Item { bytes: marker, what: What::Cert(Box::new(facts)) }),
                Err(e) if strict || body.len() >= MIN_DER => {
                    out.problems.push(format!(
                        "{} block at line {} is not a valid certificate: {e}",
                        block.label,
                        line_of(src, at)
                    ));
                }
                Err(_) => {}
            },
            label => {
                let key = match label {
                    "PRIVATE KEY" => der_key(&body).filter(|k| !k.encrypted).ok_or("not a PKCS#8 private key"),
                    "ENCRYPTED PRIVATE KEY" => {
                        der_key(&body).filter(|k| k.encrypted).ok_or("not an encrypted PKCS#8 private key")
                    }
                    "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "DSA PRIVATE KEY" => {
                        let encrypted = block.headers.iter().any(|h| h.contains("ENCRYPTED"));
                        let format = match label {
                            "RSA PRIVATE KEY" => "PKCS#1 RSA",
                            "EC PRIVATE KEY" => "SEC1 EC",
                            _ => "OpenSSL DSA",
                        };
                        // The label says what it is; a DER SEQUENCE of key size is taken at its word.
                        if encrypted || der_key(&body).is_some() || (body[0] == 0x30 && body.len() >= MIN_DER) {
                            Ok(KeyFacts { format, encrypted })
                        } else {
                            Err("not a private key")
                        }
                    }
                    "OPENSSH PRIVATE KEY" => openssh_key(&body).ok_or("not an openssh-key-v1 private key"),
                    _ => continue,
                };
                match key {
                    Ok(k) => out.items.push(Item { bytes: marker, what: What::Key(k) }),
                    Err(e) if strict || body.len() >= MIN_DER => {
                        out.problems.push(format!("{label} block at line {}: {e}", line_of(src, at)))
                    }
                    Err(_) => {}
                }
            }
        }
    }
    if strict && out.items.is_empty() && out.problems.is_empty() {
        out.problems.push("holds no certificate or private key (no PEM block, and not DER)".into());
    }
    link_chain(&mut out.items);
    out
}

/// Reads a DER file: a certificate, a private key, or (for `.p12`/`.pfx`) a PKCS#12 bundle.
pub fn read_binary(bytes: &[u8], kind: CryptoKind) -> Contents {
    let mut out = Contents::default();
    let at = 0..0;
    if bytes.is_empty() {
        out.problems.push("is empty".into());
        return out;
    }
    if kind == CryptoKind::Pkcs12 {
        match pkcs12(bytes) {
            true => {
                out.items.push(Item { bytes: at, what: What::Key(KeyFacts { format: "PKCS#12", encrypted: true }) })
            }
            false => out.problems.push("is not a PKCS#12 bundle (no DER PFX structure)".into()),
        }
        return out;
    }
    // DER chains and bundles are certificates back to back.
    let mut rest = bytes;
    while !rest.is_empty() {
        match parse_cert_prefix(rest) {
            Ok((tail, facts)) => {
                out.items.push(Item { bytes: at.clone(), what: What::Cert(Box::new(facts)) });
                rest = tail;
            }
            Err(_) if !out.items.is_empty() && rest.iter().all(|b| *b == 0) => break,
            Err(e) if !out.items.is_empty() => {
                let offset = bytes.len() - rest.len();
                out.problems.push(format!("bytes after the certificate at offset {offset} do not parse: {e}"));
                break;
            }
            Err(cert_error) => {
                match der_key(bytes) {
                    Some(k) => out.items.push(Item { bytes: at, what: What::Key(k) }),
                    None => out.problems.push(format!(
                        "is neither PEM nor a DER certificate or private key (as a certificate: {cert_error})"
                    )),
                }
                break;
            }
        }
    }
    link_chain(&mut out.items);
    out
}

/// A PEM block: label, headers and decoded body.
struct Block {
    label: String,
    marker_end: usize,
    headers: Vec<String>,
    body: Result<Vec<u8>, String>,
    /// Where scanning resumes.
    end: usize,
}

impl Block {
    /// The block whose `-----BEGIN ` marker is at `at`, in plain lines or in a string with `\n` escapes.
    /// `strict` (certificate and key files) takes body lines as they are; otherwise quotes, commas and escapes
    /// around them (YAML and JSON strings) are dropped.
    fn at(src: &str, at: usize, strict: bool) -> Option<Self> {
        let rest = &src[at + 11..];
        let close = rest.find("-----")?;
        let label = &rest[..close];
        if label.is_empty() || !label.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ') {
            return None;
        }
        let marker_end = at + 11 + close + 5;
        let end_marker = format!("-----END {label}-----");
        let after = &src[marker_end..];
        let next_begin = after.find("-----BEGIN ").unwrap_or(after.len());
        let Some(body_len) = after[..next_begin].find(&end_marker) else {
            return Some(Self {
                label: label.to_string(),
                marker_end,
                headers: Vec::new(),
                body: Err(format!("no `{end_marker}` line")),
                end: marker_end,
            });
        };
        let raw = &after[..body_len];
        // JSON and YAML strings hold the block on one line with `\n` escapes.
        let escaped = raw.trim_start_matches([' ', '\t']).starts_with("\\n") || raw.trim_start().starts_with("\\r\\n");
        let text = if escaped { raw.replace("\\r", "").replace("\\n", "\n") } else { raw.to_string() };
        let mut headers = Vec::new();
        let mut b64 = String::new();
        let mut stray = None;
        let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
        for line in text.lines() {
            let line = line.trim();
            let line = if strict { line } else { line.trim_matches(|c| matches!(c, '"' | '\'' | ',' | '\\')) };
            if line.contains(':') {
                headers.push(line.to_string());
            } else {
                stray = stray.or(line.chars().find(|c| !is_b64(*c)));
                b64.extend(line.chars().filter(|c| is_b64(*c)));
            }
        }
        if let (true, Some(c)) = (strict, stray) {
            return Some(Self {
                label: label.to_string(),
                marker_end,
                headers,
                body: Err(format!("body holds `{}`, which is not base64", c.escape_default())),
                end: marker_end + body_len + end_marker.len(),
            });
        }
        let body = data_encoding::BASE64
            .decode(b64.as_bytes())
            .or_else(|_| data_encoding::BASE64_NOPAD.decode(b64.trim_end_matches('=').as_bytes()))
            .map_err(|e| format!("body is not valid base64 ({e})"))
            .and_then(|b| if b.is_empty() { Err("empty body".to_string()) } else { Ok(b) });
        Some(Self {
            label: label.to_string(),
            marker_end,
            headers,
            body,
            end: marker_end + body_len + end_marker.len(),
        })
    }
}

fn line_of(src: &str, byte: usize) -> usize {
    src[..byte].bytes().filter(|b| *b == b'\n').count() + 1
}

/// Marks the certificates that issued another certificate of the same file (chains and bundles).
fn link_chain(items: &mut [Item]) {
    let issuers: Vec<(String, String)> = items
        .iter()
        .filter_map(|i| match &i.what {
            What::Cert(c) if !c.self_signed => Some((c.issuer.clone(), c.subject.clone())),
            _ => None,
        })
        .collect();
    for item in items.iter_mut() {
        if let What::Cert(c) = &mut item.what {
            c.issues_others = issuers.iter().any(|(issuer, subject)| *issuer == c.subject && *subject != c.subject);
        }
    }
}

/// Parses one DER certificate into the facts the checks use.
pub fn parse_cert(der: &[u8]) -> Result<CertFacts, String> {
    parse_cert_prefix(der).map(|(_, facts)| facts)
}

/// Parses the certificate at the start of `der`; returns what follows it too.
fn parse_cert_prefix(der: &[u8]) -> Result<(&[u8], CertFacts), String> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
    let tbs = &cert.tbs_certificate;
    let (key, weak_key) = key_strength(tbs.public_key());
    // The outer algorithm and the one inside the signed part should agree; a weak hash in either counts.
    let (signature, weak_signature) = signature_name(&cert.signature_algorithm);
    let (inner, weak_inner) = signature_name(&tbs.signature);
    let signature = if weak_inner && !weak_signature { inner } else { signature };
    // Duplicate extensions are malformed; like most verifiers, the first one is taken.
    let first = |want: fn(&ParsedExtension<'_>) -> bool| {
        cert.extensions().iter().map(|e| e.parsed_extension()).find(|p| want(p))
    };
    let eku = match first(|p| matches!(p, ParsedExtension::ExtendedKeyUsage(_))) {
        Some(ParsedExtension::ExtendedKeyUsage(e)) => {
            Some(Eku { server_auth: e.server_auth, client_auth: e.client_auth, any: e.any })
        }
        _ => None,
    };
    let san = match first(|p| matches!(p, ParsedExtension::SubjectAlternativeName(_))) {
        Some(ParsedExtension::SubjectAlternativeName(s)) => Some(s),
        _ => None,
    };
    let uris = san
        .iter()
        .flat_map(|s| s.general_names.iter())
        .filter_map(|g| if let GeneralName::URI(u) = g { Some(u.to_string()) } else { None })
        .collect();
    let ca = matches!(first(|p| matches!(p, ParsedExtension::BasicConstraints(_))),
        Some(ParsedExtension::BasicConstraints(b)) if b.ca);
    let facts = CertFacts {
        subject: tbs.subject().to_string(),
        serial: cert.raw_serial_as_string(),
        not_before: tbs.validity().not_before.timestamp(),
        not_after: tbs.validity().not_after.timestamp(),
        key,
        weak_key,
        signature,
        weak_signature: weak_signature || weak_inner,
        self_signed: tbs.subject().as_raw() == tbs.issuer().as_raw(),
        ca,
        issues_others: false,
        eku,
        has_san: san.is_some(),
        uris,
        issuer: tbs.issuer().to_string(),
    };
    Ok((rest, facts))
}

/// The key's name, and why it is weak when it is.
fn key_strength(spki: &SubjectPublicKeyInfo<'_>) -> (String, Option<String>) {
    let oid = spki.algorithm.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let bits = match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::RSA(r)) => rsa_bits(r.modulus),
                _ => 0,
            };
            let name = format!("RSA-{bits}");
            let weak = (bits < 2048).then(|| format!("{name} is below 2048 bits"));
            (name, weak)
        }
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            let point = &spki.subject_public_key.data;
            let bits = match point.first() {
                Some(4) => (point.len().saturating_sub(1) / 2) * 8,
                Some(2 | 3) => point.len().saturating_sub(1) * 8,
                _ => 0,
            };
            let name = format!("EC {}", curve_name(&curve, bits));
            let weak = (bits < 256).then(|| format!("{name} is a curve below P-256 ({bits}-bit field)"));
            (name, weak)
        }
        "1.2.840.10040.4.1" | "1.3.14.3.2.12" => {
            let bits = match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::DSA(y)) => rsa_bits(y),
                _ => 0,
            };
            ("DSA".to_string(), Some(format!("DSA-{bits} (DSA is deprecated for TLS and FIPS 186-5 drops it)")))
        }
        "1.3.101.112" => ("Ed25519".into(), None),
        "1.3.101.113" => ("Ed448".into(), None),
        other => (format!("key algorithm {other}"), None),
    }
}

/// Bits of a big-endian unsigned integer (leading zero bytes and bits not counted).
fn rsa_bits(n: &[u8]) -> usize {
    let n = &n[n.iter().position(|b| *b != 0).unwrap_or(n.len())..];
    n.first().map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize)
}

fn curve_name(oid: &str, bits: usize) -> String {
    match oid {
        "1.2.840.10045.3.1.7" => "P-256".into(),
        "1.3.132.0.34" => "P-384".into(),
        "1.3.132.0.35" => "P-521".into(),
        "1.3.132.0.33" => "P-224".into(),
        "1.2.840.10045.3.1.1" => "P-192".into(),
        "1.3.132.0.10" => "secp256k1".into(),
        "" => format!("({bits}-bit, explicit parameters)"),
        other => format!("{other} ({bits}-bit)"),
    }
}

/// The signature algorithm's name, and whether its hash is broken (RSASSA-PSS by its hash parameter, which
/// defaults to SHA-1).
fn signature_name(alg: &AlgorithmIdentifier<'_>) -> (String, bool) {
    let oid = alg.algorithm.to_id_string();
    if oid == "1.2.840.113549.1.1.10" {
        let hash = match x509_parser::signature_algorithm::SignatureAlgorithm::try_from(alg) {
            Ok(x509_parser::signature_algorithm::SignatureAlgorithm::RSASSA_PSS(p)) => {
                p.hash_algorithm_oid().to_id_string()
            }
            _ => String::new(),
        };
        let (hash_name, weak) = signature_name_of(&hash);
        return (format!("RSASSA-PSS with {hash_name}"), weak);
    }
    signature_name_of(&oid)
}

fn signature_name_of(oid: &str) -> (String, bool) {
    let (name, weak) = match oid {
        "1.2.840.113549.2.2" => ("MD2", true),
        "1.2.840.113549.2.5" => ("MD5", true),
        "1.3.14.3.2.26" => ("SHA-1", true),
        "2.16.840.1.101.3.4.2.1" => ("SHA-256", false),
        "2.16.840.1.101.3.4.2.2" => ("SHA-384", false),
        "2.16.840.1.101.3.4.2.3" => ("SHA-512", false),
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", true),
        "1.2.840.113549.1.1.3" => ("md4WithRSAEncryption", true),
        "1.2.840.113549.1.1.4" | "1.3.14.3.2.3" => ("md5WithRSAEncryption", true),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => ("sha1WithRSAEncryption", true),
        "1.2.840.10040.4.3" | "1.3.14.3.2.27" => ("dsaWithSHA1", true),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", true),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", false),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", false),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", false),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", false),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", false),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", false),
        "1.3.101.112" => ("Ed25519", false),
        "1.3.101.113" => ("Ed448", false),
        other => return (other.to_string(), false),
    };
    (name.to_string(), weak)
}

/// A DER private key: PKCS#8 (plain or encrypted), PKCS#1 RSA, SEC1 EC or OpenSSL DSA, by its ASN.1 shape.
fn der_key(der: &[u8]) -> Option<KeyFacts> {
    let (rest, obj) = x509_parser::der_parser::parse_der(der).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let items = obj.as_sequence().ok()?;
    let int = |o: &BerObject<'_>| o.as_u64().ok();
    let is = |o: Option<&BerObject<'_>>, f: fn(&BerObjectContent<'_>) -> bool| o.is_some_and(|o| f(&o.content));
    let seq = |c: &BerObjectContent<'_>| matches!(c, BerObjectContent::Sequence(_));
    let octets = |c: &BerObjectContent<'_>| matches!(c, BerObjectContent::OctetString(_));
    let ints = |c: &BerObjectContent<'_>| matches!(c, BerObjectContent::Integer(_));
    let first = items.first()?;
    let version = int(first);
    let key = |format, encrypted| Some(KeyFacts { format, encrypted });
    if items.len() == 2 && seq(&first.content) && is(items.get(1), octets) {
        return key("encrypted PKCS#8", true);
    }
    match version {
        Some(0 | 1) if is(items.get(1), seq) && is(items.get(2), octets) => key("PKCS#8", false),
        Some(0) if items.len() >= 9 && items.iter().all(|i| ints(&i.content)) => key("PKCS#1 RSA", false),
        Some(0) if items.len() == 6 && items.iter().all(|i| ints(&i.content)) => key("OpenSSL DSA", false),
        Some(1) if is(items.get(1), octets) => key("SEC1 EC", false),
        _ => None,
    }
}

/// An `openssh-key-v1` blob: encrypted unless its cipher is `none`.
fn openssh_key(blob: &[u8]) -> Option<KeyFacts> {
    let rest = blob.strip_prefix(b"openssh-key-v1\0")?;
    let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let cipher = rest.get(4..4 + len)?;
    Some(KeyFacts { format: "OpenSSH", encrypted: cipher != b"none" })
}

/// A PKCS#12 PFX: `SEQUENCE { INTEGER 3, ContentInfo, ... }`.
fn pkcs12(der: &[u8]) -> bool {
    let Ok((_, obj)) = x509_parser::der_parser::parse_der(der) else { return false };
    let Ok(items) = obj.as_sequence() else { return false };
    items.first().and_then(|v| v.as_u64().ok()) == Some(3) && items.get(1).is_some_and(|c| c.as_sequence().is_ok())
}

/// The built-in certificate and key checks that rule files name in `certificate.check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CertCheck {
    /// notAfter is before the scan's date.
    Expired,
    /// notAfter is within `--min-days` of the scan's date.
    ExpiringSoon,
    /// notBefore is after the scan's date.
    NotYetValid,
    /// RSA below 2048 bits, an EC curve below P-256, or DSA.
    WeakKey,
    /// An MD2/MD4/MD5/SHA-1 signature on a certificate that is not self-signed.
    WeakSignature,
    /// CA:TRUE on a certificate with a serverAuth/clientAuth EKU or a SPIFFE ID.
    LeafIsCa,
    /// A server or client leaf without subjectAltName.
    MissingSan,
    /// A SPIFFE ID that breaks the SPIFFE ID spec, or more than one in a certificate.
    SpiffeIdMalformed,
    /// A client identity (SPIFFE SVID, or a file named like a client certificate) whose EKU lacks clientAuth.
    ClientCertMissingClientAuth,
    /// A private key in the repository.
    PrivateKeyCommitted,
}

/// What a check is judged against.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// The scan's date, Unix seconds.
    pub now: i64,
    /// Certificates expiring within this many days are reported.
    pub min_days: u32,
    /// The file's name (client certificates are often known by it).
    pub file_name: &'a str,
    /// The file is under a test or fixture path.
    pub test_path: bool,
}

/// A check's finding: what exactly is wrong, and by how many steps it weighs less than the rule's severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// One sentence naming the certificate or key and the problem.
    pub detail: String,
    /// Severity steps below the rule's: a key is one lower when encrypted and one lower under a test path.
    pub lower: u8,
}

impl CertCheck {
    /// Judges one item; `None` when the check has nothing to say about it.
    pub fn judge(self, what: &What, cx: &CheckContext<'_>) -> Option<Verdict> {
        let verdict = |detail: String| Some(Verdict { detail, lower: 0 });
        let c = match (self, what) {
            (Self::PrivateKeyCommitted, What::Key(k)) => {
                let state = if k.encrypted { "passphrase-encrypted" } else { "unencrypted" };
                let lower = u8::from(k.encrypted) + u8::from(cx.test_path);
                return Some(Verdict { detail: format!("{state} {} private key", k.format), lower });
            }
            (_, What::Key(_)) | (Self::PrivateKeyCommitted, _) => return None,
            (_, What::Cert(c)) => c,
        };
        let name = c.name();
        match self {
            Self::Expired if c.not_after < cx.now => verdict(format!(
                "{name} expired on {}, {} days before the scan's date",
                date(c.not_after),
                (cx.now - c.not_after) / DAY
            )),
            Self::ExpiringSoon if c.not_after >= cx.now && c.not_after < cx.now + i64::from(cx.min_days) * DAY => {
                verdict(format!(
                    "{name} expires on {}, in {} days (fewer than --min-days {})",
                    date(c.not_after),
                    (c.not_after - cx.now) / DAY,
                    cx.min_days
                ))
            }
            Self::NotYetValid if c.not_before > cx.now => {
                verdict(format!("{name} is not valid before {}", date(c.not_before)))
            }
            Self::WeakKey => c.weak_key.as_ref().and_then(|w| verdict(format!("{name}: {w}"))),
            Self::WeakSignature if c.weak_signature && !c.self_signed => {
                verdict(format!("{name} is signed with {}", c.signature))
            }
            Self::LeafIsCa if c.ca => {
                let eku = c.eku.unwrap_or_default();
                let why = match (eku.server_auth || eku.client_auth, c.spiffe_ids().next()) {
                    (true, _) => "a serverAuth/clientAuth extended key usage".to_string(),
                    (false, Some(id)) => format!("the SPIFFE ID `{id}`"),
                    (false, None) => return None,
                };
                verdict(format!("{name} says CA:TRUE and carries {why}"))
            }
            Self::MissingSan
                if c.is_leaf() && !c.has_san && c.eku.is_none_or(|e| e.server_auth || e.client_auth || e.any) =>
            {
                verdict(format!("{name} has no subjectAltName; its identity is only the subject CN"))
            }
            Self::SpiffeIdMalformed => {
                let ids: Vec<&String> = c.spiffe_ids().collect();
                if ids.len() > 1 {
                    return verdict(format!("{name} carries {} SPIFFE IDs; an SVID carries exactly one", ids.len()));
                }
                let id = ids.first()?;
                spiffe_id_problem(id).and_then(|p| verdict(format!("{name}: `{}` {p}", shorten(id))))
            }
            Self::ClientCertMissingClientAuth if !c.ca => {
                let eku = c.eku?;
                let lower_name = cx.file_name.to_ascii_lowercase();
                let client =
                    c.spiffe_ids().next().is_some() || ["client", "svid"].iter().any(|w| lower_name.contains(w));
                if client && !eku.client_auth && !eku.any {
                    return verdict(format!("{name} is a client identity but its extended key usage lacks clientAuth"));
                }
                None
            }
            _ => None,
        }
    }
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(77) {
        Some((cut, _)) if s.len() > 80 => format!("{}...", &s[..cut]),
        _ => s.to_string(),
    }
}

/// Why a `spiffe://` URI is not a valid SPIFFE ID (SPIFFE ID spec, section 2), if it is not.
pub fn spiffe_id_problem(id: &str) -> Option<String> {
    if id.len() > SPIFFE_MAX {
        return Some(format!("is {} bytes long; a SPIFFE ID is at most {SPIFFE_MAX}", id.len()));
    }
    let Some(rest) = id.strip_prefix("spiffe://") else {
        return Some("has a scheme that is not lowercase `spiffe`".into());
    };
    if rest.contains('?') || rest.contains('#') {
        return Some("has a query or fragment, which SPIFFE IDs may not have".into());
    }
    let (domain, path) = rest.find('/').map_or((rest, ""), |i| (&rest[..i], &rest[i..]));
    if domain.is_empty() {
        return Some("has an empty trust domain".into());
    }
    if domain.contains('@') {
        return Some("has userinfo in the trust domain".into());
    }
    if domain.contains(':') {
        return Some("has a port in the trust domain".into());
    }
    if domain.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some("has upper-case letters in the trust domain, which must be lowercase".into());
    }
    if let Some(b) = domain.bytes().find(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(b))) {
        return Some(format!("has the character `{}` in the trust domain", char::from(b).escape_default()));
    }
    if path.is_empty() {
        return None;
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    if segments.last() == Some(&"") {
        return Some("ends with `/`".into());
    }
    for s in segments {
        match s {
            "" => return Some("has an empty path segment (`//`)".into()),
            "." | ".." => return Some(format!("has a `{s}` path segment")),
            _ => {}
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || "-._".contains(*c))) {
            return Some(format!("has the character `{}` in its path", c.escape_default()));
        }
    }
    None
}

/// `YYYY-MM-DD` of a Unix time.
fn date(t: i64) -> String {
    ::time::OffsetDateTime::from_unix_timestamp(t).map_or_else(|_| t.to_string(), |d| d.date().to_string())
}

fn rfc3339(t: i64) -> String {
    ::time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&::time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| t.to_string())
}

/// Parses `--now`: an RFC 3339 time (`2026-06-01T00:00:00Z`) or a date (`2026-06-01`, midnight UTC).
pub fn parse_now(s: &str) -> Result<i64, String> {
    use ::time::format_description::well_known::Rfc3339;
    let full = if s.len() == 10 { format!("{s}T00:00:00Z") } else { s.to_string() };
    ::time::OffsetDateTime::parse(&full, &Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| format!("`{s}` is neither an RFC 3339 time (2026-06-01T00:00:00Z) nor a date (2026-06-01)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(f: impl FnOnce(&mut CertFacts)) -> What {
        let mut c = CertFacts {
            subject: "CN=mcp".into(),
            serial: "01".into(),
            not_before: 0,
            not_after: 100 * DAY,
            key: "EC P-256".into(),
            has_san: true,
            ..CertFacts::default()
        };
        f(&mut c);
        What::Cert(Box::new(c))
    }

    fn cx(now_days: i64) -> CheckContext<'static> {
        CheckContext { now: now_days * DAY, min_days: 30, file_name: "server.pem", test_path: false }
    }

    fn fires(check: CertCheck, what: &What, cx: &CheckContext<'_>) -> bool {
        check.judge(what, cx).is_some()
    }

    #[test]
    fn validity_checks_compare_with_the_scan_date() {
        let c = cert(|_| {});
        assert!(fires(CertCheck::Expired, &c, &cx(101)));
        assert!(!fires(CertCheck::Expired, &c, &cx(99)));
        assert!(fires(CertCheck::ExpiringSoon, &c, &cx(71)));
        assert!(!fires(CertCheck::ExpiringSoon, &c, &cx(69)));
        assert!(!fires(CertCheck::ExpiringSoon, &c, &cx(101)), "expired is not expiring");
        let later = cert(|c| c.not_before = 10 * DAY);
        assert!(fires(CertCheck::NotYetValid, &later, &cx(5)));
        assert!(!fires(CertCheck::NotYetValid, &later, &cx(10)));
    }

    #[test]
    fn weak_signatures_count_except_on_self_signed_certificates() {
        let sha1 = cert(|c| c.weak_signature = true);
        assert!(fires(CertCheck::WeakSignature, &sha1, &cx(1)));
        let root = cert(|c| (c.weak_signature, c.self_signed) = (true, true));
        assert!(!fires(CertCheck::WeakSignature, &root, &cx(1)));
        assert!(!fires(CertCheck::WeakSignature, &cert(|_| {}), &cx(1)));
    }

    #[test]
    fn leaf_is_ca_needs_a_workload_usage_or_a_spiffe_id() {
        let plain_ca = cert(|c| c.ca = true);
        assert!(!fires(CertCheck::LeafIsCa, &plain_ca, &cx(1)));
        let server_ca = cert(|c| (c.ca, c.eku) = (true, Some(Eku { server_auth: true, ..Eku::default() })));
        assert!(fires(CertCheck::LeafIsCa, &server_ca, &cx(1)));
        let svid_ca = cert(|c| (c.ca, c.uris) = (true, vec!["spiffe://example.org/x".into()]));
        assert!(fires(CertCheck::LeafIsCa, &svid_ca, &cx(1)));
    }

    #[test]
    fn missing_san_is_for_tls_leaves_only() {
        assert!(fires(CertCheck::MissingSan, &cert(|c| c.has_san = false), &cx(1)));
        assert!(!fires(CertCheck::MissingSan, &cert(|_| {}), &cx(1)));
        assert!(!fires(CertCheck::MissingSan, &cert(|c| (c.has_san, c.ca) = (false, true)), &cx(1)));
        assert!(!fires(CertCheck::MissingSan, &cert(|c| (c.has_san, c.issues_others) = (false, true)), &cx(1)));
        let signing = cert(|c| (c.has_san, c.eku) = (false, Some(Eku::default())));
        assert!(!fires(CertCheck::MissingSan, &signing, &cx(1)));
    }

    #[test]
    fn client_identities_need_client_auth() {
        let server_only = Some(Eku { server_auth: true, ..Eku::default() });
        let by_name = CheckContext { file_name: "mcp-client.crt", ..cx(1) };
        assert!(fires(CertCheck::ClientCertMissingClientAuth, &cert(|c| c.eku = server_only), &by_name));
        assert!(!fires(CertCheck::ClientCertMissingClientAuth, &cert(|c| c.eku = server_only), &cx(1)));
        let svid = cert(|c| (c.eku, c.uris) = (server_only, vec!["spiffe://example.org/a".into()]));
        assert!(fires(CertCheck::ClientCertMissingClientAuth, &svid, &cx(1)));
        assert!(!fires(CertCheck::ClientCertMissingClientAuth, &cert(|c| c.eku = None), &by_name));
        let any = Some(Eku { any: true, ..Eku::default() });
        assert!(!fires(CertCheck::ClientCertMissingClientAuth, &cert(|c| c.eku = any), &by_name));
    }

    #[test]
    fn private_keys_weigh_less_when_encrypted_and_under_test_paths() {
        let plain = What::Key(KeyFacts { format: "PKCS#8", encrypted: false });
        let encrypted = What::Key(KeyFacts { format: "PKCS#8", encrypted: true });
        assert_eq!(CertCheck::PrivateKeyCommitted.judge(&plain, &cx(1)).unwrap().lower, 0);
        assert_eq!(CertCheck::PrivateKeyCommitted.judge(&encrypted, &cx(1)).unwrap().lower, 1);
        let test = CheckContext { test_path: true, ..cx(1) };
        assert_eq!(CertCheck::PrivateKeyCommitted.judge(&encrypted, &test).unwrap().lower, 2);
        assert!(!fires(CertCheck::PrivateKeyCommitted, &cert(|_| {}), &cx(1)));
        assert!(!fires(CertCheck::Expired, &plain, &cx(1000)));
    }

    #[test]
    fn spiffe_ids_follow_the_spec() {
        for ok in ["spiffe://example.org", "spiffe://example.org/ns/prod/sa/mcp", "spiffe://a-b_c.d/Path.x-y_z"] {
            assert_eq!(spiffe_id_problem(ok), None, "{ok}");
        }
        for bad in [
            "SPIFFE://example.org/x",
            "spiffe://Example.org/x",
            "spiffe://example.org:8443/x",
            "spiffe://user@example.org/x",
            "spiffe://example.org/x?y=1",
            "spiffe://example.org/x#frag",
            "spiffe:///x",
            "spiffe://example.org/",
            "spiffe://example.org/a//b",
            "spiffe://example.org/a/./b",
            "spiffe://example.org/a/../b",
            "spiffe://example.org/a%20b",
        ] {
            assert!(spiffe_id_problem(bad).is_some(), "{bad}");
        }
        let long = format!("spiffe://example.org/{}", "a".repeat(2048));
        assert!(spiffe_id_problem(&long).unwrap().contains("2048"));
        let two = cert(|c| c.uris = vec!["spiffe://example.org/a".into(), "spiffe://example.org/b".into()]);
        assert!(fires(CertCheck::SpiffeIdMalformed, &two, &cx(1)));
    }

    /// A syntactically valid PKCS#8 body (version, AlgorithmIdentifier, OCTET STRING).
    fn pkcs8_body() -> String {
        let mut der = vec![0x30, 0x4a, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x3e];
        der.extend([7u8; 62]);
        data_encoding::BASE64.encode(&der)
    }

    #[test]
    fn pem_blocks_are_found_in_plain_indented_and_escaped_text() {
        let body = pkcs8_body();
        let plain = format!("x\n-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
        let yaml =
            format!("tls:\n  key: |\n    -----BEGIN PRIVATE KEY-----\n    {body}\n    -----END PRIVATE KEY-----\n");
        let json = format!("{{\"key\": \"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n\"}}");
        for (text, line) in [(plain, 2), (yaml, 3), (json, 1)] {
            let c = read_text(&text, false);
            assert_eq!(c.items.len(), 1, "{text}");
            assert_eq!(line_of(&text, c.items[0].bytes.start), line);
            assert_eq!(&text[c.items[0].bytes.clone()], "-----BEGIN PRIVATE KEY-----");
        }
    }

    #[test]
    fn placeholders_are_skipped_in_documents_and_reported_in_key_files() {
        let doc = "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n";
        assert!(read_text(doc, false).items.is_empty() && read_text(doc, false).problems.is_empty());
        let strict = read_text(doc, true);
        assert!(strict.items.is_empty());
        assert!(strict.problems[0].contains("line 1"), "{:?}", strict.problems);
        let unterminated = read_text("-----BEGIN CERTIFICATE-----\nMIIB\n", true);
        assert!(unterminated.problems[0].contains("no `-----END CERTIFICATE-----` line"));
        let garbage =
            read_text(&format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", pkcs8_body()), true);
        assert!(garbage.problems[0].contains("is not a valid certificate"), "{:?}", garbage.problems);
    }

    #[test]
    fn key_files_take_body_lines_as_written_and_documents_strip_string_framing() {
        let text = format!("-----BEGIN PRIVATE KEY-----\n\"{}\",\n-----END PRIVATE KEY-----\n", pkcs8_body());
        assert_eq!(read_text(&text, false).items.len(), 1);
        let strict = read_text(&text, true);
        assert!(strict.items.is_empty());
        assert!(strict.problems[0].contains("body holds `\\\"`, which is not base64"), "{:?}", strict.problems);
    }

    #[test]
    fn legacy_and_openssh_keys_say_whether_they_are_encrypted() {
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END RSA PRIVATE KEY-----\n";
        let c = read_text(legacy, true);
        assert_eq!(c.items[0].what, What::Key(KeyFacts { format: "PKCS#1 RSA", encrypted: true }));
        let ssh = |cipher: &str| {
            let mut blob = b"openssh-key-v1\0".to_vec();
            blob.extend((cipher.len() as u32).to_be_bytes());
            blob.extend(cipher.as_bytes());
            blob.extend([0u8; 64]);
            let text = format!(
                "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
                data_encoding::BASE64.encode(&blob)
            );
            read_text(&text, true).items[0].what.clone()
        };
        assert_eq!(ssh("none"), What::Key(KeyFacts { format: "OpenSSH", encrypted: false }));
        assert_eq!(ssh("aes256-ctr"), What::Key(KeyFacts { format: "OpenSSH", encrypted: true }));
    }

    #[test]
    fn der_files_are_keys_bundles_or_problems() {
        let der = data_encoding::BASE64.decode(pkcs8_body().as_bytes()).unwrap();
        assert_eq!(read_binary(&der, CryptoKind::File).items.len(), 1);
        let pfx = [0x30, 0x08, 0x02, 0x01, 0x03, 0x30, 0x03, 0x02, 0x01, 0x00];
        assert_eq!(
            read_binary(&pfx, CryptoKind::Pkcs12).items[0].what,
            What::Key(KeyFacts { format: "PKCS#12", encrypted: true })
        );
        assert!(!read_binary(&der, CryptoKind::Pkcs12).problems.is_empty());
        assert!(read_binary(b"\x00\x01garbage", CryptoKind::File).problems[0].contains("neither PEM nor"));
        assert_eq!(read_binary(b"", CryptoKind::File).problems[0], "is empty");
    }

    #[test]
    fn key_sizes_and_dates() {
        assert_eq!(rsa_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(rsa_bits(&[0x01, 0x00]), 9);
        assert_eq!(parse_now("2026-06-01"), Ok(1_780_272_000));
        assert_eq!(parse_now("2026-06-01T00:00:10Z"), Ok(1_780_272_010));
        assert!(parse_now("June 1st").is_err());
        assert_eq!(date(1_780_272_000), "2026-06-01");
    }
}
