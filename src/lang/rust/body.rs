//! What a function body does on its way out, and what its tokens mention: the semantics behind `impl` predicates.
use proc_macro2::{TokenStream, TokenTree};
use std::collections::HashSet;
use syn::Expr;
use syn::visit::{self, Visit};

/// Every expression a block can evaluate to (its tail, through `if`/`match`/blocks) plus every `return`.
pub fn exits(body: &syn::Block) -> Vec<Option<&Expr>> {
    fn tail<'a>(block: &'a syn::Block, out: &mut Vec<Option<&'a Expr>>) {
        match block.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => expr_exits(e, out),
            Some(syn::Stmt::Macro(_)) | Some(syn::Stmt::Expr(_, Some(_))) | Some(_) | None => {
                // A body ending in a statement returns `()` unless every path returned earlier.
                let diverges = matches!(block.stmts.last(), Some(syn::Stmt::Expr(Expr::Return(_), _)));
                if !diverges {
                    out.push(None);
                }
            }
        }
    }
    fn expr_exits<'a>(e: &'a Expr, out: &mut Vec<Option<&'a Expr>>) {
        match e {
            Expr::If(i) => {
                tail(&i.then_branch, out);
                match &i.else_branch {
                    Some((_, els)) => expr_exits(els, out),
                    None => out.push(None),
                }
            }
            Expr::Match(m) => m.arms.iter().for_each(|a| expr_exits(&a.body, out)),
            Expr::Block(b) => tail(&b.block, out),
            Expr::Unsafe(u) => tail(&u.block, out),
            Expr::Paren(p) => expr_exits(&p.expr, out),
            Expr::Return(_) => {}
            other => out.push(Some(other)),
        }
    }
    struct Returns<'a> {
        out: Vec<Option<&'a Expr>>,
        uses_try: bool,
    }
    impl<'a> Visit<'a> for Returns<'a> {
        fn visit_expr_return(&mut self, r: &'a syn::ExprReturn) {
            match &r.expr {
                Some(e) => expr_exits(e, &mut self.out),
                None => self.out.push(None),
            }
            visit::visit_expr_return(self, r);
        }
        fn visit_expr_try(&mut self, t: &'a syn::ExprTry) {
            self.uses_try = true;
            visit::visit_expr_try(self, t);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item_fn(&mut self, _: &'a syn::ItemFn) {}
    }
    let mut r = Returns { out: Vec::new(), uses_try: false };
    r.visit_block(body);
    tail(body, &mut r.out);
    if r.uses_try {
        r.out.push(None);
    }
    r.out
}

/// `Ok(..)`.
pub fn is_ok_call(e: &Expr) -> bool {
    matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Ok")))
}

/// `Err(..)`.
pub fn is_err_call(e: &Expr) -> bool {
    matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Err")))
}

/// The literal `false`.
pub fn is_false(e: &Expr) -> bool {
    matches!(e, Expr::Lit(l) if matches!(&l.lit, syn::Lit::Bool(b) if !b.value))
}

/// Whether tokens name SPIFFE IDs or subject alternative names (identifiers, literals, or constants holding one).
pub fn mentions_identity(tokens: TokenStream, spiffe_consts: &HashSet<String>) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => {
            let name = i.to_string();
            let s = name.to_ascii_lowercase();
            s.contains("spiffe")
                || s.contains("subject_alt")
                || s.contains("subjectalt")
                || s == "san"
                || spiffe_consts.contains(&name)
        }
        TokenTree::Literal(l) => l.to_string().contains("spiffe://"),
        TokenTree::Group(g) => mentions_identity(g.stream(), spiffe_consts),
        TokenTree::Punct(_) => false,
    })
}

/// Whether tokens use the identifier `name`.
pub fn mentions(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == name,
        TokenTree::Group(g) => mentions(g.stream(), name),
        _ => false,
    })
}
