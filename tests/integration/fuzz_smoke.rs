//! A seconds-long fuzz smoke run inside the test suite: every fixture, rule file and sample server answer,
//! mutated a few hundred ways by a fixed-seed generator, through the same entry points as the cargo-fuzz targets
//! (`src/fuzz.rs`). The coverage-guided runs are `scripts/fuzz.sh`; this keeps their harnesses honest in CI.
use crate::support::{files_below, root};
use mcp_tls_audit::fuzz;

/// xorshift64*: a fixed sequence, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// `count` mutants of `seed`: flipped bytes, cuts, duplicated and spliced slices, inserted delimiters.
fn mutants(seed: &[u8], rng: &mut Rng, count: usize) -> Vec<Vec<u8>> {
    const JUNK: &[&[u8]] =
        &[b"\x00", b"\xff\xfe", b"{", b"}", b"(", b"[", b"\"", b"`${", b"-----BEGIN ", b"\r", b"\n\n"];
    (0..count)
        .map(|_| {
            let mut m = seed.to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(m.len() + 1);
                match rng.below(5) {
                    0 if !m.is_empty() => {
                        let i = at.min(m.len() - 1);
                        m[i] ^= 1 << rng.below(8);
                    }
                    1 => m.truncate(at),
                    2 => {
                        let end = (at + rng.below(256)).min(m.len());
                        let slice = m[at..end].to_vec();
                        m.splice(at..at, slice.iter().copied().cycle().take(slice.len() * (1 + rng.below(8))));
                    }
                    3 => {
                        let junk = JUNK[rng.below(JUNK.len())];
                        m.splice(at..at, junk.iter().copied());
                    }
                    _ => m.drain(at..(at + rng.below(64)).min(m.len())).for_each(drop),
                }
            }
            m
        })
        .collect()
}

#[test]
fn mutated_fixtures_and_rules_never_crash_a_front_end() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut inputs = 0;
    for path in files_below(&root().join("fixtures")) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let seed = std::fs::read(&path).unwrap();
        if seed.len() > 64 * 1024 {
            continue;
        }
        for m in mutants(&seed, &mut rng, 8) {
            fuzz::scan_as(&name, &m);
            inputs += 1;
        }
    }
    for path in files_below(&root().join("rules")) {
        for m in mutants(&std::fs::read(&path).unwrap(), &mut rng, 8) {
            fuzz::rule(&m);
            inputs += 1;
        }
    }
    assert!(inputs > 1000, "{inputs} inputs");
}

#[test]
fn mutated_server_answers_never_crash_the_probe() {
    let mut rng = Rng(0x5851_f42d_4c95_7f2d);
    let json = br#"{"jsonrpc":"2.0","id":1,"result":{"serverInfo":{"name":"m","version":"1"}}}"#;
    let seeds: [Vec<u8>; 4] = [
        [&b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 76\r\n\r\n"[..], json].concat(),
        [&b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: "[..], json, b"\n\n"].concat(),
        [&b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4c\r\n"[..], json, b"\r\n0\r\n\r\n"].concat(),
        vec![0x16, 3, 1, 0, 0x4a, 2, 0, 0, 0x46, 3, 1, 0x15, 3, 1, 0, 2, 2, 70],
    ];
    for seed in &seeds {
        fuzz::probe_answer(seed);
        mutants(seed, &mut rng, 200).iter().for_each(|m| fuzz::probe_answer(m));
    }
}

/// Found by `scripts/fuzz.sh run js`: 4.7 KB of mangled TSX on which tree-sitter's error recovery ran for 449 s and
/// took 5.3 GB. The parse now stops at a step budget with a warning naming the file, and the scan goes on.
#[test]
fn tsx_error_recovery_runaway_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let input = root().join("tests/fuzz-regressions/js/tsx-error-recovery-runaway.tsx");
    std::fs::copy(&input, dir.path().join("inspector.tsx")).unwrap();
    let agent = "import https from 'node:https';\nexport const a = new https.Agent({ rejectUnauthorized: false });\n";
    std::fs::write(dir.path().join("agent.ts"), agent).unwrap();
    let out = crate::support::run(["scan".as_ref(), dir.path().as_os_str(), "--format".as_ref(), "json".as_ref()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("inspector.tsx: the parser's error recovery ran away (over 100 steps per byte); skipped"),
        "{}",
        out.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let rules: Vec<&str> = doc["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["tls-verify-disabled"]);
}
