"""Read an op's math from its docstring, the one place it is written.

Every op's docstring starts with its forward formula and then its gradient, separated by a period
and a gap (four spaces or a new line); when the first paragraph holds only the forward formula, the
gradient is the next paragraph::

    class Mul(Op):
        \"\"\"out = a * b.    d(out)/da = b, d(out)/db = a (the course's u = b*c: du/db = c).\"\"\"

`op_formula(Mul)` gives `("out = a * b", "d(out)/da = b, d(out)/db = a (...)")`, and
`input_rules(Mul, 2)` splits the gradient into one rule per input: `["d(out)/da = b",
"d(out)/db = a"]`. `substitute` puts the graph's names in place of the formula's letters, which
turns Mul's rule into the course's `du/db = c` for `u = b * c`.
"""

from __future__ import annotations

import inspect
import re

# "a period, then a gap": the end of the forward formula
_GAP = re.compile(r"\.(?: {2,}|[ \t]*\n)")
# where a rule for one input starts: `dJ/dZ`, `d(out)/da`, `ds_i/dx_j`, or `dW =`
_RULE = re.compile(r"\bd(?:\(\w+\)|[A-Za-z]\w*)/d(?P<den>[A-Za-z]\w*)|\bd(?P<lhs>[A-Z]\w*)(?= =)")
# a name inside a formula (a letter, then letters, digits or _)
_NAME = re.compile(r"\bd\((\w+)\)|\b[A-Za-z]\w*")


def op_formula(op: type) -> tuple[str, str]:
    """`(forward, gradient)` from the docstring of the op class `op`, each on one line
    (`("", "")` when the op has no docstring, as a quick user-defined Function may not)."""
    doc = inspect.getdoc(op) if op.__doc__ else None  # getdoc would inherit Function's
    if not doc:
        return "", ""
    paragraphs = [p for p in doc.split("\n\n") if p.strip()]
    first = paragraphs[0]
    split = _GAP.search(first + "\n")
    # no period ends the forward formula ("y = x^3", a user's op): all of it is the forward
    cut = (split.start(), split.end()) if split is not None else (len(first), len(first))
    forward, gradient = first[: cut[0]], first[cut[1] :]
    if not gradient.strip() and len(paragraphs) > 1:
        gradient = paragraphs[1]
    return _one_line(forward), _one_line(gradient).rstrip(".")


def output_name(op: type) -> str | None:
    """The letter the forward formula gives its result (`out`, `A`, `Z`, `J`), or None."""
    forward, _ = op_formula(op)
    match = re.match(r"\s*([A-Za-z]\w*)\s*=", forward)
    return match.group(1) if match else None


def input_rules(op: type, n_inputs: int) -> list[tuple[str | None, str]]:
    """The gradient split into one `(letter, rule)` per input, the letter being the input's name in
    the formula (`("a", "d(out)/da = b")`). When the docstring does not have exactly one rule per
    input (prose, or a single-input op that states its rule twice), every input gets the whole
    gradient text, with the letter of its first rule (or None)."""
    _, gradient = op_formula(op)
    text = drop_remarks(gradient)
    starts = [(m.start(), m.group("den") or m.group("lhs")) for m in _RULE.finditer(text)]
    # a rule runs to the start of the next input's rule: `dA/dZ = A (1 - A), so dZ = ...` is one
    groups = [
        (pos, letter)
        for i, (pos, letter) in enumerate(starts)
        if i == 0 or starts[i - 1][1] != letter
    ]
    rules: list[tuple[str | None, str]] = []
    for i, (start, letter) in enumerate(groups):
        end = groups[i + 1][0] if i + 1 < len(groups) else len(text)
        rules.append((letter, re.sub(r"(?:[,;]|\band\b|\s)+$", "", text[start:end])))
    if len(rules) == n_inputs:
        return rules
    letter = starts[0][1] if starts else None
    return [(letter, text)] * n_inputs


def drop_remarks(text: str) -> str:
    """The formula without its remarks in parentheses, those that start with a word:
    "d(out)/da = b (the course's u = b*c)" -> "d(out)/da = b"; "A (1 - A)" stays."""
    out, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        if text[i] == "(" and depth == 0 and re.match(r"\((?:the|as|defined|see)\b", text[i:]):
            out.append(text[start:i].rstrip())
            depth, j = 0, i
            while j < len(text):  # skip to the matching ")"
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            start = i = j
            continue
        i += 1
    out.append(text[start:])
    return "".join(out).strip()


def substitute(rule: str, names: dict[str, str]) -> str:
    """Put `names[letter]` in place of each letter of the formula, and `d<name>` in place of
    `d<letter>` and `d(<letter>)`; names that are expressions get parentheses."""

    def replace(match: re.Match) -> str:
        word = match.group(1) or match.group(0)
        derivative = match.group(1) is not None
        if word in names:
            return f"d{_wrap(names[word])}" if derivative else _wrap(names[word], loose=True)
        if word.startswith("d") and word[1:] in names:
            return f"d{_wrap(names[word[1:]])}"
        return match.group(0)

    return _NAME.sub(replace, rule)


def _wrap(name: str, loose: bool = False) -> str:
    """`name` in parentheses unless it is one word; `loose` (a value, not a derivative's
    denominator) also leaves numbers and calls such as `exp(x)` bare."""
    if re.fullmatch(r"[A-Za-z_]\w*", name) or (loose and " " not in name):
        return name
    return f"({name})"


def _one_line(text: str) -> str:
    return " ".join(text.split())
