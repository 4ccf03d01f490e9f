#include "script/javascript.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <thread>
#include <vector>

using namespace conductor;
using namespace conductor::detail;

namespace {
Json eval(std::string_view script, std::string_view input_json = "{}") {
  return evaluate_javascript(script, boost::json::parse(input_json));
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
  SECTION("the helpers stay out of enumeration and JSON") {
    CHECK(eval("Object.keys($.map)", input) == boost::json::parse(R"(["k"])"));
    CHECK(eval("JSON.stringify($.list)", input) == R"(["a","b","c"])");
    CHECK(eval("$.map", input) == boost::json::parse(R"({"k": 1})"));
    CHECK(eval("var o = {}; Object.defineProperty(o, 'x', {value: 1, enumerable: true}); o.x") == 1);
  }
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
}

TEST_CASE("javascript: the input is a copy", "[unit]") {
  auto input = boost::json::parse(R"({"a": 1})");
  evaluate_javascript("$.a = 2; $.b = 3;", input);
  CHECK(input == boost::json::parse(R"({"a": 1})"));
}

TEST_CASE("javascript: there is no host access", "[unit]") {
  CHECK(eval("typeof require") == "undefined");
  CHECK(eval("typeof process") == "undefined");
  CHECK(eval("typeof Duktape") == "object");  // the engine's own namespace, no I/O in it
  CHECK(eval("typeof Duktape.modSearch") == "undefined");
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
  SECTION("the default limit is Conductor's four seconds") {
    CHECK(kScriptTimeLimit == 4s);
    CHECK(evaluate_javascript("var n = 0; for (var i = 0; i < 100000; i++) { n += i; } n", input) == 4999950000LL);
  }
}

TEST_CASE("javascript: a script that allocates without bound fails instead of exhausting memory", "[unit]") {
  CHECK_THROWS_AS(eval("var s = 'x'; while (true) { s = s + s; }"), ScriptError);
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

TEST_CASE("javascript: syntax check compiles without running", "[unit]") {
  CHECK_FALSE(javascript_syntax_error("$.a > 1"));
  CHECK_FALSE(javascript_syntax_error("while (true) {}"));
  CHECK_FALSE(javascript_syntax_error("$.missing.field"));
  auto error = javascript_syntax_error("$.a >");
  REQUIRE(error);
  CHECK_THAT(*error, Catch::StartsWith("SyntaxError"));
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
