#!/usr/bin/env python3
"""Tests of tools/coverage: its alignment of loghub templates, its value comparison, its accounting of every
line and its pin check, each shown to fail where it must. Runs the tool's doctests too. Standard library only;
needs no strictlog binary and no loghub corpus (the files here are made up)."""

import contextlib
import doctest
import importlib.machinery
import importlib.util
import io
import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "coverage")
_loader = importlib.machinery.SourceFileLoader("strictlog_coverage", TOOL)
cov = importlib.util.module_from_spec(importlib.util.spec_from_loader("strictlog_coverage", _loader))
_loader.exec_module(cov)


class AlignTest(unittest.TestCase):
    def test_several_wildcards(self):
        self.assertEqual(cov.align("Failed password for <*> from <*> port <*> ssh2",
                                   "Failed password for root from 5.36.59.76 port 42393 ssh2"),
                         ["root", "5.36.59.76", "42393"])

    def test_wildcard_at_start_and_end(self):
        self.assertEqual(cov.align("<*> > <*>", "7 > 6"), ["7", "6"])
        self.assertEqual(cov.align("<*> closed", "session closed"), ["session"])
        self.assertEqual(cov.align("closed by <*>", "closed by 10.0.0.1 [preauth]"), ["10.0.0.1 [preauth]"])

    def test_empty_value(self):
        self.assertEqual(cov.align("logname=<*> uid=<*>", "logname= uid=0"), ["", "0"])
        self.assertEqual(cov.align("rhost=<*>", "rhost="), [""])

    def test_value_holding_the_separator_text(self):
        # The first wildcard takes the shortest text, the last one the rest (loghub's own rule).
        self.assertEqual(cov.align("<*> > <*>", "a > b > c"), ["a", "b > c"])
        self.assertEqual(cov.align("from <*> port <*>", "from host port 7 port 22"), ["host", "7 port 22"])

    def test_regex_characters_are_literal(self):
        self.assertEqual(cov.align("session opened for user <*> by (uid=<*>)",
                                   "session opened for user root by (uid=0)"), ["root", "0"])
        self.assertEqual(cov.align("getaddrinfo for <*> [<*>] failed - BREAK-IN ATTEMPT!",
                                   "getaddrinfo for a.example [192.0.2.1] failed - BREAK-IN ATTEMPT!"),
                         ["a.example", "192.0.2.1"])
        self.assertIsNone(cov.align("a.b <*>", "axb c"))

    def test_space_runs_match_any_whitespace_run(self):
        self.assertEqual(cov.align("rhost=<*> user=<*>", "rhost=h  user=root"), ["h", "root"])

    def test_no_fit(self):
        self.assertIsNone(cov.align("Invalid user <*> from <*>", "Invalid user x to y"))
        self.assertIsNone(cov.align("check pass; user unknown", "check pass; user unknown "))
        self.assertEqual(cov.align("check pass; user unknown", "check pass; user unknown"), [])


class CoversTest(unittest.TestCase):
    def test_one_value(self):
        self.assertTrue(cov.covers("root", [("22",), ("root",)]))
        self.assertFalse(cov.covers("root", [("22",), ("rooted",)]))
        self.assertFalse(cov.covers("roo", [("root",)]))
        self.assertFalse(cov.covers("x", []))

    def test_consecutive_values_with_separators(self):
        self.assertTrue(cov.covers("42393 ssh2", [("ssh2",), ("42393",)]))
        self.assertTrue(cov.covers("10.0.0.1:22", [("10.0.0.1",), ("22",)]))
        self.assertTrue(cov.covers("root [preauth]", [("root",), ("[preauth]",)]))  # separator shorter than its run

    def test_letters_between_values_are_not_a_separator(self):
        self.assertFalse(cov.covers("root from 10.0.0.1", [("root",), ("10.0.0.1",)]))
        self.assertFalse(cov.covers("22ssh2", [("22",), ("ssh2",)]))

    def test_a_value_counts_once(self):
        self.assertFalse(cov.covers("0 0", [("0",)]))
        self.assertTrue(cov.covers("0 0", [("0",), ("0",)]))

    def test_a_value_must_cover_to_the_end(self):
        self.assertFalse(cov.covers("10.0.0.1 [preauth]", [("10.0.0.1",)]))

    def test_enum_by_its_texts(self):
        values = cov.extracted_values({"p": {"reason": "DISCONNECT_REASON_BY_APPLICATION"}},
                                      {"DISCONNECT_REASON_BY_APPLICATION": {"by-application", "11"}})
        self.assertTrue(cov.covers("11", values))
        self.assertFalse(cov.covers("12", values))


class FirstWrongTest(unittest.TestCase):
    def test_each_value_serves_one_parameter(self):
        self.assertIsNone(cov.first_wrong(["0", "0", "h"], [("0",), ("h",), ("0",)]))
        self.assertEqual(cov.first_wrong(["0", "0", "h"], [("0",), ("h",)]), "0")

    def test_an_assignment_is_searched_for(self):
        # The first parameter could take the ip alone, but then the second has nothing: it must take ip:port.
        values = [("192.0.2.1",), ("22",), ("192.0.2.1",)]
        self.assertIsNone(cov.first_wrong(["192.0.2.1:22", "192.0.2.1"], values))
        self.assertEqual(cov.first_wrong(["192.0.2.1:22", "192.0.2.1", "22"], values), "22")

    def test_the_first_value_missing_is_named(self):
        self.assertEqual(cov.first_wrong(["root", "10.0.0.9", "22"], [("root",), ("10.0.0.1",), ("22",)]),
                         "10.0.0.9")
        self.assertIsNone(cov.first_wrong(["", "root"], [("root",)]))


class ExtractedValuesTest(unittest.TestCase):
    def test_payload_leaves_flattened(self):
        event = {"envelope": {"hostname": "LabSZ", "pid": 24200, "input": {"line": "3"}},
                 "openssh_x": {"user": {"name": "root", "uid": 0}, "ips": ["192.0.2.1", "192.0.2.2"],
                               "attrs": {"tty": "ssh"}, "preauth": True, "ratio": 1.5}}
        self.assertEqual(cov.extracted_values(event, {}),
                         [("root",), ("0",), ("192.0.2.1",), ("192.0.2.2",), ("ssh",), ("true",), ("1.5",)])

    def test_repeat_count_is_a_value_of_the_message(self):
        event = {"envelope": {"repeat_count": 5, "pid": 7}, "p": {"port": 22}}
        self.assertEqual(cov.extracted_values(event, {}), [("5",), ("22",)])


class EnumTextsTest(unittest.TestCase):
    def test_default_and_explicit_texts(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "proto", "x"))
            os.makedirs(os.path.join(d, "mappings", "x"))
            with open(os.path.join(d, "proto", "x", "x.proto"), "w") as f:
                f.write("enum DisconnectReason {\n  DISCONNECT_REASON_UNSPECIFIED = 0;\n"
                        "  // a comment = 3;\n  DISCONNECT_REASON_BY_APPLICATION = 11;\n}\n")
            with open(os.path.join(d, "mappings", "x", "1.mapping"), "w") as f:
                f.write('rule r -> M { reason = enum(code, "11" = DISCONNECT_REASON_BY_APPLICATION); }\n')
            texts = cov.enum_texts(os.path.join(d, "proto"), os.path.join(d, "mappings"))
        self.assertEqual(texts, {"DISCONNECT_REASON_BY_APPLICATION": {"by-application", "11"}})


def event(line, payload, rule="openssh/9/r"):
    grammar, version, rule_id = rule.split("/")
    return {"envelope": {"input": {"line": str(line)}, "grammar": grammar, "source_version": version,
                         "rule_id": rule_id, "process_name": "sshd", "grammar_set_hash": "ab" * 32},
            "openssh_x": payload}


class AccountingTest(unittest.TestCase):
    """analyse() over made-up strictlog outputs: each line's fate, and the comparison failing where it must."""

    LINES = ["Dec 10 06:55:46 h sshd[1]: Invalid user web from 192.0.2.1",
             "Dec 10 06:55:46 h sshd[1]: Invalid user web from 192.0.2.1",
             "Dec 10 06:55:46 h sshd[1]: check pass; user unknown",
             "Dec 10 06:55:46 h sshd[1]: Bye from 192.0.2.9 port 22 ssh2",
             "Dec 10 06:55:46 h sshd[1]: weird"]

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = self.dir.name
        os.makedirs(os.path.join(self.root, "S"))
        with open(os.path.join(self.root, "S", "S.log"), "wb") as f:
            f.write(("\r\n".join(self.LINES)).encode())  # CRLF, and no newline after the last line
        with open(os.path.join(self.root, "S", "S.csv"), "w", newline="") as f:
            f.write("LineId,Content,EventId,EventTemplate\n")
            for n, line in enumerate(self.LINES, 1):
                content = line.split(": ", 1)[1]
                template = {1: "Invalid user <*> from <*>", 2: "Invalid user <*> from <*>",
                            3: "check pass; user unknown", 4: "Bye from <*> port <*>", 5: "weird"}[n]
                f.write(f'{n},"{content}",E{(n + 1) // 2},"{template}"\n')
        self.stem = os.path.join(self.root, "out")
        self.write(events=[event(1, {"user": "web", "ip": "192.0.2.1"}),
                           event(2, {"user": "web", "ip": "192.0.2.2"}),
                           event(4, {"ip": "192.0.2.9", "port": 22, "protocol": "ssh2"})],
                   quarantine=[{"reason": "NO_MATCH", "detail": "no rule", "input": {"line": "5"},
                                "process_name": "sshd"}],
                   dropped=[self.LINES[2]])

    def tearDown(self):
        self.dir.cleanup()

    def write(self, events, quarantine, dropped):
        with open(self.stem + ".events.jsonl", "w") as f:
            f.writelines(json.dumps(e) + "\n" for e in events)
        with open(self.stem + ".quarantine.jsonl", "w") as f:
            f.writelines(json.dumps(q) + "\n" for q in quarantine)
        with open(self.stem + ".dropped.log", "w") as f:
            f.writelines(line + "\r\n" for line in dropped)

    def analyse(self):
        return cov.analyse(cov.Log("S", "S/S.log", "S/S.csv"), self.stem, self.root, {})

    def test_every_line_accounted_and_a_wrong_value_found(self):
        report = self.analyse()
        self.assertEqual(report.metrics(), {"lines": 5, "events": 3, "dropped": 1, "quarantined": 1,
                                            "quarantined:NO_MATCH": 1, "mapped_correct": 2, "mapped_wrong": 1})
        e1 = report.templates["E1"]
        self.assertEqual((e1.lines, e1.correct), (2, 1))
        self.assertEqual(e1.wrong, [(2, "192.0.2.1", [("web",), ("192.0.2.2",)])])
        self.assertEqual(report.templates["E2"].dropped, 1)
        self.assertEqual(report.templates["E2"].correct, 1)  # E2 holds lines 3 and 4: `22 ssh2` is port + protocol
        self.assertEqual(report.templates["E3"].quarantined, {"NO_MATCH": 1})
        tables = cov.markdown([report])
        self.assertIn("| E1 | 2 | `192.0.2.1` | `web`, `192.0.2.2` |", tables)

    def test_a_line_both_event_and_quarantined_is_an_error(self):
        self.write(events=[event(n, {}) for n in (1, 2, 4, 5)],
                   quarantine=[{"reason": "NO_MATCH", "input": {"line": "5"}}], dropped=[self.LINES[2]])
        with self.assertRaisesRegex(cov.CoverageError, "line 5 is both an event and a quarantine record"):
            self.analyse()

    def test_dropped_file_must_hold_exactly_the_other_lines(self):
        self.write(events=[event(n, {}) for n in (1, 2)], quarantine=[], dropped=[self.LINES[2]])
        with self.assertRaisesRegex(cov.CoverageError, "3 lines are neither events nor quarantined, but the "
                                                       "dropped file holds 1 lines"):
            self.analyse()

    def pins(self, text):
        path = os.path.join(self.root, "p.pins")
        with open(path, "w") as f:
            f.write(text)
        return cov.check_pins([self.analyse()], path)

    def test_pins_hold(self):
        failures, notes = self.pins("# comment\nS mapped_correct >= 1\nS quarantined:NO_MATCH <= 1\n"
                                    "S mapped_wrong <= 1\n")
        self.assertEqual(failures, [])
        self.assertEqual(len(notes), 1)
        self.assertIn("S mapped_correct is 2, better than the pinned >= 1: tighten the pin", notes[0])

    def test_pins_name_what_fell(self):
        failures, _ = self.pins("S mapped_correct >= 3\nS mapped_wrong == 0\nS events <=\n")
        path = os.path.join(self.root, "p.pins")
        self.assertEqual(failures, ([
            f"{path}:1: S mapped_correct is 2, pinned >= 3",
            f"{path}:2: S mapped_wrong is 1, pinned == 0",
            f"{path}:3: cannot read pin 'S events <=' (LOG METRIC OP N, LOG one of S)",
            f"{path}: S quarantined:NO_MATCH is 1, and no pin allows that reason"]))

    def test_ambiguous_must_be_zero(self):
        self.write(events=[event(n, {}) for n in (1, 2, 4)],
                   quarantine=[{"reason": "AMBIGUOUS", "detail": "r1 and r2", "input": {"line": "5"}}],
                   dropped=[self.LINES[2]])
        failures, _ = self.pins("S quarantined:AMBIGUOUS <= 5\n")
        self.assertEqual(failures, ["S has 1 AMBIGUOUS lines; there must be none"])


class MainTest(unittest.TestCase):
    def test_skips_without_the_corpus(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = cov.main(["--loghub", "/nonexistent/loghub", "--check", "x.pins"])
        self.assertEqual(status, 77)
        self.assertIn("skipped: the loghub corpus is not at /nonexistent/loghub", err.getvalue())


def load_tests(loader, tests, _):
    tests.addTests(doctest.DocTestSuite(cov))
    return tests


if __name__ == "__main__":
    unittest.main(verbosity=1)
