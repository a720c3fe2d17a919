//! TLS 1.0 and 1.1 ClientHellos built by hand (rustls cannot speak them), and a reading of the first record the
//! server sends back.

/// Cipher suites a TLS 1.0/1.1 server can pick: ECDHE and RSA key exchange with AES-CBC and 3DES, SHA-1 MACs.
const SUITES: [u16; 8] = [0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035, 0x000a, 0x0005];

/// A ClientHello offering exactly `version` (0x0301 TLS 1.0, 0x0302 TLS 1.1), with SNI for `host` when it is a
/// name, the common curves and the renegotiation-info extension.
pub fn client_hello(version: u16, host: &str, random: [u8; 32]) -> Vec<u8> {
    let mut ext = Vec::new();
    if host.parse::<std::net::IpAddr>().is_err() && !host.is_empty() {
        let name = host.as_bytes();
        let mut sni = Vec::new();
        put16(&mut sni, (name.len() + 3) as u16);
        sni.push(0);
        put16(&mut sni, name.len() as u16);
        sni.extend_from_slice(name);
        extension(&mut ext, 0x0000, &sni);
    }
    extension(&mut ext, 0x000a, &[0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]);
    extension(&mut ext, 0x000b, &[0x01, 0x00]);
    extension(&mut ext, 0xff01, &[0x00]);
    let mut body = Vec::new();
    put16(&mut body, version);
    body.extend_from_slice(&random);
    body.push(0);
    put16(&mut body, (SUITES.len() * 2) as u16);
    SUITES.iter().for_each(|s| put16(&mut body, *s));
    body.extend_from_slice(&[1, 0]);
    put16(&mut body, ext.len() as u16);
    body.extend_from_slice(&ext);
    let mut handshake = vec![1];
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    // The record layer says TLS 1.0 for compatibility, as real clients do.
    let mut record = vec![0x16, 0x03, 0x01];
    put16(&mut record, handshake.len() as u16);
    record.extend_from_slice(&handshake);
    record
}

fn put16(v: &mut Vec<u8>, n: u16) {
    v.extend_from_slice(&n.to_be_bytes());
}

fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    put16(out, kind);
    put16(out, data.len() as u16);
    out.extend_from_slice(data);
}

/// What the server answered to a legacy ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A ServerHello choosing this version: the server speaks it.
    Accepted(u16),
    /// A TLS alert (level, description): refused.
    Alert(u8, u8),
    /// The connection closed with nothing sent: refused.
    Closed,
    /// Something else.
    Other(String),
}

/// Reads the first record of the server's answer (as many bytes as arrived).
pub fn read_answer(bytes: &[u8]) -> Answer {
    match bytes {
        [] => Answer::Closed,
        [0x15, _, _, _, _, level, desc, ..] => Answer::Alert(*level, *desc),
        // Handshake record whose first message is a ServerHello (type 2): the version follows the 4-byte header.
        [0x16, _, _, _, _, 2, _, _, _, hi, lo, ..] => Answer::Accepted(u16::from_be_bytes([*hi, *lo])),
        [first, ..] => Answer::Other(format!("a record of type {first:#04x}")),
    }
}

/// The name of a TLS alert description.
pub fn alert_name(desc: u8) -> String {
    match desc {
        0 => "close_notify".into(),
        10 => "unexpected_message".into(),
        40 => "handshake_failure".into(),
        47 => "illegal_parameter".into(),
        50 => "decode_error".into(),
        70 => "protocol_version".into(),
        71 => "insufficient_security".into(),
        80 => "internal_error".into(),
        other => format!("alert {other}"),
    }
}

/// The name of a TLS version number.
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("version {other:#06x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_lengths_are_consistent() {
        let hello = client_hello(0x0301, "mcp.example", [7; 32]);
        assert_eq!(hello[0], 0x16);
        assert_eq!(u16::from_be_bytes([hello[3], hello[4]]) as usize, hello.len() - 5);
        let hs_len = u32::from_be_bytes([0, hello[6], hello[7], hello[8]]) as usize;
        assert_eq!(hs_len, hello.len() - 9);
        assert_eq!(&hello[9..11], &[0x03, 0x01]);
        let no_sni = client_hello(0x0302, "127.0.0.1", [7; 32]);
        assert_eq!(hello.len() - no_sni.len(), 4 + 2 + 3 + "mcp.example".len());
    }

    #[test]
    fn answers() {
        assert_eq!(read_answer(&[0x15, 3, 1, 0, 2, 2, 70]), Answer::Alert(2, 70));
        assert_eq!(read_answer(&[0x16, 3, 1, 0, 0x4a, 2, 0, 0, 0x46, 3, 1, 9]), Answer::Accepted(0x0301));
        assert_eq!(read_answer(&[]), Answer::Closed);
        assert!(matches!(read_answer(b"HTTP/1.1 400"), Answer::Other(_)));
    }
}
