//! What a JS/TS expression means within its file: constants, object literals merged through spreads and
//! identifiers, and canonical names of imported APIs (`import { Agent } from 'undici'` makes `Agent` `undici.Agent`).
use super::project::Imports;
use super::scope::{DeclKind, FileIndex, normalise_module, property_key, string_content, text};
use std::sync::Arc;
use tree_sitter::Node;

/// How far the resolver follows identifiers, spreads and calls before it gives up with `Unknown`.
const MAX_DEPTH: u8 = 16;

/// A statically known value, or `Unknown`.
#[derive(Debug, Clone)]
pub enum Value<'t> {
    /// `true` / `false` / `!0`.
    Bool(bool),
    /// A number literal.
    Num(f64),
    /// A string or substitution-free template literal (or a constant concatenation of them).
    Str(String),
    /// `null`.
    Null,
    /// `undefined` / `void 0`.
    Undefined,
    /// An object literal, merged through spreads.
    Object(Obj<'t>),
    /// An array literal.
    Array(Vec<Value<'t>>),
    /// A function or method.
    Function(Node<'t>),
    /// A function of another module, known by what a call to it returns.
    Foreign(Arc<Foreign>),
    /// The n-th parameter of the function being summarised as a wrapper (see `api::wrapper_sinks`).
    Param(usize),
    /// The result of a call or `new` whose callee has this canonical name.
    Call {
        /// Canonical callee, e.g. `fs.readFileSync`.
        callee: String,
    },
    /// Not known statically: a parameter, an import, the environment, a condition.
    Unknown,
}

/// A function defined in another module.
#[derive(Debug)]
pub struct Foreign {
    /// What a call returns, when it has a single `return` of a known value.
    pub returns: Value<'static>,
    /// The TLS servers and clients it creates from its parameters.
    pub sinks: Vec<super::api::WrapperSink<'static>>,
}

pub use crate::finding::Origin;

/// One entry of an object literal, in source order.
#[derive(Debug, Clone)]
pub enum Entry<'t> {
    /// `key: value`, shorthand `key`, or a method.
    Prop(Prop<'t>),
    /// A spread of something unknown, or a computed key: it may set any key.
    Opaque,
    /// A spread of the n-th parameter of the function being summarised as a wrapper.
    Param(usize),
}

/// A property with a known key.
#[derive(Debug, Clone)]
pub struct Prop<'t> {
    /// The key.
    pub key: String,
    /// Its value.
    pub value: Value<'t>,
    /// The `pair`, `shorthand_property_identifier` or `method_definition` node; `None` in an object that comes
    /// from another module.
    pub node: Option<Node<'t>>,
}

/// An object value: entries in order (later entries win) and the literal nodes merged into it.
#[derive(Debug, Clone, Default)]
pub struct Obj<'t> {
    /// Entries in source order, spreads expanded.
    pub entries: Vec<Entry<'t>>,
    /// This file's object literals this value was built from.
    pub literals: Vec<Node<'t>>,
    /// Object literals of other modules it was built from: (file index, start byte).
    pub homes: Vec<(usize, usize)>,
    /// Where the parts that come from other modules are defined.
    pub origins: Vec<Origin>,
}

/// The result of looking a key up in an object.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a, 't> {
    /// The key is set by this property.
    Found(&'a Prop<'t>),
    /// The object is fully known and does not set the key.
    Absent,
    /// An opaque spread or computed key after the last known setting may set the key.
    Unknown,
}

impl<'t> Obj<'t> {
    /// Appends `other`'s entries, as a spread does, and where they came from.
    pub fn absorb(&mut self, other: Obj<'t>) {
        self.entries.extend(other.entries);
        self.literals.extend(other.literals);
        self.homes.extend(other.homes);
        self.origins.extend(other.origins);
    }

    /// Looks up a key the way JavaScript does: the last setting wins.
    pub fn lookup(&self, key: &str) -> Lookup<'_, 't> {
        for entry in self.entries.iter().rev() {
            match entry {
                Entry::Prop(p) if p.key == key => return Lookup::Found(p),
                Entry::Opaque | Entry::Param(_) => return Lookup::Unknown,
                Entry::Prop(_) => {}
            }
        }
        Lookup::Absent
    }
}

impl Value<'_> {
    /// JavaScript truthiness, when known.
    pub fn truthy(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Num(n) => Some(*n != 0.0 && !n.is_nan()),
            Value::Str(s) => Some(!s.is_empty()),
            Value::Null | Value::Undefined => Some(false),
            Value::Object(_) | Value::Array(_) | Value::Function(_) | Value::Foreign(_) => Some(true),
            Value::Call { .. } | Value::Param(_) | Value::Unknown => None,
        }
    }
}

/// Resolves expressions of one file.
#[derive(Clone, Copy)]
pub struct Resolver<'a, 't> {
    /// The file's declarations.
    pub index: &'a FileIndex<'t>,
    /// The file's text.
    pub src: &'t str,
    /// Where imports of other project modules lead; `None` when they stay unknown.
    pub imports: Option<&'a Imports<'a>>,
    /// The function being summarised as a wrapper: its parameters resolve to [`Value::Param`].
    pub wrapper: Option<Node<'t>>,
}

/// Skips wrappers that do not change a value: parentheses, `as`, `satisfies`, `!`, `<T>x`, `await`.
pub fn unwrap_expr(mut node: Node<'_>) -> Node<'_> {
    loop {
        let inner = match node.kind() {
            "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "await_expression" => node.named_child(0),
            "type_assertion" => node.named_child(node.named_child_count().saturating_sub(1)),
            _ => None,
        };
        match inner {
            Some(n) if !n.kind().contains("type") => node = n,
            _ => return node,
        }
    }
}

impl<'a, 't> Resolver<'a, 't> {
    /// The value of an expression.
    pub fn value(&self, node: Node<'t>) -> Value<'t> {
        self.eval(node, 0)
    }

    /// The value bound to `name` where `at` is.
    pub fn name_value(&self, name: &str, at: usize) -> Value<'t> {
        self.binding(name, at, 0)
    }

    fn eval(&self, node: Node<'t>, depth: u8) -> Value<'t> {
        if depth > MAX_DEPTH {
            return Value::Unknown;
        }
        let node = unwrap_expr(node);
        let d = depth + 1;
        match node.kind() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "undefined" => Value::Undefined,
            "number" => parse_number(text(node, self.src)).map_or(Value::Unknown, Value::Num),
            "string" => Value::Str(string_content(node, self.src)),
            "template_string" => {
                let mut c = node.walk();
                if node.named_children(&mut c).any(|n| n.kind() == "template_substitution") {
                    Value::Unknown
                } else {
                    Value::Str(string_content(node, self.src))
                }
            }
            "unary_expression" => {
                let op = node.child_by_field_name("operator").map(|o| text(o, self.src));
                let arg = node.child_by_field_name("argument");
                match (op, arg) {
                    (Some("void"), _) => Value::Undefined,
                    (Some("!"), Some(a)) => self.eval(a, d).truthy().map_or(Value::Unknown, |b| Value::Bool(!b)),
                    (Some("-"), Some(a)) => match self.eval(a, d) {
                        Value::Num(n) => Value::Num(-n),
                        _ => Value::Unknown,
                    },
                    _ => Value::Unknown,
                }
            }
            "binary_expression" => self.binary(node, d),
            "object" => Value::Object(self.object(node, d)),
            "array" => {
                let mut c = node.walk();
                let items = node.named_children(&mut c).filter(|n| n.kind() != "comment").collect::<Vec<_>>();
                Value::Array(
                    items
                        .into_iter()
                        .map(|n| if n.kind() == "spread_element" { Value::Unknown } else { self.eval(n, d) })
                        .collect(),
                )
            }
            "identifier" => {
                let name = text(node, self.src);
                if name == "undefined" {
                    return Value::Undefined;
                }
                self.binding(name, node.start_byte(), d)
            }
            "member_expression" | "subscript_expression" => {
                let (Some(object), Some(key)) = (node.child_by_field_name("object"), self.member_key(node)) else {
                    return Value::Unknown;
                };
                match self.eval(object, d) {
                    Value::Object(o) => match o.lookup(&key) {
                        Lookup::Found(p) => p.value.clone(),
                        Lookup::Absent => Value::Undefined,
                        Lookup::Unknown => Value::Unknown,
                    },
                    _ => Value::Unknown,
                }
            }
            "call_expression" => self.call(node, d),
            "new_expression" => match node.child_by_field_name("constructor") {
                Some(c) => Value::Call { callee: self.canonical_at(c, d).unwrap_or_default() },
                None => Value::Unknown,
            },
            "arrow_function"
            | "function_expression"
            | "function"
            | "function_declaration"
            | "method_definition"
            | "generator_function" => Value::Function(node),
            _ => Value::Unknown,
        }
    }

    fn binary(&self, node: Node<'t>, d: u8) -> Value<'t> {
        let op = node.child_by_field_name("operator").map(|o| text(o, self.src));
        let (Some("+"), Some(l), Some(r)) = (op, node.child_by_field_name("left"), node.child_by_field_name("right"))
        else {
            return Value::Unknown;
        };
        match (self.eval(l, d), self.eval(r, d)) {
            (Value::Str(a), Value::Str(b)) => Value::Str(a + &b),
            (Value::Str(a), Value::Num(b)) => Value::Str(format!("{a}{b}")),
            (Value::Num(a), Value::Str(b)) => Value::Str(format!("{a}{b}")),
            (Value::Num(a), Value::Num(b)) => Value::Num(a + b),
            _ => Value::Unknown,
        }
    }

    /// The key of `a.b` or `a['b']`.
    pub fn member_key(&self, node: Node<'t>) -> Option<String> {
        match node.kind() {
            "member_expression" => node.child_by_field_name("property").map(|p| text(p, self.src).to_string()),
            "subscript_expression" => match self.eval(node.child_by_field_name("index")?, 1) {
                Value::Str(s) => Some(s),
                Value::Num(n) => Some(n.to_string()),
                _ => None,
            },
            _ => None,
        }
    }

    fn binding(&self, name: &str, at: usize, d: u8) -> Value<'t> {
        let Some(decl) = self.index.lookup(name, at) else {
            return Value::Unknown;
        };
        match &decl.kind {
            DeclKind::Var(Some(v)) if !(v.start_byte() <= at && at < v.end_byte()) => match self.eval(*v, d) {
                Value::Object(mut o) => {
                    self.add_member_assignments(name, decl.at, &mut o, d);
                    Value::Object(o)
                }
                other => other,
            },
            DeclKind::Indexed { index, source } => match self.eval(*source, d) {
                Value::Array(mut items) if *index < items.len() => items.swap_remove(*index),
                _ => Value::Unknown,
            },
            DeclKind::Destructured { key, source } => match self.eval(*source, d) {
                Value::Object(o) => match o.lookup(key) {
                    Lookup::Found(p) => p.value.clone(),
                    _ => Value::Unknown,
                },
                _ => Value::Unknown,
            },
            DeclKind::Function(f) => Value::Function(*f),
            DeclKind::Import { module, name } => self.import(module, name.as_deref()),
            DeclKind::Opaque => self.param(decl.at).map_or(Value::Unknown, Value::Param),
            _ => Value::Unknown,
        }
    }

    /// The index of the wrapper's plain parameter declared at byte `at`.
    fn param(&self, at: usize) -> Option<usize> {
        let w = self.wrapper?;
        if let Some(single) = w.child_by_field_name("parameter") {
            return (single.start_byte() == at).then_some(0);
        }
        let params = w.child_by_field_name("parameters")?;
        let mut c = params.walk();
        let list: Vec<Node<'t>> = params.named_children(&mut c).filter(|n| n.kind() != "comment").collect();
        list.iter().position(|p| {
            // `opts`, `opts?: T`, `opts: T` (TypeScript wraps the name in a parameter node).
            let name = match p.kind() {
                "required_parameter" | "optional_parameter" => p.child_by_field_name("pattern"),
                _ => Some(*p),
            };
            name.is_some_and(|n| n.kind() == "identifier" && n.start_byte() == at)
        })
    }

    /// Export `name` of a project module (see [`Imports::value`]); `Unknown` for packages and built-ins.
    fn import(&self, module: &str, name: Option<&str>) -> Value<'t> {
        self.imports.and_then(|i| i.value(module, name)).unwrap_or(Value::Unknown)
    }

    /// Adds `name.key = value` assignments to the object bound by the declaration at `decl_at`.
    fn add_member_assignments(&self, name: &str, decl_at: usize, obj: &mut Obj<'t>, d: u8) {
        for &assign in self.index.member_assignments(name) {
            let same = self.index.lookup(name, assign.start_byte()).is_some_and(|decl| decl.at == decl_at);
            if !same || assign.start_byte() < decl_at {
                continue;
            }
            let key = assign.child_by_field_name("left").and_then(|l| self.member_key(l));
            match (key, assign.child_by_field_name("right")) {
                (Some(key), Some(right)) => {
                    obj.entries.push(Entry::Prop(Prop { key, value: self.eval(right, d), node: Some(assign) }))
                }
                _ => obj.entries.push(Entry::Opaque),
            }
        }
    }

    fn object(&self, node: Node<'t>, d: u8) -> Obj<'t> {
        let mut obj = Obj { entries: Vec::new(), literals: vec![node], homes: Vec::new(), origins: Vec::new() };
        let mut c = node.walk();
        for child in node.named_children(&mut c) {
            match child.kind() {
                "pair" => {
                    let key = child.child_by_field_name("key").and_then(|k| property_key(k, self.src));
                    match (key, child.child_by_field_name("value")) {
                        (Some(key), Some(v)) => {
                            obj.entries.push(Entry::Prop(Prop { key, value: self.eval(v, d), node: Some(child) }))
                        }
                        _ => obj.entries.push(Entry::Opaque),
                    }
                }
                "shorthand_property_identifier" => {
                    let key = text(child, self.src).to_string();
                    let value = self.binding(&key, child.start_byte(), d);
                    obj.entries.push(Entry::Prop(Prop { key, value, node: Some(child) }));
                }
                "method_definition" => {
                    match child.child_by_field_name("name").and_then(|k| property_key(k, self.src)) {
                        Some(key) => obj.entries.push(Entry::Prop(Prop {
                            key,
                            value: Value::Function(child),
                            node: Some(child),
                        })),
                        None => obj.entries.push(Entry::Opaque),
                    }
                }
                "spread_element" => match child.named_child(0).map(|a| self.eval(a, d)) {
                    Some(Value::Param(i)) => obj.entries.push(Entry::Param(i)),
                    Some(Value::Object(inner)) => obj.absorb(inner),
                    Some(Value::Null | Value::Undefined) => {}
                    _ => obj.entries.push(Entry::Opaque),
                },
                _ => {}
            }
        }
        obj
    }

    fn call(&self, node: Node<'t>, d: u8) -> Value<'t> {
        let Some(callee) = node.child_by_field_name("function").map(unwrap_expr) else {
            return Value::Unknown;
        };
        let args = self.args(node);
        if callee.kind() == "member_expression"
            && self.member_key(callee).as_deref() == Some("join")
            && let Some(Value::Array(items)) = callee.child_by_field_name("object").map(|o| self.eval(o, d))
        {
            let sep = match args.first().map(|a| self.eval(*a, d)) {
                None => ",".to_string(),
                Some(Value::Str(s)) => s,
                Some(_) => return Value::Unknown,
            };
            let parts: Option<Vec<String>> =
                items.into_iter().map(|v| if let Value::Str(s) = v { Some(s) } else { None }).collect();
            return parts.map_or(Value::Unknown, |p| Value::Str(p.join(&sep)));
        }
        if callee.kind() == "member_expression"
            && matches!(self.member_key(callee).as_deref(), Some("toString" | "trim"))
            && let Some(object) = callee.child_by_field_name("object")
        {
            // `readFileSync(p).toString()` is still the file's content.
            return match self.eval(object, d) {
                v @ (Value::Str(_) | Value::Call { .. }) => v,
                _ => Value::Unknown,
            };
        }
        if callee.kind() == "identifier"
            && text(callee, self.src) == "require"
            && let Some(Value::Str(spec)) = args.first().map(|a| self.eval(*a, d))
            && let Some(v) = self.imports.and_then(|i| i.value(&normalise_module(&spec), None))
        {
            return v;
        }
        if matches!(callee.kind(), "identifier" | "member_expression")
            && let Value::Foreign(f) = self.eval(callee, d)
        {
            return f.returns.clone();
        }
        let name = self.canonical_at(callee, d).unwrap_or_default();
        match name.as_str() {
            "Object.freeze" | "Promise.all" | "Promise.resolve" => {
                return args.first().map_or(Value::Unknown, |a| self.eval(*a, d));
            }
            "Object.assign" => {
                let mut merged = Obj::default();
                for a in &args {
                    match self.eval(*a, d) {
                        Value::Object(o) => merged.absorb(o),
                        _ => merged.entries.push(Entry::Opaque),
                    }
                }
                return Value::Object(merged);
            }
            _ => {}
        }
        if callee.kind() == "identifier"
            && let Value::Function(f) = self.binding(text(callee, self.src), callee.start_byte(), d)
            && let Some(ret) = single_return(f)
        {
            return self.eval(ret, d);
        }
        Value::Call { callee: name }
    }

    /// The argument expressions of a call or `new`.
    pub fn args(&self, call: Node<'t>) -> Vec<Node<'t>> {
        let Some(args) = call.child_by_field_name("arguments") else {
            return Vec::new();
        };
        let mut c = args.walk();
        args.named_children(&mut c).filter(|n| n.kind() != "comment").collect()
    }

    /// The canonical name of a callee: imports and requires are followed, `node:` is dropped.
    pub fn canonical(&self, node: Node<'t>) -> Option<String> {
        self.canonical_at(node, 0)
    }

    fn canonical_at(&self, node: Node<'t>, depth: u8) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = unwrap_expr(node);
        let d = depth + 1;
        match node.kind() {
            "identifier" => {
                let name = text(node, self.src);
                let Some(decl) = self.index.lookup(name, node.start_byte()) else {
                    return Some(name.to_string());
                };
                match &decl.kind {
                    DeclKind::Import { module, name: None } => Some(module.clone()),
                    DeclKind::Import { module, name: Some(n) } if n == "default" => Some(module.clone()),
                    DeclKind::Import { module, name: Some(n) } => Some(format!("{module}.{n}")),
                    DeclKind::Destructured { key, source } => {
                        self.canonical_at(*source, d).map(|s| format!("{s}.{key}"))
                    }
                    DeclKind::Var(Some(v))
                        if matches!(unwrap_expr(*v).kind(), "identifier" | "member_expression" | "call_expression") =>
                    {
                        self.canonical_at(*v, d)
                    }
                    DeclKind::Opaque | DeclKind::Var(_) | DeclKind::Indexed { .. } => None,
                    DeclKind::Function(_) => Some(name.to_string()),
                }
            }
            "member_expression" => {
                let object = self.canonical_at(node.child_by_field_name("object")?, d)?;
                Some(format!("{object}.{}", self.member_key(node)?))
            }
            "call_expression" => {
                let callee = node.child_by_field_name("function")?;
                if text(callee, self.src) == "require" {
                    let arg = *self.args(node).first()?;
                    return match self.eval(arg, d) {
                        Value::Str(m) => Some(normalise_module(&m)),
                        _ => None,
                    };
                }
                None
            }
            _ => None,
        }
    }
}

/// The single returned expression of a function: an arrow's expression body, or the argument of its only `return`.
pub fn single_return(f: Node<'_>) -> Option<Node<'_>> {
    let body = f.child_by_field_name("body")?;
    if body.kind() != "statement_block" {
        return Some(body);
    }
    let mut returns = Vec::new();
    collect_returns(body, &mut returns);
    match returns.as_slice() {
        [r] => r.named_child(0),
        _ => None,
    }
}

/// Every `return` statement of a function body, not descending into nested functions.
pub fn collect_returns<'t>(body: Node<'t>, out: &mut Vec<Node<'t>>) {
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        let mut c = n.walk();
        for child in n.named_children(&mut c) {
            match child.kind() {
                "return_statement" => out.push(child),
                "arrow_function"
                | "function_expression"
                | "function"
                | "function_declaration"
                | "class_declaration"
                | "method_definition"
                | "generator_function"
                | "generator_function_declaration" => {}
                _ => stack.push(child),
            }
        }
    }
}

fn parse_number(s: &str) -> Option<f64> {
    let s = s.replace('_', "");
    let s = s.strip_suffix('n').unwrap_or(&s);
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok().map(|v| v as f64);
    }
    if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        return u64::from_str_radix(b, 2).ok().map(|v| v as f64);
    }
    if let Some(o) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        return u64::from_str_radix(o, 8).ok().map(|v| v as f64);
    }
    s.parse().ok()
}

/// `v` with a wrapper's parameters replaced by a call's arguments (a missing argument is `undefined`).
pub fn substitute<'t>(v: Value<'t>, args: &[Value<'t>]) -> Value<'t> {
    match v {
        Value::Param(i) => args.get(i).cloned().unwrap_or(Value::Undefined),
        Value::Array(items) => Value::Array(items.into_iter().map(|x| substitute(x, args)).collect()),
        Value::Object(o) => {
            let mut out = Obj { entries: Vec::new(), literals: o.literals, homes: o.homes, origins: o.origins };
            for e in o.entries {
                match e {
                    Entry::Prop(p) => out.entries.push(Entry::Prop(Prop { value: substitute(p.value, args), ..p })),
                    Entry::Param(i) => match args.get(i) {
                        Some(Value::Object(a)) => out.absorb(a.clone()),
                        None | Some(Value::Undefined | Value::Null) => {}
                        Some(_) => out.entries.push(Entry::Opaque),
                    },
                    Entry::Opaque => out.entries.push(Entry::Opaque),
                }
            }
            Value::Object(out)
        }
        other => other,
    }
}

/// Whether a wrapper's parameter shows through in `v`.
pub fn has_param(v: &Value<'_>) -> bool {
    match v {
        Value::Param(_) => true,
        Value::Array(items) => items.iter().any(has_param),
        Value::Object(o) => o.entries.iter().any(|e| match e {
            Entry::Param(_) => true,
            Entry::Prop(p) => has_param(&p.value),
            Entry::Opaque => false,
        }),
        _ => false,
    }
}
