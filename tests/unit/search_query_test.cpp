#include <conductor/error.hpp>

#include <catch2/catch.hpp>

#include <string>

#include "storage/search_query.hpp"

using namespace conductor;
using namespace conductor::detail;
using Kind = SearchExpression::Kind;
using Op = SearchCondition::Op;

namespace {

SearchExpression parse(std::string_view query) {
  std::optional<SearchExpression> parsed = parse_search_query(query);
  REQUIRE(parsed);
  return *parsed;
}

void check_condition(const SearchExpression& expression, const std::string& field, Op op,
                     const std::vector<std::string>& values) {
  REQUIRE(expression.kind == Kind::kCondition);
  CHECK(expression.condition.field == field);
  CHECK(expression.condition.op == op);
  CHECK(expression.condition.values == values);
}

}  // namespace

TEST_CASE("search query: a blank query has no filter", "[unit]") {
  CHECK_FALSE(parse_search_query(""));
  CHECK_FALSE(parse_search_query("   "));
}

TEST_CASE("search query: conditions take snake_case fields, operators with or without spaces", "[unit]") {
  check_condition(parse("workflowType=abc*"), "workflow_type", Op::kEqual, {"abc*"});
  check_condition(parse("startTime > 1675702498000"), "start_time", Op::kGreater, {"1675702498000"});
  check_condition(parse("endTime<5"), "end_time", Op::kLess, {"5"});
  check_condition(parse("status != RUNNING"), "status", Op::kNotEqual, {"RUNNING"});
  check_condition(parse("parentWorkflowId=\"\""), "parent_workflow_id", Op::kEqual, {""});
}

TEST_CASE("search query: values may be quoted, escaped or span several bare words", "[unit]") {
  check_condition(parse(R"(correlationId='it\'s')"), "correlation_id", Op::kEqual, {"it's"});
  check_condition(parse(R"(correlationId="say \"hi\"")"), "correlation_id", Op::kEqual, {"say \"hi\""});
  check_condition(parse("workflowType = my flow"), "workflow_type", Op::kEqual, {"my flow"});
  check_condition(parse("workflowType = 'a AND b'"), "workflow_type", Op::kEqual, {"a AND b"});
}

TEST_CASE("search query: IN takes a list, a single value is an equality", "[unit]") {
  check_condition(parse("status IN (COMPLETED,RUNNING)"), "status", Op::kIn, {"COMPLETED", "RUNNING"});
  check_condition(parse("status IN ( 'A' , \"B\", C )"), "status", Op::kIn, {"A", "B", "C"});
  check_condition(parse("status IN (RUNNING)"), "status", Op::kEqual, {"RUNNING"});
  check_condition(parse("status IN RUNNING"), "status", Op::kEqual, {"RUNNING"});
}

TEST_CASE("search query: AND binds tighter than OR, parentheses group", "[unit]") {
  SearchExpression flat = parse("a = 1 OR b = 2 AND c = 3");
  REQUIRE(flat.kind == Kind::kOr);
  REQUIRE(flat.operands.size() == 2);
  check_condition(flat.operands[0], "a", Op::kEqual, {"1"});
  REQUIRE(flat.operands[1].kind == Kind::kAnd);
  check_condition(flat.operands[1].operands[1], "c", Op::kEqual, {"3"});

  SearchExpression grouped = parse("(a = 1 OR b = 2) AND c = 3 AND d = 4");
  REQUIRE(grouped.kind == Kind::kAnd);
  REQUIRE(grouped.operands.size() == 3);
  CHECK(grouped.operands[0].kind == Kind::kOr);
  check_condition(grouped.operands[2], "d", Op::kEqual, {"4"});
}

TEST_CASE("search query: malformed queries name the problem and its position", "[unit]") {
  try {
    parse_search_query("status = RUNNING AND");
    FAIL("expected a ValidationError");
  } catch (const ValidationError& error) {
    CHECK(std::string(error.what()) == "Incorrectly formatted query string: status = RUNNING AND");
    REQUIRE(error.violations().size() == 1);
    CHECK(error.violations()[0].message == "expected a field name at position 20");
  }
  for (const char* bad : {"status", "status ~ x", "1abc = 2", "a = 1 b = 2", "a = 1 and b = 2", "a IN (1,", "a = (1)",
                          "a = 'open", "(a = 1", "a = 1)"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_search_query(bad), ValidationError);
  }
}

TEST_CASE("search query: nesting and length are bounded", "[unit]") {
  CHECK(parse_search_query(std::string(32, '(') + "a = 1" + std::string(32, ')')));
  CHECK_THROWS_AS(parse_search_query(std::string(33, '(') + "a = 1" + std::string(33, ')')), ValidationError);
  // Far past the bound: refused before the recursion could exhaust a thread's stack.
  CHECK_THROWS_AS(parse_search_query(std::string(100000, '(') + "a = 1" + std::string(100000, ')')), ValidationError);
  // AND inside OR nests two levels per group of parentheses: 16 levels of operators pass, 18 do not.
  const auto alternating = [](int groups) {
    std::string query = "a = 0";
    for (int i = 0; i < groups; ++i) query = "a = 1 OR a = 2 AND (" + query + ")";
    return query;
  };
  CHECK(parse_search_query(alternating(8)));
  CHECK_THROWS_AS(parse_search_query(alternating(9)), ValidationError);
  std::string conditions = "a = 0";
  for (int i = 1; i < 256; ++i) conditions += " AND a = " + std::to_string(i);
  CHECK(parse_search_query(conditions));
  CHECK_THROWS_AS(parse_search_query(conditions + " OR b = 1"), ValidationError);
}

TEST_CASE("search query: sort entries are field:ASC|DESC, others ignored", "[unit]") {
  std::vector<SearchSort> sort =
      parse_search_sort({"startTime:DESC", "workflowId:asc", "bare", "a:UP", ":ASC", "a:b:ASC"});
  REQUIRE(sort.size() == 2);
  CHECK(sort[0].field == "start_time");
  CHECK(sort[0].descending);
  CHECK(sort[1].field == "workflow_id");
  CHECK_FALSE(sort[1].descending);
}

TEST_CASE("search query: camelCase names become snake_case", "[unit]") {
  CHECK(camel_to_snake("workflowType") == "workflow_type");
  CHECK(camel_to_snake("WorkflowType") == "workflow_type");
  CHECK(camel_to_snake("status") == "status");
  CHECK(camel_to_snake("task_def_name") == "task_def_name");
}

TEST_CASE("search query: sort entries may put the direction first", "[unit]") {
  std::vector<SearchSort> sort = parse_search_sort({"DESC:startTime", "asc:workflowId", "UP:a", "DESC:", "DESC:a:b"});
  REQUIRE(sort.size() == 2);
  CHECK(sort[0].field == "start_time");
  CHECK(sort[0].descending);
  CHECK(sort[1].field == "workflow_id");
  CHECK_FALSE(sort[1].descending);
}

namespace {

using TextKind = FreeTextExpression::Kind;

FreeTextExpression text(std::string_view free_text) {
  std::optional<FreeTextExpression> parsed = parse_free_text(free_text);
  REQUIRE(parsed);
  return *parsed;
}

void check_match(const FreeTextExpression& expression, const std::string& field, const std::string& value,
                 bool phrase = false, bool prefix = false) {
  REQUIRE(expression.kind == TextKind::kMatch);
  CHECK(expression.field == field);
  CHECK(expression.value == value);
  CHECK(expression.phrase == phrase);
  CHECK(expression.prefix == prefix);
}

}  // namespace

TEST_CASE("free text: blank and * have no filter", "[unit]") {
  CHECK_FALSE(parse_free_text(""));
  CHECK_FALSE(parse_free_text("  "));
  CHECK_FALSE(parse_free_text("*"));
  CHECK_FALSE(parse_free_text("(*)"));
}

TEST_CASE("free text: terms, phrases, prefixes and escapes", "[unit]") {
  check_match(text("lovelace"), "", "lovelace");
  check_match(text("\"ada lovelace\""), "", "ada lovelace", true);
  check_match(text("love*"), "", "love", false, true);
  check_match(text("\"ada love\"*"), "", "ada love", true, true);
  check_match(text(R"(a\:b\*)"), "", "a:b*");
  check_match(text(R"("say \"hi\"")"), "", "say \"hi\"", true);
  check_match(text("c-1"), "", "c-1");
  check_match(text("and"), "", "and");  // keywords are upper case
}

TEST_CASE("free text: field:value, quoted, prefixed, grouped and set", "[unit]") {
  check_match(text("workflowType:\"name_of_workflow\""), "workflowType", "name_of_workflow", true);
  check_match(text("status:COMPLETED"), "status", "COMPLETED");
  check_match(text("status: COMPLETED"), "status", "COMPLETED");
  check_match(text("workflowId:abc*"), "workflowId", "abc", false, true);
  check_match(text("correlationId:*"), "correlationId", "", false, true);

  FreeTextExpression grouped = text("status:(RUNNING OR PAUSED)");
  REQUIRE(grouped.kind == TextKind::kOr);
  REQUIRE(grouped.operands.size() == 2);
  check_match(grouped.operands[0], "status", "RUNNING");
  check_match(grouped.operands[1], "status", "PAUSED");
  // Outside the group the field no longer applies.
  FreeTextExpression after = text("status:(RUNNING) ada");
  REQUIRE(after.kind == TextKind::kOr);
  check_match(after.operands[1], "", "ada");
}

TEST_CASE("free text: ranges and comparisons", "[unit]") {
  FreeTextExpression inclusive = text("startTime:[1000 TO 2000]");
  REQUIRE(inclusive.kind == TextKind::kRange);
  CHECK(inclusive.field == "startTime");
  CHECK(inclusive.lower == "1000");
  CHECK(inclusive.upper == "2000");
  CHECK(inclusive.include_lower);
  CHECK(inclusive.include_upper);

  FreeTextExpression mixed = text("startTime:{2024-05-01T10:00:00Z TO *]");
  CHECK(mixed.lower == "2024-05-01T10:00:00Z");
  CHECK_FALSE(mixed.upper);
  CHECK_FALSE(mixed.include_lower);

  FreeTextExpression at_least = text("startTime:>=5");
  CHECK(at_least.lower == "5");
  CHECK(at_least.include_lower);
  CHECK_FALSE(at_least.upper);
  FreeTextExpression below = text("(version:<3)");
  CHECK(below.upper == "3");
  CHECK_FALSE(below.include_upper);
}

TEST_CASE("free text: NOT, then AND, then OR, side by side is OR, beside NOT is AND", "[unit]") {
  FreeTextExpression flat = text("a OR b AND c");
  REQUIRE(flat.kind == TextKind::kOr);
  check_match(flat.operands[0], "", "a");
  REQUIRE(flat.operands[1].kind == TextKind::kAnd);

  FreeTextExpression grouped = text("(a || b) && !c");
  REQUIRE(grouped.kind == TextKind::kAnd);
  CHECK(grouped.operands[0].kind == TextKind::kOr);
  REQUIRE(grouped.operands[1].kind == TextKind::kNot);
  check_match(grouped.operands[1].operands.front(), "", "c");

  FreeTextExpression side_by_side = text("a b NOT c");
  REQUIRE(side_by_side.kind == TextKind::kAnd);
  REQUIRE(side_by_side.operands.size() == 2);
  CHECK(side_by_side.operands[0].kind == TextKind::kOr);
  CHECK(side_by_side.operands[1].kind == TextKind::kNot);

  FreeTextExpression double_negation = text("NOT NOT a");
  REQUIRE(double_negation.kind == TextKind::kNot);
  CHECK(double_negation.operands.front().kind == TextKind::kNot);
}

TEST_CASE("free text: what does not parse names the problem and its position", "[unit]") {
  try {
    parse_free_text("status:COMPLETED AND");
    FAIL("expected a ValidationError");
  } catch (const ValidationError& error) {
    CHECK(std::string(error.what()) == "Incorrectly formatted freeText: status:COMPLETED AND");
    REQUIRE(error.violations().size() == 1);
    CHECK(error.violations()[0].path == "freeText");
    CHECK(error.violations()[0].message == "expected a term, a phrase, a field, '(' or NOT at position 20");
  }
  for (const char* bad : {"(a", "a)", "\"open", "a*b", "a?", "a~2", "a^2", "[a TO b]", "-a", "+a", ":a", "status:",
                          "a:b:c", "startTime:[1 TO 2", "startTime:[1 2]", "startTime:>", "OR a", "a AND", "NOT"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_free_text(bad), ValidationError);
  }
}

TEST_CASE("free text: nesting and length are bounded", "[unit]") {
  CHECK(parse_free_text(std::string(32, '(') + "a" + std::string(32, ')')));
  CHECK_THROWS_AS(parse_free_text(std::string(33, '(') + "a" + std::string(33, ')')), ValidationError);
  std::string negations;
  for (int i = 0; i < 16; ++i) negations += "NOT ";
  CHECK(parse_free_text(negations + "a"));
  CHECK_THROWS_AS(parse_free_text(negations + "NOT a"), ValidationError);
  for (int i = 16; i < 100; ++i) negations += "NOT ";
  CHECK_THROWS_AS(parse_free_text(negations + "a"), ValidationError);
  std::string terms;
  for (int i = 0; i < 256; ++i) terms += "t" + std::to_string(i) + " ";
  CHECK(parse_free_text(terms));
  CHECK_THROWS_AS(parse_free_text(terms + "one_more"), ValidationError);
  // Side by side with NOT alternates AND and OR without any parenthesis: two levels per pair.
  std::string alternating = "a";
  for (int i = 0; i < 7; ++i) alternating += " NOT b" + std::to_string(i) + " c" + std::to_string(i);
  CHECK(parse_free_text(alternating + " NOT d"));
  CHECK_THROWS_AS(parse_free_text(alternating + " NOT d e"), ValidationError);
}
