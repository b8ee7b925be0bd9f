"""Place every record in a component and a hexagonal layer, keeping the evidence for it.

In order of trust: the config's component rules (globs or ``re:`` regexes on paths, component
fields and labels); with ``--repo``, the repository file a path or in-app frame resolves to, and
the layer its code shows; the record's file path (a component is a source file: a component field
naming a class or ``Class.method`` in that file is kept as the record's detail); the record's own
component field (when it only names a frame's file, the file's component; ``Class.method`` rolls
up to ``Class``); its fault frame, the innermost in-app frame of the root cause (test code only
when the trace reaches no other in-app code; not a frame that only builds or reports the error;
the caller of code that refused an argument); infrastructure names in its title. What none of
these place is ``unmapped``. A layer hint in another frame's file name never outranks the fault frame.
A failing test placed at the code its name names moves to the shown code its own method or function
name names (``testBase64EmptyInputStream`` -> ``Base64``), else, where no trace shows the code its
class names, to the shown code whose name begins that name, else to the code the other failing tests
of its class passed through most (``ComponentMapper.to_shown_modules``).
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, Protocol

from riskmap.config import ComponentRule
from riskmap.layers import UNMAPPED, conventional_layer, file_stem, is_test_file, module_name
from riskmap.models import Frame, Kind, Layer, Placement, Record

#: Infrastructure named in a title places a record that nothing else places (integration).
TITLE_KEYWORDS = (
    "dynamodb", "eventbridge", "sqs", "sns", "s3", "kafka", "redis", "postgres", "postgresql",
    "mysql", "mongodb", "elasticsearch", "rabbitmq", "kinesis",
)
_TITLE_KEYWORD = re.compile(r"\b(" + "|".join(TITLE_KEYWORDS) + r")\b", re.IGNORECASE)



class RepoIndex(Protocol):
    """What the analysis needs of a scanned repository (see riskmap.repo.RepoMap)."""

    #: Repository path -> module, each with ``path``, ``layer``, ``why`` and ``violation``.
    modules: dict[str, Any]

    def resolve(self, reference: str) -> Any:
        """The repository module behind a path or frame, with ``path``, ``layer`` and ``why``; or None."""

#: How sure each kind of placement is; below 0.5 a layer is a guess, and the reports say so.
CONFIDENCE = {"rule": 1.0, "repo": 0.95, "component": 0.9, "stem": 0.8, "folder": 0.7, "frame": 0.6, "title": 0.3,
              "guess": 0.3}
#: What turns a guessed layer into a known one.
FIX_GUESS = "`riskmap init` or a [[tool.riskmap.components]] rule places it"


class ComponentMapper:
    """Places records; caches by what a placement depends on, as many records share it."""

    def __init__(self, rules: Sequence[ComponentRule], repo: RepoIndex | None = None) -> None:
        self._rules = [
            (rule, _matcher(rule.paths), _matcher(rule.components), _matcher(rule.labels))
            for rule in rules
        ]
        self._repo = repo
        self._cache: dict[tuple[Any, ...], Placement] = {}

    def frame_layer(self, file: str) -> Layer | None:
        """The layer of the code a stack frame's file belongs to (the repository's, else by its name)."""
        found = self._repo.resolve(file) if self._repo is not None else None
        if found is not None:
            return found.layer
        conventional = conventional_layer(file)
        return conventional[0] if conventional else None

    def place(self, record: Record, fault: Sequence[Frame] | None = None) -> Placement:
        """The component and layer of one record, with the evidence; ``fault`` is its ``fault_frames`` when
        the caller has them already."""
        frames = tuple(f.file for f in (fault_frames(record) if fault is None else fault))
        # Without config rules or a repository, a record's path and component field alone place it (see _place):
        # its frames, which vary from trace to trace, are left out of the key.
        placed_by_path = record.paths and not self._rules and self._repo is None
        key = (record.component_hint, record.paths, () if placed_by_path else frames, record.labels,
               record.title if not (record.component_hint or record.paths or frames) else None)
        placement = self._cache.get(key)
        if placement is None:
            placement = self._place(record.component_hint, record.paths, frames, record.labels, record.title)
            self._cache[key] = placement
        return placement

    def merge_named(self, placements: list[Placement]) -> list[Placement]:
        """Join records that name a component but no file to the one module of that name.

        A record giving only ``task_service`` and records giving ``src/domain/task_service.py``
        are about the same code: when exactly one placed module has that file name, the former
        join it (keeping their own confidence, with the evidence saying so).
        """
        modules: dict[str, set[str]] = {}
        placed = set(self._cache.values())
        for placement in placed:
            if placement.signal in ("file", "frame"):
                modules.setdefault(placement.component.rsplit(".", 1)[-1].lower(), set()).add(placement.component)
        renamed: dict[Placement, Placement] = {}
        for placement in placed:
            if placement.signal != "component":
                continue
            candidates = modules.get(_slug(placement.component), set())
            if len(candidates) == 1:
                module = next(iter(candidates))
                renamed[placement] = placement.model_copy(update={
                    "component": module, "evidence": f"{placement.evidence}; the only module of that name is {module}",
                })
        return [renamed.get(p, p) for p in placements] if renamed else placements

    def to_shown_modules(self, records: Sequence[Record], placements: list[Placement]) -> list[Placement]:
        """Move failing tests placed at a class under test that no trace shows to the shown class
        whose name begins its name.

        A test whose trace reaches only test code is placed at the code its name names
        (``DoubleMetaphone2Test`` -> ``DoubleMetaphone2``, ``StringUtilsTrimEmptyTest`` ->
        ``StringUtilsTrimEmpty``, ``TestLocalDate_Constructors`` -> ``LocalDate_Constructors``). When
        neither the in-app frames of the analysed records nor the ``--repo`` index show a module of
        that name, but show one whose name begins it up to a word boundary (a capital, a digit, ``_``
        or ``-`` follows: ``DoubleMetaphone``, ``StringUtils``, ``LocalDate``), the record goes there:
        the longest such name of at least ``MIN_SHOWN_NAME`` (3) characters; of several modules with
        that name, the one whose package shares most with the test's.

        Before that, the test's own (method or function) name: when its words after ``test`` begin with
        the name of a module the traces or the repository show (``testBase64EmptyInputStream`` ->
        ``Base64``, ``testOptionGroupLong`` -> ``OptionGroup``, ``test_parser_handles_tabs`` ->
        ``parser``; the longest, compared without case or ``_``, of at least ``MIN_METHOD_NAMED`` (4)
        characters), the record goes to that module, even where its class's name is shown too.

        After both, where no trace or repository file shows the code the test's class names: the module the
        traces of the other failing tests of the same class (the report's ``classname``) pass through most
        often (ties: the first by name). ``CodePrinterTest.testZero`` shows only the test; another
        ``CodePrinterTest`` failure's trace passes through ``CodeGenerator``: the record goes there.
        """
        shown = _shown_modules(records, self._repo)
        by_key: dict[str, str] = {}
        for name in sorted(shown):  # names alike but for case or ``_`` (``DateParser``, ``date_parser``): the first
            by_key.setdefault(_name_key(name), name)
        siblings = _reached_by_test_class(records)
        moved: dict[tuple[str, str, str], Placement | None] = {}
        result = list(placements)
        for index, (record, placement) in enumerate(zip(records, placements, strict=True)):
            if not _named_by_test(record, placement):
                continue
            method = failing_test_name(record)
            test_class = _test_class(record)
            key = (placement.component, method, test_class)
            if key not in moved:
                moved[key] = (_shown_by_method(placement, method, shown, by_key) or _shown_prefix(placement, shown)
                              or _reached_by_siblings(placement, test_class, shown, siblings))
            found = moved[key]
            if found is not None:
                result[index] = found
        return result

    def _rule_hit(
        self, located: list[str], hint: str | None, labels: tuple[str, ...]
    ) -> tuple[ComponentRule, str] | None:
        """The config rule that places a record: by its paths, then its deepest in-app frame first
        (the first rule matching each), then by its component field or labels."""
        for value in located:
            for rule, by_path, _, _ in self._rules:
                hit = _first(by_path, (value,), "path")
                if hit:
                    return rule, hit
        for rule, _, by_component, by_label in self._rules:
            hit = _first(by_component, (hint,) if hint else (), "component") or _first(by_label, labels, "label")
            if hit:
                return rule, hit
        return None

    def _place(
        self,
        hint: str | None,
        paths: tuple[str, ...],
        frames: tuple[str, ...],
        labels: tuple[str, ...],
        title: str,
    ) -> Placement:
        located = [*paths, *reversed(frames)]
        matched = self._rule_hit(located, hint, labels)
        if matched:
            rule, hit = matched
            return Placement(component=rule.name, layer=rule.layer, confidence=CONFIDENCE["rule"], signal="rule",
                             evidence=f"config rule '{rule.name}': {hit}")
        if self._repo is not None:
            for kind, candidate in [*(("path", p) for p in paths), *(("frame", f) for f in reversed(frames))]:
                found = self._repo.resolve(candidate)
                if found is not None:
                    where = "deepest in-app frame" if kind == "frame" else "path"
                    return Placement(component=module_name(found.path), layer=found.layer,
                                     confidence=CONFIDENCE["repo"], signal="file",
                                     evidence=f"{where} {candidate} is {found.path} in the repository: {found.why}")
        if paths:
            path = paths[0]
            found = conventional_layer(path) or (conventional_layer(hint) if hint else None)
            layer, why = found if found else (Layer.unmapped, "no conventional layer name")
            signal = "stem" if why.startswith("file") else "folder"
            if hint and _slug(hint) == file_stem(path):  # the field names the record's file
                return Placement(component=module_name(path), layer=layer, confidence=CONFIDENCE["component"],
                                 signal="file", evidence=f"component field '{hint}' names {path}; layer from {why}")
            named = f"; component field '{hint}' kept as detail" if hint else ""
            return Placement(component=module_name(path), layer=layer,
                             confidence=CONFIDENCE[signal] if found else CONFIDENCE["frame"], signal="file",
                             evidence=f"path {path}: {why}{named}")
        if hint:
            named_file = next((path for path in located if file_stem(path) == _slug(hint)), None)
            by_name = conventional_layer(hint)
            found = (by_name[0], "its name") if by_name else next(filter(None, map(conventional_layer, located)), None)
            layer, why = found if found else (Layer.unmapped, "nothing: no conventional layer name")
            if named_file:  # the field names the record's file: one component with the file's other records
                return Placement(component=module_name(named_file), layer=layer, confidence=CONFIDENCE["component"],
                                 signal="file",
                                 evidence=f"component field '{hint}' names {named_file}; layer from {why}")
            owner = _METHOD_OF_CLASS.fullmatch(hint)
            component = owner.group(1) if owner else hint
            if by_name:  # a word in a tracker's component name ("Core/Audio/Video") is no code: a guess
                return Placement(component=component, layer=layer, confidence=CONFIDENCE["guess"],
                                 signal="component", evidence=f"component field '{hint}'; layer guessed from "
                                 f"{by_name[1]} of the name alone (no path, frame or rule: {FIX_GUESS})")
            return Placement(component=component, layer=layer, confidence=CONFIDENCE["component"], signal="component",
                             evidence=f"component field '{hint}'; layer from {why}")
        if frames:
            fault = frames[-1]
            found = conventional_layer(fault)
            layer, why = found if found else (Layer.unmapped, "no conventional layer name")
            return Placement(component=module_name(fault), layer=layer, confidence=CONFIDENCE["frame"],
                             signal="frame", evidence=f"fault frame {fault} (innermost in-app): {why}")
        keyword = _TITLE_KEYWORD.search(title)
        if keyword:
            name = keyword.group(1).lower()
            return Placement(component=name, layer=Layer.integration, confidence=CONFIDENCE["title"], signal="title",
                             evidence=f"'{keyword.group(1)}' named in the title")
        return Placement(component=UNMAPPED, layer=Layer.unmapped, confidence=0.0,
                         evidence="no component field, file path, stack frame or known name")


#: A component field naming a method of a class (``EventPublisher.publish_event``): the class is the component.
_METHOD_OF_CLASS = re.compile(r"([A-Z][\w$]*)\.([a-z_][\w$]*)")


#: The shortest module name a tested name may be moved to (see ComponentMapper.to_shown_modules).
MIN_SHOWN_NAME = 3


def _shown_modules(records: Sequence[Record], repo: RepoIndex | None) -> dict[str, set[str]]:
    """Module name -> the modules of that last name that the records' in-app, non-test frames (and
    the repository) show."""
    shown: dict[str, set[str]] = {}
    files = {f.file for record in records for f in record.frames if f.in_app}
    names = {module_name(file) for file in files if not is_test_file(file)}
    if repo is not None:
        names.update(module_name(path) for path in repo.modules)
    for name in names:
        shown.setdefault(name.rsplit(".", 1)[-1], set()).add(name)
    return shown


#: The shortest module name a test's method name may name (see ComponentMapper.to_shown_modules).
MIN_METHOD_NAMED = 4
#: A test function's name parts: ``test``/``should`` words and the rest split at ``_`` and camel case.
_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def failing_test_name(record: Record) -> str:
    """A failing test's own name (``testCreateNumber``, ``test_parse_date``): a test report's ``test``
    field, else the part of its id after its last ``.``, ``::`` or ``/``."""
    given = record.extra.get("test")
    if isinstance(given, str) and given:
        return given
    return re.split(r"::|[./]", record.id)[-1]


def _name_key(name: str) -> str:
    """A module or test name compared without case, ``_`` or ``-``."""
    return re.sub(r"[_-]", "", name).lower()


def _shown_by_method(
    placement: Placement, method: str, shown: dict[str, set[str]], by_key: dict[str, str]
) -> Placement | None:
    """The placement at the shown module the test's own name names (see ComponentMapper.to_shown_modules),
    or None."""
    words = _NAME_WORDS.findall(re.sub(r"^_*test_*", "", method, flags=re.IGNORECASE))
    for end in range(len(words), 0, -1):
        name = by_key.get("".join(words[:end]).lower())
        if name is not None and len(name) >= MIN_METHOD_NAMED:
            if name == placement.component.rpartition(".")[2]:
                return None
            return _moved(placement, name, shown, f"the test's name {method} names {name}, which a trace or "
                                                  "the repository shows")
    return None


def _named_by_test(record: Record, placement: Placement) -> bool:
    """A failing test placed by its name at the code it tests: no trace frame reaches other code."""
    return (record.kind is Kind.test and placement.signal == "file" and bool(record.paths)
            and not any(f.in_app and not is_test_file(f.file) for f in record.frames))


def _shown_prefix(placement: Placement, shown: dict[str, set[str]]) -> Placement | None:
    """The placement at the longest shown module whose name begins the placed one's (see
    ComponentMapper.to_shown_modules), or None when its own name is shown or none fits."""
    _, _, name = placement.component.rpartition(".")
    if name in shown:
        return None
    fits = [known for known in shown if len(known) >= MIN_SHOWN_NAME and len(known) < len(name)
            and name.startswith(known) and (name[len(known)].isupper() or name[len(known)] in "0123456789_-")]
    if not fits:
        return None
    best = max(fits, key=lambda known: (len(known), known))
    return _moved(placement, best, shown, f"no trace or repository file shows {name}, and {best} (one they "
                                          "show) begins its name")


def _moved(placement: Placement, name: str, shown: dict[str, set[str]], why_moved: str) -> Placement:
    """The placement at the shown module of that last name whose package shares most with the placed one's."""
    package = placement.component.rpartition(".")[0]
    module = min(shown[name], key=lambda m: (-_shared_segments(m.rpartition(".")[0], package), m))
    return _placed_at(placement, module, f"{why_moved}: {module}")


def _placed_at(placement: Placement, module: str, why_moved: str) -> Placement:
    """The placement moved to ``module``, its evidence saying why; the layer from the module's name."""
    found = conventional_layer(module.replace(".", "/"))
    layer, why = found if found else (Layer.unmapped, "no conventional layer name")
    return Placement(component=module, layer=layer, confidence=CONFIDENCE["frame"], signal="file",
                     evidence=f"{placement.evidence}; {why_moved}; layer from {why}")


def _test_class(record: Record) -> str:
    """A failing test's class: its report's ``classname``, else its id up to the last ``.`` (NUnit's full
    names: ``UnitTests.MainClassTest.TestFailure``), as the readers take it."""
    given = record.extra.get("classname")
    return given if isinstance(given, str) and given else record.id.rpartition(".")[0]


def _reached_by_test_class(records: Sequence[Record]) -> dict[str, Counter[str]]:
    """Test class -> how many of its failing tests' traces pass through each module outside the tests."""
    reached: dict[str, Counter[str]] = {}
    for record in records:
        test_class = _test_class(record) if record.kind is Kind.test else ""
        modules = {module_name(f.file) for f in record.frames if f.in_app and not is_test_file(f.file)}
        if test_class and modules:
            reached.setdefault(test_class, Counter()).update(modules)
    return reached


def _reached_by_siblings(
    placement: Placement, test_class: str, shown: dict[str, set[str]], siblings: dict[str, Counter[str]]
) -> Placement | None:
    """The placement at the module the traces of the other failing tests of the same class pass through most
    often (ties: the first by name), when no trace or repository file shows the code the test's name names;
    else None."""
    _, _, name = placement.component.rpartition(".")
    reached = siblings.get(test_class)
    if name in shown or not reached:
        return None
    best = min(reached, key=lambda module: (-reached[module], module))
    return _placed_at(placement, best, f"no trace or repository file shows {name}, and the traces of the other "
                                       f"failing tests of {test_class} pass through {best} most often")


def _shared_segments(one: str, other: str) -> int:
    """How many leading dotted segments two package names share."""
    count = 0
    for a, b in zip(one.split("."), other.split("."), strict=False):
        if a != b:
            break
        count += 1
    return count


def fault_frames(record: Record) -> list[Frame]:
    """A record's in-app frames that placement reads, outermost first, the fault frame last.

    Test code is not the fault: test frames count only when no other in-app frame is there. Nor
    is code that only builds or reports the error (see ``builds_error``): innermost frames of that
    kind are left out, so their caller is the fault frame (never all of them). When the root cause
    is a refused argument (see ``rejects_argument``), the fault is the caller in another file.
    """
    if not record.frames:
        return []
    app = [f for f in record.frames if f.in_app]
    code = [f for f in app if not is_test_file(f.file)] or app
    end = len(code)
    while end > 1 and builds_error(code[end - 1].function):
        end -= 1
    if end > 1 and rejects_argument(record.description):
        thrower = code[end - 1].file
        caller = next((i for i in range(end - 1, 0, -1) if code[i - 1].file != thrower), None)
        if caller is not None:
            end = caller
    return code[:end]


#: The JVM's exceptions for a bad argument, as the root cause of a trace (its last ``Caused by:``, else its
#: first exception line).
_ARGUMENT_ERRORS = ("java.lang.IllegalArgumentException", "java.lang.NumberFormatException")
_ROOT_CAUSE = re.compile(r"^\s*Caused by: ([\w$.]+)", re.M)
_FIRST_ERROR = re.compile(r"^\s*([\w$.]+(?:Exception|Error))\b", re.M)


def rejects_argument(text: str) -> bool:
    """Whether a trace's root cause is the JVM's ``IllegalArgumentException`` or ``NumberFormatException``:
    the code that threw it checked an argument and refused it, so its caller (the innermost frame of
    another file) is the fault."""
    if "IllegalArgumentException" not in text and "NumberFormatException" not in text:
        return False
    causes = _ROOT_CAUSE.findall(text)
    first = _FIRST_ERROR.search(text)
    root = causes[-1] if causes else first.group(1) if first else ""
    return root.rstrip(":") in _ARGUMENT_ERRORS


#: A function that reports or throws (``reportError``, ``_reportError``, ``throwIfNull``, ``raise_error``,
#: .NET's ``ThrowHelper.ThrowArgumentException``) or builds an error (``mappingException``,
#: ``_constructError``, JavaScript's ``new ValidationError``), or any function of an error class
#: (``JsonMappingException.from``, ``FooException.<init>``).
_BUILDS_ERROR = re.compile(r"(?:^|[.$ ])_*(?:(?:[Rr]eport|[Tt]hrow|[Rr]aise)(?:[A-Z_]\w*)?"
                           r"|(?!(?:get|is|has|set|on|log|handle)[A-Z])\w*(?:Exception|Error))$"
                           r"|(?:Exception|Error)(?:\$\w+)?\.[^.]+$")


@lru_cache(maxsize=8192)
def builds_error(function: str) -> bool:
    """Whether a frame's function only builds, reports or throws an error, so that its caller is the
    fault: a method named ``report*``/``throw*``/``raise*`` or ending in ``Exception``/``Error`` (not a
    ``get``/``is``/``has``/``set``/``on``/``log``/``handle`` one), or a method of a class whose name ends so.
    Cached: the traces of an export name the same functions again and again."""
    return _BUILDS_ERROR.search(function) is not None


def record_detail(record: Record, placement: Placement, fault: Sequence[Frame]) -> str | None:
    """The class or function a record names inside its component: the component field when the
    component is something else (``EventPublisher.publish_event`` in ``integrations``), else the
    function of its fault frame (``fault``: its ``fault_frames``)."""
    hint = record.component_hint
    if hint and hint != placement.component and _slug(hint) != _slug(placement.component.rsplit(".", 1)[-1]):
        return hint
    frame = next((f for f in reversed(fault) if not is_test_file(f.file)), None)
    return frame.function or None if frame is not None else None


_SLUG_GAPS = re.compile(r"[\s\-.]+")


@lru_cache(maxsize=4096)
def _slug(name: str) -> str:
    """A component or file name lower-case, with runs of spaces, dashes and dots as one ``_``."""
    return _SLUG_GAPS.sub("_", name.strip().lower())


def _matcher(patterns: Iterable[str]) -> list[tuple[str, re.Pattern[str]]]:
    """Compile globs (and ``re:`` regexes) to case-insensitive regexes."""
    compiled = []
    for pattern in patterns:
        if pattern.startswith("re:"):
            compiled.append((pattern, re.compile(pattern[3:], re.IGNORECASE)))
        else:
            compiled.append((pattern, re.compile(fnmatch.translate(pattern), re.IGNORECASE)))
    return compiled


def _first(matchers: list[tuple[str, re.Pattern[str]]], values: Iterable[str], what: str) -> str | None:
    for value in values:
        for pattern, regex in matchers:
            if regex.search(value) if pattern.startswith("re:") else regex.match(value):
                return f"{what} '{value}' matches '{pattern}'"
    return None
