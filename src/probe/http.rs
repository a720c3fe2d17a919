//! Just enough HTTP/1.1 for one MCP request per connection: write a POST, read the answer (Content-Length,
//! chunked or until close; JSON or a Server-Sent Events stream), and pick the JSON-RPC response out of it.
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Bodies (and SSE streams) are read up to this size.
pub const MAX_BODY: usize = 1 << 20;
const MAX_HEAD: usize = 64 * 1024;

/// An HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Lowercased header names with their values.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// The body went on past [`MAX_BODY`] and was not read to its end.
    pub truncated: bool,
}

impl Response {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body is a Server-Sent Events stream.
    pub fn is_sse(&self) -> bool {
        self.header("content-type").is_some_and(|t| t.starts_with("text/event-stream"))
    }
}

/// How reading the answer failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The peer closed, reset or alerted before sending a single byte of an answer.
    Closed(String),
    /// Bytes arrived that are not an HTTP answer, or the answer broke off.
    Garbage(String),
}

/// Writes a POST of `body` to `path` with `headers`, then reads the answer.
pub async fn post<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, ReadError> {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    if let Err(e) = stream.write_all(&bytes).await.and(stream.flush().await) {
        return Err(ReadError::Closed(format!("writing the request failed: {e}")));
    }
    read_response(stream).await
}

/// Reads one HTTP response, bounded in size ([`MAX_BODY`]); the caller bounds it in time.
pub async fn read_response<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Response, ReadError> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_len = loop {
        match stream.read(&mut chunk).await {
            Ok(0) if buf.is_empty() => return Err(ReadError::Closed("connection closed before any answer".into())),
            Ok(0) => return Err(ReadError::Garbage("connection closed inside the response head".into())),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if buf.is_empty() => return Err(ReadError::Closed(e.to_string())),
            Err(e) => return Err(ReadError::Garbage(e.to_string())),
        }
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&buf) {
            Ok(httparse::Status::Complete(n)) => break n,
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => continue,
            Ok(httparse::Status::Partial) => return Err(ReadError::Garbage("response head over 64 KiB".into())),
            Err(e) => return Err(ReadError::Garbage(format!("not an HTTP response ({e})"))),
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    resp.parse(&buf).map_err(|e| ReadError::Garbage(e.to_string()))?;
    let status = resp.code.unwrap_or(0);
    let headers: Vec<(String, String)> = resp
        .headers
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).trim().to_string()))
        .collect();
    let mut out = Response { status, headers, body: Vec::new(), truncated: false };
    let length = out.header("content-length").and_then(|v| v.parse::<usize>().ok());
    let chunked = out.header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let sse = out.is_sse();
    // Bytes as they came off the wire, decoded into `out.body` as they complete; each byte is looked at once,
    // so a stream that never ends costs time linear in what was read.
    let mut raw = buf[head_len..].to_vec();
    let mut last_chunk = false;
    let mut events_seen = 0;
    loop {
        if chunked {
            last_chunk |= take_chunks(&mut raw, &mut out.body);
        } else {
            out.body.append(&mut raw);
        }
        let done = match (length, chunked) {
            (Some(n), false) => out.body.len() >= n,
            (_, true) => last_chunk,
            (None, false) => false,
        };
        // SSE: stop at the first JSON-RPC response among the events completed since the last look.
        if done || (sse && new_events_answer(&out.body, &mut events_seen)) {
            break;
        }
        if out.body.len() + raw.len() > MAX_BODY {
            out.truncated = true;
            break;
        }
        match stream.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            // A close without close_notify after a complete answer is common; keep what arrived.
            Err(_) => break,
        }
    }
    if let Some(n) = length {
        out.body.truncate(n);
    }
    Ok(out)
}

/// Moves every complete chunk at the front of `raw` into `body`; true once the last (empty) chunk arrived.
fn take_chunks(raw: &mut Vec<u8>, body: &mut Vec<u8>) -> bool {
    let mut at = 0;
    let last = loop {
        let Some(eol) = memchr::memmem::find(&raw[at..], b"\r\n") else { break false };
        let size = std::str::from_utf8(&raw[at..at + eol])
            .ok()
            .and_then(|line| usize::from_str_radix(line.split(';').next()?.trim(), 16).ok());
        let Some(size) = size else { break false };
        if size == 0 {
            break true;
        }
        let start = at + eol + 2;
        match start.checked_add(size) {
            Some(end) if raw.len() >= end + 2 => {
                body.extend_from_slice(&raw[start..end]);
                at = end + 2;
            }
            _ => break false,
        }
    };
    raw.drain(..at);
    last
}

/// Whether an SSE event completed after byte `seen` of `body` is a JSON-RPC response; moves `seen` past the
/// complete events.
fn new_events_answer(body: &[u8], seen: &mut usize) -> bool {
    let rest = &body[*seen..];
    let end = [&b"\n\n"[..], b"\r\n\r\n"]
        .iter()
        .filter_map(|sep| memchr::memmem::rfind(rest, sep).map(|i| i + sep.len()))
        .max();
    let Some(end) = end else { return false };
    let found = jsonrpc(&String::from_utf8_lossy(&rest[..end])).is_some();
    *seen += end;
    found
}

/// The JSON-RPC response in a body: the body itself, or the first SSE event whose data is a response.
pub fn jsonrpc(body: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(body.trim())
        && (v.get("result").is_some() || v.get("error").is_some())
    {
        return Some(v);
    }
    // SSE: events are separated by blank lines; `data:` lines of one event are joined with newlines.
    for event in body.replace("\r\n", "\n").split("\n\n") {
        let data: Vec<&str> =
            event.lines().filter_map(|l| l.strip_prefix("data:")).map(|d| d.strip_prefix(' ').unwrap_or(d)).collect();
        if data.is_empty() {
            continue;
        }
        if let Ok(v) = serde_json::from_str::<Value>(&data.join("\n"))
            && (v.get("result").is_some() || v.get("error").is_some())
        {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(raw: &[u8]) -> Result<Response, ReadError> {
        let mut r = raw;
        read_response(&mut r).await
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    }

    #[test]
    fn bodies_by_length_chunks_and_close() {
        block_on(async {
            let r = read(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}extra").await.unwrap();
            assert_eq!((r.status, r.body.as_slice()), (200, b"{}".as_slice()));
            let r = read(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{\"\r\n1\r\n}\r\n0\r\n\r\n")
                .await
                .unwrap();
            assert_eq!(r.body, b"{\"}");
            let r = read(b"HTTP/1.1 403 Forbidden\r\n\r\nno").await.unwrap();
            assert_eq!((r.status, r.body.as_slice()), (403, b"no".as_slice()));
            assert!(matches!(read(b"").await, Err(ReadError::Closed(_))));
            assert!(matches!(read(b"\x15\x03\x03\x00\x02\x02\x28").await, Err(ReadError::Garbage(_))));
        });
    }

    #[test]
    fn json_rpc_from_json_or_sse() {
        let json = r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25"}}"#;
        assert!(jsonrpc(json).is_some());
        let sse = format!("event: message\r\nid: 7\r\ndata: {json}\r\n\r\n");
        assert_eq!(jsonrpc(&sse).unwrap()["result"]["protocolVersion"], "2025-11-25");
        let split = "data: {\"jsonrpc\":\"2.0\",\"id\":1,\ndata: \"result\":{}}\n\n";
        assert!(jsonrpc(split).is_some());
        assert!(jsonrpc("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n").is_none());
        assert!(jsonrpc("<html>").is_none());
    }
}
