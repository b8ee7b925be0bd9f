"""Stack traces of every language: the fault frame, library frames, test code and where a record lands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import DATA
from hypothesis import given
from hypothesis import strategies as st

from riskmap.analyze.components import builds_error, rejects_argument
from riskmap.ingest.frames import PARSERS, may_hold_trace, own_package_frames, stack_frames
from riskmap.ingest.testcases import go_package_folder, rust_module_file
from riskmap.layers import code_under_test, is_test_file, module_name
from riskmap.models import Frame

#: What a record must never be placed at: runners, assertion libraries, runtimes.
NOT_APPLICATION = ("junit", "org.apache.tools", "sun.", "java.", "testing", "runtime", "node:", "internal.process",
                   "internal.modules", "internal.timers", "internal.main", "internal.streams", "internal.fs",
                   "internal.util", "internal.errors", "internal.url", "Xunit", "System.", "site-packages",
                   "unittest.case", "unittest.suite", "unittest.main", "unittest.loader", "unittest.runner",
                   "(unmapped)")


def _components(cli, path: Path, tmp_path: Path) -> list[dict]:
    out = tmp_path / path.stem
    assert cli("analyze", path, "--out", out, "-r", "json", "-q").code in (0, 3)
    return json.loads((out / "report.json").read_text(encoding="utf-8"))["records"]


def _fault(text: str) -> str:
    return [f for f in stack_frames(text) if f.in_app][-1].file


def _defects4j_report(corpus: Path, tmp_path: Path, project: str, *bugs: str) -> Path:
    """A JUnit report of the first trigger test of each Defects4J bug, its real stack trace as the failure."""
    cases = []
    for bug in bugs:
        trace = (corpus / "labelled/defects4j" / project / "trigger_tests" / bug).read_text(encoding="utf-8")
        header, _, body = trace.partition("\n")
        classname, _, name = header.removeprefix("--- ").partition("::")
        body = body.split("\n--- ")[0].replace("&", "&amp;").replace("<", "&lt;")
        cases.append(f'<testcase classname="{classname}" name="{name}"><failure message="failed">{body}</failure>'
                     "</testcase>")
    report = tmp_path / f"{project.lower()}-{'-'.join(bugs)}.xml"
    report.write_text(f'<testsuite name="{project}">{"".join(cases)}</testsuite>', encoding="utf-8")
    return report


def test_java_defects4j_trace_lands_at_the_innermost_application_class(cli, corpus, tmp_path):
    [record] = _components(cli, _defects4j_report(corpus, tmp_path, "Cli", "24"), tmp_path)
    assert record["component"] == "org.apache.commons.cli.HelpFormatter"
    assert record["detail"] == "HelpFormatter.renderWrappedText"


@pytest.mark.parametrize(("bug", "component", "detail"), [
    ("17", "com.fasterxml.jackson.core.json.UTF8JsonGenerator", "UTF8JsonGenerator._outputRawMultiByteChar"),
    ("24", "com.fasterxml.jackson.core.base.ParserBase", "ParserBase.convertNumberToLong"),
])
def test_a_frame_that_only_reports_the_error_is_not_the_fault(cli, corpus, tmp_path, bug, component, detail):
    """``JsonGenerator._reportError``, ``JsonParser._constructError``, ``reportOverflowLong``: their caller failed."""
    [record] = _components(cli, _defects4j_report(corpus, tmp_path, "JacksonCore", bug), tmp_path)
    assert (record["component"], record["detail"]) == (component, detail)
    # the location SARIF and Code Quality point at is the same frame, not the reporter's file
    assert record["file"] == component.replace(".", "/") + ".java"


@pytest.mark.parametrize(("project", "reaching", "bare", "component"), [
    ("Cli", "23", "25", "org.apache.commons.cli.HelpFormatter"),  # BugCLI162Test
    ("Gson", "16", "14", "com.google.gson.internal.$Gson$Types"),  # RecursiveTypesResolveTest
])
def test_a_test_that_shows_no_code_goes_where_its_classs_other_failures_went(cli, corpus, tmp_path, project, reaching,
                                                                           bare, component):
    """Two failing tests of one test class: one trace reaches the code, the other shows only the test, whose
    class names code no trace shows (``BugCLI162``): it goes where its sibling went. Alone, it stays."""
    together = _components(cli, _defects4j_report(corpus, tmp_path, project, reaching, bare), tmp_path)
    assert [r["component"] for r in together] == [component, component]
    assert "the other failing tests of" in together[1]["evidence"]
    [alone] = _components(cli, _defects4j_report(corpus, tmp_path, project, bare), tmp_path)
    assert alone["component"] != component


def test_a_projects_own_runner_and_ejb_caller_are_the_harness(cli, corpus, tmp_path):
    """A Jenkins report whose tests ran through Unitils, the project's own ``CustomTestRunner`` and an EJB in its
    test package: the null pointer in ``VendorManagerTest`` points at none of them, but at the code under test
    (where the other ``VendorManagerTest`` failures went: no trace shows a ``VendorManager``)."""
    records = _components(cli, corpus / "junit/jenkins-junit-plugin/junit/junit-report-20090516.xml", tmp_path)
    placed = {r["id"]: r["component"] for r in records}
    test = "org.twia.vendor.VendorManagerTest.testGetVendorFirmKeyForVendorRep"
    assert placed[test] == "org.twia.claim.ClaimManager"
    assert "other failing tests of org.twia.vendor.VendorManagerTest" in next(
        r["evidence"] for r in records if r["id"] == test)
    assert not any(c.startswith(("org.unitils", "org.hibernate", "org.jboss", "org.twia.junit", "org.twia.test"))
                   for c in placed.values())


def test_frames_outer_to_the_test_are_its_harness_not_the_fault():
    """A project's own runner (commons-math's ``RetryRunner``) called the test: not in-app, never the fault."""
    trace = ("junit.framework.AssertionFailedError: expected:<11.1> but was:<8.0>\n"
             "\tat org.apache.commons.math3.direct.CMAESOptimizerTest.testFit(CMAESOptimizerTest.java:45)\n"
             "\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)\n"
             "\tat org.apache.commons.math3.RetryRunner$1.evaluate(RetryRunner.java:72)\n"
             "\tat org.junit.runners.ParentRunner.run(ParentRunner.java:300)\n")
    frames = stack_frames(trace)
    assert [(f.file.rsplit("/", 1)[-1], f.in_app) for f in frames] == [
        ("ParentRunner.java", False), ("RetryRunner.java", False), ("CMAESOptimizerTest.java", True)]
    # with no test frame, nothing changes
    assert [f.in_app for f in stack_frames(trace.split("\n", 2)[0] + "\n" + trace.split("\n", 3)[3])] \
        == [False, True]


@pytest.mark.parametrize(("project", "bug", "component"), [
    ("Chart", "13", "org.jfree.chart.block.BorderArrangement"),  # Range.<init> refuses lower > upper
    ("Compress", "20", "org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream"),  # setMode refuses
])
def test_a_refused_argument_is_the_callers_fault(cli, corpus, tmp_path, project, bug, component):
    """An IllegalArgumentException's thrower checked its argument: the caller in another file passed it."""
    [record] = _components(cli, _defects4j_report(corpus, tmp_path, project, bug), tmp_path)
    assert record["component"] == component
    assert record["file"] == component.replace(".", "/") + ".java"


@pytest.mark.parametrize(("text", "refused"), [
    ("java.lang.IllegalArgumentException: no\n\tat a.B.c(B.java:1)", True),
    ("java.lang.NumberFormatException: For input string\n\tat a.B.c(B.java:1)", True),
    ("java.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)\nCaused by: java.lang.IllegalArgumentException", True),
    ("java.lang.IllegalArgumentException: x\n\tat a.B.c(B.java:1)\nCaused by: java.io.IOException: y", False),
    ("junit.framework.AssertionFailedError: expected IllegalArgumentException\n\tat a.BTest.t(BTest.java:1)", False),
])
def test_which_root_cause_is_a_refused_argument(text, refused):
    assert rejects_argument(text) is refused


@pytest.mark.parametrize(("function", "builds"), [
    ("JsonGenerator._reportError", True), ("ParserMinimalBase.reportOverflowLong", True),
    ("DeserializationContext.mappingException", True), ("JsonMappingException.from", True),
    ("NotPositiveException.<init>", True), ("JsonMappingException$Reference.<init>", True),
    ("new ValidationError", True), ("raise_error", True), ("ThrowHelper.ThrowArgumentNullException", True),
    ("Parser.parse", False), ("Reporter.run", False), ("Foo.throwable", False), ("Foo.reportsCount", False),
    ("ErrorHandler.handle", False), ("Result.getError", False), ("Result.isError", False), ("handleError", False),
    ("Range.<init>", False), ("", False),
])
def test_what_builds_an_error(function, builds):
    assert builds_error(function) is builds


def test_a_test_named_after_no_shown_class_lands_at_the_shown_class_its_name_begins_with(cli, corpus, tmp_path):
    """DoubleMetaphone2Test fails on an assertion alone; another test's trace shows DoubleMetaphone."""
    alone = _components(cli, _defects4j_report(corpus, tmp_path, "Codec", "3"), tmp_path)
    assert [r["component"] for r in alone] == ["org.apache.commons.codec.language.DoubleMetaphone2"]
    both = _components(cli, _defects4j_report(corpus, tmp_path, "Codec", "3", "13"), tmp_path)
    assert [r["component"] for r in both] == ["org.apache.commons.codec.language.DoubleMetaphone"] * 2
    # its method, testDoubleMetaphoneAlternate, names DoubleMetaphone too, and is looked at first
    assert "names DoubleMetaphone" in both[0]["evidence"] + both[1]["evidence"]


@pytest.mark.parametrize(("name", "expected"), [
    # Python: the test module itself, no deeper code; /Users/<name>/code/ is where its author keeps projects
    ("junit/rwx-captain/unittest.xml", "unittest.test"),
    ("junit/rwx-captain/mocha.json", "mocha.test.retries"),  # JavaScript: not node:internal/timers
    ("junit/rwx-captain/vitest.json", "vitest.sum"),  # JavaScript: the code under test
    ("junit/rwx-captain/go_test_panic.jsonl", "go-testbed.panic"),  # Go: panic_test.go -> panic.go
    ("junit/rwx-captain/go_test.jsonl", "internal.pkg1.bar"),  # Go: no trace; bar_test.go in the test's output
    ("junit/rwx-captain/go_test_build_failure.jsonl", "pkg2"),  # Go: a package that did not build
    # Rust: no trace, the test's path reporting::test_dot_reporter::... names the module its tests test
    ("junit/rwx-captain/junit.xml", "reporting.dot_reporter"),
    # Go's JUnit (go-junit-report): the class name is the package's import path, the output names no file
    ("junit/mikepenz-action-junit-report/test_results/junit-server-test/report.xml", "server.v8.channels.api4"),
    ("junit/junitparser/pytest_error.xml", "cli"),  # pytest: classname tests.test_cli, nothing else
    ("junit/rwx-captain/xunit_dot_net.xml", "some.path.to.FileName"),  # .NET: the file of the frame
    ("junit/scacap-action-surefire-report/TEST-pro.taskana.common.api.ListUtilTest-H2.xml",
     "pro.taskana.common.api.ListUtil"),  # Java: the class under test
])
def test_corpus_traces_land_at_an_application_file(cli, corpus, tmp_path, name, expected):
    records = _components(cli, corpus / name, tmp_path)
    assert records
    for record in records:
        assert not record["component"].startswith(NOT_APPLICATION), record
    assert any(r["component"].endswith(expected) for r in records), [r["component"] for r in records]


def test_a_panic_inside_the_standard_library_is_no_fault_of_the_application():
    frames = stack_frames("thread 'main' panicked at /rustc/90b35a623/library/core/src/option.rs:935:5:\n"
                          "called `Option::unwrap()` on a `None` value\n")
    assert [(f.file, f.line, f.in_app) for f in frames] == [
        ("/rustc/90b35a623/library/core/src/option.rs", 935, False)]


@pytest.mark.parametrize(("output", "component"), [
    ("=== RUN   TestAdd\n    cart_test.go:18: got 1, want 2\n--- FAIL: TestAdd (0.00s)", "internal.cart.cart"),
    ("=== RUN   TestAdd\n--- FAIL: TestAdd (0.00s)", "internal.cart"),  # no file named: the package
])
def test_a_go_junit_report_places_its_tests_in_their_package(cli, tmp_path, output, component):
    """gotestsum's and go-junit-report's JUnit XML: the class name is the package's import path."""
    report = tmp_path / "go-junit.xml"
    report.write_text(
        '<testsuites><testsuite name="github.com/acme/shop/internal/cart" tests="1" failures="1">'
        '<testcase classname="github.com/acme/shop/internal/cart" name="TestAdd">'
        f'<failure message="Failed">{output}</failure></testcase></testsuite></testsuites>', encoding="utf-8")
    assert [r["component"] for r in _components(cli, report, tmp_path)] == [component]


@pytest.mark.parametrize(("classname", "name", "component"), [
    ("shop", "cart::tests::adds_one", "cart"),  # nextest: a unit test lives in the module it tests
    ("shop", "orders::test_pricing::rounds", "orders.pricing"),  # a test module named after the tested one
    ("", "billing::invoice::tests::totals", "billing.invoice"),
    ("Acme", "RWX::TestExample", "(unmapped)"),  # PHP's namespaces, not a Rust path
])
def test_a_rust_tests_path_names_the_module_it_tests(cli, tmp_path, classname, name, component):
    report = tmp_path / "nextest.xml"
    report.write_text(
        f'<testsuites><testsuite name="shop" tests="1" failures="1"><testcase classname="{classname}" name="{name}">'
        '<failure message="assertion failed">left: 1, right: 2</failure></testcase></testsuite></testsuites>',
        encoding="utf-8")
    assert [r["component"] for r in _components(cli, report, tmp_path)] == [component]


@given(st.lists(st.sampled_from(["tests", "test"]) | st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
                min_size=2, max_size=5))
def test_a_rust_module_file_is_its_path_without_the_tests_module(parts):
    modules = parts[:-1][:-1] if parts[-2] in ("tests", "test") else parts[:-1]
    expected = "/".join(modules) + ".rs" if modules else None
    assert rust_module_file("::".join(parts)) == expected


def test_java_root_cause_is_the_deepest_caused_by():
    trace = """java.lang.RuntimeException: wrapped
\tat com.acme.web.OrderController.post(OrderController.java:40)
\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)
Caused by: java.lang.IllegalStateException: boom
\tat com.acme.orders.OrderService.place(OrderService.kt:12)
\tat com.acme.web.OrderController.post(OrderController.java:38)
Caused by: java.sql.SQLException: locked
\tat java.sql.DriverManager.getConnection(DriverManager.java:5)
\tat com.acme.db.OrderRepository.save(OrderRepository.java:77)
\tat java.base/java.lang.Thread.run(Thread.java:833)
\t... 4 more
"""
    assert _fault(trace) == "com/acme/db/OrderRepository.java"
    assert module_name(_fault(trace)) == "com.acme.db.OrderRepository"
    frames = stack_frames(trace)
    assert not any(f.in_app for f in frames if f.file.startswith(("java/", "org/springframework")))


@pytest.mark.parametrize(("trace", "fault"), [
    ('Traceback (most recent call last):\n  File "/var/task/app/rules.py", line 3, in check\n    x()\n'
     'KeyError: 1\n\nThe above exception was the direct cause of the following exception:\n\n'
     'Traceback (most recent call last):\n  File "/var/task/handler.py", line 9, in handler\n'
     '  File "/var/runtime/bootstrap.py", line 1, in run\nValueError\n', "/var/task/app/rules.py"),
    ("TypeError: x is undefined\n    at parse (/usr/src/app/src/parser.ts:10:5)\n"
     "    at Object.<anonymous> (/usr/src/app/node_modules/express/lib/router.js:1:1)\n"
     "    at emit (events.js:315:20)\n    at processTicksAndRejections (node:internal/process/task_queues:95:5)\n",
     "/usr/src/app/src/parser.ts"),
    ("panic: nil map\n\ngoroutine 1 [running]:\ngithub.com/acme/shop/cart.Add(0x0)\n"
     "\t/home/runner/work/shop/shop/cart/cart.go:12 +0x1d\nmain.main()\n\t/home/runner/work/shop/shop/main.go:8 +0x25\n"
     "runtime.main()\n\t/usr/local/go/src/runtime/proc.go:250 +0x1\n", "/home/runner/work/shop/shop/cart/cart.go"),
    ("System.NullReferenceException: x\n"
     "   at Acme.Orders.Repo.Save() in C:\\a\\shop\\shop\\src\\Orders\\Repo.cs:line 42\n"
     "   at System.Threading.Tasks.Task.Run() in /_/src/Task.cs:line 1\n", "C:\\a\\shop\\shop\\src\\Orders\\Repo.cs"),
    ("NoMethodError: undefined method\n/app/app/models/user.rb:12:in `save'\n"
     "/usr/local/bundle/gems/activerecord-7.0/lib/base.rb:5:in `create'\n", "/app/app/models/user.rb"),
    ("PHP Fatal error\n#0 /srv/app/src/Repo.php(42): Repo->save()\n#1 /srv/app/vendor/laravel/Router.php(9): run()\n",
     "/srv/app/src/Repo.php"),
    ("thread 'main' panicked at 'boom'\nstack backtrace:\n   0: std::panicking::begin_panic\n"
     "             at /rustc/abc/library/std/src/panicking.rs:616:12\n   1: shop::cart::add\n"
     "             at ./src/cart.rs:12:5\n   2: shop::main\n             at ./src/main.rs:3:5\n", "./src/cart.rs"),
    # Rust without RUST_BACKTRACE: the place the panic names (Rust 1.73 on, and before)
    ("thread 'cart::tests::adds' panicked at src/cart.rs:12:5:\nassertion `left == right` failed\n", "src/cart.rs"),
    ("thread 'main' panicked at 'it's gone', src/cart.rs:12:5\nnote: run with `RUST_BACKTRACE=1`\n", "src/cart.rs"),
    # Java whose root cause is all AWS SDK frames: the application frame that called the SDK
    ("java.lang.RuntimeException: update failed\n\tat com.acme.tasks.adapters.Repo.save(Repo.java:40)\n"
     "\tat com.acme.tasks.domain.TaskService.update(TaskService.java:119)\nCaused by: software.amazon.awssdk"
     ".services.dynamodb.model.ConditionalCheckFailedException: The conditional request failed\n"
     "\tat software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handle(CombinedResponseHandler.java:88)\n"
     "\t... 12 more\n", "com/acme/tasks/adapters/Repo.java"),
])
def test_every_language_finds_its_fault_frame(trace, fault):
    assert _fault(trace) == fault


@pytest.mark.parametrize(("path", "module"), [
    ("/__w/shop/shop/src/cart/cart.py", "cart.cart"),
    ("C:\\a\\shop\\shop\\orders\\repo.py", "orders.repo"),
    ("D:\\a\\1\\s\\orders\\repo.py", "orders.repo"),
    ("/builds/acme/shop/orders/repo.py", "orders.repo"),
    ("/var/lib/jenkins/workspace/shop-ci/orders/repo.py", "orders.repo"),
    ("/var/lib/buildkite-agent/builds/agent-1/acme/shop/orders/repo.py", "orders.repo"),
    ("/home/circleci/project/orders/repo.py", "orders.repo"),
    ("/home/vsts/work/1/s/orders/repo.py", "orders.repo"),
    ("/var/task/orders/repo.py", "orders.repo"),
    ("/srv/orders/repo.py", "orders.repo"),
    ("/workspace/orders/repo.py", "orders.repo"),
    ("/home/runner/work/shop/shop/orders/repo.py", "orders.repo"),
    ("/home/runner/work/orders/repo.py", "orders.repo"),  # a workspace path without the repository's folders
    ("/home/runner/ShopRepl/orders/repo.ts", "orders.repo"),  # Replit
    ("/var/www/html/app/Orders/Repo.php", "app.Orders.Repo"),  # PHP's official container images
    ("/Users/user/code/go-testbed/panic.go", "go-testbed.panic"),  # a developer's laptop
    ("/_/reports/dotnet/Orders/Repo.cs", "reports.dotnet.Orders.Repo"),  # a deterministic .NET build
    ("c:\\Jenkins\\jobs\\shop-ci\\workspace\\Orders\\Repo.cs", "Orders.Repo"),
    ("C:\\Dev\\Shop\\Orders\\Repo.cs", "Dev.Shop.Orders.Repo"),  # no known root: the drive goes all the same
    ("/home/alice/shop/orders/repo.py", "shop.orders.repo"),
    ("C:\\Users\\Sam\\Documents\\Visual Studio 2008\\Projects\\Shop\\Orders\\Repo.cs", "Shop.Orders.Repo"),
    ("C:\\Users\\Sam\\source\\repos\\Shop\\Orders\\Repo.cs", "Shop.Orders.Repo"),
])
def test_ci_and_runtime_roots_are_no_part_of_a_component(path, module):
    assert module_name(path) == module


_NAME = st.from_regex(r"[A-Z][a-z]{1,8}(?:[A-Z][a-z]{1,8})?", fullmatch=True).filter(
    lambda s: "Test" not in s and "Spec" not in s)


@given(name=_NAME, package=st.lists(st.from_regex(r"[a-z]{2,6}", fullmatch=True), max_size=3))
def test_a_test_class_points_at_the_class_it_tests(name, package):
    folder = "/".join(package)
    prefix = f"{folder}/" if folder and folder not in ("test", "tests") else ""
    for test in (f"{prefix}{name}Test.java", f"{prefix}Test{name}.java", f"{prefix}{name}Tests.cs"):
        assert is_test_file(test)
        tested = code_under_test(test)
        assert tested is not None and tested.endswith(f"{name}.{test.rsplit('.', 1)[1]}")
        assert not is_test_file(tested) or any(p in ("spec", "specs", "testing") for p in package)
    assert code_under_test(f"tests/test_{name.lower()}.py") == f"{name.lower()}.py"
    assert code_under_test(f"{prefix}{name}3DTests.java") == f"{prefix}{name}3D.java"  # a capital before Tests
    assert code_under_test(f"{prefix}{name}TestCase.java") == f"{prefix}{name}.java"
    assert code_under_test(f"{prefix}{name}_Test.java") == f"{prefix}{name}.java"
    assert is_test_file(f"{prefix}{name}_Test.java") and is_test_file(f"{prefix}{name}3DTests.java")
    assert code_under_test(f"src/{name.lower()}.spec.ts") == f"src/{name.lower()}.ts"


@pytest.mark.parametrize(("path", "test"), [
    ("com/fasterxml/jackson/core/testsupport/AsyncReaderWrapper.java", True),
    ("src/testutil/fixtures.py", True), ("org/jfree/chart/plot/junit/PiePlot3DTests.java", True),
    ("org/apache/commons/compress/archivers/ZipTestCase.java", True),
    ("docs/latest/conf.py", False), ("com/acme/contest/Entry.java", False), ("com/acme/TestimonyService.java", False),
])
def test_test_support_code_is_test_code(path, test):
    assert is_test_file(path) is test


def test_cns427_export_gives_one_component_per_file_with_the_integration_module_first(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("analyze", DATA / "cns427_20.json", "--out", out, "-q").code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    components = report["components"]
    assert components[0]["name"] == "integrations"
    assert sorted(c["name"] for c in components) == ["domain_logic", "integrations", "models", "task_handler"]
    first = components[0]
    assert (first["layer"], first["tier"], first["records"]) == ("integration", "critical", 8)
    assert first["records"] == max(c["records"] for c in components)
    assert first["by_severity"].get("critical") == 1
    assert sum(c["by_severity"].get("critical", 0) for c in components) == 1
    details = {r["detail"] for r in report["records"] if r["component"] == "integrations"}
    assert "EventPublisher.publish_event" in details


#: The strings the trace parsers' own tests look for, and text around them.
_TRACE_PIECES = st.sampled_from(['File "', "at ", ".java:", ".kt:", ".kts:", ".scala:", ".groovy:", ":line ", ".js",
                                 ".ts", ".go:", ".rb:", ".php", ".rs:", ".", ":", "java", "kt", "s", "go", " ", "x"])


@given(st.lists(_TRACE_PIECES, max_size=12).map("".join))
def test_a_text_that_any_trace_parser_would_read_passes_the_one_pass_test(text):
    """may_hold_trace skips the parsers only for texts none of their own tests would pass."""
    if any(may_hold(text) for may_hold, _ in PARSERS):
        assert may_hold_trace(text)


@given(st.lists(_TRACE_PIECES, max_size=12).map("".join))
def test_a_parser_skipped_for_want_of_a_file_name_would_not_have_read_the_text(text):
    """stack_frames asks the parsers of MARKED_PARSERS only when the one file-name pass finds a name: none of
    their own tests passes on a text where it finds none."""
    from riskmap.ingest.frames import _FILE_MARK, MARKED_PARSERS

    if _FILE_MARK.search(text) is None:
        assert not any(may_hold(text) for may_hold, parse in PARSERS if parse in MARKED_PARSERS)


def test_a_test_lands_at_the_shown_class_its_own_name_names(cli, corpus, tmp_path):
    """Base64InputStreamTest.testBase64EmptyInputStream fails on an assertion alone; another test's trace
    shows Base64, the class the fix changed."""
    alone = _components(cli, _defects4j_report(corpus, tmp_path, "Codec", "2"), tmp_path)
    assert [r["component"] for r in alone] == ["org.apache.commons.codec.binary.Base64InputStream"]
    both = _components(cli, _defects4j_report(corpus, tmp_path, "Codec", "2", "8"), tmp_path)
    named = next(r for r in both if r["id"].endswith("testBase64EmptyInputStream"))
    assert named["component"] == "org.apache.commons.codec.binary.Base64"
    assert "testBase64EmptyInputStream names Base64" in named["evidence"]


def test_an_issue_reported_to_a_package_lands_in_that_packages_own_code(cli, corpus, tmp_path):
    """Users of eslint-plugin-react and axios report crashes whose traces run through ``node_modules/<package>/``:
    to the package's maintainers that is their code (``lib/rules/no-array-index-key.js``), not a library."""
    records = _components(cli, corpus / "bugs/inex-bug-npm/msrv3_closed.jsonl", tmp_path)
    placed = {r["id"]: r["component"] for r in records}
    assert placed["jsx-eslint/eslint-plugin-react#1021"] == "rules.no-array-index-key"
    assert placed["axios/axios#1981"] == "adapters.http"
    # the trace of express#2488 is in media-typer, a package express installs: still a library
    assert placed["expressjs/express#2488"] == "(unmapped)"


def test_own_package_frames_are_the_files_inside_the_package():
    frames = (Frame(file="/app/node_modules/@acme/ui/lib/button.js", in_app=False),
              Frame(file="C:\\proj\\node_modules\\shop\\node_modules\\left-pad\\index.js", in_app=False),
              Frame(file="/usr/lib/python3/site-packages/shop/cart.py", in_app=False),
              Frame(file="src/app.js", in_app=True))
    # the scoped package and left-pad (installed by shop, not shop's own file) stay libraries
    assert [(f.file.rsplit("/", 1)[-1], f.in_app) for f in own_package_frames(frames, "shop")] == [
        ("button.js", False), (frames[1].file, False), ("cart.py", True), ("app.js", True)]
    assert own_package_frames(frames, "@acme/ui")[0] == Frame(file="lib/button.js", in_app=True)
    assert own_package_frames(frames, "acme")[0] == Frame(file="lib/button.js", in_app=True)  # its npm scope


@pytest.mark.parametrize(("package", "folder"), [
    ("github.com/acme/shop/internal/cart", "internal/cart"),
    ("github.com/acme/shop", ""),
    ("example.com/shop/cart", "shop/cart"),
    ("_/home/ann/git/shop/cart", "/home/ann/git/shop/cart"),
    ("shop/cart", "shop/cart"),
])
def test_a_go_packages_folder_in_its_repository(package, folder):
    assert go_package_folder(package) == folder


def test_an_export_with_a_repository_column_places_its_own_package_frames(cli, tmp_path):
    """A CSV of a project's issues (NLBSE's shape: repo, title, body): a user's traceback through
    ``site-packages/tensorflow/`` is tensorflow's own code, to tensorflow's tracker."""
    trace = ('Traceback (most recent call last):\n  File "train.py", line 3, in <module>\n'
             '  File "/usr/lib/python3/site-packages/tensorflow/python/framework/ops.py", line 9, in convert\n'
             "ValueError: bad shape")
    export = tmp_path / "issues.csv"
    cell = trace.replace('"', '""')
    export.write_text(f'repo,label,title,body\ntensorflow/tensorflow,bug,convert fails,"{cell}"\n', encoding="utf-8")
    [record] = _components(cli, export, tmp_path)
    assert record["component"] == "framework.ops"


def test_code_typed_at_a_prompt_or_in_a_notebook_is_no_component():
    trace = ('Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n'
             '  File "/tmp/ipykernel_123/456.py", line 3, in f\n  File "<ipython-input-3-abc>", line 2, in g\n'
             "ValueError: x")
    assert not any(f.in_app for f in stack_frames(trace))
