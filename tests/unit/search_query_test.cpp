#include <conductor/error.hpp>

#include <catch2/catch.hpp>

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

TEST_CASE("search query: IN takes a list; a single value is an equality", "[unit]") {
  check_condition(parse("status IN (COMPLETED,RUNNING)"), "status", Op::kIn, {"COMPLETED", "RUNNING"});
  check_condition(parse("status IN ( 'A' , \"B\", C )"), "status", Op::kIn, {"A", "B", "C"});
  check_condition(parse("status IN (RUNNING)"), "status", Op::kEqual, {"RUNNING"});
  check_condition(parse("status IN RUNNING"), "status", Op::kEqual, {"RUNNING"});
}

TEST_CASE("search query: AND binds tighter than OR; parentheses group", "[unit]") {
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
