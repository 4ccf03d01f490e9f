#include "decider/jsonpath.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <string>

using conductor::Json;
using conductor::detail::evaluate_json_path;
using conductor::detail::JsonPath;

namespace {

const Json& store() {
  static const Json doc = boost::json::parse(R"({
    "store": {
      "book": [
        {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
        {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99, "tags": ["war"]},
        {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99},
        {"category": "fiction", "author": "J. R. R. Tolkien", "title": "LOTR", "isbn": "0-395", "price": 22.99,
         "tags": ["fantasy", "epic"]}
      ],
      "bicycle": {"color": "red", "price": 19.95}
    },
    "numbers": [3, 1, 4, 1, 5],
    "mixed": [1, "two", 3.5, null],
    "single": [42],
    "empty": [],
    "key with space": {"inner key": "spaced"},
    "nullValue": null,
    "flag": true,
    "count": 7
  })");
  return doc;
}

Json eval(std::string_view path) { return evaluate_json_path(path, store()); }
Json parse(std::string_view text) { return boost::json::parse(text); }

}  // namespace

TEST_CASE("jsonpath: dot notation without a leading $ is read as $.", "[unit]") {
  CHECK(eval("store.bicycle.color") == "red");
  CHECK(eval("$.store.bicycle.color") == "red");
  CHECK(eval("count") == 7);
  CHECK(eval("flag") == true);
  CHECK(eval("store.bicycle") == parse(R"({"color": "red", "price": 19.95})"));
  CHECK(eval("$") == store());
}

TEST_CASE("jsonpath: bracket notation with quoted keys and spaces", "[unit]") {
  CHECK(eval("['key with space']['inner key']") == "spaced");
  CHECK(eval("$['key with space'][\"inner key\"]") == "spaced");
  CHECK(eval("store['bicycle'].color") == "red");
  CHECK(eval("store.['bicycle'].color") == "red");
  CHECK(eval("$['store']['bicycle']['price']") == 19.95);
  // Blanks in dot notation are invalid in Jayway: null, not a match.
  CHECK(eval("key with space").is_null());
}

TEST_CASE("jsonpath: array indexes, negative from the end", "[unit]") {
  CHECK(eval("store.book[0].author") == "Nigel Rees");
  CHECK(eval("store.book[-1].title") == "LOTR");
  CHECK(eval("store.book[-4].title") == "Sayings");
  CHECK(eval("numbers[2]") == 4);
  CHECK(eval("store.book[ 1 ].title") == "Sword");
}

TEST_CASE("jsonpath: definite paths to missing keys or indexes give null", "[unit]") {
  CHECK(eval("store.missing").is_null());
  CHECK(eval("store.missing.deeper.still").is_null());
  CHECK(eval("store.book[10].title").is_null());
  CHECK(eval("store.book[-10]").is_null());
  CHECK(eval("count.child").is_null());
  CHECK(eval("store.bicycle[0]").is_null());
  CHECK(eval("nullValue").is_null());
  CHECK(eval("nullValue.child").is_null());
  CHECK(eval("nothing").is_null());
}

TEST_CASE("jsonpath: wildcards give arrays", "[unit]") {
  CHECK(eval("store.book[*].author") ==
        parse(R"(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"])"));
  CHECK(eval("store.bicycle.*") == parse(R"(["red", 19.95])"));
  CHECK(eval("store.book.*.title") == parse(R"(["Sayings", "Sword", "Moby Dick", "LOTR"])"));
  // Elements lacking the property are skipped in an indefinite path.
  CHECK(eval("store.book[*].isbn") == parse(R"(["0-553", "0-395"])"));
  CHECK(eval("store.book[*].nothing") == parse("[]"));
  CHECK(eval("empty[*]") == parse("[]"));
  CHECK(eval("count[*]") == parse("[]"));
}

TEST_CASE("jsonpath: deep scan", "[unit]") {
  CHECK(eval("$..author") == parse(R"(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"])"));
  CHECK(eval("store..price") == parse("[8.95, 12.99, 8.99, 22.99, 19.95]"));
  CHECK(eval("$..isbn") == parse(R"(["0-553", "0-395"])"));
  CHECK(eval("$..book[2].title") == parse(R"(["Moby Dick"])"));
  CHECK(eval("$..tags[*]") == parse(R"(["war", "fantasy", "epic"])"));
  CHECK(eval("$..nothing") == parse("[]"));
  CHECK(eval("store..['color','price']") == parse(R"([{"color": "red", "price": 19.95}])"));
  // Conductor prepends `$.`, so a body starting with `..` is `$...x`: invalid.
  CHECK(eval("..author").is_null());
  CHECK(eval("$..").is_null());
}

TEST_CASE("jsonpath: slices", "[unit]") {
  CHECK(eval("numbers[1:3]") == parse("[1, 4]"));
  CHECK(eval("numbers[:2]") == parse("[3, 1]"));
  CHECK(eval("numbers[-2:]") == parse("[1, 5]"));
  CHECK(eval("numbers[3:]") == parse("[1, 5]"));
  CHECK(eval("numbers[1:100]") == parse("[1, 4, 1, 5]"));
  CHECK(eval("numbers[:-3]") == parse("[3, 1]"));
  CHECK(eval("numbers[4:2]") == parse("[]"));
  CHECK(eval("empty[0:2]") == parse("[]"));
  CHECK(eval("store.book[0:2].title") == parse(R"(["Sayings", "Sword"])"));
}

TEST_CASE("jsonpath: unions", "[unit]") {
  CHECK(eval("numbers[0,2]") == parse("[3, 4]"));
  CHECK(eval("numbers[0, 2, 10]") == parse("[3, 4]"));
  CHECK(eval("store.book[0,-1].title") == parse(R"(["Sayings", "LOTR"])"));
  // Jayway merges a trailing property union into one object of the properties present...
  CHECK(eval("store.bicycle['color','price','nope']") == parse(R"({"color": "red", "price": 19.95})"));
  // ...and iterates a union inside the path.
  CHECK(eval("store['bicycle','book'].color") == parse(R"(["red"])"));
  CHECK(eval("store.book[0]['author','title']") == parse(R"({"author": "Nigel Rees", "title": "Sayings"})"));
}

TEST_CASE("jsonpath: filters with comparisons", "[unit]") {
  CHECK(eval("store.book[?(@.price < 10)].title") == parse(R"(["Sayings", "Moby Dick"])"));
  CHECK(eval("store.book[?(@.price <= 8.95)].title") == parse(R"(["Sayings"])"));
  CHECK(eval("store.book[?(@.price > 20)].title") == parse(R"(["LOTR"])"));
  CHECK(eval("store.book[?(@.price >= 12.99)].title") == parse(R"(["Sword", "LOTR"])"));
  CHECK(eval("store.book[?(@.category == 'reference')].author") == parse(R"(["Nigel Rees"])"));
  CHECK(eval("store.book[?(@.category==\"reference\")].author") == parse(R"(["Nigel Rees"])"));
  CHECK(eval("store.book[?(@.category != 'fiction')].title") == parse(R"(["Sayings"])"));
  CHECK(eval("store.book[?(@.title > 'M')].title") == parse(R"(["Sayings", "Sword", "Moby Dick"])"));
  CHECK(eval("numbers[?(@ > 2)]") == parse("[3, 4, 5]"));
  CHECK(eval("numbers[?(@ == 1)]") == parse("[1, 1]"));
  // A missing property compares false, except with !=.
  CHECK(eval("store.book[?(@.isbn == '0-553')].title") == parse(R"(["Moby Dick"])"));
  CHECK(eval("store.book[?(@.isbn != '0-553')].title") == parse(R"(["Sayings", "Sword", "LOTR"])"));
  // Numbers compare by value whatever their JSON form; mixed kinds do not order.
  CHECK(evaluate_json_path("a[?(@.n == 2)].id", parse(R"({"a": [{"n": 2.0, "id": 1}, {"n": 2, "id": 2}]})")) ==
        parse("[1, 2]"));
  CHECK(eval("mixed[?(@ < 10)]") == parse("[1, 3.5]"));
}

TEST_CASE("jsonpath: filters with logic, existence and nested paths", "[unit]") {
  CHECK(eval("store.book[?(@.isbn)].title") == parse(R"(["Moby Dick", "LOTR"])"));
  CHECK(eval("store.book[?(!@.isbn)].title") == parse(R"(["Sayings", "Sword"])"));
  CHECK(eval("store.book[?(@.category == 'fiction' && @.price < 10)].title") == parse(R"(["Moby Dick"])"));
  CHECK(eval("store.book[?(@.price < 9 || @.price > 20)].title") == parse(R"(["Sayings", "Moby Dick", "LOTR"])"));
  CHECK(eval("store.book[?((@.price < 9 || @.price > 20) && @.isbn)].title") == parse(R"(["Moby Dick", "LOTR"])"));
  CHECK(eval("store.book[?(!(@.price < 10))].title") == parse(R"(["Sword", "LOTR"])"));
  CHECK(eval("store.book[?(@.tags[0] == 'war')].title") == parse(R"(["Sword"])"));
  CHECK(eval("store.book[?(@.price < $.store.bicycle.price)].title") == parse(R"(["Sayings", "Sword", "Moby Dick"])"));
  CHECK(eval("store.book[?(@.tags.length() > 1)].title") == parse(R"(["LOTR"])"));

  const Json nested = parse(R"({"items": [{"a": {"b": 1}}, {"a": {"b": 2}}, {"a": null}, {"a": {"b": null}}]})");
  CHECK(evaluate_json_path("items[?(@.a.b == 2)]", nested) == parse(R"([{"a": {"b": 2}}])"));
  // A key holding null exists.
  CHECK(evaluate_json_path("items[?(@.a.b)]", nested) == parse(R"([{"a": {"b": 1}}, {"a": {"b": 2}}, {"a": {"b": null}}])"));
  CHECK(evaluate_json_path("items[?(@.a.b == null)]", nested) == parse(R"([{"a": {"b": null}}])"));
  CHECK(evaluate_json_path("flags[?(@.on == true)].id",
                           parse(R"({"flags": [{"on": true, "id": 1}, {"on": false, "id": 2}]})")) == parse("[1]"));
  // A filter on an object tests the object itself.
  CHECK(eval("store.bicycle[?(@.color == 'red')].price") == parse("[19.95]"));
  CHECK(eval("store.bicycle[?(@.color == 'blue')].price") == parse("[]"));
  // Deep scan with a filter visits each object once.
  CHECK(eval("$..[?(@.price > 19)].price") == parse("[22.99, 19.95]"));
}

TEST_CASE("jsonpath: filter operators in, nin, contains, size, empty, regex", "[unit]") {
  CHECK(eval("store.book[?(@.category in ['reference', 'poetry'])].title") == parse(R"(["Sayings"])"));
  CHECK(eval("store.book[?(@.category nin ['reference'])].title") == parse(R"(["Sword", "Moby Dick", "LOTR"])"));
  CHECK(eval("store.book[?(@.tags contains 'epic')].title") == parse(R"(["LOTR"])"));
  CHECK(eval("store.book[?(@.author contains 'Mel')].title") == parse(R"(["Moby Dick"])"));
  CHECK(eval("store.book[?(@.tags size 2)].title") == parse(R"(["LOTR"])"));
  CHECK(eval("store.book[?(@.tags empty false)].title") == parse(R"(["Sword", "LOTR"])"));
  CHECK(eval("store.book[?(@.author =~ /.*REES/i)].title") == parse(R"(["Sayings"])"));
  CHECK(eval("store.book[?(@.author =~ /Rees/)].title") == parse("[]"));  // the whole text must match
  CHECK(eval("numbers[?(@ =~ /[45]/)]") == parse("[4, 5]"));
  CHECK(eval("numbers[?(@ =~ /4{1,99}|\\\\5555555/)]") == parse("[4]"));  // bounds, an escaped backslash
}

TEST_CASE("jsonpath: trailing functions", "[unit]") {
  CHECK(eval("numbers.length()") == 5);
  CHECK(eval("numbers.size()") == 5);
  CHECK(eval("store.bicycle.length()") == 2);
  CHECK(eval("store.book.length()") == 4);
  CHECK(eval("numbers.min()") == 1.0);
  CHECK(eval("numbers.max()") == 5.0);
  CHECK(eval("numbers.sum()") == 14.0);
  CHECK(eval("numbers.avg()") == 2.8);
  CHECK(eval("numbers.stddev()").as_double() == Approx(1.6));
  CHECK(eval("numbers.sum()").is_double());
  CHECK(eval("mixed.sum()") == 4.5);  // non-numbers are skipped
  CHECK(eval("store.bicycle.keys()") == parse(R"(["color", "price"])"));
  CHECK(eval("numbers.first()") == 3);
  CHECK(eval("numbers.last()") == 5);
  CHECK(eval("$..price.sum()").as_double() == Approx(73.87));  // a scan feeds the function all matches
  CHECK(eval("$..book.length()") == 4);
  CHECK(eval("store.book[*].tags.length()") == parse("[1, 2]"));  // otherwise one result per match
}

TEST_CASE("jsonpath: failing functions give null", "[unit]") {
  CHECK(eval("empty.sum()").is_null());
  CHECK(eval("empty.first()").is_null());
  CHECK(eval("count.max()").is_null());
  CHECK(eval("store.bicycle.avg()").is_null());
  CHECK(eval("count.length()").is_null());
  CHECK(eval("numbers.keys()").is_null());
  CHECK(eval("missing.length()").is_null());
  // Jayway quirk: last() needs at least two elements.
  CHECK(eval("single.last()").is_null());
  CHECK(eval("single.first()") == 42);
  // One failing match fails the whole indefinite path.
  CHECK(eval("store.book[*].price.sum()").is_null());
}

TEST_CASE("jsonpath: invalid paths give null", "[unit]") {
  for (const char* path : {"store.", "store[", "store[?(@.a == )]", "store['a", "numbers[x]", "numbers[1:2:3]",
                           "numbers.unknown()", "numbers.length().x", "store.book[?(@.a =~ /[/)]", "$.a b",
                           "numbers[]", "store.book[?('literal')]", "store.book[?(@.price < 10]",
                           "numbers[?(@ =~ /(4)\\5555555555555555555/)]"}) {
    INFO(path);
    CHECK_FALSE(JsonPath(path).valid());
    CHECK(eval(path).is_null());
  }
}

TEST_CASE("jsonpath: definiteness follows Jayway", "[unit]") {
  CHECK(JsonPath("a.b[0]").definite());
  CHECK(JsonPath("a['x','y']").definite());
  CHECK(JsonPath("a.length()").definite());
  CHECK(JsonPath("$..a.length()").definite());
  CHECK_FALSE(JsonPath("a['x','y'].z").definite());
  CHECK_FALSE(JsonPath("a[*]").definite());
  CHECK_FALSE(JsonPath("a[0,1]").definite());
  CHECK_FALSE(JsonPath("a[0:1]").definite());
  CHECK_FALSE(JsonPath("a[?(@.x)]").definite());
  CHECK_FALSE(JsonPath("$..a").definite());
}

TEST_CASE("jsonpath: a compiled path evaluates against many documents", "[unit]") {
  const JsonPath path("items[?(@.n > 1)].n");
  CHECK(path.valid());
  CHECK(path.evaluate(parse(R"({"items": [{"n": 1}, {"n": 2}]})")) == parse("[2]"));
  CHECK(path.evaluate(parse(R"({"items": [{"n": 5}]})")) == parse("[5]"));
  CHECK(path.evaluate(parse("[]")) == parse("[]"));
  CHECK(path.evaluate(Json(nullptr)) == parse("[]"));
}

TEST_CASE("jsonpath: a huge negative slice start ends at once, with what the array holds", "[unit]") {
  // Counting up from the start one element at a time would take 9.2e18 steps.
  CHECK(eval("numbers[-9223372036854775808:2]") == parse("[3, 1, 4, 1, 5, 3, 1]"));
  CHECK(eval("numbers[-1000000000000:1]") == eval("numbers[-5:1]"));
}

TEST_CASE("jsonpath: a regex filter over a long value or a pathological pattern ends", "[unit]") {
  // A matcher that recursed per character would overflow the stack on the 1 MB value.
  const Json long_values = parse(R"({"items": [{"text": "short"}, {"text": ")" + std::string(1 << 20, 'a') +
                                 R"("}]})");
  const Json matched = evaluate_json_path("items[?(@.text =~ /a.*/)].text", long_values);
  REQUIRE(matched.is_array());
  REQUIRE(matched.as_array().size() == 1);
  CHECK(matched.at(0).as_string().size() == 1u << 20);
  CHECK(evaluate_json_path("items[?(@.text =~ /a.*b/)]", long_values) == parse("[]"));
  // Catastrophic backtracking hits the matcher's bound; the evaluation gives null, as a failing
  // evaluation does.
  const Json many_a = parse(R"({"items": [{"text": ")" + std::string(40, 'a') + R"("}]})");
  CHECK(evaluate_json_path("items[?(@.text =~ /(a+)+b/)]", many_a).is_null());
}

TEST_CASE("jsonpath: filters nested past the bound are invalid instead of exhausting the stack", "[unit]") {
  const std::string deep_parentheses = "store.book[?(" + std::string(100000, '(') + "@.price < 10" +
                                       std::string(100000, ')') + ")]";
  CHECK_FALSE(JsonPath(deep_parentheses).valid());
  const std::string deep_negation = "store.book[?(" + std::string(100000, '!') + "@.price)]";
  CHECK_FALSE(JsonPath(deep_negation).valid());
  const std::string nested = "store.book[?(" + std::string(60, '(') + "@.price < 10" + std::string(60, ')') + ")].title";
  CHECK(eval(nested) == parse(R"(["Sayings", "Moby Dick"])"));
}
