#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Rewrite Serrano's SystemVerilog into the subset that Yosys 0.23 `read_verilog -sv` accepts.

Debian 12's Yosys 0.23 cannot read rtl/ as written. This script rewrites copies of the files (rtl/ is
never touched) with a small number of exact, local rewrites, each one an identity of the language:

  pkg     `import P::*;` (file scope, module header or body) is removed and every use of a name the
          package declares is written `P::name`, which Yosys accepts. A module that declares a name
          the package also declares is refused (shadowing is not handled).
  packed  a multi-dimensional packed declaration `logic [A-1:0][B-1:0] x` becomes the 1-D vector
          `logic [(A*B)-1:0] x` with the same bit layout (SV packs the last dimension innermost,
          element 0 at the least significant end), and every select of x is rewritten to the bits it
          names: x[i] -> x[(i)*(B) +: (B)], x[i][j] -> x[(i)*(B) + (j)], with unpacked (memory)
          dimensions left in front untouched. Only [H:0] ranges are accepted.
  cast    a cast to a typedef, T'(e), becomes $unsigned((W)'(e)) (or $signed for a signed type):
          the size cast extends or truncates e exactly as the type cast does, then takes the sign
          of T. $bits(T) becomes the width expression of T.
  pattern a named struct assignment pattern '{a: x, b: y} becomes {(Wa)'(x), (Wb)'(y)} in the
          struct's declaration order, each value sized like an assignment to that member.
  enum    an enum type used as a data type becomes its base type (`E [N-1:0] x` becomes
          `logic [N-1:0][B-1:0] x`, then flattened): Yosys treats enums as their base vectors, and
          Verilator then accepts the $unsigned(...) casts being assigned.
  return  `return e;` becomes `f = e;` where nothing of the function f runs after it (its last
          statement, or a case item / if-else branch that ends the function).
  copy    a whole unpacked-array copy `A <= B;` / `A = B;` becomes a for loop over the elements.
  comb    variables declared at the top of an always_comb block are set to '0 after their
          declarations (temporaries written before read: same logic; Yosys would infer latches).

Anything else outside the subset is left as it is, for Yosys to accept or refuse; a construct this
script recognises but cannot rewrite exactly (a ranged dimension [H:L] with L != 0, an early
return, a positional pattern, ...) is an error, never a guess.

The files are first run through `verilator -E -P` (with the same +define+ as the Verilator build),
so `ifdef resolves exactly as Verilator resolves it and comments are gone.

Usage:
  sv_for_yosys.py --out DIR [--define NAME[=VAL]]... FILE.sv...
writes DIR/<name>.sv for each input (package files first in the list) and DIR/manifest.json (per
module: its parameters, the modules and packages it needs, the rewrites done). A file that cannot
be rewritten is reported (exit status 1) and left out; the others are still written.
"""

import argparse
import json
import os
import re
import subprocess
import sys


class ConvertError(Exception):
    pass


# --------------------------------------------------------------------------------------- tokens

TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:\\.|[^"\\])*")
  | (?P<directive>`[A-Za-z_][A-Za-z0-9_]*)
  | (?P<num>(?:\d[\d_]*)?'[sS]?[bBoOdDhH][0-9a-fA-FxXzZ?_]+
           |'[01xXzZ](?![A-Za-z0-9_])
           |\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_$]*|\$[A-Za-z_][A-Za-z0-9_$]*|\\\S+)
  | (?P<op>'\{|::|\+:|-:|<<<|>>>|===|!==|==|!=|<=|>=|&&|\|\||<<|>>|\*\*|\+\+|--|->
           |[-+*/%&|^~!<>=?:;,.\#@()\[\]{}'$])
    """,
    re.S | re.X,
)

KEYWORDS = {
    "module", "endmodule", "package", "endpackage", "import", "export", "input", "output",
    "inout", "logic", "reg", "wire", "bit", "int", "integer", "byte", "shortint", "longint",
    "genvar", "signed", "unsigned", "parameter", "localparam", "typedef", "struct", "union",
    "packed", "enum", "function", "endfunction", "task", "endtask", "automatic", "static",
    "begin", "end", "if", "else", "for", "while", "case", "casez", "casex", "endcase", "default",
    "unique", "unique0", "priority", "assign", "always", "always_ff", "always_comb",
    "always_latch", "initial", "final", "posedge", "negedge", "or", "and", "not", "return", "var",
    "const", "generate", "endgenerate", "void", "type",
}
DATA_KW = {"logic", "reg", "wire", "bit", "int", "integer", "byte", "shortint", "longint",
           "genvar"}
DIR_KW = {"input", "output", "inout"}
# Built-in types with a fixed width and sign: (width, signed).
FIXED_TYPES = {"int": ("32", True), "integer": ("32", True), "byte": ("8", True),
               "shortint": ("16", True), "longint": ("64", True)}


class Tok:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind, text, line):
        self.kind = kind
        self.text = text
        self.line = line

    def __repr__(self):
        return f"Tok({self.kind},{self.text!r},{self.line})"


def tokenize(text, line=1):
    toks = []
    pos = 0
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m:
            raise ConvertError(f"line {line}: cannot tokenize near {text[pos:pos + 30]!r}")
        kind = m.lastgroup
        s = m.group(kind)
        toks.append(Tok(kind, s, line))
        line += s.count("\n")
        pos = m.end()
    return toks


def gen(text, line):
    """Tokens for generated text, all given the line of the construct they replace."""
    return [Tok(t.kind, t.text, line) for t in tokenize(text)]


def untokenize(toks):
    return "".join(t.text for t in toks)


def sig(t):
    return t.kind not in ("ws", "comment")


class Stream:
    """Index helpers over a token list that skip whitespace and comments."""

    def __init__(self, toks, where):
        self.toks = toks
        self.where = where

    def next_sig(self, i):
        while i < len(self.toks) and not sig(self.toks[i]):
            i += 1
        return i

    def prev_sig(self, i):
        i -= 1
        while i >= 0 and not sig(self.toks[i]):
            i -= 1
        return i

    def text(self, i):
        return self.toks[i].text if 0 <= i < len(self.toks) else ""

    def match(self, i, open_text):
        """Index of the bracket closing the one at i."""
        pairs = {"(": ")", "[": "]", "{": "}", "'{": "}"}
        close = pairs[open_text]
        depth = 0
        for j in range(i, len(self.toks)):
            t = self.toks[j].text
            if t in ("(", "[", "{", "'{"):
                depth += 1
            elif t in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    if t != close:
                        self.fail(j, f"unbalanced bracket: expected {close!r}")
                    return j
        self.fail(i, f"unclosed {open_text!r}")

    def fail(self, i, msg):
        line = self.toks[min(i, len(self.toks) - 1)].line if self.toks else 0
        raise ConvertError(f"{self.where}:{line}: {msg}")


def split_top(toks, sep):
    """Split a token list at depth-0 tokens whose text is sep."""
    parts, cur, depth = [], [], 0
    for t in toks:
        if t.text in ("(", "[", "{", "'{"):
            depth += 1
        elif t.text in (")", "]", "}"):
            depth -= 1
        if depth == 0 and t.text == sep:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    parts.append(cur)
    return parts


def strip(toks):
    """Drop leading and trailing whitespace/comments."""
    a, b = 0, len(toks)
    while a < b and not sig(toks[a]):
        a += 1
    while b > a and not sig(toks[b - 1]):
        b -= 1
    return toks[a:b]


def compact(toks):
    return " ".join(t.text for t in toks if sig(t))


# --------------------------------------------------------------------------------------- types

class Dim:
    """One declared dimension: [msb:lsb] or [size]. Text is already compact (one line)."""

    def __init__(self, msb=None, lsb=None, size=None):
        self.msb, self.lsb, self.size = msb, lsb, size

    def width(self, where):
        if self.size is not None:
            return f"({self.size})"
        if self.lsb.strip() != "0":
            raise ConvertError(f"{where}: dimension [{self.msb}:{self.lsb}] has lsb != 0; only "
                               f"[H:0] ranges are rewritten")
        return f"(({self.msb})+1)"


def parse_dims(st, i):
    """Parse consecutive [..] groups from token i. Returns (dims, index after)."""
    dims = []
    i = st.next_sig(i)
    while st.text(i) == "[":
        j = st.match(i, "[")
        inner = st.toks[i + 1:j]
        parts = split_top(inner, ":")
        if len(parts) == 1:
            dims.append(Dim(size=compact(inner)))
        elif len(parts) == 2:
            dims.append(Dim(msb=compact(parts[0]), lsb=compact(parts[1])))
        else:
            st.fail(i, "unexpected dimension syntax")
        i = st.next_sig(j + 1)
    return dims, i


def product(widths):
    if not widths:
        return "1"
    if len(widths) == 1:
        return widths[0]
    return "(" + "*".join(widths) + ")"


class Typedef:
    """kind: 'vector' (dims, signed), 'enum' (dims), 'struct' (members: [(name, width)])."""

    def __init__(self, name, kind, dims=None, signed=False, members=None, pkg=None):
        self.name, self.kind, self.dims, self.signed = name, kind, dims or [], signed
        self.members, self.pkg = members or [], pkg

    def width(self, where):
        if self.kind == "struct":
            return "(" + "+".join(w for _, w in self.members) + ")"
        if getattr(self, "fixed_width", None):
            return f"({self.fixed_width})"
        return product([d.width(where) for d in self.dims])


def enum_base(td, where):
    """The base type of an enum typedef, as source text."""
    if getattr(td, "fixed_width", None):
        return "int"
    sign = " signed" if td.signed else ""
    return f"logic{sign} [{td.width(where)}-1:0]"


def parse_base_type(st, i, typedefs):
    """Parse `logic|bit|reg|wire|int.. [signed] [dims]` or a typedef name at i.
    Returns (width_expr, signed, index after) or None when i does not start a simple type."""
    t = st.text(i)
    where = f"{st.where}:{st.toks[i].line}"
    if t in FIXED_TYPES:
        w, s = FIXED_TYPES[t]
        j = st.next_sig(i + 1)
        if st.text(j) in ("signed", "unsigned"):
            s = st.text(j) == "signed"
            j = st.next_sig(j + 1)
        return w, s, j
    if t in ("logic", "bit", "reg", "wire"):
        j = st.next_sig(i + 1)
        s = False
        if st.text(j) in ("signed", "unsigned"):
            s = st.text(j) == "signed"
            j = st.next_sig(j + 1)
        dims, j = parse_dims(st, j)
        if len(dims) > 1:
            st.fail(i, "multi-dimensional packed typedef/struct member is not rewritten")
        return product([d.width(where) for d in dims]), s, j
    td, j = lookup_type(st, i, typedefs)
    if td is not None:
        j2 = st.next_sig(j)
        if st.text(j2) == "[":
            st.fail(i, f"packed dimensions on typedef {td.name} are not rewritten")
        return td.width(where), td.signed, j2
    return None


def lookup_type(st, i, typedefs):
    """If tokens at i name a typedef (T or P::T), return (Typedef, index after the name)."""
    t = st.text(i)
    j = st.next_sig(i + 1)
    if st.text(j) == "::":
        k = st.next_sig(j + 1)
        td = typedefs.get(st.text(k))
        if td is not None and td.pkg == t:
            return td, k + 1
        return None, i
    td = typedefs.get(t)
    if td is not None:
        return td, i + 1
    return None, i


def parse_typedef(st, i, typedefs, pkg=None):
    """Parse `typedef ... NAME;` starting at the `typedef` token. Returns (Typedef, index after ;)
    and the enum constant names it declares."""
    j = st.next_sig(i + 1)
    t = st.text(j)
    consts = []
    if t == "struct":
        j = st.next_sig(j + 1)
        if st.text(j) != "packed":
            st.fail(j, "only packed structs are supported")
        j = st.next_sig(j + 1)
        if st.text(j) in ("signed", "unsigned"):
            st.fail(j, "signed packed structs are not supported")
        if st.text(j) != "{":
            st.fail(j, "expected { after struct packed")
        close = st.match(j, "{")
        members = []
        body = st.toks[j + 1:close]
        for stmt in split_top(body, ";"):
            stmt = strip(stmt)
            if not stmt:
                continue
            sub = Stream(stmt, st.where)
            parsed = parse_base_type(sub, sub.next_sig(0), typedefs)
            if parsed is None:
                sub.fail(0, "struct member type not understood")
            w, _, k = parsed
            for name_toks in split_top(stmt[k:], ","):
                name_toks = [x for x in name_toks if sig(x)]
                if len(name_toks) != 1 or name_toks[0].kind != "id":
                    sub.fail(0, "struct member declaration not understood")
                members.append((name_toks[0].text, w))
        k = st.next_sig(close + 1)
        name = st.text(k)
        end = st.next_sig(k + 1)
        if st.text(end) != ";":
            st.fail(k, "expected ; after typedef name")
        return Typedef(name, "struct", members=members, pkg=pkg), end + 1, consts
    if t == "enum":
        j = st.next_sig(j + 1)
        dims = []
        signed = False
        if st.text(j) in ("logic", "bit", "reg"):
            j = st.next_sig(j + 1)
            if st.text(j) in ("signed", "unsigned"):
                signed = st.text(j) == "signed"
                j = st.next_sig(j + 1)
            dims, j = parse_dims(st, j)
        elif st.text(j) != "{":
            st.fail(j, "enum base type not understood")
        close = st.match(j, "{")
        for item in split_top(st.toks[j + 1:close], ","):
            item = [x for x in item if sig(x)]
            if item:
                consts.append(item[0].text)
        k = st.next_sig(close + 1)
        name = st.text(k)
        end = st.next_sig(k + 1)
        if st.text(end) != ";":
            st.fail(k, "expected ; after typedef name")
        td = Typedef(name, "enum", dims=dims, signed=signed, pkg=pkg)
        if not dims:
            # An enum without a base type is an int.
            td.fixed_width = "32"
            td.signed = True
        return td, end + 1, consts
    # typedef <vector type> NAME;
    k_end = j
    while st.text(k_end) != ";":
        k_end = st.next_sig(k_end + 1)
        if k_end >= len(st.toks):
            st.fail(i, "unterminated typedef")
    name_i = st.prev_sig(k_end)
    name = st.text(name_i)
    sub = Stream(st.toks[j:name_i], st.where)
    t0 = sub.next_sig(0)
    if sub.text(t0) in FIXED_TYPES:
        w, s = FIXED_TYPES[sub.text(t0)]
        td = Typedef(name, "vector", signed=s, pkg=pkg)
        td.fixed_width = w
        return td, k_end + 1, consts
    if sub.text(t0) in ("logic", "bit", "reg"):
        k = sub.next_sig(t0 + 1)
        signed = False
        if sub.text(k) in ("signed", "unsigned"):
            signed = sub.text(k) == "signed"
            k = sub.next_sig(k + 1)
        dims, k = parse_dims(sub, k)
        if len(dims) > 1:
            st.fail(i, f"typedef {name}: multi-dimensional packed typedef is not rewritten")
        return Typedef(name, "vector", dims=dims, signed=signed, pkg=pkg), k_end + 1, consts
    td, _ = lookup_type(sub, t0, typedefs)
    if td is not None:
        alias = Typedef(name, td.kind, dims=td.dims, signed=td.signed, members=td.members,
                        pkg=pkg)
        if getattr(td, "fixed_width", None):
            alias.fixed_width = td.fixed_width
        return alias, k_end + 1, consts
    st.fail(i, f"typedef {name}: type not understood")


# --------------------------------------------------------------------------------------- units

class Package:
    def __init__(self, name):
        self.name = name
        self.members = set()   # every name the package declares
        self.values = set()    # its parameters and enum constants
        self.typedefs = {}


class Decl:
    def __init__(self, name, packed, unpacked, line):
        self.name, self.packed, self.unpacked, self.line = name, packed, unpacked, line
        self.struct = None
        self.packed_span = None


def scan_package(st, pkg):
    """Collect the names a package declares (parameters, typedefs, enum constants)."""
    i = 0
    n = len(st.toks)
    while i < n:
        t = st.text(i)
        if t == "typedef":
            td, i, consts = parse_typedef(st, i, pkg.typedefs, pkg=pkg.name)
            pkg.typedefs[td.name] = td
            pkg.members.add(td.name)
            pkg.members.update(consts)
            pkg.values.update(consts)
            continue
        if t in ("parameter", "localparam"):
            j = i + 1
            while st.text(j) not in (";",):
                j += 1
            stmt = st.toks[i + 1:j]
            for part in split_top(stmt, ","):
                names = [x for x in split_top(part, "=")[0] if sig(x) and x.kind == "id"]
                if names:
                    pkg.members.add(names[-1].text)
                    pkg.values.add(names[-1].text)
            i = j + 1
            continue
        if t in ("function", "task"):
            j = st.next_sig(i + 1)
            end = "endfunction" if t == "function" else "endtask"
            k = j
            while st.text(k) != end:
                k += 1
            # the name is the identifier before the first ( or ;
            m = j
            while st.text(m) not in ("(", ";"):
                m += 1
            pkg.members.add(st.text(st.prev_sig(m)))
            i = k + 1
            continue
        i += 1


# --------------------------------------------------------------------------------------- passes

class Module:
    def __init__(self, name, where):
        self.name = name
        self.where = where
        self.imports = []
        self.params = []       # [(name, is_local)]
        self.decls = {}        # name -> Decl
        self.decl_pos = set()  # token indices of declared names (in the current token list)
        self.local_names = set()
        self.typedefs = {}
        self.rewrites = {}

    def count(self, what, n=1):
        self.rewrites[what] = self.rewrites.get(what, 0) + n


def all_typedefs(mod, packages):
    tds = {}
    for p in mod.imports:
        tds.update(packages[p].typedefs)
    tds.update(mod.typedefs)
    return tds


def pass_imports(toks, mod, packages, where):
    """Remove `import P::*;` items (header or body) and record the packages."""
    st = Stream(toks, where)
    out = []
    i = 0
    while i < len(toks):
        if toks[i].text == "import":
            j = st.next_sig(i + 1)
            k = st.next_sig(j + 1)
            m = st.next_sig(k + 1)
            e = st.next_sig(m + 1)
            if st.text(k) != "::" or st.text(m) != "*" or st.text(e) != ";":
                st.fail(i, "only `import P::*;` is supported")
            p = st.text(j)
            if p not in packages:
                st.fail(j, f"package {p} is not among the input files (list it first)")
            if p not in mod.imports:
                mod.imports.append(p)
            mod.count("pkg: import removed")
            i = e + 1
            continue
        out.append(toks[i])
        i += 1
    return out


def skip_statement(st, p):
    """Index just after the statement starting at p."""
    t = st.text(p)
    if t in ("unique", "unique0", "priority"):
        p = st.next_sig(p + 1)
        t = st.text(p)
    if t == "begin":
        return block_end(st, p, "begin", "end") + 1
    if t in ("case", "casez", "casex"):
        return block_end(st, p, t, "endcase") + 1
    if t in ("if", "for", "while"):
        q = st.next_sig(p + 1)
        q = st.next_sig(st.match(q, "(") + 1)
        q = st.next_sig(skip_statement(st, q))
        if t == "if" and st.text(q) == "else":
            return skip_statement(st, st.next_sig(q + 1))
        return q
    while st.text(p) != ";":
        p += 1
        if p >= len(st.toks):
            st.fail(p - 1, "statement without ;")
    return p + 1


def block_end(st, p, open_kw, close_kw):
    """Index of the keyword closing the block opened at p (case-like keywords nest)."""
    opens = {"case", "casez", "casex"} if close_kw == "endcase" else {open_kw}
    depth = 0
    for j in range(p, len(st.toks)):
        t = st.text(j)
        if t in opens:
            depth += 1
        elif t == close_kw:
            depth -= 1
            if depth == 0:
                return j
    st.fail(p, f"no {close_kw} for this {open_kw}")


def return_is_final(st, start, p):
    """True when no statement of the function (its body begins at start) can run after the
    statement that ends just before p: what follows is only ends, the other items of a case, or
    the else branch of an if whose then branch it was."""
    while True:
        p = st.next_sig(p)
        t = st.text(p)
        if t == "endfunction":
            return True
        if t in ("end", "endcase"):
            p += 1
            if st.text(st.next_sig(p)) == ":":  # end : label
                p = st.next_sig(st.next_sig(p) + 1) + 1
            continue
        if t == "else":
            p = skip_statement(st, st.next_sig(p + 1))
            continue
        # Inside a case body (an item label follows): skip to its endcase.
        stack = []
        for j in range(start, p):
            x = st.text(j)
            if x in ("begin", "case", "casez", "casex"):
                stack.append(x)
            elif x in ("end", "endcase") and stack:
                stack.pop()
        if stack and stack[-1] in ("case", "casez", "casex"):
            depth = 1
            while depth:
                p += 1
                if p >= len(st.toks):
                    return False
                x = st.text(p)
                if x in ("case", "casez", "casex"):
                    depth += 1
                elif x == "endcase":
                    depth -= 1
            continue
        return False


def pass_return(toks, mod, where):
    """`return e;` -> `f = e;` where nothing of the function f runs after it."""
    st = Stream(toks, where)
    out = []
    i = 0
    fname = None
    fstart = 0
    while i < len(toks):
        t = toks[i].text
        if t == "function":
            m = i
            while st.text(m) not in ("(", ";"):
                m += 1
            fname = st.text(st.prev_sig(m))
            fstart = i
        elif t == "endfunction":
            fname = None
        elif t == "return":
            if fname is None:
                st.fail(i, "return outside a function is not supported")
            j = i
            while st.text(j) != ";":
                j += 1
            if not return_is_final(st, fstart, j + 1):
                st.fail(i, "a return after which the function goes on is not supported")
            expr = toks[st.next_sig(i + 1):j]
            if not [x for x in expr if sig(x)]:
                st.fail(i, "a return without a value is not supported")
            out.extend(gen(f"{fname} =", toks[i].line))
            out.append(Tok("ws", " ", toks[i].line))
            out.extend(expr)
            mod.count("return: to assignment")
            i = j  # the ; is copied next
            continue
        out.append(toks[i])
        i += 1
    return out


def collect_typedefs(toks, mod, packages, where):
    st = Stream(toks, where)
    i = 0
    while i < len(toks):
        if toks[i].text == "typedef":
            td, i, consts = parse_typedef(st, i, all_typedefs(mod, packages))
            mod.typedefs[td.name] = td
            mod.local_names.add(td.name)
            mod.local_names.update(consts)
            mod.local_names.update(name for name, _ in td.members)
            continue
        i += 1


def pass_types(toks, mod, packages, where):
    """Casts to typedefs, $bits(typedef) and named struct assignment patterns."""
    tds = all_typedefs(mod, packages)
    st = Stream(toks, where)
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        # $bits(T)
        if t.text == "$bits":
            j = st.next_sig(i + 1)
            if st.text(j) == "(":
                close = st.match(j, "(")
                a = st.next_sig(j + 1)
                td, after = lookup_type(st, a, tds) if toks[a].kind == "id" else (None, a)
                if td is not None and st.next_sig(after) == close:
                    out.extend(gen(td.width(f"{where}:{t.line}"), t.line))
                    mod.count("cast: $bits(type)")
                    i = close + 1
                    continue
        # T'(e)
        if t.kind == "id" and st.text(st.prev_sig(i)) != "::":
            td, after = lookup_type(st, i, tds)
            if td is not None:
                q = st.next_sig(after)
                p = st.next_sig(q + 1)
                if st.text(q) == "'" and st.text(p) == "(":
                    if td.kind == "struct":
                        st.fail(i, f"cast to struct {td.name} is not supported")
                    close = st.match(p, "(")
                    inner = pass_types(toks[p + 1:close], mod, packages, where)
                    fn = "$signed" if td.signed else "$unsigned"
                    out.extend(gen(f"{fn}(({td.width(f'{where}:{t.line}')})'(", t.line))
                    out.extend(inner)
                    out.extend(gen("))", t.line))
                    mod.count("cast: to typedef")
                    i = close + 1
                    continue
                # An enum type used as a data type becomes its base type: Yosys treats an enum as
                # its base vector anyway, and Verilator then accepts the $unsigned(...) casts
                # above being assigned to it (an int -> enum assignment is illegal SV).
                # `E [N-1:0] x` is logic [N-1:0][base] x: the enum's own range is the innermost.
                if td.kind == "enum" and st.text(st.prev_sig(i)) not in ("}", "typedef"):
                    base = enum_base(td, f"{where}:{t.line}")
                    j = st.next_sig(after)
                    if st.text(j) == "[":
                        if base == "int":
                            st.fail(i, f"packed dimensions on int-based enum {td.name}")
                        _, k = parse_dims(st, j)
                        k = st.prev_sig(k) + 1
                        head, rng = base.split(" [", 1)
                        out.extend(gen(head + " ", t.line))
                        out.extend(toks[j:k])
                        out.extend(gen("[" + rng, t.line))
                        i = k
                    else:
                        out.extend(gen(base, t.line))
                        i = after
                    mod.count("enum: type to base type")
                    continue
        # '{name: e, ...}
        if t.text == "'{":
            close = st.match(i, "'{")
            entries = split_top(toks[i + 1:close], ",")
            named = {}
            order = []
            for e in entries:
                e = strip(e)
                parts = split_top(e, ":")
                if len(parts) < 2 or len([x for x in parts[0] if sig(x)]) != 1:
                    st.fail(i, "only named assignment patterns '{member: value, ...} are "
                               "supported")
                key = [x for x in parts[0] if sig(x)][0].text
                if key == "default":
                    st.fail(i, "'{default: ...} patterns are not supported")
                # the value is everything after the first depth-0 colon
                value = None
                depth = 0
                for k, x in enumerate(e):
                    if x.text in ("(", "[", "{", "'{"):
                        depth += 1
                    elif x.text in (")", "]", "}"):
                        depth -= 1
                    elif depth == 0 and x.text == ":":
                        value = e[k + 1:]
                        break
                named[key] = pass_types(value, mod, packages, where)
                order.append(key)
            matches = [td for td in tds.values()
                       if td.kind == "struct" and {m for m, _ in td.members} == set(named)]
            if len(matches) != 1:
                st.fail(i, f"pattern with members {sorted(named)} matches {len(matches)} "
                           f"struct typedefs (need exactly one)")
            td = matches[0]
            out.extend(gen("{", t.line))
            for k, (m, w) in enumerate(td.members):
                if k:
                    out.extend(gen(", ", t.line))
                out.extend(gen(f"({w})'(", t.line))
                out.extend(strip(named[m]))
                out.extend(gen(")", t.line))
            out.extend(gen("}", t.line))
            mod.count("pattern: struct to concatenation")
            i = close + 1
            continue
        out.append(t)
        i += 1
    return out


def scan_decls(toks, mod, packages, where):
    """Record every declared variable/port/parameter with its packed and unpacked dimensions and
    the token index of its name."""
    tds = all_typedefs(mod, packages)
    st = Stream(toks, where)
    mod.decls = {}
    mod.decl_pos = set()
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i]
        if t.text == "typedef":
            # skip the typedef body (struct members are not variables)
            j = i
            depth = 0
            while True:
                x = toks[j].text
                if x in ("{", "'{"):
                    depth += 1
                elif x == "}":
                    depth -= 1
                elif x == ";" and depth == 0:
                    break
                j += 1
            i = j + 1
            continue
        # A declaration is TYPE [signed] [dims] NAME [dims] followed by , ; ) or =, wherever it
        # stands: a type name followed by a name is never an expression.
        if not sig(t) or st.text(st.prev_sig(i)) in (".", "::", "'"):
            i += 1
            continue
        j = i
        is_type = False
        if st.text(j) in DIR_KW:
            j = st.next_sig(j + 1)
            if st.text(j) == "var":
                j = st.next_sig(j + 1)
            is_type = True
        if st.text(j) in ("parameter", "localparam"):
            j = st.next_sig(j + 1)
            is_type = True
        type_packed = []
        struct_td = None
        type_start = j
        if st.text(j) in DATA_KW:
            j = st.next_sig(j + 1)
            is_type = True
        else:
            td, after = lookup_type(st, j, tds)
            if td is not None:
                j = st.next_sig(after)
                is_type = True
                if td.kind == "vector" and td.dims:
                    type_packed = td.dims
                if td.kind == "struct":
                    struct_td = td
        if not is_type:
            i += 1
            continue
        if st.text(j) in ("signed", "unsigned"):
            j = st.next_sig(j + 1)
        packed_start = j
        packed, j = parse_dims(st, j)
        if packed and type_packed:
            st.fail(j, "packed dimensions on a typedef'd type are not rewritten")
        packed = packed or type_packed
        packed_span = (packed_start, j) if st.text(packed_start) == "[" else None
        if struct_td is not None and packed:
            # S [N-1:0] x is logic [N-1:0][W-1:0] x, W the struct's width; the type is rewritten
            # with the dimensions.
            packed = packed + [Dim(size=struct_td.width(f"{st.where}:{toks[i].line}"))]
            packed_span = (type_start, j)
        # declared names
        while True:
            if toks[j].kind != "id" or toks[j].text in KEYWORDS:
                break
            name_i = j
            k = st.next_sig(j + 1)
            if st.text(k) in ("(", "'", "::"):
                break  # a function, a cast or an instance, not a declaration
            unpacked, k = parse_dims(st, k)
            if st.text(k) not in (",", ";", ")", "="):
                break
            name = toks[name_i].text
            d = Decl(name, packed, unpacked, toks[name_i].line)
            d.packed_span = packed_span
            d.struct = struct_td if (struct_td is not None and len(packed) > 1) else None
            prev = mod.decls.get(name)
            if prev is not None and (compact_dims(prev.packed) != compact_dims(packed) or
                                     compact_dims(prev.unpacked) != compact_dims(unpacked)):
                st.fail(name_i, f"{name} is declared twice with different dimensions")
            mod.decls[name] = d
            mod.decl_pos.add(name_i)
            if st.text(k) == "=":
                # skip the initializer
                depth = 0
                while True:
                    x = st.text(k)
                    if x in ("(", "[", "{", "'{"):
                        depth += 1
                    elif x in (")", "]", "}"):
                        if depth == 0:
                            break
                        depth -= 1
                    elif x in (",", ";") and depth == 0:
                        break
                    k += 1
            if st.text(k) != ",":
                break
            j = st.next_sig(k + 1)
        i += 1


def compact_dims(dims):
    return [(d.msb, d.lsb, d.size) for d in dims]


def pass_copy(toks, mod, where):
    """A <= B; / A = B; on whole unpacked arrays -> a for loop over the elements."""
    st = Stream(toks, where)
    out = []
    i = 0
    stmt_prev = {";", "begin", "else", "end", ")", ":"}
    while i < len(toks):
        t = toks[i]
        d = mod.decls.get(t.text) if t.kind == "id" else None
        if d is not None and d.unpacked and i not in mod.decl_pos and \
                st.text(st.prev_sig(i)) in stmt_prev:
            op = st.next_sig(i + 1)
            src = st.next_sig(op + 1)
            semi = st.next_sig(src + 1)
            sd = mod.decls.get(st.text(src))
            if st.text(op) in ("<=", "=") and sd is not None and st.text(semi) == ";":
                if st.text(st.prev_sig(i)) == "assign" or not sd.unpacked:
                    st.fail(i, "whole-array assignment form not supported")
                if len(d.unpacked) != 1 or compact_dims(d.unpacked) != compact_dims(sd.unpacked):
                    st.fail(i, "whole-array copy needs one matching unpacked dimension")
                dim = d.unpacked[0]
                if dim.size is not None:
                    lo, hi = "0", f"({dim.size})-1"
                else:
                    lo, hi = f"({dim.lsb})", f"({dim.msb})"
                    if dim.lsb.strip() != "0":
                        st.fail(i, "whole-array copy over [H:L] with L != 0 is not supported")
                v = "sv4y_i"
                text = (f"for (int {v} = {lo}; {v} <= {hi}; {v}++) "
                        f"{t.text}[{v}] {st.text(op)} {st.text(src)}[{v}];")
                out.extend(gen(text, t.line))
                mod.count("copy: whole array to loop")
                i = semi + 1
                continue
        out.append(t)
        i += 1
    return out


def select_parts(st, lb, rb):
    """Classify the select between brackets lb..rb: ('index', e) | ('range', a, b) |
    ('up', a, w) | ('down', a, w), each a token list."""
    inner = st.toks[lb + 1:rb]
    depth = 0
    pending_q = 0
    for k, x in enumerate(inner):
        if x.text in ("(", "[", "{", "'{"):
            depth += 1
        elif x.text in (")", "]", "}"):
            depth -= 1
        elif depth == 0:
            if x.text == "+:":
                return ("up", inner[:k], inner[k + 1:])
            if x.text == "-:":
                return ("down", inner[:k], inner[k + 1:])
            if x.text == "?":
                pending_q += 1
            elif x.text == ":":
                if pending_q:
                    pending_q -= 1
                else:
                    return ("range", inner[:k], inner[k + 1:])
    return ("index", inner)


def pass_comb_locals(toks, mod, where):
    """Variables declared at the top of an always_comb block get '0 right after their declarations.
    They are temporaries: the block writes each before reading it (else it would not be
    combinational), so the value is unchanged; Yosys 0.23 otherwise infers a latch for a
    temporary written only on some paths and refuses the always_comb."""
    st = Stream(toks, where)
    out = []
    i = 0
    while i < len(toks):
        out.append(toks[i])
        if toks[i].text != "always_comb":
            i += 1
            continue
        b = st.next_sig(i + 1)
        if st.text(b) != "begin":
            i += 1
            continue
        out.extend(toks[i + 1:b + 1])
        p = b + 1
        if st.text(st.next_sig(p)) == ":":  # begin : label
            q = st.next_sig(st.next_sig(p) + 1) + 1
            out.extend(toks[p:q])
            p = q
        names = []
        while True:
            j = st.next_sig(p)
            if st.text(j) not in DATA_KW or st.text(j) == "genvar":
                break
            semi = j
            while st.text(semi) != ";":
                semi += 1
            stmt = [x for x in toks[j:semi] if sig(x)]
            if any(x.text == "=" for x in stmt) or any(x.text == "[" for x in stmt[-1:]):
                st.fail(j, "always_comb local with an initializer or unpacked dimensions")
            # names: identifiers directly before a depth-0 , or the end
            depth = 0
            for k, x in enumerate(stmt):
                if x.text == "[":
                    depth += 1
                elif x.text == "]":
                    depth -= 1
                elif depth == 0 and x.kind == "id" and x.text not in KEYWORDS and \
                        (k + 1 == len(stmt) or stmt[k + 1].text == ","):
                    names.append(x.text)
            out.extend(toks[p:semi + 1])
            p = semi + 1
        if names:
            line = toks[b].line
            out.extend(gen(" " + " ".join(f"{n} = '0;" for n in names), line))
            mod.count("comb: local temporaries set to '0")
        i = p
    return out


def pass_packed(toks, mod, where):
    """Flatten multi-dimensional packed declarations and rewrite their selects."""
    st = Stream(toks, where)
    md = {n: d for n, d in mod.decls.items() if len(d.packed) > 1}
    if not md:
        return toks
    out = []
    i = 0
    flat_spans = {}
    for pos in mod.decl_pos:
        name = toks[pos].text
        if name in md and md[name].packed_span is not None:
            flat_spans[md[name].packed_span[0]] = (md[name].packed_span[1], md[name])
    while i < len(toks):
        t = toks[i]
        if i in flat_spans:
            end, d = flat_spans[i]
            w = product([x.width(f"{where}:{t.line}") for x in d.packed])
            out.extend(gen(f"{'logic ' if d.struct else ''}[{w}-1:0] ", t.line))
            mod.count("packed: declaration flattened")
            i = end
            continue
        if t.kind == "id" and t.text in md and i not in mod.decl_pos:
            prev = st.text(st.prev_sig(i))
            nxt = st.next_sig(i + 1)
            if prev in (".", "::") or st.text(nxt) == "::":
                out.append(t)
                i += 1
                continue
            if prev in ("$size", "$left", "$right", "$high", "$low", "$increment",
                        "$dimensions") or (prev == "(" and
                                           st.text(st.prev_sig(st.prev_sig(i))) in
                                           ("$size", "$left", "$right", "$high", "$low",
                                            "$increment", "$dimensions",
                                            "$unpacked_dimensions")):
                st.fail(i, f"array query on multi-dimensional {t.text} is not rewritten")
            d = md[t.text]
            sels = []
            j = nxt
            while st.text(j) == "[":
                rb = st.match(j, "[")
                sels.append((j, rb))
                j = st.next_sig(rb + 1)
            u = len(d.unpacked)
            packed_sels = sels[u:]
            member = None
            if st.text(j) == ".":
                # x[i].m on a packed array of structs: the member's bits within element i.
                if d.struct is None or len(packed_sels) != len(d.packed) - 1:
                    st.fail(i, f"member select on {t.text} is not supported")
                mname = st.text(st.next_sig(j + 1))
                names = [m for m, _ in d.struct.members]
                if mname not in names:
                    st.fail(i, f"{d.struct.name} has no member {mname}")
                k = names.index(mname)
                moff = "+".join(w for _, w in d.struct.members[k + 1:]) or "0"
                member = (f"({moff})", d.struct.members[k][1])
                after_m = st.next_sig(st.next_sig(j + 1) + 1)
                sub = None
                if st.text(after_m) == "[":
                    rb = st.match(after_m, "[")
                    sub = (after_m, rb)
                    after_m = rb + 1
            if not packed_sels:
                out.append(t)
                i += 1
                continue
            if len(packed_sels) > len(d.packed):
                st.fail(i, f"more selects than dimensions on {t.text}")
            wh = f"{where}:{t.line}"
            widths = [x.width(wh) for x in d.packed]
            strides = [product(widths[k + 1:]) for k in range(len(widths))]
            # unpacked selects stay as they are (their contents rewritten recursively)
            out.append(t)
            for (lb, rb) in sels[:u]:
                out.extend(gen("[", t.line))
                out.extend(pass_packed_inner(toks[lb + 1:rb], mod, where))
                out.extend(gen("]", t.line))
            if member is not None:
                terms = []
                for k, (lb, rb) in enumerate(packed_sels):
                    kind = select_parts(st, lb, rb)
                    if kind[0] != "index":
                        st.fail(lb, f"a member select needs plain indexes on {t.text}")
                    e = untokenize(pass_packed_inner(kind[1], mod, where)).strip()
                    terms.append(f"({e})*{strides[k]}")
                terms.append(member[0])
                base = " + ".join(terms)
                if sub is None:
                    sel = f"[{base} +: {member[1]}]"
                else:
                    kind = select_parts(st, *sub)
                    parts = [untokenize(pass_packed_inner(p, mod, where)).strip()
                             for p in kind[1:]]
                    if kind[0] == "index":
                        sel = f"[{base} + ({parts[0]})]"
                    elif kind[0] == "range":
                        sel = f"[{base} + ({parts[1]}) +: ({parts[0]})-({parts[1]})+1]"
                    elif kind[0] == "up":
                        sel = f"[{base} + ({parts[0]}) +: {parts[1]}]"
                    else:
                        sel = f"[{base} + ({parts[0]})-({parts[1]})+1 +: {parts[1]}]"
                out.extend(gen(sel, t.line))
                mod.count("packed: struct member select rewritten")
                i = after_m
                continue
            terms = []
            for k, (lb, rb) in enumerate(packed_sels[:-1]):
                kind = select_parts(st, lb, rb)
                if kind[0] != "index":
                    st.fail(lb, f"only the last select of {t.text} may be a range")
                e = untokenize(pass_packed_inner(kind[1], mod, where)).strip()
                terms.append(f"({e})*{strides[k]}")
            k = len(packed_sels) - 1
            lb, rb = packed_sels[-1]
            kind = select_parts(st, lb, rb)
            parts = [untokenize(pass_packed_inner(p, mod, where)).strip() for p in kind[1:]]
            base = " + ".join(terms)
            pre = f"{base} + " if base else ""
            s = strides[k]
            if kind[0] == "index":
                if k == len(d.packed) - 1:
                    sel = f"[{pre}({parts[0]})]"
                else:
                    sel = f"[{pre}({parts[0]})*{s} +: {s}]"
            elif kind[0] == "range":
                sel = f"[{pre}({parts[1]})*{s} +: (({parts[0]})-({parts[1]})+1)*{s}]"
            elif kind[0] == "up":
                sel = f"[{pre}({parts[0]})*{s} +: ({parts[1]})*{s}]"
            else:
                sel = f"[{pre}(({parts[0]})-({parts[1]})+1)*{s} +: ({parts[1]})*{s}]"
            out.extend(gen(sel, t.line))
            mod.count("packed: select rewritten")
            i = packed_sels[-1][1] + 1
            continue
        out.append(t)
        i += 1
    return out


def pass_packed_inner(toks, mod, where):
    """Rewrite selects inside an index expression (no declarations there)."""
    saved = mod.decl_pos
    mod.decl_pos = set()
    try:
        return pass_packed(toks, mod, where)
    finally:
        mod.decl_pos = saved


def pass_qualify(toks, mod, packages, where):
    """Write P::name for every use of a name an imported package declares."""
    if not mod.imports:
        return toks
    owner = {}
    for p in mod.imports:
        for m in packages[p].members:
            if m in owner and owner[m] != p:
                raise ConvertError(f"{where}: {m} is declared by packages {owner[m]} and {p}")
            owner[m] = p
    clash = (set(mod.decls) | mod.local_names) & set(owner)
    if clash:
        raise ConvertError(f"{where}: module {mod.name} declares {sorted(clash)}, also declared "
                           f"by an imported package (shadowing is not rewritten)")
    st = Stream(toks, where)
    out = []
    for i, t in enumerate(toks):
        if t.kind == "id" and t.text in owner:
            prev = st.text(st.prev_sig(i))
            nxt = st.text(st.next_sig(i + 1))
            if prev not in (".", "::") and nxt != "::":
                q = f"{owner[t.text]}::{t.text}"
                # P::W'(e) is not read as a size cast by Yosys 0.23; (P::W)'(e) is.
                out.extend(gen(f"({q})" if nxt == "'" else q, t.line))
                mod.count("pkg: name qualified")
                continue
        out.append(t)
    return out


def header_params(toks, where):
    """The module's parameters, [(name, is_local)], in declaration order."""
    st = Stream(toks, where)
    params = []
    i = 0
    while i < len(toks):
        if toks[i].text not in ("parameter", "localparam"):
            i += 1
            continue
        local = toks[i].text == "localparam"
        j = i + 1
        depth = 0
        while j < len(toks):
            x = toks[j].text
            if x in ("(", "[", "{", "'{"):
                depth += 1
            elif x in (")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and x in (";", "parameter", "localparam"):
                break
            elif depth == 0 and x == "=":
                params.append((st.text(st.prev_sig(j)), local))
            j += 1
        i = j
    return params


# --------------------------------------------------------------------------------------- driver

def preprocess(path, defines):
    cmd = ["verilator", "-E", "-P"] + [f"+define+{d}" for d in defines] + [path]
    try:
        res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise ConvertError("verilator is not installed (needed for `verilator -E`)")
    except subprocess.CalledProcessError as e:
        raise ConvertError(f"verilator -E failed on {path}:\n{e.stderr}")
    return res.stdout


def split_units(toks, where):
    """Split a file into top-level pieces: ('package'|'module'|'other', tokens)."""
    st = Stream(toks, where)
    units = []
    i = 0
    cur = []
    while i < len(toks):
        t = toks[i].text
        if t in ("package", "module"):
            if cur:
                units.append(("other", cur))
                cur = []
            end = "endpackage" if t == "package" else "endmodule"
            j = i
            while st.text(j) != end:
                j += 1
                if j >= len(toks):
                    st.fail(i, f"missing {end}")
            units.append((t, toks[i:j + 1]))
            i = j + 1
            continue
        cur.append(toks[i])
        i += 1
    if cur:
        units.append(("other", cur))
    return units


def dependencies(toks, names):
    """Names from `names` used in toks (instantiated modules, packages named P::x)."""
    st = Stream(toks, "")
    used = set()
    for i, t in enumerate(toks):
        if t.kind == "id" and t.text in names:
            used.add(t.text)
        if t.kind == "id" and st.text(st.next_sig(i + 1)) == "::":
            used.add(t.text)
    return used


def convert_module(toks, packages, file_imports, where):
    st = Stream(toks, where)
    name = st.text(st.next_sig(1))
    mod = Module(name, where)
    mod.imports = list(file_imports)
    toks = pass_imports(toks, mod, packages, where)
    toks = pass_return(toks, mod, where)
    toks = pass_comb_locals(toks, mod, where)
    collect_typedefs(toks, mod, packages, where)
    toks = pass_types(toks, mod, packages, where)
    scan_decls(toks, mod, packages, where)
    toks = pass_copy(toks, mod, where)
    scan_decls(toks, mod, packages, where)
    toks = pass_packed(toks, mod, where)
    scan_decls(toks, mod, packages, where)
    toks = pass_qualify(toks, mod, packages, where)
    mod.params = header_params(toks, where)
    return mod, toks


def convert_package(toks, pkg, packages, where):
    """The same rewrites inside a package (its own names need no qualifying)."""
    mod = Module(pkg.name, where)
    mod.typedefs = dict(pkg.typedefs)
    toks = pass_return(toks, mod, where)
    toks = pass_types(toks, mod, packages, where)
    scan_decls(toks, mod, packages, where)
    toks = pass_copy(toks, mod, where)
    scan_decls(toks, mod, packages, where)
    toks = pass_packed(toks, mod, where)
    # Yosys 0.23 evaluates a package function where it is called and does not find the package's
    # own parameters and enum constants there: inside functions they are written P::name.
    st = Stream(toks, where)
    out = []
    in_function = False
    for i, t in enumerate(toks):
        if t.text == "function":
            in_function = True
        elif t.text == "endfunction":
            in_function = False
        elif in_function and t.kind == "id" and t.text in pkg.values and \
                st.text(st.prev_sig(i)) not in (".", "::") and \
                st.text(st.next_sig(i + 1)) != "::":
            q = f"{pkg.name}::{t.text}"
            out.extend(gen(f"({q})" if st.text(st.next_sig(i + 1)) == "'" else q, t.line))
            mod.count("pkg: own name qualified in a function")
            continue
        out.append(t)
    return mod, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--define", action="append", default=[], help="+define+ for verilator -E")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)

    os.makedirs(args.out, exist_ok=True)
    packages = {}
    manifest = {"generator": "scripts/area/sv_for_yosys.py", "defines": args.define,
                "files": [], "modules": {}, "packages": {}}
    # Pass 1: the module names of every file, to find which modules each one instantiates.
    texts = {}
    module_names = set()
    failed = 0
    for path in args.files:
        try:
            texts[path] = tokenize(preprocess(path, args.define))
        except ConvertError as e:
            print(f"sv_for_yosys: error: {e}", file=sys.stderr)
            manifest["files"].append({"path": path, "error": str(e)})
            failed += 1
            continue
        st = Stream(texts[path], path)
        for i, t in enumerate(texts[path]):
            if t.text == "module":
                module_names.add(st.text(st.next_sig(i + 1)))
    # Pass 2: rewrite. A file that cannot be rewritten is reported and skipped, so that tops
    # that do not need it still work.
    for path in args.files:
        if path not in texts:
            continue
        where = os.path.basename(path)
        out = []
        file_imports = []
        units = {}
        try:
            for kind, unit in split_units(texts[path], where):
                if kind == "package":
                    st = Stream(unit, where)
                    pkg = Package(st.text(st.next_sig(1)))
                    scan_package(st, pkg)
                    packages[pkg.name] = pkg
                    mod, conv = convert_package(unit, pkg, packages, where)
                    units[pkg.name] = ("package", {
                        "file": where, "members": sorted(pkg.members), "rewrites": mod.rewrites,
                        "needs": sorted(dependencies(unit, module_names | set(packages)) -
                                        {pkg.name})})
                    out.extend(conv)
                elif kind == "module":
                    mod, conv = convert_module(unit, packages, file_imports, where)
                    needs = dependencies(unit, module_names | set(packages)) | set(mod.imports)
                    units[mod.name] = ("module", {
                        "file": where,
                        "imports": mod.imports,
                        "parameters": [p for p, local in mod.params if not local],
                        "localparams": [p for p, local in mod.params if local],
                        "needs": sorted(needs - {mod.name}),
                        "rewrites": mod.rewrites,
                    })
                    out.extend(conv)
                else:
                    # file-scope imports apply to the modules that follow in this file
                    dummy = Module("<file>", where)
                    rest = pass_imports(unit, dummy, packages, where)
                    file_imports.extend(p for p in dummy.imports if p not in file_imports)
                    out.extend(rest)
        except ConvertError as e:
            print(f"sv_for_yosys: error: {e}", file=sys.stderr)
            manifest["files"].append({"path": path, "error": str(e)})
            failed += 1
            continue
        dst = os.path.join(args.out, os.path.basename(path))
        with open(dst, "w") as f:
            f.write(f"// Generated by scripts/area/sv_for_yosys.py from {where} for Yosys "
                    f"0.23; do not edit.\n")
            f.write(untokenize(out))
            if not out or not out[-1].text.endswith("\n"):
                f.write("\n")
        manifest["files"].append({"path": path, "converted": dst})
        for name, (kind, info) in units.items():
            manifest["modules" if kind == "module" else "packages"][name] = info
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
