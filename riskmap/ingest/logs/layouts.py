"""Header layouts of text logs (syslog, Apache, log4j, Python, HDFS ...) and how a file's layout is detected."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Lines of the file's start that header detection looks at.
SAMPLE_LINES = 200

#: Every level word a header may carry, in any case a layout's pattern allows.
LEVEL_WORD = (r"(?:TRACE|DEBUG|FINE|FINER|FINEST|CONFIG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|CRITICAL|CRIT"
              r"|FATAL|ALERT|EMERG|PANIC)")
_ISO = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z| ?[+-]\d{2}:?\d{2})?"
_SLASH_DATE = r"\d{2,4}/\d{2}/\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
_BRACKETS = r"(?:\[(?:[^\[\]]|\[[^\]]*\])*\]\s*[-|]?\s*)?"  # [thread], [QuorumPeer[myid=1]/...]
# After the time: "LEVEL [thread] logger: message" or "[thread] LEVEL logger - message" (log4j,
# logback, Hadoop, Spark, Zookeeper) ...
_LEVEL_FIRST = (r"[\s|-]*" + _BRACKETS + r"(?P<level>" + LEVEL_WORD + r")\b:?\s*[-|]?\s*" + _BRACKETS
                + r"(?:(?P<component>[\w.$/@-]+(?:\[[^\]]*\])?)(?::\s+|\s+-\s+))?(?P<message>.*)$")
# ... or "logger - LEVEL - message" (Python's logging with a dashed format).
_NAME_FIRST = r"[\s|-]*(?P<component>[\w.$/@-]+)\s+-\s+(?P<level>" + LEVEL_WORD + r")\s+-\s+(?P<message>.*)$"


@dataclass(frozen=True, slots=True)
class Layout:
    """A header layout: a name, a pattern with time, level, component and message, and its time formats.

    ``title`` is how messages call the header (``HDFS``, ``Apache error log``); ``name`` is the
    layout's id, as reports and ``riskmap templates`` show it.
    """

    name: str
    title: str
    pattern: re.Pattern[str]
    time_formats: tuple[str, ...] = ()
    #: Learned from the file (:mod:`.learned`): a line it does not fit starts an entry of its own
    #: unless it looks like the continuation of one (a known layout makes it a continuation).
    learned: bool = False


#: The header layouts riskmap detects; on a tie the earlier one wins.
LAYOUTS: tuple[Layout, ...] = (
    Layout("syslog", "syslog", re.compile(
        r"^(?P<time>[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}) (?P<host>\S+) "
        r"(?:(?P<component>[^\s\[:]+)(?:\[\d+\])?: ?)?(?P<message>.*)$")),
    Layout("apache-error", "Apache error log", re.compile(
        r"^\[(?P<time>[A-Z][a-z]{2} [A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4})\] "
        r"\[(?:(?P<component>[\w-]+):)?(?P<level>[a-z]+\d?)\](?: \[pid \d+(?::tid \d+)?\])?(?: \[client [^\]]+\])? ?"
        r"(?P<message>.*)$"),
        ("%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M:%S.%f %Y")),
    Layout("apache-access", "Apache access log", re.compile(
        r'^(?P<host>\S+) \S+ \S+ \[(?P<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] '
        r'"(?P<message>[^"]*)" (?P<status>\d{3}) .*$'), ("%d/%b/%Y:%H:%M:%S %z",)),
    Layout("hdfs", "HDFS", re.compile(
        r"^(?P<time>\d{6} \d{6}) (?P<pid>\d+) (?P<level>[A-Z]+) (?P<component>[\w.$-]+): (?P<message>.*)$"),
        ("%y%m%d %H%M%S",)),
    Layout("glog", "glog", re.compile(
        r"^(?P<level>[IWEF])(?P<time>\d{4} \d{2}:\d{2}:\d{2}\.\d+)\s+\d+ (?P<component>[^\]\s]+)\] (?P<message>.*)$")),
    Layout("lambda", "AWS Lambda", re.compile(
        r"^\[(?P<level>[A-Z]+)\]\t(?P<time>" + _ISO + r")\t(?P<request>\S+)\t(?P<message>.*)$")),
    Layout("python", "Python logging", re.compile(
        r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):(?P<component>[\w.]*):(?P<message>.*)$")),
    Layout("log4j", "log4j", re.compile(r"^\[?(?P<time>" + _ISO + r")\]?" + _LEVEL_FIRST)),
    Layout("python-dashed", "Python logging (dashed)", re.compile(r"^\[?(?P<time>" + _ISO + r")\]?" + _NAME_FIRST)),
    Layout("log4j-slash-date", "log4j (slashed date)",
           re.compile(r"^\[?(?P<time>" + _SLASH_DATE + r")\]?" + _LEVEL_FIRST),
           ("%y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")),
    Layout("iso", "ISO-timestamped", re.compile(r"^\[?(?P<time>" + _ISO + r")\]?\s*(?P<message>.*)$")),
)
#: No header layout: every line is a message, entries are told apart by their continuation lines.
PLAIN = Layout("plain", "plain", re.compile(r"^(?P<message>.*)$"))

#: Lines that continue the entry before them when a file has no header layout to tell entries apart.
CONTINUATION = re.compile(
    r"^(?:\s|Traceback \(most recent call last\):|Caused by:|During handling of the above exception"
    r"|The above exception was the direct cause|[\w.$]+(?:Error|Exception|Warning|Exit|Interrupt)\b(?::|$)"
    r"|goroutine \d+ \[|created by |exit status \d+$|\[signal |\.\.\. \d+ more)"
)


def known_layout(lines: Iterable[str]) -> Layout:
    """The known header layout that fits most of the sample lines (at least half of them, not counting
    the lines of stack traces), else ``plain``."""
    sample = [line for line in lines if line.strip() and not CONTINUATION.match(line)][:SAMPLE_LINES]
    best, best_hits = PLAIN, 0
    for layout in LAYOUTS:
        hits = sum(1 for line in sample if layout.pattern.match(line))
        if hits > best_hits:
            best, best_hits = layout, hits
    return best if best_hits * 2 >= len(sample) and best_hits else PLAIN
