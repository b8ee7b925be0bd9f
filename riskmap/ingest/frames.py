"""Stack traces of every language riskmap reads, parsed into frames, and library frames recognised.

Java, Kotlin and Scala (with ``Caused by:`` segments), .NET, JavaScript/Node, Go panics, Python
(with chained exceptions), Ruby, PHP and Rust backtraces. Frames come outermost first, and the
root cause's innermost frame last: for Java the deepest ``Caused by:``, for Python the first
traceback of a chain. So the fault frame is the last in-app frame.

A frame is *not* in-app when its code is a library of its ecosystem: the JDK, test runners and
build tools, ``node_modules`` and Node's own modules, site-packages, Go's runtime and module cache,
.NET's ``System.*``/``Microsoft.*``, gems, ``vendor/``, Rust's std and crates.io, the Android
framework and the AWS Lambda runtimes. Nor are the frames outer to the test (see ``without_harness``):
the harness that ran it. Test code stays in-app; placement tells it apart
(``riskmap.layers.is_test_file``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from itertools import starmap

from riskmap.layers import is_test_file
from riskmap.models import Frame

# -- Java, Kotlin, Scala ---------------------------------------------------------------------

#: ``at [module/]pkg.Class.method(File.java:42)``; frames without a file (Native Method) are skipped.
_JAVA_FRAME = re.compile(r"^\s*at (?:[\w.$-]+(?:@[\w.-]+)?/+)?((?:[\w$]+\.)*)([\w$<>-]+)"
                         r"\(([\w$-]+\.(?:java|kt|kts|scala|groovy)):(\d+)\)", re.M)
_JAVA_CAUSE = re.compile(r"^\s*Caused by: ", re.M)
#: Packages of the JDK, JVM languages, test runners and assertion libraries, build tools, IDE
#: runners, reflection and bytecode tools, application servers, Android and common frameworks.
JAVA_LIBRARIES = (
    "java.", "javax.", "jakarta.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.",
    "groovy.", "org.codehaus.groovy.", "junit.", "org.junit.", "org.testng.", "org.hamcrest.",
    "org.assertj.", "org.opentest4j.", "org.spockframework.", "org.scalatest.", "io.kotest.",
    "org.apache.tools.ant.", "org.apache.maven.", "org.gradle.", "worker.org.gradle.",
    "org.eclipse.jdt.internal.junit", "com.intellij.", "net.bytebuddy.", "org.objenesis.",
    "org.springframework.", "org.hibernate.", "org.jboss.", "org.apache.catalina.", "org.eclipse.jetty.",
    "org.unitils.", "android.", "androidx.", "com.android.", "dalvik.", "libcore.",
    "com.amazonaws.", "software.amazon.awssdk.", "lambdainternal.",
    # widely used third-party libraries: the AWS SDKs (above), Guava (and Truth), HTTP clients and servers,
    # assertion and mocking libraries, logging
    "com.google.common.", "com.google.thirdparty.", "io.netty.", "reactor.core.", "reactor.netty.", "okhttp3.",
    "org.apache.http.", "org.fest.", "org.easymock.", "org.jmock.",
    "org.powermock.", "org.slf4j.", "ch.qos.logback.", "org.apache.logging.log4j.",
)
_JAVA_LIBRARY = re.compile("^(?:" + "|".join(re.escape(p) for p in JAVA_LIBRARIES) + ")")


def java_frames(text: str) -> list[Frame]:
    """JVM frames, outermost first; the deepest ``Caused by:`` segment (the root cause) last."""
    segments = _JAVA_CAUSE.split(text) if "Caused by: " in text else [text]
    frames: list[Frame] = []
    for segment in segments:
        frames += [_java_frame(*groups) for groups in reversed(_JAVA_FRAME.findall(segment))]
    return frames


def _java_frame(qualified: str, function: str, file: str, line: str) -> Frame:
    """``com.acme.Repo.save(Repo.java:42)``: the file under its package's folders."""
    package = qualified.rstrip(".").rpartition(".")[0]
    path = f"{package.replace('.', '/')}/{file}" if package else file
    owner = qualified.rstrip(".").rpartition(".")[2]
    return Frame(file=path, line=int(line), function=f"{owner}.{function}" if owner else function,
                 in_app=not _JAVA_LIBRARY.match(qualified))


# -- .NET ------------------------------------------------------------------------------------

_DOTNET_FRAME = re.compile(r"^\s*at ([\w.`<>+|$]+)\(.*?\) in (.+?):line (\d+)\s*$", re.M)
_DOTNET_LIBRARY = re.compile(r"^(?:System|Microsoft|Xunit|NUnit|NUnitLite|Castle|Moq|FluentAssertions"
                             r"|Shouldly|MSTest|Amazon\.Lambda)\.", re.I)


def dotnet_frames(text: str) -> list[Frame]:
    """.NET frames (``at Ns.Type.Method() in C:\\src\\Type.cs:line 42``), outermost first."""
    return [Frame(file=file, line=int(line), function=function, in_app=not _DOTNET_LIBRARY.match(function))
            for function, file, line in reversed(_DOTNET_FRAME.findall(text))]


# -- JavaScript / Node -----------------------------------------------------------------------

_JS_FRAME = re.compile(r"^\s*at (?:(?:async )?([\w$.<>\[\] ]+?) \()?(?:file://)?"
                       r"((?:[A-Za-z]:)?[^\s():]+\.[cm]?[jt]sx?):(\d+)(?::\d+)?\)?\s*$", re.M)
#: Node's own modules, as old Node versions name them in traces (``events.js``, ``fs.js`` ...).
NODE_CORE = frozenset({
    "_stream_readable", "_stream_writable", "_stream_transform", "_http_client", "_http_server",
    "_http_common", "_tls_wrap", "assert", "async_hooks", "buffer", "child_process", "cluster",
    "dns", "domain", "events", "fs", "http", "https", "module", "net", "os", "path", "process",
    "querystring", "readline", "repl", "stream", "timers", "tls", "url", "util", "vm", "zlib",
    "bootstrap_node", "node",
})
_JS_LIBRARY = re.compile(r"(?:node_modules|^node:|^internal/|/internal/|^/opt/yarn[^/]*/|/\.yarn/"
                         r"|/\.pnpm/|^/usr/(?:local/)?lib/node|^/var/runtime/|^/var/lang/|<anonymous>)")


def js_frames(text: str) -> list[Frame]:
    """JavaScript/TypeScript frames (V8 ``at fn (file:line:col)``), outermost first."""
    return [Frame(file=file, line=int(line), function=function or "", in_app=not _js_library(file))
            for function, file, line in reversed(_JS_FRAME.findall(text))]


def _js_library(file: str) -> bool:
    if _JS_LIBRARY.search(file.replace("\\", "/")):
        return True
    bare = "/" not in file and "\\" not in file
    return bare and file.rsplit(".", 1)[0] in NODE_CORE


# -- Python ----------------------------------------------------------------------------------

_PYTHON_FRAME = re.compile(r'File "([^"]+)", line (\d+)(?:, in (\S+))?')
_PYTHON_CHAIN = re.compile(r"^(?:The above exception was the direct cause of the following exception:"
                           r"|During handling of the above exception, another exception occurred:)\s*$", re.M)
#: Installed packages, the standard library and the AWS Lambda runtime.
_PYTHON_LIBRARY = re.compile(r"(?:site-packages|dist-packages|/lib/python\d|<frozen |<string>|^/opt/python/"
                             r"|^/var/runtime/|^/var/lang/|/lib64/python\d|\\Lib\\|/\.pyenv/versions/"
                             # code typed at a prompt or in a notebook cell: no file of any repository
                             r"|^<stdin>|^<console>|^<ipython-input-|/ipykernel_\d+/)")


def python_frames(text: str) -> list[Frame]:
    """Python traceback frames, outermost first; in a chain, the first traceback (the cause) last."""
    chained = "The above exception" in text or "During handling of the above" in text
    segments = _PYTHON_CHAIN.split(text) if chained else [text]
    frames: list[Frame] = []
    for segment in reversed(segments):
        frames += starmap(_python_frame, _PYTHON_FRAME.findall(segment))
    return frames


@lru_cache(maxsize=65536)
def _python_frame(file: str, line: str, function: str) -> Frame:
    """One Python frame (in-app unless its file is a library's): cached, as the traces of an export name the
    same frames again and again, and a frame is frozen, so the records can share it."""
    return Frame(file=file, line=int(line), function=function, in_app=not _PYTHON_LIBRARY.search(file))


# -- Go --------------------------------------------------------------------------------------

_GO_FRAME = re.compile(r"^([\w./*()\-]+)\(.*\)\n\s+(\S+\.go):(\d+)", re.M)
_GO_LIBRARY = re.compile(r"(?:^|/)go/src/|/pkg/mod/|^src/(?:runtime|testing|reflect|sync|net|os|internal)/"
                         r"|/libexec/src/|^GOROOT/|/_obj/")


def go_frames(text: str) -> list[Frame]:
    """Go panic frames (function line, then its file), outermost first."""
    return [Frame(file=file, line=int(line), function=function,
                  in_app=not (_GO_LIBRARY.search(file) or function.startswith(("runtime.", "testing.", "panic("))))
            for function, file, line in reversed(_GO_FRAME.findall(text))]


# -- Ruby, PHP, Rust -------------------------------------------------------------------------

_RUBY_FRAME = re.compile(r"^\s*(?:from |# )?([^\s:'\"`]+\.rb):(\d+):in [`']([^'`]+)'", re.M)
_RUBY_LIBRARY = re.compile(r"(?:/gems/|/rubygems|/ruby/\d|/lib/ruby/|/bundle/|/\.rbenv/|/\.rvm/)")
_PHP_FRAME = re.compile(r"^\s*(?:#\d+ )?((?:[A-Za-z]:)?[^\s():#]+\.php)(?:\((\d+)\)|:(\d+))(?:: (\S+?)\()?", re.M)
_PHP_LIBRARY = re.compile(r"(?:^|/)vendor/|/usr/share/php/|phar://")
_RUST_FRAME = re.compile(r"^\s*\d+: ([\w:<>{}\s$#.,&*\[\]-]+?)\n\s+at ([^\n:]+\.rs):(\d+)", re.M)
_RUST_LIBRARY = re.compile(r"(?:^/rustc/|/\.cargo/registry/|/\.cargo/git/|/rustlib/|library/(?:std|core|alloc)/)")
#: Where a Rust thread panicked, in the message (``panicked at src/lib.rs:12:5:``; before Rust 1.73
#: ``panicked at 'boom', src/lib.rs:12:5``): the one place a panic without a backtrace names.
_RUST_PANIC = re.compile(r"panicked at (?:'[^\n]*?', )?([^\s:'\"]+\.rs):(\d+):\d+")


_RUST_STD = ("std::", "core::", "alloc::", "test::", "<std::", "<core::", "<alloc::")


def ruby_frames(text: str) -> list[Frame]:
    """Ruby backtrace frames (``app/models/user.rb:12:in 'save'``), outermost first."""
    return [Frame(file=file, line=int(line), function=function, in_app=not _RUBY_LIBRARY.search(file))
            for file, line, function in reversed(_RUBY_FRAME.findall(text))]


def php_frames(text: str) -> list[Frame]:
    """PHP frames (``#0 /app/src/Repo.php(42): Repo->save()`` or ``/app/src/Repo.php:42``), outermost first."""
    return [Frame(file=file, line=int(paren or colon), function=function, in_app=not _PHP_LIBRARY.search(file))
            for file, paren, colon, function in reversed(_PHP_FRAME.findall(text))]


def rust_frames(text: str) -> list[Frame]:
    """Rust backtrace frames (``3: crate::f`` then ``at ./src/lib.rs:12:5``), outermost first; without a
    backtrace (Rust prints one only with ``RUST_BACKTRACE=1``), the place each panic names."""
    frames = [Frame(file=file.strip(), line=int(line), function=function.strip(),
                    in_app=not (_RUST_LIBRARY.search(file) or function.strip().startswith(_RUST_STD)))
              for function, file, line in reversed(_RUST_FRAME.findall(text))]
    return frames or [Frame(file=file, line=int(line), in_app=not _RUST_LIBRARY.search(file))
                      for file, line in _RUST_PANIC.findall(text)]


#: Each parser with the cheap test that a text may hold its kind of trace.
PARSERS: tuple[tuple[Callable[[str], bool], Callable[[str], list[Frame]]], ...] = (
    (lambda text: 'File "' in text, python_frames),
    (lambda text: "at " in text and any(s in text for s in (".java:", ".kt:", ".kts:", ".scala:", ".groovy:")),
     java_frames),
    (lambda text: ":line " in text, dotnet_frames),
    (lambda text: "at " in text and (".js" in text or ".ts" in text), js_frames),
    (lambda text: ".go:" in text, go_frames),
    (lambda text: ".rb:" in text, ruby_frames),
    (lambda text: ".php" in text, php_frames),
    (lambda text: ".rs:" in text, rust_frames),
)


#: A file name as each parser's test above needs one (``.java:``, ``.js``, ``.php`` ...), found in one pass.
_FILE_MARK = re.compile(r"\.(?:java:|kts?:|scala:|groovy:|go:|rb:|rs:|[jt]s|php)")


def may_hold_trace(text: str) -> bool:
    """Whether any parser's test could pass: Python's ``File "``, .NET's ``:line `` or a file name of a
    trace's language. One cheap pass, as most texts quote no trace at all."""
    return 'File "' in text or ":line " in text or _FILE_MARK.search(text) is not None


#: The parsers whose own test needs a file name that ``_FILE_MARK`` finds: a text without one is not
#: asked again by each of them (most traces quoted in an export are Python's, which have none).
MARKED_PARSERS = frozenset({java_frames, js_frames, go_frames, ruby_frames, php_frames, rust_frames})


def stack_frames(text: str) -> tuple[Frame, ...]:
    """Frames of the stack traces quoted in a text, outermost first, the root cause's innermost last.

    Frames in libraries (see the module's docstring), and those outer to a test frame, are not in-app.
    """
    marked = _FILE_MARK.search(text) is not None
    if not (marked or 'File "' in text or ":line " in text):  # may_hold_trace, keeping the file-name pass
        return ()
    frames: list[Frame] = []
    for may_hold, parse in PARSERS:
        if (marked or parse not in MARKED_PARSERS) and may_hold(text):
            frames += without_harness(parse(text))
    return tuple(frames)


def without_harness(frames: Sequence[Frame], test_class: str = "") -> list[Frame]:
    """A trace's frames with those outer to the test marked not in-app: they are the harness that ran
    the test (JUnit's runners, and a project's own runner, retry rule, EJB caller or class loader such
    as commons-math's ``RetryRunner``), never the code under test. The test is the outermost frame of
    ``test_class`` (a test report's class name, ``org.acme.FooTest``) when the trace shows it, else the
    outermost test frame."""
    own = test_class.split("$")[0].replace(".", "/")
    first = next((i for i, f in enumerate(frames) if own and f.in_app and _is_file_of(f.file, own)), None)
    if first is None:
        first = next((i for i, f in enumerate(frames) if f.in_app and is_test_file(f.file)), 0)
    if not any(f.in_app for f in frames[:first]):
        return list(frames)
    return [replace(f, in_app=False) if f.in_app else f for f in frames[:first]] + list(frames[first:])


def _is_file_of(file: str, module: str) -> bool:
    """Whether a frame's file is a module's (``org/acme/FooTest.java``, ``/ci/repo/tests/test_x.py``) given
    as a path without its suffix (``org/acme/FooTest``, ``tests/test_x``)."""
    stem = file.rpartition(".")[0]
    return stem == module or stem.endswith("/" + module)


#: A file inside an installed package: the package the file belongs to (after the last ``node_modules/``,
#: with its npm scope; or after ``site-packages/``/``dist-packages/``) and the file's path inside it.
_INSTALLED = re.compile(r"(?:^|/)(?:node_modules/(?!.*/node_modules/)((?:@[^/]+/)?[^/]+)"
                        r"|(?:site|dist)-packages/([^/]+))/(.+)$")


def own_package_frames(frames: Sequence[Frame], package: str) -> tuple[Frame, ...]:
    """A tracker's frames with those in its own project, installed as a package (``node_modules/<package>/``,
    ``site-packages/<package>/``: a user of ``eslint-plugin-react`` reporting to its repository; or in its npm
    scope, ``node_modules/@babel/core/`` for babel), made in-app at their path inside the package
    (``lib/rules/jsx-key.js``): to that project's maintainers they are their own code, not a library."""
    own = package.lower()
    result = []
    for frame in frames:
        found = None if frame.in_app else _INSTALLED.search(frame.file.replace("\\", "/"))
        name = (found.group(1) or found.group(2) or "").lower() if found else ""
        mine = found is not None and (name == own or name.startswith(f"@{own}/"))
        result.append(replace(frame, file=found.group(3), in_app=True) if found and mine else frame)
    return tuple(result)


def quoted_frames(text: str, repository: str | None) -> tuple[Frame, ...]:
    """The frames a text quotes (``stack_frames``); with the tracker's repository (``facebook/react``, or its
    URL), those in that project installed as a package are its own code (``own_package_frames``)."""
    frames = stack_frames(text)
    return own_package_frames(frames, repository.rstrip("/").rpartition("/")[2]) if repository and frames else frames
