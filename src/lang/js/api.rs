//! The Node.js TLS APIs the rules know: which calls create TLS servers and clients, and where their options are.
use super::value::{Lookup, Obj, Resolver, Value, has_param, substitute};
use crate::rule::model::Role;
use std::collections::HashMap;
use tree_sitter::Node;

/// A call that creates a TLS server or client.
struct Sink {
    /// Canonical callee names (see [`Resolver::canonical`]); `new` and plain calls are treated alike.
    names: &'static [&'static str],
    role: Role,
    /// Keys to descend into from the options argument (`fastify({ https: {...} })`).
    path: &'static [&'static str],
    /// This API's names for Node's `cert` / `key` / `ca`.
    aliases: &'static [(&'static str, &'static str)],
}

const GOT: &[(&str, &str)] = &[("cert", "certificate"), ("ca", "certificateAuthority")];

/// Every way an option key is written: Node's name, then the names some APIs use for it (got's `certificate`).
pub fn spellings(key: &str) -> impl Iterator<Item = &str> {
    let aliases = SINKS.iter().flat_map(|s| s.aliases).filter(move |(node, _)| *node == key).map(|(_, alias)| *alias);
    std::iter::once(key).chain(aliases)
}

const SINKS: &[Sink] = &[
    Sink {
        names: &[
            "https.createServer",
            "tls.createServer",
            "http2.createSecureServer",
            "https.Server",
            "tls.Server",
            "spdy.createServer",
        ],
        role: Role::Server,
        path: &[],
        aliases: &[],
    },
    Sink { names: &["fastify", "fastify.fastify"], role: Role::Server, path: &["https"], aliases: &[] },
    Sink {
        names: &["@nestjs/core.NestFactory.create", "NestFactory.create"],
        role: Role::Server,
        path: &["httpsOptions"],
        aliases: &[],
    },
    Sink { names: &["@hono/node-server.serve"], role: Role::Server, path: &["serverOptions"], aliases: &[] },
    Sink {
        names: &["@hapi/hapi.server", "@hapi/hapi.Server", "hapi.server", "hapi.Server", "Bun.serve"],
        role: Role::Server,
        path: &["tls"],
        aliases: &[],
    },
    Sink {
        names: &["https.request", "https.get", "https.Agent", "tls.connect", "http2.connect", "ws", "ws.WebSocket"],
        role: Role::Client,
        path: &[],
        aliases: &[],
    },
    Sink {
        names: &["undici.Agent", "undici.Pool", "undici.Client"],
        role: Role::Client,
        path: &["connect"],
        aliases: &[],
    },
    Sink { names: &["undici.ProxyAgent"], role: Role::Client, path: &["requestTls"], aliases: &[] },
    Sink {
        names: &[
            "got",
            "got.extend",
            "got.get",
            "got.post",
            "got.put",
            "got.patch",
            "got.delete",
            "got.head",
            "got.stream",
            "got.paginate",
        ],
        role: Role::Client,
        path: &["https"],
        aliases: GOT,
    },
];

/// A TLS server or client created at a call site, with its resolved options.
#[derive(Debug, Clone)]
pub struct TlsContext<'t> {
    /// Server or client.
    pub role: Role,
    /// The creating `call_expression` / `new_expression`.
    pub anchor: Node<'t>,
    /// The TLS options: an object (possibly with opaque parts), or `Unknown`.
    pub options: Value<'t>,
    aliases: &'static [(&'static str, &'static str)],
}

impl<'t> TlsContext<'t> {
    /// Looks up an option by Node's name (`cert`, `ca`, ...), honouring the API's own names.
    pub fn lookup(&self, key: &str) -> Lookup<'_, 't> {
        let Value::Object(o) = &self.options else {
            return Lookup::Unknown;
        };
        let key = self.aliases.iter().find(|(node, _)| *node == key).map_or(key, |(_, own)| own);
        o.lookup(key)
    }

    /// The object options, if known.
    pub fn object(&self) -> Option<&Obj<'t>> {
        match &self.options {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
}

/// A TLS server or client a function creates from its parameters, one level deep:
/// `function createMtlsServer(opts) { return https.createServer({ ...defaults, ...opts }, app) }`.
#[derive(Debug, Clone)]
pub struct WrapperSink<'t> {
    /// Server or client.
    pub role: Role,
    /// The options, with the function's parameters as [`Value::Param`].
    pub options: Value<'t>,
    aliases: &'static [(&'static str, &'static str)],
    /// The sink call, in the wrapper's own file.
    pub call: Option<Node<'t>>,
    /// Where the sink is, for a function of another module.
    pub origin: Option<super::value::Origin>,
}

impl WrapperSink<'_> {
    /// The same sink, seen from another module: no syntax nodes. `depth` counts the function summaries it is
    /// nested in (options may hold functions that lead back to the wrapper).
    pub fn detach(&self, r: &Resolver<'_, '_>, origin: &super::value::Origin, depth: u8) -> WrapperSink<'static> {
        WrapperSink {
            role: self.role,
            options: super::project::detach(r, self.options.clone(), origin, depth),
            aliases: self.aliases,
            call: None,
            origin: Some(origin.clone()),
        }
    }
}

/// The TLS sinks inside function `f` whose options depend on its parameters.
pub fn wrapper_sinks<'t>(r: &Resolver<'_, 't>, f: Node<'t>) -> Vec<WrapperSink<'t>> {
    let w = Resolver { wrapper: Some(f), ..*r };
    // Calls are in source order (a pre-order walk): the ones inside `f` are one run of them.
    let calls = &r.index.calls;
    let first = calls.partition_point(|c| c.start_byte() <= f.start_byte());
    let end = calls.partition_point(|c| c.start_byte() < f.end_byte()).max(first);
    sink_contexts(&w, &calls[first..end], None)
        .into_iter()
        .filter(|c| has_param(&c.options))
        .map(|c| WrapperSink {
            role: c.role,
            options: c.options,
            aliases: c.aliases,
            call: Some(c.anchor),
            origin: None,
        })
        .collect()
}

/// Finds the TLS servers and clients created by `calls`, directly or through a wrapper function.
pub fn contexts<'t>(r: &Resolver<'_, 't>, calls: &[Node<'t>]) -> Vec<TlsContext<'t>> {
    let mut wrappers = HashMap::new();
    sink_contexts(r, calls, Some(&mut wrappers))
}

/// Contexts at known sinks; with `wrappers` (a cache by function node), also at calls of wrapper functions.
fn sink_contexts<'t>(
    r: &Resolver<'_, 't>,
    calls: &[Node<'t>],
    mut wrappers: Option<&mut HashMap<usize, Vec<WrapperSink<'t>>>>,
) -> Vec<TlsContext<'t>> {
    let mut out = Vec::new();
    for &call in calls {
        let callee = match call.kind() {
            "new_expression" => call.child_by_field_name("constructor"),
            _ => call.child_by_field_name("function"),
        };
        let Some(name) = callee.and_then(|c| r.canonical(c)) else { continue };
        if name == "tls.TLSSocket" {
            if let Some(ctx) = tls_socket(r, call) {
                out.push(ctx);
            }
            continue;
        }
        let Some(sink) = SINKS.iter().find(|s| s.names.contains(&name.as_str())) else {
            if let Some(ctx) = nested_client_block(r, call, &name) {
                out.push(ctx);
            } else if let (Some(cache), Some(callee)) = (wrappers.as_deref_mut(), callee) {
                out.extend(wrapped(r, call, callee, cache));
            }
            continue;
        };
        let Some(mut options) = options_argument(r, call) else { continue };
        for key in sink.path {
            options = match options {
                Value::Object(o) => match o.lookup(key) {
                    Lookup::Found(p) => p.value.clone(),
                    Lookup::Absent => Value::Undefined,
                    Lookup::Unknown => Value::Unknown,
                },
                // A wrapper's `opts.https`: not followed.
                Value::Param(_) => Value::Unknown,
                other => other,
            };
        }
        // `fastify({ https: null })` or no `https` key: not a TLS server.
        if matches!(options, Value::Undefined | Value::Null | Value::Bool(false)) {
            if sink.path.is_empty() {
                options = Value::Object(Obj::default());
            } else {
                continue;
            }
        }
        if !matches!(options, Value::Object(_) | Value::Param(_)) {
            options = Value::Unknown;
        }
        out.push(TlsContext { role: sink.role, anchor: call, options, aliases: sink.aliases });
    }
    out
}

/// The contexts a call of a wrapper function creates: the wrapper's sinks with the call's arguments.
fn wrapped<'t>(
    r: &Resolver<'_, 't>,
    call: Node<'t>,
    callee: Node<'t>,
    cache: &mut HashMap<usize, Vec<WrapperSink<'t>>>,
) -> Vec<TlsContext<'t>> {
    if !matches!(callee.kind(), "identifier" | "member_expression") {
        return Vec::new();
    }
    let sinks = match r.value(callee) {
        Value::Function(f) => cache.entry(f.id()).or_insert_with(|| wrapper_sinks(r, f)).clone(),
        Value::Foreign(f) => f.sinks.clone(),
        _ => return Vec::new(),
    };
    if sinks.is_empty() {
        return Vec::new();
    }
    let args: Vec<Value<'t>> = r.args(call).into_iter().map(|a| r.value(a)).collect();
    sinks
        .into_iter()
        .map(|s| {
            let mut options = substitute(s.options, &args);
            if let (Value::Object(o), Some(origin)) = (&mut options, s.origin) {
                o.origins.push(origin);
            }
            if !matches!(options, Value::Object(_)) {
                options = Value::Unknown;
            }
            TlsContext { role: s.role, anchor: call, options, aliases: s.aliases }
        })
        .collect()
}

/// The options argument: the first argument that resolves to an object. `None` options are an empty object when
/// every argument is known not to be one (`https.createServer(app)`), `Unknown` otherwise.
fn options_argument<'t>(r: &Resolver<'_, 't>, call: Node<'t>) -> Option<Value<'t>> {
    let mut unknown = false;
    for arg in r.args(call) {
        match r.value(arg) {
            v @ (Value::Object(_) | Value::Param(_)) => return Some(v),
            Value::Unknown | Value::Call { .. } => unknown = true,
            _ => {}
        }
    }
    Some(if unknown { Value::Unknown } else { Value::Undefined })
}

/// Where database, queue and mail clients keep their TLS options: `new Pool({ ssl: {...} })`,
/// `new Redis({ tls: {...} })`, knex `connection.ssl`, sequelize `dialectOptions.ssl`.
const NESTED_CLIENT_PATHS: &[&[&str]] =
    &[&["ssl"], &["tls"], &["connection", "ssl"], &["dialectOptions", "ssl"], &["sslOptions"]];

/// A client TLS options block inside the options of a call the catalogue does not know. Calls that look like
/// they create servers are left alone: their `tls` block configures the server side.
fn nested_client_block<'t>(r: &Resolver<'_, 't>, call: Node<'t>, callee: &str) -> Option<TlsContext<'t>> {
    let lower = callee.to_ascii_lowercase();
    if ["server", "serve", "listen"].iter().any(|w| lower.contains(w)) {
        return None;
    }
    let Some(Value::Object(options)) = options_argument(r, call) else { return None };
    NESTED_CLIENT_PATHS.iter().find_map(|path| {
        let mut value = Value::Object(options.clone());
        for key in *path {
            value = match value {
                Value::Object(o) => match o.lookup(key) {
                    Lookup::Found(p) => p.value.clone(),
                    _ => return None,
                },
                _ => return None,
            };
        }
        matches!(value, Value::Object(_)).then_some(TlsContext {
            role: Role::Client,
            anchor: call,
            options: value,
            aliases: &[],
        })
    })
}

/// `new tls.TLSSocket(socket, { isServer: true, ... })`.
fn tls_socket<'t>(r: &Resolver<'_, 't>, call: Node<'t>) -> Option<TlsContext<'t>> {
    let args = r.args(call);
    let Value::Object(o) = r.value(*args.get(1)?) else { return None };
    let server = matches!(o.lookup("isServer"), Lookup::Found(p) if matches!(p.value, Value::Bool(true)));
    Some(TlsContext {
        role: if server { Role::Server } else { Role::Client },
        anchor: call,
        options: Value::Object(o),
        aliases: &[],
    })
}

/// Whether a value is read from a file: `fs.readFileSync(..)`, `fs.promises.readFile(..)`, `fs/promises` `readFile`.
pub fn read_from_file(v: &Value<'_>) -> bool {
    match v {
        Value::Call { callee, .. } => matches!(
            callee.as_str(),
            "fs.readFileSync" | "fs.promises.readFile" | "fs/promises.readFile" | "fs.readFile" | "readFileSync"
        ),
        Value::Array(items) => !items.is_empty() && items.iter().all(read_from_file),
        _ => false,
    }
}
