//! Mints the certificate and key files that rule examples and fixtures describe ([`CertSpec`]), at test time.
//!
//! ECDSA and Ed25519 keys come from rcgen (ring). RSA keys, and SHA-1 signatures that ring cannot make, come from
//! the `rsa` crate through a [`SigningKey`] of our own: rcgen writes the certificate with `sha256WithRSAEncryption`,
//! and for SHA-1 the signer relabels the algorithm identifier to `sha1WithRSAEncryption` (same length) in the
//! to-be-signed bytes before signing them with SHA-1, and [`mint`] relabels the finished certificate the same way,
//! so the signature is a valid SHA-1 signature over the certificate as written.
use mcp_tls_audit::rule::model::{CertSpec, EkuName, HashName, KeyFormat, KeyType};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, PublicKeyData,
    SanType, SignatureAlgorithm, SigningKey,
};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The scan date every minted file is relative to: 2026-06-01T00:00:00Z.
pub const NOW: &str = "2026-06-01";
const NOW_UNIX: i64 = 1_780_272_000;
const DAY: i64 = 86_400;

/// `sha256WithRSAEncryption` as rcgen writes it, and the last byte of `sha1WithRSAEncryption`.
const SHA256_RSA_OID: [u8; 11] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const SHA1_RSA_LAST: u8 = 0x05;

/// An RSA key that signs through rcgen.
struct RsaSigner {
    key: rsa::PrivateKey,
    /// The RSAPublicKey DER (what rcgen calls the key's `der_bytes`).
    public: Vec<u8>,
    hash: HashName,
}

impl PublicKeyData for RsaSigner {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

impl SigningKey for RsaSigner {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let sig = match self.hash {
            HashName::Sha256 => rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(self.key.clone()).sign(msg),
            HashName::Sha1 => {
                rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(self.key.clone()).sign(&relabel_sha1(msg.to_vec()))
            }
        };
        Ok(sig.to_vec())
    }
}

fn relabel_sha1(mut der: Vec<u8>) -> Vec<u8> {
    let mut at = 0;
    while let Some(i) = der[at..].windows(SHA256_RSA_OID.len()).position(|w| w == SHA256_RSA_OID) {
        let end = at + i + SHA256_RSA_OID.len();
        der[end - 1] = SHA1_RSA_LAST;
        at = end;
    }
    der
}

/// A subject or issuer key.
enum Key {
    Ring(KeyPair),
    Rsa(RsaSigner),
}

impl PublicKeyData for Key {
    fn der_bytes(&self) -> &[u8] {
        match self {
            Key::Ring(k) => k.der_bytes(),
            Key::Rsa(k) => k.der_bytes(),
        }
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        match self {
            Key::Ring(k) => k.algorithm(),
            Key::Rsa(k) => k.algorithm(),
        }
    }
}

impl SigningKey for Key {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        match self {
            Key::Ring(k) => k.sign(msg),
            Key::Rsa(k) => k.sign(msg),
        }
    }
}

impl Key {
    fn new(kind: KeyType, hash: HashName) -> Self {
        let ring = |alg| Key::Ring(KeyPair::generate_for(alg).expect("ring generates the key"));
        match kind {
            KeyType::EcP256 => ring(&rcgen::PKCS_ECDSA_P256_SHA256),
            KeyType::EcP384 => ring(&rcgen::PKCS_ECDSA_P384_SHA384),
            KeyType::Ed25519 => ring(&rcgen::PKCS_ED25519),
            KeyType::Rsa1024 => Key::rsa(1024, hash),
            KeyType::Rsa2048 => Key::rsa(2048, hash),
        }
    }

    /// RSA key generation is slow in debug builds: one key per size per test run.
    fn rsa(bits: usize, hash: HashName) -> Self {
        static KEYS: OnceLock<std::sync::Mutex<Vec<(usize, rsa::PrivateKey)>>> = OnceLock::new();
        let mut keys = KEYS.get_or_init(Default::default).lock().unwrap();
        let key = match keys.iter().find(|(b, _)| *b == bits) {
            Some((_, k)) => k.clone(),
            None => {
                let k = rsa::PrivateKey::new(&mut getrandom::SysRng, bits).expect("RSA key generation");
                keys.push((bits, k.clone()));
                k
            }
        };
        let public = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&key.to_public_key())
            .expect("RSA public key encodes")
            .to_vec();
        Key::Rsa(RsaSigner { key, public, hash })
    }

    fn pkcs8_der(&self) -> Vec<u8> {
        match self {
            Key::Ring(k) => k.serialize_der(),
            Key::Rsa(k) => k.key.to_pkcs8_der().expect("PKCS#8 encodes").as_bytes().to_vec(),
        }
    }

    fn spki_der(&self) -> Vec<u8> {
        match self {
            Key::Ring(k) => k.subject_public_key_info(),
            Key::Rsa(k) => k.key.to_public_key().to_public_key_der().expect("SPKI encodes").to_vec(),
        }
    }
}

fn days(d: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(NOW_UNIX + d * DAY).expect("in range")
}

fn params(cn: &str, spec: &CertSpec) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = days(spec.not_before_days.unwrap_or(-30));
    p.not_after = days(spec.not_after_days.unwrap_or(365));
    p.is_ca = if spec.ca { IsCa::Ca(BasicConstraints::Unconstrained) } else { IsCa::ExplicitNoCa };
    p.extended_key_usages = spec
        .eku
        .iter()
        .map(|e| match e {
            EkuName::ServerAuth => ExtendedKeyUsagePurpose::ServerAuth,
            EkuName::ClientAuth => ExtendedKeyUsagePurpose::ClientAuth,
            EkuName::CodeSigning => ExtendedKeyUsagePurpose::CodeSigning,
        })
        .collect();
    let default_san = vec!["dns:mcp.internal.example".to_string()];
    p.subject_alt_names = spec
        .san
        .as_ref()
        .unwrap_or(&default_san)
        .iter()
        .map(|s| {
            let (kind, value) = s.split_once(':').expect("a SAN is kind:value");
            match kind {
                "dns" => SanType::DnsName(value.try_into().expect("an IA5 DNS name")),
                "uri" => SanType::URI(value.try_into().expect("an IA5 URI")),
                "ip" => SanType::IpAddress(value.parse().expect("an IP address")),
                other => panic!("unknown SAN kind `{other}`"),
            }
        })
        .collect();
    p
}

/// The file a spec describes: (file name, bytes).
pub fn mint(spec: &CertSpec) -> (String, Vec<u8>) {
    let file = spec.file.clone().unwrap_or_else(|| "cert.pem".into());
    let hash = spec.signature.unwrap_or(HashName::Sha256);
    let kind = spec.key.unwrap_or(KeyType::EcP256);
    if let Some(format) = spec.private_key {
        let key = Key::new(kind, HashName::Sha256);
        let der = key.pkcs8_der();
        let bytes = match format {
            KeyFormat::Pkcs8 => pem("PRIVATE KEY", &der),
            KeyFormat::Pkcs8Der => der,
            KeyFormat::EncryptedPkcs8 => {
                let info = pkcs8::PrivateKeyInfoRef::try_from(der.as_slice()).expect("PKCS#8 parses");
                let doc = info.encrypt("correct horse battery staple").expect("PKCS#8 encrypts");
                doc.to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF).expect("PEM encodes").as_bytes().to_vec()
            }
            KeyFormat::Pkcs1 => match &key {
                Key::Rsa(k) => k.key.to_pkcs1_pem(LineEnding::LF).expect("PKCS#1 encodes").as_bytes().to_vec(),
                Key::Ring(_) => panic!("pkcs1 needs an RSA key"),
            },
        };
        return (file, bytes);
    }
    let subject = Key::new(kind, hash);
    // The subject CN is the first DNS name, else the file's stem.
    let cn = match &spec.san {
        None => "mcp.internal.example".to_string(),
        Some(sans) => sans
            .iter()
            .find_map(|s| s.strip_prefix("dns:"))
            .map_or_else(|| Path::new(&file).file_stem().unwrap().to_string_lossy().to_string(), str::to_string),
    };
    let leaf = params(&cn, spec);
    let cert = if spec.self_signed {
        assert!(hash == HashName::Sha256 || matches!(subject, Key::Rsa(_)), "SHA-1 needs an RSA key");
        leaf.self_signed(&subject).expect("rcgen signs")
    } else {
        let ca_key = match hash {
            HashName::Sha256 => Key::new(KeyType::EcP256, hash),
            HashName::Sha1 => Key::rsa(2048, HashName::Sha1),
        };
        let ca_spec = CertSpec { ca: true, san: Some(Vec::new()), ..default_spec() };
        let issuer = Issuer::new(params("Example MCP CA", &ca_spec), ca_key);
        let public = rcgen::SubjectPublicKeyInfo::from_der(&subject.spki_der()).expect("SPKI parses");
        leaf.signed_by(&public, &issuer).expect("rcgen signs")
    };
    let der = match hash {
        HashName::Sha256 => cert.der().to_vec(),
        HashName::Sha1 => relabel_sha1(cert.der().to_vec()),
    };
    let bytes = if file.ends_with(".der") || file.ends_with(".cer") { der } else { pem("CERTIFICATE", &der) };
    (file, bytes)
}

/// A spec with every field unset: a sound server leaf.
pub fn default_spec() -> CertSpec {
    yaml_serde::from_str("{}").expect("the empty spec parses")
}

/// Writes the file a spec describes into `dir`, returning its path.
pub fn write(dir: &Path, spec: &CertSpec) -> PathBuf {
    let (name, bytes) = mint(spec);
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    let b64 = data_encoding::BASE64.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s.into_bytes()
}

/// A sound chain in one PEM bundle: server leaf, client SVID, intermediate CA, root CA (in that order).
pub fn good_chain() -> String {
    let spec = |yaml: &str| -> CertSpec { yaml_serde::from_str(yaml).unwrap() };
    let root_key = Key::new(KeyType::EcP384, HashName::Sha256);
    let root_params = params("Example Root CA", &spec("{ca: true, san: []}"));
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_params, root_key);
    let mid_key = Key::new(KeyType::EcP256, HashName::Sha256);
    let mid_params = params("Example Issuing CA", &spec("{ca: true, san: [], not-after-days: 1000}"));
    let mid = mid_params.signed_by(&mid_key, &root_issuer).unwrap();
    let mid_issuer = Issuer::new(mid_params, mid_key);
    let server = params("mcp.internal.example", &spec("{eku: [server-auth]}"))
        .signed_by(&Key::new(KeyType::EcP256, HashName::Sha256), &mid_issuer)
        .unwrap();
    let client = params(
        "mcp-client",
        &spec("{eku: [server-auth, client-auth], san: ['uri:spiffe://example.org/ns/prod/sa/mcp-client']}"),
    )
    .signed_by(&Key::new(KeyType::Ed25519, HashName::Sha256), &mid_issuer)
    .unwrap();
    [server, client, mid, root].iter().map(|c| c.pem()).collect()
}
