//! Named predicates: what a rule cannot say with a query and a value condition.
use super::JsFile;
use super::scope::text;
use super::value::{Value, collect_returns, unwrap_expr};
use regex::Regex;
use std::sync::LazyLock;
use tree_sitter::Node;

/// `accepts-all`: a function that every caller takes as success. Every `return` gives a falsy constant (or there is
/// none), nothing is thrown, and an expression body is a falsy constant or a `console.*` call.
pub fn accepts_all(file: &JsFile<'_>, f: Node<'_>) -> bool {
    let Some(body) = f.child_by_field_name("body") else { return false };
    let r = file.resolver();
    let falsy = |e: Node<'_>| {
        let e = unwrap_expr(e);
        if e.kind() == "call_expression" {
            let callee = e.child_by_field_name("function").map(|c| text(c, file.src)).unwrap_or_default();
            return callee.starts_with("console.");
        }
        r.value(e).truthy() == Some(false)
    };
    if body.kind() != "statement_block" {
        return falsy(body);
    }
    if contains_throw(body) {
        return false;
    }
    let mut returns = Vec::new();
    collect_returns(body, &mut returns);
    returns.iter().all(|ret| ret.named_child(0).filter(|n| n.kind() != "comment").is_none_or(falsy))
}

fn contains_throw(body: Node<'_>) -> bool {
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        let mut c = n.walk();
        for child in n.named_children(&mut c) {
            match child.kind() {
                "throw_statement" => return true,
                "arrow_function"
                | "function_expression"
                | "function"
                | "function_declaration"
                | "class_declaration"
                | "method_definition" => {}
                _ => stack.push(child),
            }
        }
    }
    false
}

static PEM_PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----([^-]*)").expect("valid regex")
});

/// Minimum count of base64 characters after the header for a PEM block to hold key material.
const MIN_KEY_MATERIAL: usize = 64;

/// Whether text holds a PEM private key header followed by key material.
pub fn holds_private_key(text: &str) -> bool {
    PEM_PRIVATE_KEY.captures_iter(text).any(|c| {
        let body = c.get(1).map_or("", |m| m.as_str());
        // Skip `Proc-Type:` / `DEK-Info:` headers of encrypted PEM; count base64 characters.
        let material = body
            .lines()
            .filter(|l| !l.contains(':'))
            .flat_map(|l| l.chars())
            .filter(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '+' | '/' | '='))
            .count();
        material >= MIN_KEY_MATERIAL
    })
}

/// `private-key-literal`: the string literal at `node`, with the literals it is concatenated (`+`) or joined
/// (`[...].join()`) with, holds a PEM private key. Returns the outermost such expression, where the finding points.
pub fn private_key_literal<'t>(file: &JsFile<'t>, node: Node<'t>) -> Option<Node<'t>> {
    let mut outer = node;
    while let Some(parent) = outer.parent() {
        outer = match parent.kind() {
            "binary_expression" | "parenthesized_expression" | "array" => parent,
            "member_expression" if file.resolver().member_key(parent).as_deref() == Some("join") => {
                match parent.parent() {
                    Some(call) if call.kind() == "call_expression" => call,
                    _ => break,
                }
            }
            _ => break,
        };
    }
    let whole = match file.resolver().value(outer) {
        Value::Str(s) => s,
        _ => text(node, file.src).to_string(),
    };
    holds_private_key(&whole).then_some(outer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> tree_sitter::Tree {
        let mut p = tree_sitter::Parser::new();
        p.set_language(&crate::lang::Grammar::Typescript.language().unwrap()).unwrap();
        p.parse(src, None).unwrap()
    }

    fn first<'t>(tree: &'t tree_sitter::Tree, kind: &str) -> Node<'t> {
        let mut stack = vec![tree.root_node()];
        while let Some(n) = stack.pop() {
            if n.kind() == kind {
                return n;
            }
            let mut c = n.walk();
            let children: Vec<_> = n.named_children(&mut c).collect();
            stack.extend(children.into_iter().rev());
        }
        panic!("no {kind}")
    }

    fn accepts(src: &str) -> bool {
        let tree = parse(src);
        let file = JsFile::new(src, &tree, None);
        accepts_all(&file, first(&tree, "arrow_function"))
    }

    #[test]
    fn accepts_all_recognises_noop_verifiers() {
        assert!(accepts("const f = () => undefined;"));
        assert!(accepts("const f = () => {};"));
        assert!(accepts("const f = (h, c) => { console.log(h); return; };"));
        assert!(accepts("const f = (h, c) => console.warn('skip', h);"));
        assert!(accepts("const f = () => { return null; };"));
        assert!(accepts("const f = () => void 0;"));
    }

    #[test]
    fn accepts_all_rejects_real_verifiers() {
        assert!(!accepts("const f = (h, c) => tls.checkServerIdentity(h, c);"));
        assert!(!accepts("const f = (h, c) => { if (c.subject.CN !== h) return new Error('bad'); };"));
        assert!(!accepts("const f = (h, c) => { if (!ok(c)) throw new Error('bad'); };"));
        assert!(!accepts("const f = (h, c) => { const e = check(h, c); return e; };"));
    }

    const MATERIAL: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4";

    #[test]
    fn private_key_needs_material() {
        assert!(holds_private_key(&format!("-----BEGIN PRIVATE KEY-----\n{MATERIAL}\n-----END PRIVATE KEY-----")));
        assert!(holds_private_key(&format!("-----BEGIN EC PRIVATE KEY-----\n{MATERIAL}")));
        assert!(!holds_private_key("-----BEGIN PRIVATE KEY-----"));
        assert!(!holds_private_key("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"));
        assert!(!holds_private_key(&format!("-----BEGIN CERTIFICATE-----\n{MATERIAL}")));
        assert!(!holds_private_key(&format!("-----BEGIN PUBLIC KEY-----\n{MATERIAL}")));
    }

    #[test]
    fn private_key_is_found_across_concatenation_and_join() {
        for src in [
            format!("const k = '-----BEGIN PRIVATE KEY-----\\n' + '{MATERIAL}' + '\\n-----END PRIVATE KEY-----';"),
            format!("const k = ['-----BEGIN RSA PRIVATE KEY-----', '{MATERIAL}'].join('\\n');"),
        ] {
            let tree = parse(&src);
            let file = JsFile::new(&src, &tree, None);
            let at = private_key_literal(&file, first(&tree, "string")).expect("found");
            assert_eq!(at.start_position().column, 10, "{src}");
        }
    }
}
