//! Deployment and client configuration: where environment variables are set in `.env` files, Dockerfiles, YAML
//! manifests (docker-compose, Kubernetes, CI) and JSON (MCP client configs, `package.json` scripts).
//!
//! Each format is read line by line, which keeps exact positions: a setting is reported at the line that sets it.
//! Only places that set a variable count; reading (`$NAME`), comparing and unsetting do not, and neither does
//! prose in YAML or JSON strings (only command-like values are read as shell).
use regex::Regex;
use std::ops::Range;
use std::path::Path;

/// The formats this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfigKind {
    /// `.env`, `.env.*`.
    DotEnv,
    /// `Dockerfile`, `Dockerfile.*`, `*.dockerfile`.
    Dockerfile,
    /// `*.yml`, `*.yaml`.
    Yaml,
    /// `*.json` (lock files excepted).
    Json,
}

impl ConfigKind {
    /// The format of a file, from its name.
    pub fn for_path(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        if name == ".env" || name.starts_with(".env.") {
            return Some(Self::DotEnv);
        }
        if lower == "dockerfile" || lower.starts_with("dockerfile.") || lower.ends_with(".dockerfile") {
            return Some(Self::Dockerfile);
        }
        if lower.ends_with(".yml") || lower.ends_with(".yaml") {
            return Some(Self::Yaml);
        }
        if lower.ends_with(".json") && !lower.ends_with("-lock.json") {
            return Some(Self::Json);
        }
        None
    }
}

/// One place where a variable is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The value, unquoted.
    pub value: String,
    /// From the variable's name to the end of the value.
    pub bytes: Range<usize>,
}

/// Keys whose values are commands (shell text or argument lists) in YAML and JSON.
const COMMAND_KEYS: &[&str] =
    &["command", "args", "entrypoint", "run", "script", "scripts", "cmd", "before_script", "after_script"];

/// Every place in `src` that sets the environment variable `name`.
pub fn settings(kind: ConfigKind, src: &str, name: &str) -> Vec<Setting> {
    if !src.contains(name) {
        return Vec::new();
    }
    scan(kind, src, &Patterns::variable(name), name)
}

/// Every command-line word in `src` that `flag` matches (`node --tls-min-v1.0 server.js` in a Dockerfile `CMD`,
/// a compose `command:`, a `package.json` script, MCP `args`). The setting's value is the word.
pub fn flags(kind: ConfigKind, src: &str, flag: &Regex) -> Vec<Setting> {
    if kind == ConfigKind::DotEnv || !flag.is_match(src) {
        return Vec::new();
    }
    // No variable is named `\0`, so only the command-line readers can match.
    scan(kind, src, &Patterns::flag(flag), "\0")
}

fn scan(kind: ConfigKind, src: &str, p: &Patterns, name: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut ctx = Context::default();
    for raw in src.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let mut push = |value: &str, at: usize, end: usize| {
            out.push(Setting { value: unquote(value).to_string(), bytes: start + at..start + end });
        };
        match kind {
            ConfigKind::DotEnv => {
                if let Some(c) = p.dotenv.captures(line) {
                    let m = c.get(0).expect("whole match");
                    push(
                        c.get(1).map_or("", |v| v.as_str()),
                        m.start() + line[m.start()..].find(name).unwrap_or(0),
                        m.end(),
                    );
                }
            }
            ConfigKind::Dockerfile => {
                let trimmed = line.trim_start();
                let instruction = trimmed.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                let continued = ctx.continued;
                ctx.continued = line.trim_end().ends_with('\\');
                let which = if continued { ctx.instruction.clone() } else { instruction.clone() };
                if !continued {
                    ctx.instruction = instruction;
                }
                match which.as_str() {
                    "ENV" | "ARG" => {
                        if let Some(c) = p.legacy_env.captures(line) {
                            let v = c.get(1).expect("group");
                            push(v.as_str(), line.find(name).unwrap_or(0), v.end());
                        } else {
                            shell_matches(p, line, &mut push);
                        }
                    }
                    "RUN" | "CMD" | "ENTRYPOINT" => shell_matches(p, line, &mut push),
                    _ => {}
                }
            }
            ConfigKind::Yaml => yaml_line(line, name, p, &mut ctx, &mut push),
            ConfigKind::Json => json_line(line, p, &mut ctx, &mut push),
        }
    }
    out
}

/// State carried from line to line.
#[derive(Default)]
struct Context {
    /// Dockerfile: the previous line ended in `\`.
    continued: bool,
    /// Dockerfile: the instruction a continued line belongs to.
    instruction: String,
    /// YAML: indentation of a command block scalar (`run: |`) whose lines are shell.
    block_indent: Option<usize>,
    /// YAML: indentation of a `- name: VAR` item whose `value:` is awaited.
    pending_value: Option<usize>,
    /// JSON: inside a multi-line `"args"` array or `"scripts"` object.
    json_command: bool,
}

fn unquote(v: &str) -> &str {
    let v = v.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

/// The patterns for one variable name, compiled once per file.
struct Patterns {
    /// `NAME=value` as a shell word: at the start, after a space, `;`, `&`, `|`, `(`, a quote or `export`;
    /// never after `$` or `{` (a read).
    shell: Regex,
    /// A `.env` line: `[export] NAME=value`.
    dotenv: Regex,
    /// Dockerfile's legacy `ENV NAME value`.
    legacy_env: Regex,
    /// A JSON member `"NAME": value`.
    json_key: Regex,
    /// A JSON member whose value is a command or argument list.
    json_command: Regex,
    /// Looking for command-line flags rather than variable assignments.
    flag: bool,
}

impl Patterns {
    fn variable(name: &str) -> Self {
        let n = regex::escape(name);
        let re = |p: String| Regex::new(&p).expect("valid regex");
        Self {
            shell: re(format!(r#"(?:^|[\s;&|(\["'])(?:export\s+)?({n}=("[^"]*"|'[^']*'|[^\s;&|"')\],]*))"#)),
            dotenv: re(format!(r#"^\s*(?:export\s+)?{n}\s*=\s*("[^"]*"|'[^']*'|[^#\s]*)"#)),
            legacy_env: re(format!(r"^\s*(?i:ENV)\s+{n}\s+(\S.*?)\s*\\?$")),
            json_key: re(format!(r#""{n}"\s*:\s*("[^"]*"|[-0-9.a-z]+)"#)),
            json_command: Self::json_command(),
            flag: false,
        }
    }

    fn flag(flag: &Regex) -> Self {
        let never = Regex::new(r"[^\s\S]").expect("valid regex");
        Self {
            shell: Regex::new(&format!(r#"(?:^|[\s"'\[,])(({}))(?:[\s"',\]]|$)"#, flag.as_str())).expect("valid regex"),
            dotenv: never.clone(),
            legacy_env: never.clone(),
            json_key: never,
            json_command: Self::json_command(),
            flag: true,
        }
    }

    fn json_command() -> Regex {
        Regex::new(r#""(args|scripts|command|entrypoint)"\s*:\s*[\[{"]"#).expect("valid regex")
    }
}

fn shell_matches(p: &Patterns, text: &str, push: &mut impl FnMut(&str, usize, usize)) {
    for c in p.shell.captures_iter(text) {
        let (whole, value) = (c.get(1).expect("group"), c.get(2).expect("group"));
        // Flags are words anywhere in a command; assignments must start one.
        if p.flag || starts_a_command(&text[..whole.start()]) {
            push(value.as_str(), whole.start(), whole.end());
        }
    }
}

/// Whether a word after `before` can be an assignment or an argument: outside quotes, at the start of a
/// quoted string (`sh -c "VAR=0 node ..."`, `-e "VAR=0"`), or after a shell separator inside one
/// (`"cd /app && VAR=0 node ..."`). Words in the middle of quoted prose (`echo "never set VAR=0"`) are not.
fn starts_a_command(before: &str) -> bool {
    let mut quote = None;
    for c in before.chars() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            _ => {}
        }
    }
    let Some(open) = quote else { return true };
    let inside = &before[before.rfind(open).map_or(0, |i| i + 1)..];
    let trimmed = inside.trim_end();
    let previous = trimmed.rsplit(char::is_whitespace).next().unwrap_or("");
    let starts = |t: &str| t.is_empty() || t.ends_with([';', '&', '|', '(']);
    starts(trimmed)
        || matches!(previous, "export" | "env" | "cross-env" | "cross-env-shell" | "-e" | "--env")
        || previous.contains('=')
        // Windows `set VAR=0 && node ..`, but not prose such as `echo "never set VAR=0"`.
        || (previous == "set" && starts(trimmed[..trimmed.len() - 3].trim_end()))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn yaml_line(line: &str, name: &str, p: &Patterns, ctx: &mut Context, push: &mut impl FnMut(&str, usize, usize)) {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return;
    }
    let ind = indent(line);
    if let Some(block) = ctx.block_indent {
        if ind > block {
            shell_matches(p, line, push);
            return;
        }
        ctx.block_indent = None;
    }
    let item = trimmed.strip_prefix('-').map(str::trim_start);
    let body = item.unwrap_or(trimmed);
    let (key, value) = match body.split_once(':') {
        Some((k, v)) if !k.contains(' ') || k.starts_with(['"', '\'']) => (unquote(k), Some(v.trim())),
        _ => (body, None),
    };
    // Kubernetes: `- name: VAR` then `value: "0"` in the same item.
    if let Some(pending) = ctx.pending_value {
        if key == "value" && ind > pending.saturating_sub(2) {
            if let Some(v) = value {
                let at = line.find("value").unwrap_or(0);
                push(strip_comment(v), at, line.trim_end().len());
            }
            ctx.pending_value = None;
            return;
        }
        if ind <= pending && item.is_some() {
            ctx.pending_value = None;
        }
    }
    match value {
        Some(v) if key == "name" && unquote(strip_comment(v)) == name => ctx.pending_value = Some(ind),
        Some(v) if key == name => push(strip_comment(v), line.find(name).unwrap_or(0), line.trim_end().len()),
        Some(v) if COMMAND_KEYS.contains(&key) => {
            // A block scalar (`run: |`) holds shell lines; a list that follows (`args:`) is read item by item below.
            if v.starts_with('|') || v.starts_with('>') {
                ctx.block_indent = Some(ind);
            } else {
                shell_matches(p, line, push);
            }
        }
        None if item.is_some() => {
            // Plain list items: `environment:` lists (`- VAR=0`) and command lists hold assignments as words;
            // `- name: label` items do not.
            shell_matches(p, line, push);
        }
        _ => {}
    }
}

/// A YAML scalar without its trailing `# comment`; a quoted scalar ends at its closing quote.
fn strip_comment(v: &str) -> &str {
    let v = v.trim();
    if let Some(q) = v.chars().next().filter(|c| matches!(c, '"' | '\'')) {
        return v[1..].find(q).map_or(v, |end| &v[..end + 2]);
    }
    v.find(" #").map_or(v, |i| v[..i].trim())
}

fn json_line(line: &str, p: &Patterns, ctx: &mut Context, push: &mut impl FnMut(&str, usize, usize)) {
    // JSONC (VS Code's settings.json and mcp.json) allows `//` comment lines.
    if line.trim_start().starts_with("//") {
        return;
    }
    if let Some(c) = p.json_key.captures(line) {
        let (whole, value) = (c.get(0).expect("match"), c.get(1).expect("group"));
        push(value.as_str(), whole.start() + 1, whole.end());
        return;
    }
    let opened = p.json_command.is_match(line);
    if opened || ctx.json_command {
        shell_matches(p, line, push);
    }
    if opened {
        // A multi-line array or object stays open until its closing bracket; a one-line one, or a plain string
        // (`"command": "docker"`), closes on this line.
        let one_line = line.contains(']') || line.contains('}') || line.trim_end().ends_with(',');
        let string_value = line.contains("\"command\"") || line.contains("\"entrypoint\"");
        ctx.json_command = !one_line && !string_value;
    } else if ctx.json_command && (line.contains(']') || line.contains('}')) {
        ctx.json_command = false;
    }
}

/// Every URL-holding value of a key named in `keys` (`"url": "..."` in JSON, `url: ...` in YAML): MCP client
/// configs name their remote servers this way.
pub fn key_values(kind: ConfigKind, src: &str, keys: &[String]) -> Vec<Setting> {
    // Every JSON and YAML file reaches this; only those holding a URL are worth a regex.
    if !src.contains("://") {
        return Vec::new();
    }
    let pattern = match kind {
        ConfigKind::Json => r#""({keys})"\s*:\s*("[^"]*")"#,
        ConfigKind::Yaml => r#"^\s*-?\s*({keys})\s*:\s*("[^"]*"|'[^']*'|[^\s#]+)"#,
        ConfigKind::DotEnv | ConfigKind::Dockerfile => return Vec::new(),
    };
    let alternatives = keys.iter().map(|k| regex::escape(k)).collect::<Vec<_>>().join("|");
    let re = Regex::new(&pattern.replace("{keys}", &alternatives)).expect("valid regex");
    let mut out = Vec::new();
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        for c in re.captures_iter(line) {
            let (key, value) = (c.get(1).expect("group"), c.get(2).expect("group"));
            out.push(Setting {
                value: unquote(value.as_str()).to_string(),
                bytes: offset + key.start()..offset + value.end(),
            });
        }
        offset += line.len();
    }
    out
}

/// MCP server URLs with one of `schemes` (lowercase) whose host is not loopback: values under `keys`, and, in MCP
/// client configs only, URL words of launch commands (`npx mcp-remote http://..`) that are a whole JSON string
/// (an `args` element). A Dockerfile's `curl http://..` or a URL in prose is not an MCP endpoint.
pub fn plaintext_urls(
    kind: ConfigKind,
    src: &str,
    keys: &[String],
    schemes: &[String],
    url_words: Option<&Regex>,
) -> Vec<Setting> {
    let mcp_config = kind == ConfigKind::Json && (src.contains("\"mcpServers\"") || src.contains("\"servers\""));
    let whole_string = |s: &Setting| {
        let b = src.as_bytes();
        s.bytes.start > 0 && b[s.bytes.start - 1] == b'"' && b.get(s.bytes.end) == Some(&b'"')
    };
    let words = url_words.filter(|_| mcp_config).map(|re| flags(kind, src, re).into_iter().filter(whole_string));
    key_values(kind, src, keys)
        .into_iter()
        .chain(words.into_iter().flatten())
        .filter(|s| {
            let scheme = s.value.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
            scheme.is_some_and(|sc| schemes.contains(&sc)) && !is_loopback_url(&s.value)
        })
        .collect()
}

/// Whether a URL's host is loopback: `localhost` (and `*.localhost`), `127.0.0.0/8` or `[::1]`.
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    const VAR: &str = "NODE_TLS_REJECT_UNAUTHORIZED";

    fn lines(kind: ConfigKind, src: &str) -> Vec<(usize, String)> {
        settings(kind, src, VAR)
            .into_iter()
            .map(|s| (src[..s.bytes.start].matches('\n').count() + 1, s.value))
            .collect()
    }

    #[test]
    fn dotenv() {
        let src = "# NODE_TLS_REJECT_UNAUTHORIZED=0 is a bad idea\nNODE_TLS_REJECT_UNAUTHORIZED=0\nexport NODE_TLS_REJECT_UNAUTHORIZED='1'\nOTHER=$NODE_TLS_REJECT_UNAUTHORIZED\n";
        assert_eq!(lines(ConfigKind::DotEnv, src), [(2, "0".into()), (3, "1".into())]);
    }

    #[test]
    fn dockerfile() {
        let src = "FROM node:20\nENV NODE_TLS_REJECT_UNAUTHORIZED=0 PORT=8443\nENV NODE_TLS_REJECT_UNAUTHORIZED 0\nARG NODE_TLS_REJECT_UNAUTHORIZED=\"0\"\nRUN npm ci && \\\n    NODE_TLS_REJECT_UNAUTHORIZED=0 npm run smoke\nRUN test \"$NODE_TLS_REJECT_UNAUTHORIZED\" = 0 || unset NODE_TLS_REJECT_UNAUTHORIZED\nCMD [\"env\", \"NODE_TLS_REJECT_UNAUTHORIZED=0\", \"node\", \"server.js\"]\n# ENV NODE_TLS_REJECT_UNAUTHORIZED=0\n";
        let got: Vec<usize> = lines(ConfigKind::Dockerfile, src).into_iter().map(|(l, _)| l).collect();
        assert_eq!(got, [2, 3, 4, 6, 8]);
    }

    #[test]
    fn yaml_compose_kubernetes_and_ci() {
        let src = "services:\n  mcp:\n    environment:\n      NODE_TLS_REJECT_UNAUTHORIZED: \"0\"\n  other:\n    environment:\n      - NODE_TLS_REJECT_UNAUTHORIZED=0\n    description: \"never set NODE_TLS_REJECT_UNAUTHORIZED=0 here\"\n---\nspec:\n  containers:\n    - name: mcp\n      env:\n        - name: NODE_TLS_REJECT_UNAUTHORIZED\n          value: \"0\"\n        - name: PORT\n          value: \"0\"\n      command: [\"sh\", \"-c\", \"NODE_TLS_REJECT_UNAUTHORIZED=0 node s.js\"]\njobs:\n  t:\n    steps:\n      - run: |\n          NODE_TLS_REJECT_UNAUTHORIZED=0 npm test\n          echo $NODE_TLS_REJECT_UNAUTHORIZED\n";
        let got: Vec<usize> = lines(ConfigKind::Yaml, src).into_iter().map(|(l, _)| l).collect();
        assert_eq!(got, [4, 7, 15, 18, 23]);
    }

    #[test]
    fn prose_and_comments_are_not_settings() {
        let yaml = "steps:\n  - run: echo \"Do not set NODE_TLS_REJECT_UNAUTHORIZED=0 in CI\"\n  - name: NODE_TLS_REJECT_UNAUTHORIZED=0 is forbidden\n  - run: sh -c \"cd /app && NODE_TLS_REJECT_UNAUTHORIZED=0 npm test\"\n  - run: \"cross-env NODE_TLS_REJECT_UNAUTHORIZED=0 tsx s.ts\"\n  - run: \"PORT=1 NODE_TLS_REJECT_UNAUTHORIZED=0 node s.js\"\n  - run: \"set NODE_TLS_REJECT_UNAUTHORIZED=0 && node s.js\"\n";
        let got: Vec<usize> = lines(ConfigKind::Yaml, yaml).into_iter().map(|(l, _)| l).collect();
        assert_eq!(got, [4, 5, 6, 7]);
        let jsonc = "{\n  // \"NODE_TLS_REJECT_UNAUTHORIZED\": \"0\",\n  \"NODE_TLS_REJECT_UNAUTHORIZED\": \"0\"\n}\n";
        let got: Vec<usize> = lines(ConfigKind::Json, jsonc).into_iter().map(|(l, _)| l).collect();
        assert_eq!(got, [3]);
    }

    #[test]
    fn loopback_hosts() {
        for url in [
            "http://localhost:3000/mcp",
            "http://127.0.0.1/mcp",
            "ws://127.8.9.1:80",
            "http://[::1]:8080/mcp",
            "http://user@LOCALHOST/mcp",
            "http://mcp.localhost/",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://mcp.example.com/mcp",
            "http://10.0.0.5:8080",
            "http://128.0.0.1",
            "ws://[::2]/",
            "http://localhost.example.com/",
            "http://127.0.0.1.nip.io/",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn urls_in_json_and_yaml() {
        let keys = vec!["url".to_string(), "serverUrl".to_string()];
        let json = "{\n  \"mcpServers\": {\n    \"remote\": { \"url\": \"http://mcp.example.com/mcp\" },\n    \"w\": { \"serverUrl\": \"https://x\" }\n  }\n}\n";
        let got: Vec<String> = key_values(ConfigKind::Json, json, &keys).into_iter().map(|s| s.value).collect();
        assert_eq!(got, ["http://mcp.example.com/mcp", "https://x"]);
        let yaml = "mcpServers:\n  - name: remote\n    url: http://mcp.example.com/mcp # old\n";
        let got: Vec<String> = key_values(ConfigKind::Yaml, yaml, &keys).into_iter().map(|s| s.value).collect();
        assert_eq!(got, ["http://mcp.example.com/mcp"]);
    }

    #[test]
    fn flags_in_commands_only() {
        let flag = Regex::new(r"--tls-min-v1\.[01]").unwrap();
        let docker =
            "FROM node:20\nCMD [\"node\", \"--tls-min-v1.0\", \"server.js\"]\nLABEL note=\"--tls-min-v1.0 is bad\"\n";
        let got: Vec<usize> = flags(ConfigKind::Dockerfile, docker, &flag)
            .iter()
            .map(|s| docker[..s.bytes.start].matches('\n').count() + 1)
            .collect();
        assert_eq!(got, [2]);
        let json = "{\n  \"scripts\": {\n    \"start\": \"node --tls-min-v1.1 dist/server.js\"\n  },\n  \"description\": \"avoid --tls-min-v1.0\"\n}\n";
        let got: Vec<String> = flags(ConfigKind::Json, json, &flag).into_iter().map(|s| s.value).collect();
        assert_eq!(got, ["--tls-min-v1.1"]);
    }

    #[test]
    fn json_mcp_configs_and_package_scripts() {
        let src = "{\n  \"mcpServers\": {\n    \"inventory\": {\n      \"command\": \"docker\",\n      \"args\": [\"run\", \"-e\", \"NODE_TLS_REJECT_UNAUTHORIZED=0\", \"img\"],\n      \"env\": { \"NODE_TLS_REJECT_UNAUTHORIZED\": \"0\" },\n      \"description\": \"do not set NODE_TLS_REJECT_UNAUTHORIZED=0\"\n    }\n  },\n  \"scripts\": {\n    \"dev\": \"NODE_TLS_REJECT_UNAUTHORIZED=0 tsx watch src/server.ts\",\n    \"check\": \"node -e \\\"console.log(process.env.NODE_TLS_REJECT_UNAUTHORIZED)\\\"\"\n  }\n}\n";
        let got: Vec<usize> = lines(ConfigKind::Json, src).into_iter().map(|(l, _)| l).collect();
        assert_eq!(got, [5, 6, 11]);
    }
}
