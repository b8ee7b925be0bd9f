"""Component and layer mapping: conventions with no config, config rules over them, evidence."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from riskmap.analyze.components import ComponentMapper
from riskmap.config import ComponentRule
from riskmap.layers import LAYER_WORDS, conventional_layer, module_name
from riskmap.models import Frame, Kind, Layer, Record, Source

SOURCE = Source(format="json", path="bugs.json", locator="record[1]")
NEUTRAL = st.from_regex(r"[a-z]{3,8}", fullmatch=True).filter(
    lambda w: all(w not in words for words in LAYER_WORDS.values())
)
WORDS = [(layer, word) for layer, words in LAYER_WORDS.items() for word in words]


def _record(**fields) -> Record:
    return Record(id="R-1", source=SOURCE, title=fields.pop("title", "Something broke"), **fields)


def test_the_issue_examples():
    assert conventional_layer("task_handler.py")[0] == Layer.handler
    assert conventional_layer("domain_logic.py")[0] == Layer.domain
    assert conventional_layer("integrations.py")[0] == Layer.integration
    assert conventional_layer("models.py")[0] == Layer.domain


@given(pair=st.sampled_from(WORDS), folders=st.lists(NEUTRAL, max_size=3), name=NEUTRAL)
def test_a_conventional_folder_places_any_neutral_file(pair, folders, name):
    layer, word = pair
    path = "/".join([*folders, word, f"{name}.py"])
    assert conventional_layer(path) == (layer, f"folder '{word}'")


@given(pair=st.sampled_from(WORDS), prefix=NEUTRAL, folders=st.lists(NEUTRAL, max_size=3))
def test_a_conventional_last_word_of_the_file_name_places_it(pair, prefix, folders):
    layer, word = pair
    path = "/".join([*folders, f"{prefix}_{word}.py"])
    assert conventional_layer(path)[0] == layer


@given(pair=st.sampled_from(WORDS), other=st.sampled_from(WORDS))
def test_the_file_name_outranks_its_folder(pair, other):
    layer, word = pair
    assert conventional_layer(f"{other[1]}/{word}.py")[0] == layer


@given(folders=st.lists(NEUTRAL, max_size=4), name=NEUTRAL)
def test_neutral_paths_stay_unplaced(folders, name):
    assert conventional_layer("/".join([*folders, f"{name}.py"])) is None


def test_module_names_drop_source_roots_and_suffixes():
    assert module_name("src/adapters/dynamodb_repository.py") == "adapters.dynamodb_repository"
    assert module_name("integrations.py") == "integrations"
    assert module_name("lib\\domain\\rules.py") == "domain.rules"


def test_config_rules_win_over_conventions_and_say_so():
    rules = [
        ComponentRule(name="orders-api", layer=Layer.domain, paths=["services/orders/*"]),
        ComponentRule(name="billing", layer=Layer.integration, labels=["re:^area/billing$"]),
        ComponentRule(name="auth", layer=Layer.handler, components=["Auth*"]),
    ]
    mapper = ComponentMapper(rules)
    placed = mapper.place(_record(paths=("services/orders/handler.py",)))
    assert (placed.component, placed.layer, placed.confidence) == ("orders-api", Layer.domain, 1.0)
    assert placed.evidence == "config rule 'orders-api': path 'services/orders/handler.py' matches 'services/orders/*'"
    assert mapper.place(_record(labels=("area/billing",))).component == "billing"
    assert mapper.place(_record(labels=("area/billing-old",))).component == "(unmapped)"
    assert mapper.place(_record(component_hint="authentication")).component == "auth"


def test_a_component_field_naming_the_file_joins_the_files_other_records():
    mapper = ComponentMapper([])
    named = mapper.place(_record(component_hint="Task-Service", paths=("src/domain/task_service.py",)))
    unnamed = mapper.place(_record(paths=("src/domain/task_service.py",)))
    assert named.component == unnamed.component == "domain.task_service"
    assert named.layer == unnamed.layer == Layer.domain
    assert named.evidence.startswith("component field 'Task-Service' names src/domain/task_service.py")


def test_order_of_trust_without_config():
    mapper = ComponentMapper([])
    hinted = mapper.place(_record(component_hint="task_service", paths=("src/handlers/x.py",)))
    assert (hinted.component, hinted.layer) == ("handlers.x", Layer.handler)  # a component is a file
    assert hinted.evidence.endswith("component field 'task_service' kept as detail")
    named = mapper.place(_record(component_hint="task_service"))
    assert (named.component, named.layer) == ("task_service", Layer.domain)
    by_path = mapper.place(_record(paths=("src/adapters/dynamo.py",)))
    assert (by_path.component, by_path.layer) == ("adapters.dynamo", Layer.integration)
    frames = (Frame(file="site-packages/boto3/x.py", in_app=False), Frame(file="app/rules/due.py"),
              Frame(file="lib/vendored/thing.py", in_app=False))
    by_frame = mapper.place(_record(frames=frames))
    assert (by_frame.component, by_frame.layer) == ("app.rules.due", Layer.domain)
    assert by_frame.evidence.startswith("fault frame app/rules/due.py")
    by_title = mapper.place(_record(title="DynamoDB throttles writes at night"))
    assert (by_title.component, by_title.layer) == ("dynamodb", Layer.integration)
    nothing = mapper.place(_record(title="It is slow"))
    assert (nothing.component, nothing.layer, nothing.confidence) == ("(unmapped)", Layer.unmapped, 0.0)
    unknown_path = mapper.place(_record(paths=("src/utils/dates.py",)))
    assert (unknown_path.component, unknown_path.layer) == ("utils.dates", Layer.unmapped)


def test_a_bare_component_name_joins_the_only_module_of_that_name():
    mapper = ComponentMapper([])
    by_file = mapper.place(_record(paths=("src/adapters/dynamodb_repository.py",)))
    bare = mapper.place(_record(component_hint="dynamodb_repository"))
    other = mapper.place(_record(component_hint="billing"))
    merged = mapper.merge_named([by_file, bare, other])
    assert [p.component for p in merged] == ["adapters.dynamodb_repository"] * 2 + ["billing"]
    assert merged[1].evidence.endswith("the only module of that name is adapters.dynamodb_repository")
    assert merged[1].confidence == bare.confidence


def test_an_ambiguous_bare_name_stays_as_given():
    mapper = ComponentMapper([])
    first = mapper.place(_record(paths=("services/a/handler.py",)))
    second = mapper.place(_record(paths=("services/b/handler.py",)))
    bare = mapper.place(_record(component_hint="handler"))
    assert mapper.merge_named([first, second, bare])[2].component == "handler"


_CAMEL = st.from_regex(r"[A-Z][a-z]{2,6}", fullmatch=True).filter(lambda w: w not in ("Test", "Tests", "Spec", "Specs"))


_PACKAGE = st.lists(NEUTRAL.filter(lambda w: not w.startswith(("test", "spec"))), min_size=1, max_size=3)


@given(shown=st.lists(_CAMEL, min_size=1, max_size=3).map("".join), rest=_CAMEL,
       lower=st.from_regex(r"[a-z]{1,4}", fullmatch=True), package=_PACKAGE)
def test_a_test_goes_to_the_shown_class_its_name_begins_with_at_a_word_boundary(shown, rest, lower, package):
    """``{shown}{rest}Test`` shows only test code; another record's trace shows ``{shown}``: it moves there, but
    not when the name goes on in lower case (``{shown}{lower}``: another word), nor when its own class is shown."""
    folder = "/".join(package)
    trace = _record(kind=Kind.test, frames=(Frame(file=f"{folder}/{shown}.java", function=f"{shown}.run"),))

    def placed(tested: str, *others: Record) -> str:
        test = _record(kind=Kind.test, paths=(f"{folder}/{tested}",),
                       frames=(Frame(file=f"{folder}/{tested}Test.java", function=f"{tested}Test.test"),))
        records = [test, *others]
        mapper = ComponentMapper([])
        return mapper.to_shown_modules(records, [mapper.place(r) for r in records])[0].component

    dotted = ".".join(package)
    assert placed(f"{shown}{rest}", trace) == f"{dotted}.{shown}"
    assert placed(f"{shown}7", trace) == f"{dotted}.{shown}"
    assert placed(f"{shown}{lower}", trace) == f"{dotted}.{shown}{lower}"
    assert placed(f"{shown}{rest}") == f"{dotted}.{shown}{rest}"
    own = _record(kind=Kind.test, frames=(Frame(file=f"{folder}/{shown}{rest}.java", function="X.y"),))
    assert placed(f"{shown}{rest}", trace, own) == f"{dotted}.{shown}{rest}"


def _moved_test(test_id: str, tested: str, *shown: str, extra: dict | None = None) -> str:
    """The component of a failing test whose trace shows only test code, next to records whose traces show
    ``shown`` files."""
    folder = tested.rpartition("/")[0]
    test = Record(id=test_id, source=SOURCE, title="failed", kind=Kind.test, paths=(tested,), extra=extra or {},
                  frames=(Frame(file=f"{folder}/test_it.py", function="test"),))
    others = [_record(kind=Kind.test, frames=(Frame(file=file, function="run"),)) for file in shown]
    records = [test, *others]
    mapper = ComponentMapper([])
    return mapper.to_shown_modules(records, [mapper.place(r) for r in records])[0].component


def test_a_test_goes_to_the_shown_module_its_own_name_names():
    """The test's method or function name, after ``test``, begins with a shown module's name: the longest."""
    java = ("org/acme/Option.java", "org/acme/OptionGroup.java", "org/acme/Parser.java")
    assert _moved_test("org.acme.BasicParserTest.testOptionGroupLong", "org/acme/BasicParser", *java) \
        == "org.acme.OptionGroup"
    # the report's own ``test`` field wins over the id
    assert _moved_test("x", "org/acme/BasicParser", *java, extra={"test": "testOptionLong"}) == "org.acme.Option"
    # Python: snake case, compared without ``_``
    assert _moved_test("tests/test_cli.py::test_date_parser_handles_tabs", "app/cli.py", "app/date_parser.py") \
        == "app.date_parser"
    # two shown names alike but for case or ``_``: the first in sorted order, whatever the input order
    alike = ("org/acme/DateParser.java", "app/date_parser.py")
    for shown in (alike, alike[::-1]):
        assert _moved_test("a.FooTest.testDateParserRuns", "org/acme/Foo", *shown) == "org.acme.DateParser"
    # a name the test's class already gives, a name shorter than 4 characters, a name no module has: unchanged
    assert _moved_test("a.ParserTest.testParserRuns", "org/acme/Parser", *java) == "org.acme.Parser"
    assert _moved_test("a.FooTest.testGetValue", "org/acme/Foo", "org/acme/Get.java") == "org.acme.Foo"
    assert _moved_test("a.FooTest.testNothingShown", "org/acme/Foo", *java) == "org.acme.Foo"


_WORDS = st.lists(_CAMEL, min_size=1, max_size=3).filter(lambda ws: len("".join(ws)) >= 4)


@given(words=_WORDS, rest=st.lists(_CAMEL, max_size=2), package=_PACKAGE)
def test_a_test_named_after_a_shown_module_moves_there_in_any_naming_style(words, rest, package):
    """``test{Words}{Rest}``, ``test_{words}_{rest}`` and ``{words}{Rest}ShouldFail`` all name ``{Words}`` (4 or more
    characters)."""
    folder = "/".join(package)
    name = "".join(words)
    shown = f"{folder}/{name}.java"
    camel = "".join(words + rest)
    snake = "_".join(w.lower() for w in words + rest)
    for method in (f"test{camel}", f"test_{snake}", f"{camel[0].lower()}{camel[1:]}ShouldFail"):
        placed = _moved_test(f"x.OtherTest.{method}", f"{folder}/Other{name}Zz", shown)
        assert placed == f"{'.'.join(package)}.{name}", method


def test_a_bare_test_goes_where_its_classs_other_failures_reached_most():
    """The failing tests of one class that reach code vote with every module they pass through (ties: the first by
    name); tests of another class don't vote; a named class some trace shows keeps the test."""

    def failing(test_class: str, *files: str) -> Record:
        frames = (Frame(file=f"org/acme/{test_class}.java", function="test"),
                  *(Frame(file=f"org/acme/{file}.java", function="run") for file in files))
        return Record(id=f"org.acme.{test_class}.t{len(files)}", source=SOURCE, title="failed", kind=Kind.test,
                      frames=frames, paths=() if files else (f"org/acme/{test_class.removesuffix('Test')}",),
                      extra={"classname": f"org.acme.{test_class}"})

    def placed(*records: Record) -> str:
        mapper = ComponentMapper([])
        return mapper.to_shown_modules(list(records), [mapper.place(r) for r in records])[0].component

    bare = failing("PrinterTest")
    assert placed(bare) == "org.acme.Printer"
    assert placed(bare, failing("PrinterTest", "Generator", "Buffer")) == "org.acme.Buffer"  # a tie: by name
    assert placed(bare, failing("PrinterTest", "Generator", "Buffer"), failing("PrinterTest", "Generator")) \
        == "org.acme.Generator"
    assert placed(bare, failing("OtherTest", "Generator")) == "org.acme.Printer"
    assert placed(bare, failing("PrinterTest", "Generator"), failing("OtherTest", "Printer")) == "org.acme.Printer"
