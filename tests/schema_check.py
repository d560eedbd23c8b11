#!/usr/bin/env python3
"""tests/schema_check.py: validates gmpsim schedule files (docs/schedule-format.md).

usage:
  schema_check.py FILE...              validate schedule files
  schema_check.py --run GMPSIM [--keep DIR]
                                       run every scenario of `GMPSIM list` with seeds 1..5,
                                       procs 1, 2, 4 and go 1.16, 1.22 (--max-events 20000)
                                       into a temporary directory (or DIR, kept) and validate
                                       every file; also
                                       checks that a repeated run writes a byte-identical file
                                       and that the exit status agrees with the outcome
  schema_check.py --self-test [GMPSIM] check that the checker rejects broken files (a built-in
                                       sample of every event kind, plus a real run when GMPSIM
                                       is given)

Every line is validated against docs/schedule.schema.json (JSON Schema 2020-12), with one
strictness on top of JSON Schema: an integer must be written as one (1.0 and 1e+15 are
rejected). Then the rules one line cannot express: the Header first and the Footer last,
i = 0, 1, 2.., t never decreasing, the Footer's counts and digest, references (goroutines,
channels, variables, timers, contexts, Ps, Ms) to things that exist. See "File rules" in
docs/schedule-format.md.

Exit status 0 when everything is valid, 1 when a problem was found (one line per problem:
FILE:LINE: FIELD: WHAT), 2 on bad usage or a missing dependency.
Needs python3-jsonschema (Debian) 4.x; works with 4.10 and later.
"""
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(HERE, os.pardir, "docs", "schedule.schema.json")

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK64 = 0xFFFFFFFFFFFFFFFF
INT53 = 1 << 53

RUN_SEEDS = (1, 2, 3, 4, 5)
RUN_PROCS = (1, 2, 4)
RUN_GO = ("1.16", "1.22")
RUN_TIMEOUT_S = 600
RUN_MAX_EVENTS = 20000  # a runaway or hanging scenario ends as outcome "limit" (still validated): a prefix checks the format as well


def fnv1a64(data, h=FNV_OFFSET):
    """FNV-1a 64 of data (bytes), continuing from h."""
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return h


# ---- [SECTION] the schema ------------------------------------------------------------


class SchemaError(Exception):
    pass


def _is_strict_int(checker, instance):
    # JSON Schema calls 1.0 an integer; a schedule file never writes one that way.
    return isinstance(instance, int) and not isinstance(instance, bool)


class Schema:
    """docs/schedule.schema.json, with one validator per line kind.

    The top-level oneOf has one {"$ref": "#/$defs/<Kind>"} per kind and $defs/<Kind> fixes
    "ev" to <Kind>. A line is valid under the oneOf exactly when it is valid under
    $defs/<its ev>, so each line is validated against that one branch: the same verdict,
    precise error messages, and 10-20 times faster (jsonschema evaluates every branch of
    a oneOf). The self-test checks the equivalence on its samples.
    """

    def __init__(self, path=SCHEMA_PATH):
        try:
            import jsonschema
            from jsonschema import validators
        except ImportError:
            raise SchemaError("python3-jsonschema is not installed (Debian: apt-get install python3-jsonschema)")
        self.path = os.path.normpath(path)
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        base = validators.validator_for(schema)
        try:
            base.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            raise SchemaError("%s: not a valid JSON Schema: %s" % (self.path, e.message))
        self.cls = validators.extend(base, type_checker=base.TYPE_CHECKER.redefine("integer", _is_strict_int))
        self.schema = schema
        self.full = self.cls(schema)
        defs = schema.get("$defs", {})
        self.kinds = {}
        self.roots = {}
        self.fields = {}
        for n, branch in enumerate(schema.get("oneOf", [])):
            ref = branch.get("$ref", "") if isinstance(branch, dict) else ""
            name = ref[len("#/$defs/"):] if ref.startswith("#/$defs/") else None
            if set(branch) != {"$ref"} or name not in defs:
                raise SchemaError("%s: oneOf[%d]: must be {\"$ref\": \"#/$defs/<Kind>\"}" % (self.path, n))
            ev = defs[name].get("properties", {}).get("ev", {}).get("const")
            if ev != name:
                raise SchemaError("%s: $defs.%s: properties.ev must be {\"const\": \"%s\"}" % (self.path, name, name))
            root = {"$schema": schema.get("$schema"), "$defs": defs, "$ref": ref}
            fields = set(defs[name].get("properties", {}))
            if defs[name].get("$ref") == "#/$defs/Event":
                fields |= set(defs.get("Event", {}).get("properties", {}))
            self.fields[name] = fields
            self.kinds[name] = self.cls(root)
            self.roots[name] = root
        for name in defs:
            if name[:1].isupper() and name != "Event" and name not in self.kinds:
                raise SchemaError("%s: $defs.%s: a line kind missing from oneOf" % (self.path, name))
        for name in ("Header", "Footer"):
            if name not in self.kinds:
                raise SchemaError("%s: no $defs.%s" % (self.path, name))

    def errors(self, obj):
        """[(field, what)] for one parsed line."""
        if not isinstance(obj, dict):
            return [("(line)", "not a JSON object")]
        ev = obj.get("ev")
        if not isinstance(ev, str):
            return [("ev", "missing or not a string")]
        v = self.kinds.get(ev)
        if v is None:
            return [("ev", "unknown line kind %r: not in %s (to add a kind, see \"Adding an event kind\" "
                           "in docs/schedule-format.md)" % (ev, os.path.basename(self.path)))]
        out = []
        for err in sorted(v.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
            if err.validator == "unevaluatedProperties" and not err.absolute_path:
                # jsonschema < 4.18 also calls a known field that failed "unevaluated".
                for k in obj:
                    if k not in self.fields[ev]:
                        out.append((k, "not a field of %s" % ev))
                continue
            out.append(_describe(err, self.roots[ev]))
        return out


def _rule(err):
    """The description of the if/then/else or allOf branch an error comes from, or None."""
    # jsonschema gives the path from the kind's $defs entry (the root's "$ref" step is
    # left out; older releases keep it): start there.
    root = err._schema_root
    node, desc, prev = _resolve(root, root["$ref"]), None, None
    path = list(err.schema_path)
    if path[:1] == ["$ref"]:
        path = path[1:]
    for key in path:
        if key == "$ref" and isinstance(node, dict):
            node = _resolve(err._schema_root, node["$ref"])
        elif isinstance(node, (dict, list)):
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                return desc
        if isinstance(node, dict) and (key in ("then", "else") or prev == "allOf") and "description" in node:
            desc = node["description"]
        prev = key
    return desc


def _resolve(root, ref):
    node = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _describe(err, root):
    err._schema_root = root
    path = [str(p) for p in err.absolute_path]
    field = ".".join(path) or "(line)"
    if err.validator == "required" and isinstance(err.instance, dict):
        missing = [k for k in err.validator_value if k not in err.instance]
        return ".".join(path + missing[:1]), "missing (required)"
    if err.validator in ("unevaluatedProperties", "additionalProperties"):
        m = re.search(r"\((.*) (?:was|were) unexpected\)", err.message)
        names = re.findall(r"'([^']*)'", m.group(1)) if m else []
        return ".".join(path + names[:1]) or field, "not a field of this object (%s)" % err.message
    rule = _rule(err)
    if err.validator == "dependentRequired" and isinstance(err.instance, dict):
        for k, needs in err.validator_value.items():
            missing = [x for x in needs if k in err.instance and x not in err.instance]
            if missing:
                return ".".join(path + missing[:1]), "missing: required with %r" % k
    if err.validator in ("anyOf", "oneOf", "not", "if", "then", "else") or err.validator_value is False:
        desc = err.schema.get("description") if isinstance(err.schema, dict) else None
        return field, "breaks the rule: %s" % (desc or rule or err.validator)
    what = err.message
    if err.validator == "type" and isinstance(err.instance, float) and err.instance.is_integer():
        what = "%s: an integer written with a fraction or an exponent (write digits only)" % what
    if len(what) > 200:
        what = what[:200] + "..."
    if rule:
        what += " (rule: %s)" % rule
    return field, what


# ---- [SECTION] one file ----------------------------------------------------------------

_IT_PREFIX = re.compile(rb'^\{"i":(0|[1-9][0-9]*),"t":(0|[1-9][0-9]*),')
_GOID_FIELDS = ("g", "by", "src_g", "dst_g", "prev_g")
_P_FIELDS = ("p", "victim")
# Times an event announces, which cannot be before the event: (field, kinds).
_FUTURE_FIELDS = (("runs_at", ("MStart",)), ("until", ("MPoll",)), ("at", ("Preempt",)), ("when", ("TimerArm",)))
SPARE_M = 10000  # sched.maxmcount: sim_newm's spare M after thread exhaustion


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise _Duplicate(k)
        obj[k] = v
    return obj


class _Duplicate(Exception):
    pass


def _bad_constant(name):
    raise ValueError("%s is not JSON" % name)


def _parse(raw):
    """(obj, None) or (None, (field, what)) for one line's bytes."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, ("(line)", "not UTF-8: byte 0x%02x at column %d" % (raw[e.start], e.start + 1))
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_bad_constant), None
    except _Duplicate as e:
        return None, (str(e.args[0]), "duplicate key in one object")
    except ValueError as e:
        return None, ("(line)", "not JSON: %s" % e)


class _State:
    """What the file has shown so far, for the rules across lines."""

    def __init__(self):
        self.header = None
        self.procs = None          # options.procs
        self.leaks = None          # options.leaks
        self.race = None           # options.race
        self.events = 0
        self.expect_i = 0
        self.last_t = None
        self.last_t_line = 0
        self.kinds = {}            # ev -> count
        self.goids = set()         # new_g of every GoCreate so far
        self.chans = set()         # ChanMake
        self.vars = set()          # VarNew
        self.timers = set()        # TimerArm
        self.ctxs = set()          # ContextNew
        self.threads = 1           # M0, then one per MStart with new=true
        self.ms = {0}              # the M ids seen in MStart with new=true, and M0
        self.last_ev = None
        self.end_line = 0          # the line of a Panic or Fail (nothing may follow)
        self.main_return = 0       # the line of MainReturn
        self.first_leak = 0        # the line of the first GoLeak
        self.races = 0             # Race events


class FileChecker:
    """Checks one file, streaming (a file can be gigabytes); problems are (line or 0, field,
    what). At most MAX_PROBLEMS are kept per file, then one line says how many more."""

    MAX_PROBLEMS = 1000

    def __init__(self, schema):
        self.schema = schema
        self.ok_rest = set()  # line text after "i" and "t" that validated: the same verdict again

    def check(self, data):
        """Problems of a file given as bytes."""
        return self.check_stream(io.BytesIO(data))

    def check_stream(self, f):
        """Problems of a file open in binary mode."""
        probs = []
        dropped = [0]

        def bad(line, field, what):
            if len(probs) < self.MAX_PROBLEMS:
                probs.append((line, field, what))
            else:
                dropped[0] += 1

        st = _State()
        footer, footer_no, digest = None, 0, None
        h = FNV_OFFSET
        no = 0
        cur = f.readline()
        if not cur:
            bad(0, "(file)", "empty: no Header")
            return probs
        while cur:
            nxt = f.readline()  # one line ahead: the Footer must be the last one
            no += 1
            last = not nxt
            before = h
            h = fnv1a64(cur, h)
            if cur.endswith(b"\n"):
                raw = cur[:-1]
            else:  # only the last line can lack it (readline)
                raw = cur
                bad(no, "(file)", "the last line has no newline (a truncated file?)")
            cur = nxt
            if not raw.strip():
                bad(no, "(line)", "empty line")
                continue
            obj, perr = _parse(raw)
            if perr:
                bad(no, *perr)
            else:
                self._schema(no, raw, obj, bad)
            ev = obj.get("ev") if isinstance(obj, dict) else None
            if not isinstance(ev, str):
                if no > 1 and not last:  # a broken event line still counts: one problem is reported once
                    st.events += 1
                    st.expect_i += 1
                continue
            if ev == "Header":
                if no != 1:
                    bad(no, "ev", "a Header on line %d: only line 1 is the Header" % no)
                else:
                    self._header(obj, st)
                continue
            if no == 1:
                bad(no, "ev", "line 1 must be the Header, not %r" % ev)
            if ev == "Footer":
                if not last:
                    bad(no, "ev", "a Footer on line %d, not the last line: the Footer ends the file" % no)
                else:
                    footer, footer_no, digest = obj, no, before
                continue
            self._event(no, obj, ev, st, bad)
        if st.header is None and not any(p[0] == 1 and p[1] == "ev" for p in probs):
            bad(1, "ev", "line 1 must be the Header")
        if footer is None:
            if not any(p[1] == "ev" and "Footer" in p[2] for p in probs):
                bad(no, "ev", "the last line must be the Footer (a truncated file?)")
        else:
            self._footer(footer, footer_no, st, digest, bad)
        if dropped[0]:
            probs.append((0, "(file)", "%d more problems not shown" % dropped[0]))
        return probs

    def _schema(self, no, raw, obj, bad):
        # A cache on what follows "i" and "t": most lines repeat but for those two.
        m = _IT_PREFIX.match(raw)
        rest = raw[m.end():] if m else None
        if rest is not None and rest in self.ok_rest:
            for f in ("i", "t"):
                if obj[f] > INT53:
                    bad(no, f, "%d is larger than 2^53" % obj[f])
            return
        errs = self.schema.errors(obj)
        for field, what in errs:
            bad(no, field, what)
        if not errs and rest is not None:
            self.ok_rest.add(rest)

    @staticmethod
    def _header(obj, st):
        st.header = obj
        opts = obj.get("options")
        if isinstance(opts, dict):
            if _is_int(opts.get("procs")):
                st.procs = opts["procs"]
            st.leaks = opts.get("leaks")
            st.race = opts.get("race")

    @staticmethod
    def _event(no, o, ev, st, bad):
        st.events += 1
        st.kinds[ev] = st.kinds.get(ev, 0) + 1
        # i and t
        i, t = o.get("i"), o.get("t")
        if _is_int(i):
            if i != st.expect_i:
                bad(no, "i", "is %d, expected %d (%s)" % (i, st.expect_i, "a gap" if i > st.expect_i else "a repeat"))
            st.expect_i = i + 1
        else:
            st.expect_i += 1
        if not _is_int(t):
            t = None
        elif st.last_t is not None and t < st.last_t:
            bad(no, "t", "decreases: %d after %d on line %d" % (t, st.last_t, st.last_t_line))
        if t is not None:
            st.last_t, st.last_t_line = t, no
        # the end of the run
        if st.end_line:
            bad(st.end_line, "ev", "%s is not the last event (line %d follows): Panic and Fail end the run"
                % (st.last_ev, no))
            st.end_line = 0
        if ev in ("Panic", "Fail"):
            st.end_line = no
        if ev == "MainReturn":
            if st.main_return:
                bad(no, "ev", "a second MainReturn (the first is on line %d)" % st.main_return)
            if st.leaks == "ignore":
                bad(no, "ev", "MainReturn with options.leaks \"ignore\": the run ends when main returns")
            st.main_return = st.main_return or no
        if ev == "GoLeak":
            if not st.main_return:
                bad(no, "ev", "GoLeak before MainReturn: leaks are found after main returned")
            st.first_leak = st.first_leak or no
        elif st.first_leak:
            bad(no, "ev", "%s after GoLeak (line %d): GoLeak events end the run" % (ev, st.first_leak))
            st.first_leak = no
        st.last_ev = ev
        # references to goroutines, Ms, Ps, channels, variables, timers
        if ev == "GoCreate":
            g = o.get("new_g")
            if g in st.goids:
                bad(no, "new_g", "goroutine %r was already created: goids are never reused" % (g,))
            st.goids.add(g)
        for f in _GOID_FIELDS:
            g = o.get(f)
            if _is_int(g) and g != 0 and g not in st.goids:
                bad(no, f, "goroutine %d was never created (no GoCreate with new_g=%d before)" % (g, g))
        gs = o.get("gs")
        if isinstance(gs, list):
            for k, g in enumerate(gs):
                if _is_int(g) and g not in st.goids:
                    bad(no, "gs.%d" % k, "goroutine %d was never created" % g)
        if st.procs is not None:
            for f in _P_FIELDS:
                p = o.get(f)
                if _is_int(p) and p >= st.procs:
                    bad(no, f, "P%d does not exist: the Header's options.procs is %d" % (p, st.procs))
        m = o.get("m")
        if ev == "MStart" and o.get("new") is True:
            if m == SPARE_M and st.threads == SPARE_M:
                pass  # thread exhaustion: the spare M is not counted in mcount
            else:
                if m != st.threads:
                    bad(no, "m", "a new M is %r, expected %d: Ms are numbered in creation order" % (m, st.threads))
                st.threads += 1
            st.ms.add(m)
        elif _is_int(m) and m not in st.ms:
            bad(no, "m", "M%d was never started (no MStart with new=true before)" % m)
        if ev == "ChanMake":
            st.chans.add(o.get("chan"))
        elif isinstance(o.get("chan"), str) and o["chan"] not in st.chans:
            bad(no, "chan", "channel %s was never made (no ChanMake before)" % o["chan"])
        if ev == "VarNew":
            st.vars.add(o.get("addr"))
        elif ev in ("VarLoad", "VarStore") and o.get("addr") not in st.vars:
            bad(no, "addr", "variable %r was never created (no VarNew before)" % (o.get("addr"),))
        if ev == "ContextNew":
            if o.get("parent") not in st.ctxs and o.get("parent") != "0x0":
                bad(no, "parent", "context %r was never made (no ContextNew before)" % (o.get("parent"),))
            st.ctxs.add(o.get("ctx"))
        elif ev == "ContextCancel" and o.get("ctx") not in st.ctxs:
            bad(no, "ctx", "context %r was never made (no ContextNew before)" % (o.get("ctx"),))
        if ev == "TimerArm":
            st.timers.add(o.get("timer"))
        elif ev == "TimerFire" and o.get("timer") not in st.timers:
            bad(no, "timer", "timer %r was never armed (no TimerArm before)" % (o.get("timer"),))
        elif ev == "ValueCopy" and o.get("src_kind") == "timer" and o.get("src_addr") not in st.timers:
            bad(no, "src_addr", "timer %r was never armed (no TimerArm before)" % (o.get("src_addr"),))
        # fields that agree with each other
        size = o.get("size")
        if isinstance(o.get("bytes"), str) and _is_int(size) and len(o["bytes"]) != 2 * size:
            bad(no, "bytes", "%d hex digits for size %d: expected %d" % (len(o["bytes"]), size, 2 * size))
        if ev == "FrameEnter" and _is_int(o.get("args_size")) and isinstance(o.get("args"), list):
            want = min((o["args_size"] + 7) // 8, 10)
            if len(o["args"]) != want:
                bad(no, "args", "%d words for args_size %d: expected %d" % (len(o["args"]), o["args_size"], want))
        if ev == "Decision" and _is_int(o.get("choice")) and _is_int(o.get("n")):
            n, c, cands = o["n"], o["choice"], o.get("cands")
            if c >= n:
                bad(no, "choice", "%d is not below n=%d" % (c, n))
            if isinstance(cands, list):
                if len(cands) != n:
                    bad(no, "cands", "%d candidates for n=%d" % (len(cands), n))
                elif c < n and o.get("pick") != cands[c]:
                    bad(no, "pick", "%r is not cands[%d] = %r" % (o.get("pick"), c, cands[c]))
        if ev == "Race" and st.race is False:
            bad(no, "ev", "a Race event in a run without the race detector (options.race false)")
        if ev == "Race":
            st.races += 1
            if _is_int(o.get("count")) and o["count"] != st.races:
                bad(no, "count", "is %d, but this is race %d of the file" % (o["count"], st.races))
        if ev == "RunqSteal" and o.get("p") == o.get("victim"):
            bad(no, "victim", "P%r steals from itself" % (o.get("p"),))
        if ev == "Select" and _is_int(o.get("cases")):
            if _is_int(o.get("chosen")) and o["chosen"] >= o["cases"]:
                bad(no, "chosen", "case %d of %d cases" % (o["chosen"], o["cases"]))
            order = o.get("pollorder")
            if isinstance(order, list):
                for k, c in enumerate(order):
                    if _is_int(c) and c >= o["cases"]:
                        bad(no, "pollorder.%d" % k, "case %d of %d cases" % (c, o["cases"]))
        # times that must not be in the past (or, for TimerFire, the future)
        if t is not None:
            for f, evs in _FUTURE_FIELDS:
                if ev in evs and _is_int(o.get(f)) and o[f] < t:
                    bad(no, f, "%d is before the event's t %d" % (o[f], t))
            if ev == "TimerFire" and _is_int(o.get("when")) and o["when"] > t:
                bad(no, "when", "the timer fires at t %d before its when %d" % (t, o["when"]))

    @staticmethod
    def _footer(f, no, st, digest, bad):
        counts = f.get("counts") if isinstance(f.get("counts"), dict) else {}
        for field, have, what in (("events", st.events, "event lines"),
                                  ("goroutines", st.kinds.get("GoCreate", 0), "GoCreate events"),
                                  ("decisions", st.kinds.get("Decision", 0), "Decision events"),
                                  ("threads", st.threads, "Ms (M0 and every MStart with new=true)")):
            v = counts.get(field)
            if _is_int(v) and v != have:
                bad(no, "counts." + field, "says %d, the file has %d %s" % (v, have, what))
        t = f.get("t")
        if _is_int(t) and st.last_t is not None and t < st.last_t:
            bad(no, "t", "%d is before the last event's t %d" % (t, st.last_t))
        outcome = f.get("outcome")
        ends = {"assert": "Fail", "fault": "Fail"}
        if outcome in ends and st.last_ev != ends[outcome]:
            bad(no, "outcome", "%r, but the last event is %r, not %s" % (outcome, st.last_ev, ends[outcome]))
        if st.last_ev == "Panic" and outcome != "panic":
            bad(no, "outcome", "%r, but the last event is a Panic" % (outcome,))
        if st.last_ev == "Fail" and outcome not in ("assert", "fault"):
            bad(no, "outcome", "%r, but the last event is a Fail (assert or fault)" % (outcome,))
        if (outcome == "leak") != (st.kinds.get("GoLeak", 0) > 0):
            bad(no, "outcome", "%r with %d GoLeak events: outcome leak is exactly when there are GoLeak events"
                % (outcome, st.kinds.get("GoLeak", 0)))
        if outcome == "race" and f.get("message") != "Found %d data race(s)" % st.races:
            bad(no, "message", "%r: outcome race says \"Found N data race(s)\" with N the Race events (%d)"
                % (f.get("message"), st.races))
        if outcome == "ok" and st.races:
            bad(no, "outcome", "ok with %d Race events: a run with races is outcome race (or keeps its failure)"
                % st.races)
        d = f.get("digest")
        want = "fnv1a64:%016x" % digest
        if isinstance(d, str) and re.match(r"^fnv1a64:[0-9a-f]{16}$", d) and d != want:
            bad(no, "digest", "says %s, the bytes before the Footer hash to %s" % (d, want))


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_files(schema, paths, out=sys.stdout):
    fc = FileChecker(schema)
    nbad = 0
    for path in paths:
        try:
            with open(path, "rb") as f:
                probs = fc.check_stream(f)
        except OSError as e:
            print("%s:0: (file): cannot read: %s" % (path, e.strerror), file=out)
            nbad += 1
            continue
        for line, field, what in probs:
            print("%s:%d: %s: %s" % (path, line, field, what), file=out)
            nbad += 1
    return nbad


# ---- [SECTION] --run ---------------------------------------------------------------------


def scenario_names(binary):
    r = subprocess.run([binary, "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("%s list: exit status %d: %s" % (binary, r.returncode, r.stderr.decode(errors="replace").strip()))
    return [ln.split()[0] for ln in r.stdout.decode(errors="replace").splitlines() if ln.strip()]


def run_one(binary, name, seed, procs, go, path):
    """Runs a scenario; returns a problem string or None."""
    cmd = [binary, "run", name, "--seed", str(seed), "--procs", str(procs), "--go", go,
           "--max-events", str(RUN_MAX_EVENTS), "-q", "-o", path]
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "%s: timed out after %d s" % (" ".join(cmd), RUN_TIMEOUT_S)
    if r.returncode not in (0, 1):
        tail = r.stderr.decode(errors="replace").strip().splitlines()[-3:]
        return "%s: exit status %d (0: ok, 1: the scenario failed): %s" % (" ".join(cmd), r.returncode, " | ".join(tail))
    return "exit%d" % r.returncode


def cmd_run(binary, keep=None):
    from concurrent.futures import ThreadPoolExecutor

    schema = Schema()
    binary = os.path.abspath(binary)
    names = scenario_names(binary)
    if not names:
        print("%s list: no scenarios" % binary)
        return 1
    fc = FileChecker(schema)
    problems = []  # (file, line, field, what)
    nfiles = 0
    with tempfile.TemporaryDirectory(prefix="gmpsim-schema-") as tmp:
        out = keep or tmp
        os.makedirs(out, exist_ok=True)
        jobs = []
        for name in names:
            for go in RUN_GO:
                for procs in RUN_PROCS:
                    for seed in RUN_SEEDS:
                        path = os.path.join(out, "%s_s%d_p%d_go%s.jsonl" % (name, seed, procs, go))
                        jobs.append((name, seed, procs, go, path))
            # The same run again: the file must be byte-identical.
            jobs.append((name, 1, 4, "1.22", os.path.join(out, "%s_again.jsonl" % name)))
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            futures = [(job, pool.submit(run_one, binary, *job)) for job in jobs]
            for (name, seed, procs, go, path), fut in futures:
                res = fut.result()
                if not res.startswith("exit"):
                    problems.append((path, 0, "(run)", res))
                    continue
                nfiles += 1
                if path.endswith("_again.jsonl"):
                    first = os.path.join(out, "%s_s1_p4_go1.22.jsonl" % name)
                    if not _same_file(first, path):
                        problems.append((path, 0, "(file)", "not byte-identical to %s: the same scenario, seed "
                                         "and options must write the same file" % os.path.basename(first)))
                    continue
                with open(path, "rb") as f:
                    problems.extend((path,) + p for p in fc.check_stream(f))
                outcome = _footer_outcome(path)
                if not keep and not path.endswith("_s1_p4_go1.22.jsonl"):
                    os.remove(path)  # a runaway scenario's files are large
                if outcome is not None and (outcome == "ok") != (res == "exit0"):
                    problems.append((path, 0, "outcome", "%r but %s exited with status %s (0 is ok, 1 a failed "
                                     "scenario)" % (outcome, os.path.basename(binary), res[4:])))
    # The same problem in many files is printed once, with a count.
    groups = {}
    for p in problems:
        groups.setdefault((p[2], re.sub(r"\d+", "N", p[3])), []).append(p)
    for ps in groups.values():
        path, line, field, what = ps[0]
        more = "" if len(ps) == 1 else " [and %d more like it in %d files]" % (
            len(ps) - 1, len({q[0] for q in ps}))
        print("%s:%d: %s: %s%s" % (path, line, field, what, more))
    if problems:
        print("schema_check: file names are SCENARIO_sSEED_pPROCS_goVERSION.jsonl: "
              "gmpsim run SCENARIO --seed SEED --procs PROCS --go VERSION -o FILE writes one again%s"
              % ("" if keep else "; --keep DIR keeps them all"))
    print("schema_check: %d scenarios, %d files, %s" % (
        len(names), nfiles, "%d problems (%d kinds)" % (len(problems), len(groups)) if problems else "all valid"))
    return 1 if problems else 0


def _footer_outcome(path):
    """The Footer's outcome, reading only the end of the file; None without a Footer."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65536))
        last = f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    try:
        obj = json.loads(last)
        return obj.get("outcome") if isinstance(obj, dict) and obj.get("ev") == "Footer" else None
    except ValueError:
        return None


def _same_file(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


# ---- [SECTION] --self-test -------------------------------------------------------------

# One coherent little schedule with every event kind (shapes copied from real runs), procs
# 2, M1 is sysmon. The RunqMove's 129 goroutines are created in a loop. The endings
# (MainReturn + GoDestroy, GoLeak, Panic, Fail) are added by _sample.
_HEADER = {"ev": "Header", "format": "gmpsim-schedule", "version": 1, "scenario": "selftest", "seed": 1,
           "strategy": "random", "options": {"procs": 2, "go": "1.22", "max_events": 50000000,
                                             "max_time_ns": 3600000000000, "leaks": "report", "race": True,
                                             "stack_size": 65536, "yield_timeout_s": 10}}
_CH = "0xc000010000"
_VAR = "0xc000010080"
_MU, _RW, _WG, _CV, _ONCE = "0xc000010100", "0xc000010110", "0xc000010120", "0xc000010130", "0xc000010140"
_TM, _TC = "0xc000010200", "0xc000010250"
W = "why"


def _sample_events():
    ev = [
        (0, "ProcStart", {"m": 0, "p": 0, W: "procresize: M0 takes P0"}),
        (0, "MStart", {"m": 1, "p": -1, "new": True, "spinning": False, "runs_at": 40000,
                       W: "runtime.main: newm(sysmon): a system M without a P"}),
        (0, "GoCreate", {"m": 0, "p": 0, "g": 0, "new_g": 1, "fn": "main.main", "stack_lo": "0xc001000000",
                         "stack_hi": "0xc001000800", "file": "selftest.c", "line": 0, "reused": False,
                         W: "rt0_go: newproc(runtime.main), the main goroutine"}),
        (0, "RunqPut", {"p": 0, "g": 1, "queue": "runnext", W: "newproc: the new G takes runnext"}),
        (0, "RunqGet", {"p": 0, "g": 1, "queue": "runnext", W: "runqget: runnext first, inherits the time slice"}),
        (0, "GoStart", {"m": 0, "p": 0, "g": 1, "inherit_time": True, "schedtick": 0, W: "findRunnable: runnext"}),
        (100, "FrameEnter", {"g": 1, "fn": "main.main", "depth": 0, "args": [], "args_addr": "0xc001000800",
                             "args_size": 0, "file": "selftest.c", "line": 0}),
        (100, "ChanMake", {"g": 1, "chan": _CH, "elem_size": 8, "cap": 1}),
        (150, "VarNew", {"g": 1, "var": "i", "addr": _VAR, "value": 0}),
        (150, "LockOSThread", {"m": 0, "p": 0, "g": 1, "file": "selftest.c", "line": 20, "locked": 1,
                               W: "LockOSThread: the G is wired to its M"}),
        (150, "UnlockOSThread", {"m": 0, "p": 0, "g": 1, "file": "selftest.c", "line": 29, "locked": 0,
                                 W: "UnlockOSThread: the G and M are free again"}),
        (150, "GoCreate", {"m": 0, "p": 0, "g": 1, "new_g": 2, "fn": "main.worker", "stack_lo": "0xc001000800",
                           "stack_hi": "0xc001001000", "file": "selftest.c", "line": 26, "reused": False,
                           W: "newproc: a new goroutine"}),
        (150, "ArgCopy", {"g": 1, "src_g": 1, "src_kind": "stack", "src_frame": "main.main", "src_var": "a",
                          "src_addr": "0xc0010007e0", "dst_g": 2, "dst_kind": "closure", "dst_frame": "main.worker",
                          "dst_addr": "0xc000010090", "size": 16, "bytes": "0100000000000000" + "0000010000c00000",
                          W: "go statement: the args captured in a heap closure (go1.17+ wrapGoDefer)"}),
        (150, "RunqPut", {"p": 0, "g": 2, "queue": "runnext", W: "newproc: the new G takes runnext"}),
        (150, "MStart", {"m": 2, "p": 1, "new": True, "spinning": True, "runs_at": 20150,
                         W: "wakep: no spinning M and an idle P: start a spinning M"}),
        (150, "ProcStart", {"m": 2, "p": 1, W: "startm: the woken M takes the idle P"}),
        (20150, "Decision", {"kind": "tie", "n": 2, "choice": 1, W: "several Ms step at the same instant: which goes first",
                             "cands": ["main", "sched@P1"], "pick": "sched@P1"}),
        (20150, "MSpin", {"m": 2, "p": 1, "spinning": True, W: "findRunnable: nothing local or global, spin to steal"}),
        (20150, "Decision", {"kind": "steal_order", "n": 2, "choice": 0,
                             W: "stealWork: stealOrder.start(cheaprand()): start P and coprime stride",
                             "key": "P1", "pick": "start P0 stride 1"}),
        (20150, "RunqSteal", {"p": 1, "victim": 0, "gs": [2], "queue": "runnext",
                              W: "stealWork: took runnext of P0 on the last pass"}),
        (20150, "MSpin", {"m": 2, "p": 1, "spinning": False, W: "resetspinning: found work, stop spinning, maybe wakep"}),
        (20150, "GoStart", {"m": 2, "p": 1, "g": 2, "inherit_time": False, "schedtick": 1, W: "findRunnable: stealWork"}),
        (20250, "ArgCopy", {"g": 2, "src_g": 2, "src_kind": "closure", "src_frame": "main.worker",
                            "src_addr": "0xc000010090", "dst_g": 2, "dst_kind": "stack", "dst_frame": "main.worker",
                            "dst_addr": "0xc001000ff0", "size": 16, "bytes": "0100000000000000" + "0000010000c00000",
                            W: "closure call: the captured args move into the new G's frame"}),
        (20250, "FrameEnter", {"g": 2, "fn": "main.worker", "depth": 0, "args": ["0x1", "0xc000010000"],
                               "args_addr": "0xc001000ff0", "args_size": 16, "file": "selftest.c", "line": 26}),
        (20250, "VarLoad", {"g": 2, "var": "i", "addr": _VAR, "value": 0}),
        (20255, "VarStore", {"g": 2, "var": "i", "addr": _VAR, "value": -1}),
        (20260, "ValueCopy", {"g": 2, "chan": _CH, "src_g": 2, "src_kind": "stack", "src_addr": "0xc001000fd8",
                              "dst_g": 0, "dst_kind": "buffer", "dst_addr": "0xc000010060", "size": 8,
                              "bytes": "0100000000000000", W: "chansend: into buf[sendx]"}),
        (20300, "MutexLock", {"g": 2, "mutex": _MU, "how": "slow", "state": 5, "starving": True, "waiters": 0,
                              "waited_ns": 1500000, "spins": 4}),
        (20300, "MutexStarving", {"g": 2, "mutex": _MU, "starving": False, "state": 1, "waited_ns": 1500000,
                                  W: "lockSlow: handed off to the last waiter: normal mode"}),
        (20310, "MutexUnlock", {"g": 2, "mutex": _MU, "state": 0, "waiters": 0, "handoff": False}),
        (20320, "RWMutexLock", {"g": 2, "rwmutex": _RW, "mode": "r", "how": "fast", "reader_count": 1, "reader_wait": 0}),
        (20330, "RWMutexUnlock", {"g": 2, "rwmutex": _RW, "mode": "r", "reader_count": 0, "reader_wait": 0}),
        (20340, "WaitGroupAdd", {"g": 2, "waitgroup": _WG, "delta": 1, "counter": 1, "waiters": 0}),
        (20350, "WaitGroupAdd", {"g": 2, "waitgroup": _WG, "delta": -1, "counter": 0, "waiters": 0}),
        (20360, "WaitGroupWait", {"g": 2, "waitgroup": _WG, "blocked": False, "counter": 0}),
        (20370, "CondWait", {"g": 2, "cond": _CV, "ticket": 0}),
        (20380, "CondNotify", {"g": 2, "cond": _CV, "all": True, "woken": 0, "notify": 1, "wait": 1}),
        (20390, "OnceDo", {"g": 2, "once": _ONCE, "ran": True}),
        (20391, "ContextNew", {"g": 2, "ctx": "0xc000010150", "kind": "background", "parent": "0x0"}),
        (20392, "ContextNew", {"g": 2, "ctx": "0xc000010160", "kind": "timer", "parent": "0xc000010150",
                               "deadline": 3520392}),
        (20393, "ContextNew", {"g": 2, "ctx": "0xc000010190", "kind": "value", "parent": "0xc000010160",
                               "key": 1, "value": 4217}),
        (20394, "ContextCancel", {"g": 2, "ctx": "0xc000010160", "err": "context canceled", "children": 1}),
        (20394, "ContextCancel", {"g": 2, "ctx": "0xc000010190", "err": "context canceled", "children": 0}),
        (20400, "Decision", {"kind": "select_order", "n": 2, "choice": 1,
                             W: "selectgo: pollorder, cheaprandn(norder+1): swap-insert this case",
                             "key": "main.worker@selftest.c:26#1 at selftest.c:31"}),
        (20400, "Select", {"g": 2, "op": "selectgo", "cases": 2, "has_default": False, "chosen": 1, "dir": "recv",
                           "chan": _CH, "ok": True, "blocked": False, "pollorder": [1, 0]}),
        (20410, "Select", {"g": 2, "op": "default", "cases": 0, "has_default": True, "chosen": -1, "dir": "default",
                           "blocked": False}),
        (20420, "GoStop", {"m": 2, "p": 1, "g": 2, "file": "selftest.c", "line": 33, "reason": "runtime.Gosched",
                           W: "goschedImpl: Gosched puts the G on the global queue"}),
        (20420, "RunqPut", {"p": -1, "g": 2, "queue": "global", W: "goschedImpl: global tail"}),
        (20520, "RunqGet", {"p": 1, "g": 2, "queue": "global", W: "findRunnable: schedtick%61 global check"}),
        (20520, "GoStart", {"m": 2, "p": 1, "g": 2, "inherit_time": False, "schedtick": 2,
                            W: "findRunnable: schedtick%61 global check"}),
        (20620, "GoSyscallBegin", {"m": 2, "p": 1, "g": 2, "dur": 500000, "blocking": False,
                                   W: "entersyscall: the P stays in _Psyscall, for sysmon to retake"}),
        (40000, "ProcSteal", {"p": 1, "m": 1, W: "retake: in a syscall for 10ms, or no M to spare"}),
        (40000, "ProcIdle", {"p": 1, W: "handoffp: no work for the P, it goes idle"}),
        (520720, "ProcStart", {"m": 2, "p": 1, W: "exitsyscallfast: its P was retaken, took an idle P"}),
        (520720, "GoSyscallEnd", {"m": 2, "p": 1, "g": 2, W: "exitsyscallfast: its P was retaken, took an idle P"}),
        (520800, "GoSyscallBegin", {"m": 2, "p": 1, "g": 2, "dur": 1000, "blocking": True,
                                    W: "entersyscallblock: a blocking syscall hands its P off at once"}),
        (520800, "ProcStop", {"m": 2, "p": 1, W: "entersyscallblock: release the P"}),
        (520800, "ProcIdle", {"p": 1, W: "handoffp: no work for the P, it goes idle"}),
        (521900, "GoSyscallEndBlocked", {"m": 2, "p": -1, "g": 2,
                                         W: "exitsyscall0: no P for the G: the global queue, and the M stops"}),
        (521900, "RunqPut", {"p": -1, "g": 2, "queue": "global", W: "exitsyscall0: no idle P, the G to the global queue"}),
        (521900, "MStop", {"m": 2, "p": -1, W: "stopm: no work, the M parks on the idle list"}),
        (522000, "TimerArm", {"timer": _TM, "p": 0, "when": 600000, "kind": "sleep", "g": 1,
                              W: "timer.modify: armed in the heap of the current P"}),
        (522000, "GoBlock", {"m": 0, "p": 0, "g": 1, "reason": "sleep", W: "timeSleep: park, then arm the sleep timer"}),
        (522050, "RunqGet", {"p": 0, "g": 2, "queue": "global", W: "findRunnable: global run queue batch"}),
        (522050, "GoStart", {"m": 0, "p": 0, "g": 2, "inherit_time": False, "schedtick": 1,
                             W: "findRunnable: global run queue batch"}),
        (522150, "TimerArm", {"timer": _TC, "p": 0, "when": 523150, "kind": "chan",
                              W: "timer.modify: armed in the heap of the current P"}),
        (522200, "GoBlock", {"m": 0, "p": 0, "g": 2, "reason": "IO wait",
                             W: "netpollblock: park until the simulated I/O is ready"}),
        (522250, "ProcStop", {"m": 0, "p": 0, W: "findRunnable: no work, release the P"}),
        (522250, "MPoll", {"m": 0, "p": -1, "until": 523150, W: "findRunnable: no work, block in netpoll until the next timer"}),
        (523000, "Sysmon", {"m": 1, "action": "sleep", W: "sysmon: every P is idle: deep sleep until the next timer"}),
        (523150, "GoUnblock", {"g": 2, W: "netpoll: the G's I/O is ready"}),
        (523150, "ProcStart", {"m": 0, "p": 0, W: "findRunnable: back from netpoll, take an idle P"}),
        (523150, "TimerFire", {"timer": _TC, "p": 0, "when": 523150, "kind": "chan", W: "timers.check: the timer expired"}),
        (600000, "TimerFire", {"timer": _TM, "p": 0, "when": 600000, "kind": "sleep", "g": 1,
                               W: "timers.check: the timer expired"}),
        (600000, "GoUnblock", {"m": 0, "p": 0, "g": 1, W: "goroutineReady: the sleep timer fired"}),
        (600000, "RunqPut", {"p": 0, "g": 1, "queue": "runnext", W: "ready: the woken G takes the waker's runnext"}),
        (600100, "GoStart", {"m": 0, "p": 0, "g": 1, "inherit_time": True, "schedtick": 1, W: "findRunnable: runnext"}),
        (600100, "ValueCopy", {"g": 0, "chan": _CH, "src_g": 0, "src_kind": "timer", "src_addr": _TC, "dst_g": 1,
                               "dst_kind": "stack", "dst_addr": "0xc0010007d8", "size": 8, "bytes": "0000000000000000",
                               W: "sendTime: the timer's value straight onto the parked receiver's stack"}),
        (10600000, "Preempt", {"p": 0, "m": 0, "g": 1, "async": True, "at": 10601000,
                               W: "preemptone: 10ms on one schedtick; SIGURG cuts its work (asyncPreempt)"}),
        (10601000, "GoStop", {"m": 0, "p": 0, "g": 1, "reason": "preempted",
                              W: "asyncPreempt: preempted by sysmon's signal, to the global queue"}),
        (10601000, "RunqPut", {"p": -1, "g": 1, "queue": "global", W: "gopreempt_m: a preempted G goes to the global tail"}),
        (10601100, "RunqGet", {"p": 0, "g": 1, "queue": "global", W: "findRunnable: global run queue batch"}),
        (10601100, "GoStart", {"m": 0, "p": 0, "g": 1, "inherit_time": False, "schedtick": 2,
                               W: "findRunnable: global run queue batch"}),
        (10601200, "Print", {"g": 1, "text": "worker 1: \"quoted\", tab\t, unicode \u00e9\n"}),
        (10601300, "MExit", {"m": 2, "p": -1, W: "goexit0: a G exiting while locked kills its M"}),
    ]
    # goroutines 3..131, then a full local queue spills 128 + 1 of them to the global queue.
    t = 10602000
    for g in range(3, 132):
        ev.append((t, "GoCreate", {"m": 0, "p": 0, "g": 1, "new_g": g, "fn": "main.spinner",
                                   "stack_lo": "0xc%09x" % (0x1000000 + (g - 1) * 2048),
                                   "stack_hi": "0xc%09x" % (0x1000000 + g * 2048), "file": "selftest.c",
                                   "line": 40, "reused": False, W: "newproc: a new goroutine"}))
    ev.append((t, "RunqMove", {"gs": list(range(3, 132)), "p": 0, "from": "local", "to": "global",
                               W: "runqputslow: local queue full, 128 from its head + 1 to global"}))
    ev.append((t, "GoUnblock", {"m": 0, "p": 0, "g": 2, "by": 1, W: "chansend: a receiver was waiting"}))
    ev.append((t + 50, "ChanClose", {"g": 1, "chan": _CH, "woken": 0}))
    ev.append((t + 100, "FrameExit", {"g": 1, "fn": "main.main", "depth": 0}))
    return ev


_ENDINGS = {
    # ending: (outcome, message, [(kind, fields)])
    "ok": ("ok", "", [
        ("MainReturn", {"m": 0, "p": 0, "g": 1, W: "runtime.main: main.main returned; the other goroutines run on to find leaks"}),
        ("GoDestroy", {"m": 0, "p": 0, "g": 1, W: "goexit0: the G is dead, its stack kept for reuse"})]),
    "race": ("race", "Found 1 data race(s)", [
        ("Race", {"g": 1, "addr": _VAR, "var": "i", "access": "read", "prev_g": 2, "prev_access": "write", "count": 1}),
        ("MainReturn", {"m": 0, "p": 0, "g": 1, W: "runtime.main: main.main returned; the other goroutines run on to find leaks"}),
        ("GoDestroy", {"m": 0, "p": 0, "g": 1, W: "goexit0: the G is dead, its stack kept for reuse"})]),
    "leak": ("leak", "leak: 1 goroutine still alive after main returned", [
        ("MainReturn", {"m": 0, "p": 0, "g": 1, W: "runtime.main: main.main returned; the other goroutines run on to find leaks"}),
        ("GoLeak", {"g": 3, "reason": "chan receive", W: "leakcheck: still blocked after main returned"})]),
    "panic": ("panic", "panic: send on closed channel", [("Panic", {"g": 1, "message": "panic: send on closed channel"})]),
    "assert": ("assert", "assertion failed: math: 1 == 2", [("Fail", {"g": 1, "message": "assertion failed: math: 1 == 2"})]),
}


def _line(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _sample(ending="ok"):
    """(header, [event dicts], footer dict) of the sample with one of _ENDINGS."""
    events = []
    for k, (t, ev, fields) in enumerate(_sample_events()):
        o = {"i": k, "t": t, "ev": ev}
        o.update(fields)
        events.append(o)
    outcome, message, tail = _ENDINGS[ending]
    t = events[-1]["t"] + 100
    for ev, fields in tail:
        o = {"i": len(events), "t": t, "ev": ev}
        o.update(fields)
        events.append(o)
    footer = {"ev": "Footer", "outcome": outcome, "message": message}
    if outcome != "ok":
        footer["report"] = message + "\n\ngoroutine 1 [running]:\nmain.main()\n\tselftest.c:41\n"
    footer.update({"t": t, "counts": {}, "digest": ""})
    return dict(_HEADER, options=dict(_HEADER["options"])), events, footer


def _seal(body_lines, footer):
    """Bytes of body lines + the Footer with counts and digest recomputed (when it is a dict)."""
    body = b"".join(ln + b"\n" for ln in body_lines)
    if footer is None:
        return body
    f = dict(footer)
    n_ev = gor = dec = 0
    threads = 1
    for ln in body_lines:
        try:
            o = json.loads(ln)
        except ValueError:
            n_ev += 1
            continue
        if not isinstance(o, dict) or o.get("ev") in ("Header", "Footer"):
            continue
        n_ev += 1
        gor += o.get("ev") == "GoCreate"
        dec += o.get("ev") == "Decision"
        threads += o.get("ev") == "MStart" and o.get("new") is True
    f["counts"] = {"events": n_ev, "goroutines": gor, "decisions": dec, "threads": threads}
    f["digest"] = "fnv1a64:%016x" % fnv1a64(body)
    return body + _line(f) + b"\n"


def _mutations():
    """(name, expected line or None, expected field, function(header, events, footer) -> bytes)."""

    def ev_at(events, kind, nth=0):
        k = [i for i, e in enumerate(events) if e["ev"] == kind][nth]
        return k, events[k]

    def std(h, evs, f, body=None):
        lines = [_line(h)] + [_line(e) for e in evs] if body is None else body
        return _seal(lines, f)

    def m_drop(h, evs, f):
        k, e = ev_at(evs, "GoStart")
        del e["why"]
        return std(h, evs, f), k + 2

    def m_type(h, evs, f):
        k, e = ev_at(evs, "GoStart", 1)
        e["g"] = "2"
        return std(h, evs, f), k + 2

    def m_float(h, evs, f):
        k, e = ev_at(evs, "ChanMake")
        e["cap"] = 1.0
        return std(h, evs, f), k + 2

    def m_exp(h, evs, f):
        body = [_line(h).replace(b'"seed":1,', b'"seed":1e+15,')] + [_line(e) for e in evs]
        return _seal(body, f), 1

    def m_extra(h, evs, f):
        k, e = ev_at(evs, "RunqPut")
        e["host_ptr"] = "0x7ffd5e8c1a20"
        return std(h, evs, f), k + 2

    def m_enum(h, evs, f):
        k, e = ev_at(evs, "RunqGet")
        e["queue"] = "side"
        return std(h, evs, f), k + 2

    def m_unknown(h, evs, f):
        k, e = ev_at(evs, "Print")
        e["ev"] = "GoTeleport"
        return std(h, evs, f), k + 2

    def m_cond(h, evs, f):
        k, e = ev_at(evs, "RunqPut", 2)  # the global one
        assert e["queue"] == "global"
        e["p"] = 0
        return std(h, evs, f), k + 2

    def m_addr(h, evs, f):
        k, e = ev_at(evs, "ChanClose")
        e["chan"] = "0XC000010000"
        return std(h, evs, f), k + 2

    def m_bytes(h, evs, f):
        k, e = ev_at(evs, "ArgCopy")
        e["bytes"] = e["bytes"][:-2]
        return std(h, evs, f), k + 2

    def m_dup(h, evs, f):
        k, e = ev_at(evs, "VarLoad")
        body = [_line(h)] + [_line(x) for x in evs]
        body[k + 1] = body[k + 1][:-1] + b',"g":5}'
        return _seal(body, f), k + 2

    def m_utf8(h, evs, f):
        k, e = ev_at(evs, "Print")
        body = [_line(h)] + [_line(x) for x in evs]
        body[k + 1] = body[k + 1].replace(b"worker 1", b"worker \xff\xfe")
        return _seal(body, f), k + 2

    def m_nan(h, evs, f):
        k, e = ev_at(evs, "VarStore")
        body = [_line(h)] + [_line(x) for x in evs]
        body[k + 1] = body[k + 1].replace(b'"value":-1', b'"value":NaN')
        return _seal(body, f), k + 2

    def m_json(h, evs, f):
        k, e = ev_at(evs, "Decision")
        body = [_line(h)] + [_line(x) for x in evs]
        body[k + 1] = body[k + 1][:20]
        return _seal(body, f), k + 2

    def m_digest(h, evs, f):
        data = std(h, evs, f)
        last = data.rstrip(b"\n").rsplit(b"\n", 1)[1]
        d = re.search(rb"fnv1a64:([0-9a-f]{16})", last).group(1)
        flipped = (b"0" if d[-1:] != b"0" else b"1")
        return data.replace(d, d[:-1] + flipped), len(evs) + 2

    def m_gap(h, evs, f):
        k, e = ev_at(evs, "MSpin")
        del evs[k]
        return std(h, evs, f), k + 2

    def m_repeat(h, evs, f):
        k, e = ev_at(evs, "VarLoad")
        evs.insert(k + 1, dict(e))
        return std(h, evs, f), k + 3

    def m_tdec(h, evs, f):
        k, e = ev_at(evs, "Print")
        e["t"] = evs[k - 1]["t"] - 1
        return std(h, evs, f), k + 2

    def m_nofooter(h, evs, f):
        return _seal([_line(h)] + [_line(e) for e in evs], None), len(evs) + 1

    def m_noheader(h, evs, f):
        return _seal([_line(e) for e in evs], f), 1

    def m_footer_mid(h, evs, f):
        data = std(h, evs, f)
        return data + _line(evs[-1]) + b"\n", len(evs) + 2

    def m_count(h, evs, f):
        data = std(h, evs, f)
        return data.replace(b'"events":%d' % len(evs), b'"events":%d' % (len(evs) + 1)), len(evs) + 2

    def m_goroutines(h, evs, f):
        data = std(h, evs, f)
        return re.sub(rb'"goroutines":(\d+)', b'"goroutines":7', data), len(evs) + 2

    def m_newline(h, evs, f):
        return std(h, evs, f).rstrip(b"\n"), len(evs) + 2

    def m_okmsg(h, evs, f):
        f["message"] = "all is well"
        return std(h, evs, f), len(evs) + 2

    def m_goid(h, evs, f):
        k, e = ev_at(evs, "GoStart", 2)
        e["g"] = 99
        return std(h, evs, f), k + 2

    def m_chan(h, evs, f):
        k, e = ev_at(evs, "ValueCopy")
        e["chan"] = "0xc000011000"
        return std(h, evs, f), k + 2

    def m_p(h, evs, f):
        k, e = ev_at(evs, "GoStart", 1)
        e["p"] = 7
        return std(h, evs, f), k + 2

    def m_footer_t(h, evs, f):
        f["t"] = 100
        return std(h, evs, f), len(evs) + 2

    def m_version(h, evs, f):
        h["version"] = 2
        return std(h, evs, f), 1

    def m_panic_mid(h, evs, f):
        k, e = ev_at(evs, "Print")
        evs.insert(k + 1, {"i": 0, "t": e["t"], "ev": "Panic", "g": 2, "message": "panic: boom"})
        for j, x in enumerate(evs):
            x["i"] = j
        return std(h, evs, f), k + 3

    def m_closure2(h, evs, f):
        k, e = ev_at(evs, "ArgCopy")
        e["src_kind"] = "closure"
        del e["src_var"]
        return std(h, evs, f), k + 2

    def m_vcopy(h, evs, f):
        k, e = ev_at(evs, "ValueCopy")
        e["dst_g"] = 1  # dst_kind buffer needs dst_g 0
        return std(h, evs, f), k + 2

    def m_leak(h, evs, f):
        f.update(outcome="leak", message="leak: 1 goroutine still alive after main returned", report="leak: ...")
        return std(h, evs, f), len(evs) + 2

    def m_depreq(h, evs, f):
        k, e = next((j, x) for j, x in enumerate(evs) if x["ev"] == "GoUnblock" and "by" in x)
        del e["m"], e["p"]
        return std(h, evs, f), k + 2

    def m_timer(h, evs, f):
        k, e = ev_at(evs, "TimerFire")
        e["timer"] = "0xc000099990"
        return std(h, evs, f), k + 2

    def m_runs_at(h, evs, f):
        k, e = ev_at(evs, "MStart", 1)
        e["runs_at"] = e["t"] - 1
        return std(h, evs, f), k + 2

    def m_new_m(h, evs, f):
        k, e = ev_at(evs, "MStart", 1)
        e["m"] = 5
        return std(h, evs, f), k + 2

    def m_threads(h, evs, f):
        data = std(h, evs, f)
        return re.sub(rb'"threads":(\d+)', b'"threads":9', data), len(evs) + 2

    def m_chosen(h, evs, f):
        k, e = ev_at(evs, "Select")
        e["chosen"] = 5
        return std(h, evs, f), k + 2

    def m_nop(h, evs, f):
        k, e = ev_at(evs, "MStop")
        e["p"] = 1
        return std(h, evs, f), k + 2

    def m_race_ok(h, evs, f):
        evs.insert(len(evs) - 2, {"i": 0, "t": evs[-2]["t"], "ev": "Race", "g": 1, "addr": _VAR, "var": "i",
                                  "access": "read", "prev_g": 2, "prev_access": "read", "count": 1})
        for j, x in enumerate(evs):
            x["i"] = j
        return std(h, evs, f), None

    return [
        ("a race of two reads, in an ok run", "outcome", m_race_ok),
        ("a race of two reads, in an ok run", "(line)", m_race_ok),
        ("outcome leak without GoLeak", "outcome", m_leak),
        ("GoUnblock with by but no m", "m", m_depreq),
        ("timer never armed", "timer", m_timer),
        ("announced time in the past", "runs_at", m_runs_at),
        ("new M out of order", "m", m_new_m),
        ("counts.threads wrong", "counts.threads", m_threads),
        ("Select chosen beyond its cases", "chosen", m_chosen),
        ("MStop with a P", "p", m_nop),
        ("drop a required field", "why", m_drop),
        ("wrong type (string goid)", "g", m_type),
        ("integer written as 1.0", "cap", m_float),
        ("integer written as 1e+15", "seed", m_exp),
        ("unknown field", "host_ptr", m_extra),
        ("bad enum value", "queue", m_enum),
        ("unknown event kind", "ev", m_unknown),
        ("conditional rule (global queue needs p=-1)", "p", m_cond),
        ("bad address spelling", "chan", m_addr),
        ("bytes length != 2*size", "bytes", m_bytes),
        ("duplicate key", "g", m_dup),
        ("invalid UTF-8", "(line)", m_utf8),
        ("NaN", "(line)", m_nan),
        ("truncated JSON line", "(line)", m_json),
        ("bad digest", "digest", m_digest),
        ("gap in i", "i", m_gap),
        ("repeated i", "i", m_repeat),
        ("t decreasing", "t", m_tdec),
        ("missing footer", "ev", m_nofooter),
        ("missing header", "ev", m_noheader),
        ("line after the footer", "ev", m_footer_mid),
        ("counts.events wrong", "counts.events", m_count),
        ("counts.goroutines wrong", "counts.goroutines", m_goroutines),
        ("no final newline", "(file)", m_newline),
        ("outcome ok with a message", "message", m_okmsg),
        ("goroutine never created", "g", m_goid),
        ("channel never made", "chan", m_chan),
        ("P beyond options.procs", "p", m_p),
        ("footer t before the last event", "t", m_footer_t),
        ("format version 2", "version", m_version),
        ("Panic that is not the last event", "ev", m_panic_mid),
        ("closure to closure ArgCopy", "(line)", m_closure2),
        ("ValueCopy into the buffer with a goroutine", "dst_g", m_vcopy),
    ]


def _real_mutations(data):
    """Mutations of a real file's bytes: (name, field, bytes)."""
    lines = data.rstrip(b"\n").split(b"\n")
    header, body, footer = lines[0], lines[1:-1], json.loads(lines[-1])
    out = []

    def seal(b):
        return _seal([header] + b, footer)

    k = next(j for j, ln in enumerate(body) if b'"why"' in ln)
    o = json.loads(body[k])
    del o["why"]
    out.append(("drop a required field", "why", seal(body[:k] + [_line(o)] + body[k + 1:])))
    o = json.loads(body[k])
    o["t"] = str(o["t"])
    out.append(("wrong type", "t", seal(body[:k] + [_line(o)] + body[k + 1:])))
    d = data.rstrip(b"\n").rsplit(b"\n", 1)[1]
    bad = re.sub(rb'fnv1a64:([0-9a-f]{16})[0-9a-f]*', lambda m: b"fnv1a64:" + (b"0" * 16 if m.group(1) != b"0" * 16 else b"1" * 16), d)
    out.append(("bad digest", "digest", data.rstrip(b"\n").rsplit(b"\n", 1)[0] + b"\n" + bad + b"\n"))
    mid = len(body) // 2
    out.append(("gap in i", "i", seal(body[:mid] + body[mid + 1:])))
    ts = [json.loads(ln)["t"] for ln in body]
    k = next(j for j in range(1, len(body)) if ts[j] > ts[j - 1])
    prev = json.loads(body[k - 1])
    prev["t"] = ts[k] + 1  # the line after it now goes back in time
    out.append(("t decreasing", "t", seal(body[:k - 1] + [_line(prev)] + body[k:])))
    out.append(("missing footer", "ev", b"".join(ln + b"\n" for ln in [header] + body)))
    return out


def cmd_self_test(binary=None):
    schema = Schema()
    fc = FileChecker(schema)
    failures = []
    nchecks = 0

    def expect_valid(name, data):
        nonlocal nchecks
        nchecks += 1
        probs = fc.check(data)
        if probs:
            failures.append("%s: a valid file was rejected: %s" % (name, "; ".join("%d: %s: %s" % p for p in probs[:5])))

    def expect_invalid(name, field, line, data):
        nonlocal nchecks
        nchecks += 1
        probs = fc.check(data)
        if not probs:
            failures.append("%s: not rejected" % name)
        elif not any(p[1] == field and (line is None or p[0] == line) for p in probs):
            failures.append("%s: rejected, but not for %s on line %s: %s" % (
                name, field, line, "; ".join("%d: %s: %s" % p for p in probs[:5])))

    # The samples are valid, line by line under the full top-level schema (oneOf) too.
    kinds_seen = set()
    for ending in _ENDINGS:
        h, evs, f = _sample(ending)
        data = _seal([_line(h)] + [_line(e) for e in evs], f)
        expect_valid("sample (%s)" % ending, data)
        for ln in data.splitlines():
            obj = json.loads(ln)
            if obj["ev"] in kinds_seen:
                continue  # the top-level oneOf is slow: one line of each kind
            kinds_seen.add(obj["ev"])
            if not schema.full.is_valid(obj):
                failures.append("sample line invalid under the top-level schema: %s" % ln[:120])
    missing = set(schema.kinds) - kinds_seen
    if missing:
        failures.append("the sample lacks kinds %s: add them to _sample_events" % sorted(missing))

    for name, field, fn in _mutations():
        h, evs, f = _sample()
        data, line = fn(h, evs, f)
        expect_invalid(name, field, line, data)
        # A line-level mutation is rejected by the full top-level schema as well.
        if field not in ("(file)",) and line is not None:
            raw = data.split(b"\n")[line - 1] if line - 1 < len(data.split(b"\n")) else b""
            obj, perr = _parse(raw)
            if perr is None and schema.errors(obj) and schema.full.is_valid(obj):
                failures.append("%s: the per-kind validator rejects line %d but the top-level schema accepts it"
                                % (name, line))

    # The command line: exit status and the FILE:LINE: FIELD: WHAT format.
    with tempfile.TemporaryDirectory(prefix="gmpsim-selftest-") as tmp:
        good, bad = os.path.join(tmp, "good.jsonl"), os.path.join(tmp, "bad.jsonl")
        h, evs, f = _sample()
        with open(good, "wb") as fh:
            fh.write(_seal([_line(h)] + [_line(e) for e in evs], f))
        h, evs, f = _sample()
        gap = next(fn for name, field, fn in _mutations() if name == "gap in i")
        data, line = gap(h, evs, f)
        with open(bad, "wb") as fh:
            fh.write(data)
        me = os.path.abspath(__file__)
        r = subprocess.run([sys.executable, me, good], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        nchecks += 1
        if r.returncode != 0:
            failures.append("cli: a valid file: exit status %d: %s" % (r.returncode, r.stdout.decode()[:300]))
        r = subprocess.run([sys.executable, me, good, bad], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        nchecks += 1
        outl = r.stdout.decode().splitlines()
        if r.returncode != 1 or not outl or not all(ln.startswith(bad + ":%d: " % line) for ln in outl):
            failures.append("cli: a file with a gap: exit status %d, output %r" % (r.returncode, outl[:3]))

        if binary:
            names = scenario_names(os.path.abspath(binary))
            real = os.path.join(tmp, "real.jsonl")
            res = run_one(os.path.abspath(binary), names[0], 1, 2, "1.16", real)
            if not res.startswith("exit"):
                failures.append("real run: %s" % res)
            else:
                with open(real, "rb") as fh:
                    data = fh.read()
                expect_valid("real file (%s)" % names[0], data)
                for name, field, mdata in _real_mutations(data):
                    expect_invalid("real file: " + name, field, None, mdata)

    for msg in failures:
        print("schema_check --self-test: FAIL: " + msg)
    print("schema_check --self-test: %d checks, %s" % (nchecks, "%d failed" % len(failures) if failures else "all passed"))
    return 1 if failures else 0


# ---- [SECTION] main ----------------------------------------------------------------------


def main(argv):
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `schema_check.py ... | head` ends quietly
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    try:
        if argv[0] == "--run":
            if len(argv) == 4 and argv[2] == "--keep":
                return cmd_run(argv[1], keep=argv[3])
            if len(argv) != 2:
                print("usage: schema_check.py --run GMPSIM_BINARY [--keep DIR]", file=sys.stderr)
                return 2
            return cmd_run(argv[1])
        if argv[0] == "--self-test":
            if len(argv) > 2:
                print("usage: schema_check.py --self-test [GMPSIM_BINARY]", file=sys.stderr)
                return 2
            return cmd_self_test(argv[1] if len(argv) == 2 else None)
        if argv[0].startswith("--"):
            print("schema_check.py: unknown option %s (see --help)" % argv[0], file=sys.stderr)
            return 2
        return 1 if check_files(Schema(), argv) else 0
    except SchemaError as e:
        print("schema_check.py: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
