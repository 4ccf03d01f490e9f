#include "script/javascript.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

using namespace conductor;
using namespace conductor::detail;

namespace {
Json eval(std::string_view script, std::string_view input_json = "{}") {
  return evaluate_javascript(script, boost::json::parse(input_json));
}

// Long enough that a slow machine (or a sanitizer build) meets the memory limit before the time limit.
Json eval_until_out_of_memory(std::string_view script) {
  return evaluate_javascript(script, Json(boost::json::object{}), std::chrono::minutes(2));
}
}  // namespace

TEST_CASE("javascript: the completion value of the program is the result", "[unit]") {
  CHECK(eval("$.a > 1", R"({"a": 2})") == true);
  CHECK(eval("function f() { return $.a + 1; } f();", R"({"a": 2})") == 3);
  CHECK(eval("if ($.x == 'y') { 'yes'; } else { 'no'; }", R"({"x": "y"})") == "yes");
  CHECK(eval("var total = 0; for (var i = 0; i < 4; i++) { total += i; } total;") == 6);
  CHECK(eval("$['key with space']", R"({"key with space": "v"})") == "v");
  CHECK(eval("$.a.b.c", R"({"a": {"b": {"c": [1]}}})") == boost::json::parse("[1]"));
}

TEST_CASE("javascript: results convert to JSON like Conductor's", "[unit]") {
  SECTION("undefined and null are null") {
    CHECK(eval("undefined").is_null());
    CHECK(eval("null").is_null());
    CHECK(eval("var x = 1;").is_null());
    CHECK(eval("(function () {})").is_null());
  }
  SECTION("integral numbers are integers, others doubles") {
    CHECK(eval("2.0").is_int64());
    CHECK(eval("2.0") == 2);
    CHECK(eval("-7") == -7);
    CHECK(eval("1 / 4").is_double());
    CHECK(eval("1 / 4") == 0.25);
    CHECK(eval("Math.pow(2, 40)") == std::int64_t{1} << 40);
  }
  SECTION("objects and arrays become maps and lists, recursively") {
    CHECK(eval("({sum: $.a + $.b, up: $.s.toUpperCase(), ok: $.a == 2, list: [1, 'two', null]})",
               R"({"a": 2, "b": 3, "s": "hi"})") ==
          boost::json::parse(R"({"sum": 5, "up": "HI", "ok": true, "list": [1, "two", null]})"));
  }
  SECTION("strings keep non-ASCII text") {
    CHECK(eval("$.s + '!'", R"({"s": "héllo ✓ 😀"})") == "héllo ✓ 😀!");
    CHECK(eval("$['ключ'] + $.e.length", R"({"ключ": "значение", "e": "😀"})") == "значение2");
  }
  SECTION("what JSON cannot hold converts as JSON.stringify has it") {
    CHECK(eval("({keep: 1, gone: undefined, fn() {}, list: [undefined, () => 1]})") ==
          boost::json::parse(R"({"keep": 1, "list": [null, null]})"));
    CHECK(eval("[NaN, Infinity, -0]") == boost::json::parse("[null, null, 0]"));
    CHECK(eval("new Date(0)") == "1970-01-01T00:00:00.000Z");
    CHECK(eval("({toJSON() { return 'custom'; }})") == "custom");
    CHECK(eval("Symbol('s')").is_null());
    CHECK(eval("new Map([['a', 1]])") == boost::json::object{});
  }
  SECTION("a lone surrogate becomes U+FFFD") {
    CHECK(eval("'a\\ud800b'") == "a\uFFFDb");
    CHECK(eval("'\\\\ud800'") == "\\ud800");  // an escaped backslash, not an escape
  }
  SECTION("numbers past 2^53 are doubles") {
    CHECK(eval("2 ** 60").is_int64());
    CHECK(eval("1e21").is_double());
  }
  SECTION("a value that cannot be converted is a script error") {
    CHECK_THROWS_WITH(eval("const o = {}; o.self = o; o"),
                      Catch::StartsWith("Error evaluating the script `TypeError: "));
    CHECK_THROWS_WITH(eval("10n"), Catch::Contains("BigInt"));
  }
}

TEST_CASE("javascript: arrays answer Java's list methods and objects Java's map methods", "[unit]") {
  const char* input = R"({"list": ["a", "b", "c"], "empty": [], "map": {"k": 1}, "iterator": 2})";
  CHECK(eval("$.list.get($.iterator - 1)", input) == "b");
  CHECK(eval("$.list.size()", input) == 3);
  CHECK(eval("$.list.indexOf('c')", input) == 2);
  CHECK(eval("$.list.contains('a') && !$.list.contains('z')", input) == true);
  CHECK(eval("$.empty.isEmpty() && !$.list.isEmpty()", input) == true);
  CHECK(eval("$.list.length", input) == 3);
  CHECK(eval("$.map.get('k')", input) == 1);
  CHECK(eval("$.map.get('missing')", input).is_null());
  CHECK(eval("$.map.containsKey('k') && !$.map.containsKey('z')", input) == true);
  CHECK(eval("$.map.size()", input) == 1);
  CHECK(eval("$.size()", input) == 4);
  CHECK(eval("$.isEmpty() || $.map.isEmpty()", input) == false);
  CHECK(eval("$.list.contains('b') && $.list.filter((x) => x !== 'a').size() === 2", input) == true);
  CHECK(eval("[1, 2].get(1) + [].size()") == 2);
  CHECK(eval("let seen = []; for (const k in $.map) seen.push(k); seen", input) == boost::json::parse(R"(["k"])"));
  SECTION("the methods do what the JavaScript they stand for does") {
    CHECK(eval("$.map.get('toString')", input).is_null());  // inherited names are no keys
    CHECK(eval("$.map.containsKey('hasOwnProperty')", input) == false);
    CHECK(eval("$.map.extra = 2; [$.map.size(), $.map.get('extra')]", input) == boost::json::parse("[2, 2]"));
    CHECK(eval("[NaN].contains(NaN) || [1].contains('1')") == false);  // indexOf's strict equality
    CHECK(eval("Array.prototype.size.call('abc') + [[1, 2]].get(0).get(1)") == 5);
    CHECK(eval("$.list.get(7)", input).is_null());
    CHECK_THROWS_WITH(eval("Array.prototype.get.call(null, 0)"), Catch::Contains("TypeError"));
  }
  SECTION("the helpers stay out of enumeration and JSON") {
    CHECK(eval("Object.keys($.map)", input) == boost::json::parse(R"(["k"])"));
    CHECK(eval("JSON.stringify($.list)", input) == R"(["a","b","c"])");
    CHECK(eval("$.map", input) == boost::json::parse(R"({"k": 1})"));
    CHECK(eval("var o = {}; Object.defineProperty(o, 'x', {value: 1, enumerable: true}); o.x") == 1);
  }
}

TEST_CASE("javascript: ES2020 syntax runs as written", "[unit]") {
  const char* input = R"({"user": {"name": "Ada", "tags": ["a", "b"]}, "n": [3, 1, 2], "missing": null})";
  CHECK(eval("let x = 1; const y = 2; x + y") == 3);
  CHECK(eval("const twice = (v) => v * 2; $.n.map(twice)", input) == boost::json::parse("[6, 2, 4]"));
  CHECK(eval("`hello ${$.user.name}, ${$.n.length} numbers`", input) == "hello Ada, 3 numbers");
  CHECK(eval("const {name, tags: [first, ...rest]} = $.user; [name, first, rest]", input) ==
        boost::json::parse(R"(["Ada", "a", ["b"]])"));
  CHECK(eval("class Counter { #count = 0; add(n = 1) { this.#count += n; return this; } get value() { "
             "return this.#count; } } new Counter().add().add(4).value") == 5);
  CHECK(eval("class Base { hi() { return 'base'; } } class Derived extends Base { hi() { return `derived of "
             "${super.hi()}`; } } new Derived().hi()") == "derived of base");
  CHECK(eval("Math.max(...$.n)", input) == 3);
  CHECK(eval("({...$.user, name: 'Grace'})", input) ==
        boost::json::parse(R"({"name": "Grace", "tags": ["a", "b"]})"));
  CHECK(eval("[$.missing?.deep?.field, $.user?.name, $.missing ?? 'default', $.n?.[0]]", input) ==
        boost::json::parse(R"([null, "Ada", "default", 3])"));
  CHECK(eval("let total = 0; for (const v of $.n) total += v; for (const k in $.user) total += k.length; total",
             input) == 14);
  CHECK(eval("function* gen() { yield 1; yield 2; } [...gen()]") == boost::json::parse("[1, 2]"));
  CHECK(eval("const m = new Map([['a', 1]]); const s = new Set([1, 1, 2]); [m.get('a'), s.size]") ==
        boost::json::parse("[1, 2]"));
  CHECK(eval("2n ** 64n === 18446744073709551616n") == true);
  CHECK(eval("'use strict'; (function () { return this === undefined; })()") == true);
}

TEST_CASE("javascript: the standard library of ES2020 is there", "[unit]") {
  const char* input = R"({"items": [{"id": 1, "price": 2.5}, {"id": 2, "price": 4}], "s": "  Mixed Case  "})";
  CHECK(eval("$.items.filter((i) => i.price > 3).map((i) => i.id)", input) == boost::json::parse("[2]"));
  CHECK(eval("$.items.reduce((sum, i) => sum + i.price, 0)", input) == 6.5);
  CHECK(eval("[[1, [2]], [3]].flat(2)") == boost::json::parse("[1, 2, 3]"));
  CHECK(eval("[3, 1, 2].sort((a, b) => a - b).reverse().join('-')") == "3-2-1");
  CHECK(eval("Array.from({length: 3}, (_, i) => i * i)") == boost::json::parse("[0, 1, 4]"));
  CHECK(eval("$.items.some((i) => i.id === 2) && $.items.every((i) => i.price > 0)", input) == true);
  CHECK(eval("Object.fromEntries(Object.entries({a: 1, b: 2}).map(([k, v]) => [k.toUpperCase(), v * 10]))") ==
        boost::json::parse(R"({"A": 10, "B": 20})"));
  CHECK(eval("Object.assign({}, {a: 1}, {b: 2})") == boost::json::parse(R"({"a": 1, "b": 2})"));
  CHECK(eval("[$.s.trim(), $.s.trimStart().toLowerCase(), 'ab'.padStart(4, '*'), 'x'.repeat(3)]", input) ==
        boost::json::parse(R"(["Mixed Case", "mixed case  ", "**ab", "xxx"])"));
  CHECK(eval("'a-b-c'.split('-').includes('b') && 'abc'.endsWith('c')") == true);
  CHECK(eval("[...'a1b22'.matchAll(/\\d+/g)].map((m) => m[0])") == boost::json::parse(R"(["1", "22"])"));
  CHECK(eval("[Math.round(2.5), Math.floor(-1.5), Math.trunc(4.7), Math.sign(-3), Math.hypot(3, 4)]") ==
        boost::json::parse("[3, -2, 4, -1, 5]"));
  CHECK(eval("JSON.parse('{\"a\": [1, 2]}').a[1]") == 2);
  CHECK(eval("JSON.stringify({b: [true, null]})") == R"({"b":[true,null]})");
  CHECK(eval("new Date(Date.UTC(2024, 0, 31, 12)).toISOString()") == "2024-01-31T12:00:00.000Z");
  CHECK(eval("new Date('2024-02-01T00:00:00Z').getTime()") == std::int64_t{1706745600000});
  CHECK(eval("typeof Date.now() === 'number' && Date.now() > 1.7e12") == true);
  CHECK(eval("Number.isInteger(5) && Number.parseFloat('1.5') === 1.5 && (255).toString(16) === 'ff'") == true);
}

TEST_CASE("javascript: common later library functions and a silent console are there", "[unit]") {
  const char* input = R"({"list": [1, 2, 3], "map": {"a": 1, "b": 2}})";
  CHECK(eval("$.list.includes(2) && !$.list.includes(5) && [NaN].includes(NaN)", input) == true);
  CHECK(eval("$.list.find(function (x) { return x > 1; })", input) == 2);
  CHECK(eval("$.list.findIndex(function (x) { return x > 5; })", input) == -1);
  CHECK(eval("Object.values($.map)", input) == boost::json::parse("[1, 2]"));
  CHECK(eval("Object.entries($.map)", input) == boost::json::parse(R"([["a", 1], ["b", 2]])"));
  CHECK(eval("console.log('x'); console.error('y'); 1") == 1);
  CHECK(eval("'abc'.includes('b') && 'abc'.startsWith('a')") == true);
}

TEST_CASE("javascript: every evaluation starts from a fresh global scope", "[unit]") {
  CHECK(eval("var leaked = 5; leaked") == 5);
  CHECK(eval("typeof leaked") == "undefined");
  CHECK(eval("Array.prototype.extra = 1; 0") == 0);
  CHECK(eval("typeof [].extra") == "undefined");
  SECTION("lexical declarations, implicit globals and changed built-ins stay behind") {
    CHECK(eval("let a = 1; const b = 2; class C {} implicit = 3; globalThis.d = 4; a + b") == 3);
    CHECK(eval("[typeof a, typeof b, typeof C, typeof implicit, typeof d]") ==
          boost::json::parse(R"(["undefined", "undefined", "undefined", "undefined", "undefined"])"));
    CHECK(eval("let a = 'again'; a") == "again");  // no redeclaration error from the previous script
    CHECK(eval("Object.prototype.polluted = true; JSON.stringify = () => 'x'; Math.max = () => -1; 0") == 0);
    CHECK(eval("[({}).polluted === undefined, JSON.stringify([1]), Math.max(1, 2)]") ==
          boost::json::parse(R"([true, "[1]", 2])"));
    CHECK(eval("Array.prototype.get = () => 'replaced'; console.log = null; 0") == 0);
    CHECK(eval("[[7].get(0), typeof console.log]", "{}") == boost::json::parse(R"([7, "function"])"));
  }
  SECTION("promise jobs run within their own evaluation only") {
    CHECK(eval("Promise.resolve(2).then((v) => { globalThis.later = v; }); 'sync'") == "sync");
    CHECK(eval("typeof later") == "undefined");
    CHECK(eval("Promise.reject(new Error('ignored')); (async () => { throw 1; })(); 'fine'") == "fine");
  }
}

TEST_CASE("javascript: the input is a copy", "[unit]") {
  auto input = boost::json::parse(R"({"a": 1})");
  evaluate_javascript("$.a = 2; $.b = 3;", input);
  CHECK(input == boost::json::parse(R"({"a": 1})"));
}

TEST_CASE("javascript: there is no host access", "[unit]") {
  CHECK(eval("typeof require") == "undefined");
  CHECK(eval("typeof process") == "undefined");
  // What SpiderMonkey's own shell adds for files, output and processes is not there.
  for (const char* name : {"print", "load", "read", "readline", "os", "quit", "setTimeout", "fetch"}) {
    CAPTURE(name);
    CHECK(eval(fmt::format("typeof {}", name)) == "undefined");
  }
  CHECK(eval("typeof WebAssembly") == "undefined");
}

TEST_CASE("javascript: syntax and runtime errors are ScriptErrors with the line", "[unit]") {
  SECTION("a syntax error") {
    try {
      eval("$.a >");
      FAIL("no error");
    } catch (const ScriptError& e) {
      CHECK_THAT(e.what(), Catch::StartsWith("Error evaluating the script `SyntaxError: "));
      CHECK_THAT(e.what(), Catch::EndsWith("at line 1"));
    }
  }
  SECTION("a runtime error on a later line") {
    try {
      eval("var a = 1;\nvar b = $.missing.field;");
      FAIL("no error");
    } catch (const ScriptError& e) {
      CHECK_THAT(e.what(), Catch::StartsWith("Error evaluating the script `TypeError: "));
      CHECK_THAT(e.what(), Catch::EndsWith("` at line 2"));
    }
  }
  SECTION("a thrown value that is not an Error") {
    CHECK_THROWS_WITH(eval("throw 'boom'"), "Error evaluating the script `boom`");
  }
  SECTION("a thrown object whose text cannot be computed") {
    CHECK_THROWS_AS(eval("throw {toString: function () { throw 1; }}"), ScriptError);
  }
  SECTION("a reference error") {
    CHECK_THROWS_WITH(eval("undefinedThing + 1"), Catch::Contains("ReferenceError"));
  }
  SECTION("a syntax error in modern syntax, on its line") {
    CHECK_THROWS_WITH(eval("const a = 1;\nconst a = 2;"),
                      Catch::StartsWith("Error evaluating the script `SyntaxError: ") && Catch::EndsWith("at line 2"));
    CHECK_THROWS_WITH(eval("let x = () => {;\n"), Catch::StartsWith("Error evaluating the script `SyntaxError: "));
  }
  SECTION("a thrown class instance and an Error subclass") {
    CHECK_THROWS_WITH(eval("class Oops extends Error { constructor() { super('custom'); this.name = 'Oops'; } }\n"
                           "throw new Oops();"),
                      Catch::StartsWith("Error evaluating the script `Oops: custom` at line "));
  }
  SECTION("endless recursion") {
    CHECK_THROWS_WITH(eval("const f = (n) => f(n + 1) + 1; f(0)"),
                      Catch::StartsWith("Error evaluating the script `InternalError: too much recursion`"));
  }
}

TEST_CASE("javascript: a script past its time limit is interrupted", "[unit]") {
  using namespace std::chrono_literals;
  auto input = boost::json::parse("{}");
  SECTION("an endless loop") {
    CHECK_THROWS_AS(evaluate_javascript("while (true) {}", input, 50ms), ScriptTimeout);
    CHECK_THROWS_WITH(evaluate_javascript("for (;;) {}", input, 50ms),
                      "Script not evaluated within 0.05 seconds, interrupted.");
  }
  SECTION("a script that catches the interruption") {
    CHECK_THROWS_AS(evaluate_javascript("try { while (true) {} } catch (e) {} 'escaped'", input, 50ms), ScriptTimeout);
    CHECK_THROWS_AS(evaluate_javascript("for (;;) { try { while (true) {} } catch (e) {} }", input, 50ms),
                    ScriptTimeout);
  }
  SECTION("a promise job that runs past the limit") {
    CHECK_THROWS_AS(evaluate_javascript("Promise.resolve().then(() => { for (;;) {} }); 1", input, 50ms),
                    ScriptTimeout);
  }
  SECTION("an error's toString that never returns") {
    CHECK_THROWS_AS(evaluate_javascript("throw {toString() { for (;;) {} }}", input, 50ms), ScriptTimeout);
  }
  SECTION("the next script on the thread runs in full") {
    CHECK_THROWS_AS(evaluate_javascript("while (true) {}", input, 20ms), ScriptTimeout);
    CHECK(evaluate_javascript("let n = 0; for (let i = 0; i < 1000; i++) n += i; n", input) == 499500);
  }
  SECTION("the default limit is Conductor's four seconds") {
    CHECK(kScriptTimeLimit == 4s);
    CHECK(evaluate_javascript("var n = 0; for (var i = 0; i < 100000; i++) { n += i; } n", input) == 4999950000LL);
  }
}

TEST_CASE("javascript: a script that allocates without bound fails instead of exhausting memory", "[unit]") {
  SECTION("a string past the engine's longest") {
    CHECK_THROWS_AS(eval_until_out_of_memory("var s = 'x'; while (true) { s = s + s; }"), ScriptError);
  }
  SECTION("objects kept alive past the memory limit, and the next script still runs") {
    const auto message = fmt::format("Script ran out of memory (limit {} MiB), stopped.", kScriptMemoryLimit >> 20);
    CHECK_THROWS_WITH(eval_until_out_of_memory("const kept = []; while (true) kept.push({n: kept.length, s: 'item ' + kept.length});"),
                      message);
    CHECK(eval("[1, 2, 3].map((x) => x * $.k)", R"({"k": 2})") == boost::json::parse("[2, 4, 6]"));
    CHECK_THROWS_WITH(eval_until_out_of_memory("try { const k = []; for (;;) k.push([k.length]); } catch (e) { 'caught' }"),
                      message);
    CHECK(eval("'still' + ' here'") == "still here");
  }
}

TEST_CASE("javascript: evaluations on several threads do not interfere", "[unit]") {
  std::vector<std::thread> threads;
  std::vector<Json> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Json input = boost::json::object{{"i", i}};
      for (int n = 0; n < 20; ++n) results[i] = evaluate_javascript("var x = $.i * 10; x + 1", input);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) CHECK(results[i] == i * 10 + 1);
}

TEST_CASE("javascript: a script timing out on one thread leaves the others running", "[unit]") {
  using namespace std::chrono_literals;
  std::atomic<int> timeouts = 0;
  std::atomic<int> wrong = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Json input = boost::json::object{{"i", i}};
      for (int n = 0; n < 50; ++n) {
        if (n % 10 == 0) {
          try {
            evaluate_javascript("globalThis.spin = true; for (;;) {}", input, 20ms);
          } catch (const ScriptTimeout&) {
            ++timeouts;
          }
        }
        Json result = evaluate_javascript("const {i} = $; `${i}:${typeof spin}`", input);
        if (result != Json(fmt::format("{}:undefined", i))) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(timeouts == 20);
  CHECK(wrong == 0);
}

// Run by the next test in a process of its own: the process exits while threads hold engine
// contexts, one of them in the middle of a script.
TEST_CASE("javascript: exit with contexts alive", "[.exit_child]") {
  static std::atomic<int> ready = 0;
  evaluate_javascript("1", boost::json::object{});
  std::thread([] {
    evaluate_javascript("2", boost::json::object{});
    ++ready;
    for (;;) pause();
  }).detach();
  std::thread([] {
    ++ready;
    try {
      evaluate_javascript("for (;;) {}", boost::json::object{}, std::chrono::hours(1));
    } catch (...) {
    }
  }).detach();
  std::thread([] { evaluate_javascript("3", boost::json::object{}); }).join();
  while (ready < 2) std::this_thread::yield();
  std::exit(0);
}

TEST_CASE("javascript: the process exits cleanly while threads hold engine contexts", "[unit]") {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  char program[] = "/proc/self/exe";
  char filter[] = "[.exit_child]";
  char* argv[] = {program, filter, nullptr};
  pid_t child = 0;
  REQUIRE(posix_spawn(&child, program, &actions, nullptr, argv, environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("javascript: syntax check compiles without running", "[unit]") {
  CHECK_FALSE(javascript_syntax_error("$.a > 1"));
  CHECK_FALSE(javascript_syntax_error("while (true) {}"));
  CHECK_FALSE(javascript_syntax_error("$.missing.field"));
  auto error = javascript_syntax_error("$.a >");
  REQUIRE(error);
  CHECK_THAT(*error, Catch::StartsWith("SyntaxError"));
  CHECK_FALSE(javascript_syntax_error("const {a = 1, ...rest} = $ ?? {}; class K { static of() { return `${a}`; } }"));
  CHECK_FALSE(javascript_syntax_error("$.list?.map((x) => x ** 2).filter(Boolean)"));
  REQUIRE(javascript_syntax_error("let x = 1; let x = 2;"));
  CHECK_THAT(*javascript_syntax_error("let x = 1; let x = 2;"), Catch::Contains("redeclaration"));
}

TEST_CASE("javascript: truthiness of condition results", "[unit]") {
  CHECK(script_truthy(true));
  CHECK_FALSE(script_truthy(false));
  CHECK(script_truthy(1));
  CHECK(script_truthy(0.5));
  CHECK_FALSE(script_truthy(0));
  CHECK_FALSE(script_truthy(-1));
  CHECK_FALSE(script_truthy("true"));
  CHECK_FALSE(script_truthy(nullptr));
  CHECK_FALSE(script_truthy(boost::json::object{}));
}
