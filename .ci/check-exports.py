#!/usr/bin/env python3
"""Every package an oxen bundle exports is versioned in its own package-info.java.

The project's rule (README, shared/notes/style.md): a package is exported only by
`@Export @Version` in its package-info.java, never by an Export-Package or -exportcontents
instruction. This checks, for the tree given (default: the current directory):

  1. no bnd.bnd (nor cnf/*.bnd) exports packages by instruction;
  2. every package-info.java with @Export also has @Version;
  3. in each built bundle jar (*/target/*.jar with an org.oxen Bundle-SymbolicName), every
     exported org.oxen package carries a version above 0.0.0 and has a package-info.java with
     @Export and @Version in the tree (its own module's, or the home module's of a package a
     bundle packs with -conditionalpackage).

Prints one line per problem and exits 1 if there is any; silent and 0 otherwise.
"""
import pathlib
import re
import sys
import zipfile

EXPORT = re.compile(r"^\s*@(?:org\.osgi\.annotation\.bundle\.)?Export\b", re.M)
VERSION = re.compile(r"^\s*@(?:org\.osgi\.annotation\.versioning\.)?Version\(\s*\"(\d+(?:\.\d+){0,2})\"\s*\)", re.M)
INSTRUCTION = re.compile(r"^\s*(Export-Package|-exportcontents)\s*[:=]", re.M)
SKIP = ("target", "node_modules", ".git")


def tracked(root, pattern):
    for p in root.rglob(pattern):
        if not any(part in SKIP for part in p.relative_to(root).parts[:-1]):
            yield p


def manifest_header(text, name):
    """The value of a MANIFEST.MF main header, continuation lines joined."""
    lines = text.replace("\r\n", "\n").split("\n")
    value = None
    for line in lines:
        if value is not None:
            if line.startswith(" "):
                value += line[1:]
                continue
            break
        if line.startswith(name + ":"):
            value = line[len(name) + 1:].strip()
    return value


def split_clauses(header):
    """Export-Package clauses, split on commas outside quotes."""
    clauses, cur, quoted = [], [], False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            clauses.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        clauses.append("".join(cur))
    return [c.strip() for c in clauses if c.strip()]


def main(root):
    problems = []
    for bnd in list(tracked(root, "bnd.bnd")) + list((root / "cnf").glob("*.bnd")):
        for m in INSTRUCTION.finditer(bnd.read_text(errors="replace")):
            problems.append(f"{bnd.relative_to(root)}: exports by '{m.group(1)}': use @Export @Version in package-info.java")
    infos = {}
    for info in tracked(root, "package-info.java"):
        text = info.read_text(errors="replace")
        if EXPORT.search(text) and not VERSION.search(text):
            problems.append(f"{info.relative_to(root)}: @Export without @Version")
        parts = info.parent.parts
        if "java" in parts:  # .../src/main/java/org/oxen/...: the package's name
            infos[".".join(parts[len(parts) - parts[::-1].index("java"):])] = (info, text)
    for jar in sorted(list(root.glob("*/target/*.jar")) + list(root.glob("*/*/target/*.jar"))):
        try:
            with zipfile.ZipFile(jar) as z:
                mf = z.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
        except (KeyError, zipfile.BadZipFile):
            continue
        bsn = manifest_header(mf, "Bundle-SymbolicName")
        exports = manifest_header(mf, "Export-Package")
        if not bsn or not bsn.startswith("org.oxen") or not exports:
            continue
        for clause in split_clauses(exports):
            parts = clause.split(";")
            pkg = parts[0]
            if not pkg.startswith("org.oxen"):
                continue  # a package packed privately from a dependency and re-exported by its bnd
            version = next((p.split("=", 1)[1].strip('"') for p in parts[1:] if p.startswith("version=")), None)
            where = f"{jar.relative_to(root)}: exports {pkg}"
            if version is None or re.fullmatch(r"0(\.0){0,2}", version):
                problems.append(f"{where} without a version")
            found = infos.get(pkg)  # in this module or, for a package a bundle packs (-conditionalpackage), its home
            if found is None:
                problems.append(f"{where}, which has no package-info.java in the tree")
            elif not EXPORT.search(found[1]) or not VERSION.search(found[1]):
                problems.append(f"{where}, whose {found[0].relative_to(root)} lacks @Export or @Version")
    for p in problems:
        print("exports: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()))
