#include "http/error_mapping.hpp"
#include "http/gateway.hpp"
#include "http/router.hpp"

#include <conductor/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace conductor;
using namespace conductor::http;

namespace {

/// A handler that answers which route it is, plus its path parameters.
Handler named(std::string name) {
  return [name](const Request& request) {
    JsonObject body;
    body["route"] = name;
    JsonObject params;
    for (const char* key : {"id", "name", "wf", "ref", "status", "taskType"}) {
      try {
        params[key] = request.path_param(key);
      } catch (const std::logic_error&) {
      }
    }
    body["params"] = params;
    return Response::json(body);
  };
}

Json body_of(const Response& response) { return boost::json::parse(response.body); }

std::string text(const Json& value) { return boost::json::value_to<std::string>(value); }

std::string route_of(const Response& response) {
  REQUIRE(response.status == 200);
  return text(body_of(response).at("route"));
}

Response call(const Router& router, Method method, std::string_view target, std::string body = {}) {
  return router.dispatch(Request(method, target, std::move(body)));
}

/// Runs `check` inside a handler, so that what it throws goes through the router's mapping.
template <class Check>
Response run(std::string_view target, Check check, std::string body = {}) {
  Router router;
  router.add(Method::kPost, "/run", [check](const Request& request) {
    check(request);
    return Response::empty();
  });
  return call(router, Method::kPost, target, std::move(body));
}

template <class Exception>
Response thrown(Exception exception) {
  return run("/run", [exception](const Request&) { throw exception; });
}

}  // namespace

TEST_CASE("router: matches literal and variable segments and exposes path parameters", "[http]") {
  Router router;
  router.add(Method::kGet, "/api/workflow/{id}", named("get"));
  router.add(Method::kGet, "/api/workflow/{name}/correlated/{status}", named("correlated"));
  router.add(Method::kGet, "/api/queue/", named("queue-names"));

  const Response response = call(router, Method::kGet, "/api/workflow/abc-123?includeTasks=false");
  REQUIRE(route_of(response) == "get");
  CHECK(body_of(response).at("params").at("id") == "abc-123");

  const Json correlated = body_of(call(router, Method::kGet, "/api/workflow/flow/correlated/c%201"));
  CHECK(correlated.at("route") == "correlated");
  CHECK(correlated.at("params").at("name") == "flow");
  CHECK(correlated.at("params").at("status") == "c 1");

  // A variable never matches an empty segment, so a trailing slash is not an empty id.
  CHECK(call(router, Method::kGet, "/api/workflow/").status == 404);
  CHECK(call(router, Method::kGet, "/api/workflow//correlated/x").status == 404);

  // A route registered with a trailing slash matches only with it (Conductor's GET /api/queue/).
  CHECK(route_of(call(router, Method::kGet, "/api/queue/")) == "queue-names");
  CHECK(call(router, Method::kGet, "/api/queue").status == 404);
}

TEST_CASE("router: a literal segment beats a variable whatever the registration order", "[http]") {
  Router router;
  router.add(Method::kGet, "/api/workflow/{id}", named("by-id"));
  router.add(Method::kGet, "/api/workflow/search", named("search"));
  router.add(Method::kPost, "/api/tasks/{wf}/{ref}/{status}", named("by-ref"));
  router.add(Method::kPost, "/api/tasks/{wf}/{status}/signal", named("signal"));
  router.add(Method::kPost, "/api/tasks/queue/requeue/{taskType}", named("requeue"));

  CHECK(route_of(call(router, Method::kGet, "/api/workflow/search")) == "search");
  CHECK(route_of(call(router, Method::kGet, "/api/workflow/search-v2")) == "by-id");
  CHECK(route_of(call(router, Method::kPost, "/api/tasks/w1/COMPLETED/signal")) == "signal");
  CHECK(route_of(call(router, Method::kPost, "/api/tasks/w1/ref/COMPLETED")) == "by-ref");
  CHECK(route_of(call(router, Method::kPost, "/api/tasks/queue/requeue/t1")) == "requeue");

  SECTION("with as many variables, the leftmost literal wins") {
    Router tie;
    tie.add(Method::kGet, "/a/{id}/c", named("late-literal"));
    tie.add(Method::kGet, "/a/b/{id}", named("early-literal"));
    CHECK(route_of(call(tie, Method::kGet, "/a/b/c")) == "early-literal");
    CHECK(route_of(call(tie, Method::kGet, "/a/x/c")) == "late-literal");
  }
}

TEST_CASE("router: Conductor's literal routes are never taken for a workflow name or id", "[http]") {
  // Each literal route beside the variable route it shadows (api.md 1.20), and a path each must win.
  struct Shadow {
    Method method;
    std::string_view literal;
    std::string_view variable;
    std::string_view path;
  };
  const std::vector<Shadow> shadows = {
      {Method::kPost, "/api/workflow/test", "/api/workflow/{name}", "/api/workflow/test"},
      {Method::kPost, "/api/workflow/execute/{name}/{id}", "/api/workflow/{wf}/{ref}/{status}/{name}",
       "/api/workflow/execute/flow/1"},
      {Method::kGet, "/api/workflow/externalstoragelocation", "/api/workflow/{id}",
       "/api/workflow/externalstoragelocation?path=p&operation=READ&payloadType=WORKFLOW_INPUT"},
      {Method::kGet, "/api/workflow/external-storage-location", "/api/workflow/{id}",
       "/api/workflow/external-storage-location"},
      {Method::kGet, "/api/workflow/search", "/api/workflow/{id}", "/api/workflow/search"},
      {Method::kGet, "/api/workflow/search-v2", "/api/workflow/{id}", "/api/workflow/search-v2"},
      {Method::kGet, "/api/workflow/search-by-tasks", "/api/workflow/{id}", "/api/workflow/search-by-tasks"},
      {Method::kGet, "/api/workflow/running/{name}", "/api/workflow/{id}/{status}", "/api/workflow/running/flow"},
      {Method::kPut, "/api/workflow/bulk/pause", "/api/workflow/{id}/pause", "/api/workflow/bulk/pause"},
      {Method::kPost, "/api/workflow/bulk/retry", "/api/workflow/{id}/retry", "/api/workflow/bulk/retry"},
      {Method::kDelete, "/api/workflow/bulk/remove", "/api/workflow/{id}/remove", "/api/workflow/bulk/remove"},
      {Method::kGet, "/api/tasks/externalstoragelocation", "/api/tasks/{id}", "/api/tasks/externalstoragelocation"},
      {Method::kGet, "/api/tasks/external-storage-location", "/api/tasks/{id}",
       "/api/tasks/external-storage-location"},
      {Method::kGet, "/api/tasks/search", "/api/tasks/{id}", "/api/tasks/search"},
      {Method::kPost, "/api/tasks/{wf}/{status}/signal", "/api/tasks/{wf}/{ref}/{status}",
       "/api/tasks/w1/COMPLETED/signal"},
      {Method::kPost, "/api/tasks/{wf}/{status}/signal/sync", "/api/tasks/{wf}/{ref}/{status}/sync",
       "/api/tasks/w1/COMPLETED/signal/sync"},
      {Method::kPost, "/api/tasks/queue/requeue/{taskType}", "/api/tasks/{wf}/{ref}/{status}",
       "/api/tasks/queue/requeue/t1"},
      {Method::kGet, "/api/metadata/workflow/names", "/api/metadata/workflow/{name}", "/api/metadata/workflow/names"},
      {Method::kGet, "/api/metadata/workflow/latest-versions", "/api/metadata/workflow/{name}",
       "/api/metadata/workflow/latest-versions"},
  };
  for (const bool literal_first : {true, false}) {
    for (const auto& shadow : shadows) {
      Router router;
      if (literal_first) router.add(shadow.method, shadow.literal, named("literal"));
      router.add(shadow.method, shadow.variable, named("variable"));
      if (!literal_first) router.add(shadow.method, shadow.literal, named("literal"));
      INFO(shadow.path << (literal_first ? " (literal added first)" : " (variable added first)"));
      CHECK(route_of(call(router, shadow.method, shadow.path)) == "literal");
    }
  }

  // What is not the literal still reaches the variable route: a workflow named "tests", an id
  // "execute" with no name and version after it.
  Router router;
  router.add(Method::kPost, "/api/workflow/test", named("test"));
  router.add(Method::kPost, "/api/workflow/{name}", named("start"));
  router.add(Method::kPost, "/api/workflow/execute/{name}/{id}", named("execute"));
  CHECK(route_of(call(router, Method::kPost, "/api/workflow/tests")) == "start");
  CHECK(route_of(call(router, Method::kPost, "/api/workflow/execute")) == "start");
  CHECK(route_of(call(router, Method::kPost, "/api/workflow/execute/test/2")) == "execute");
}

TEST_CASE("router: an unknown path is a 404 and a known path under another method a 405", "[http]") {
  Router router;
  router.add(Method::kGet, "/api/metadata/taskdefs", named("list"));
  router.add(Method::kPost, "/api/metadata/taskdefs", named("create"));

  const Response unknown = call(router, Method::kGet, "/api/metadata/nothing");
  CHECK(unknown.status == 404);
  CHECK(unknown.content_type == kJsonContentType);
  CHECK(body_of(unknown).at("status") == 404);
  CHECK(text(body_of(unknown).at("message")).find("/api/metadata/nothing") != std::string::npos);

  CHECK(call(router, Method::kGet, "/api/metadata/taskdefs/").status == 404);  // no trailing-slash tolerance
  CHECK(call(router, Method::kGet, "/api//metadata/taskdefs").status == 404);

  const Response wrong_method = call(router, Method::kDelete, "/api/metadata/taskdefs");
  CHECK(wrong_method.status == 405);
  CHECK(body_of(wrong_method).at("status") == 405);
  REQUIRE(wrong_method.headers.size() == 1);
  CHECK(wrong_method.headers[0].first == "Allow");
  CHECK(wrong_method.headers[0].second == "GET, POST");
}

TEST_CASE("router: malformed or duplicate patterns are rejected when added", "[http]") {
  Router router;
  router.add(Method::kGet, "/api/workflow/{id}", named("a"));
  CHECK_THROWS_AS(router.add(Method::kGet, "/api/workflow/{other}", named("b")), std::invalid_argument);
  CHECK_THROWS_AS(router.add(Method::kGet, "api/workflow", named("b")), std::invalid_argument);
  CHECK_THROWS_AS(router.add(Method::kGet, "/api/x{id}", named("b")), std::invalid_argument);
  CHECK_THROWS_AS(router.add(Method::kGet, "/api/{}", named("b")), std::invalid_argument);
  CHECK_THROWS_AS(router.add(Method::kGet, "/api/{id}/{id}", named("b")), std::invalid_argument);
  CHECK_THROWS_AS(router.add(Method::kOther, "/api/x", named("b")), std::invalid_argument);
  router.add(Method::kPut, "/api/workflow/{id}", named("same path, other method"));
  CHECK(router.size() == 2);
}

namespace {

struct Counter {
  int calls = 0;
};

Response count_call(Counter& counter, const Request& request) {
  ++counter.calls;
  return Response::text(request.path_param("id"));
}

}  // namespace

TEST_CASE("router: a route table binds plain handler functions to a shared context", "[http]") {
  Counter counter;
  Router router;
  router.add(counter, {
                          {Method::kGet, "/api/count/{id}", count_call},
                          {Method::kPost, "/api/count/{id}", count_call},
                      });
  const Response response = call(router, Method::kGet, "/api/count/7");
  CHECK(response.status == 200);
  CHECK(response.content_type == kTextContentType);
  CHECK(response.body == "7");
  call(router, Method::kPost, "/api/count/8");
  CHECK(counter.calls == 2);
}

TEST_CASE("request: query parameters are decoded, repeated and defaulted", "[http]") {
  const Request request(Method::kGet, "/api/workflow/search?freeText=a%20b+c&sort=&id=1&id=2&flag&q=x%3D1%26y");
  CHECK(request.query("freeText") == "a b c");
  CHECK(request.query("sort") == "");
  CHECK(request.query("flag") == "");
  CHECK(request.query("q") == "x=1&y");
  CHECK_FALSE(request.query("missing").has_value());
  CHECK(request.query("missing", "*") == "*");
  CHECK(request.query_all("id") == std::vector<std::string>{"1", "2"});
  CHECK(request.query("id") == "1");
  // An empty value is "not given" for typed parameters, as Spring converts it to null.
  CHECK_FALSE(request.query_int("sort").has_value());
  CHECK(request.query_int("sort", 100) == 100);
  CHECK(request.query_int("id") == 1);
  CHECK(request.segments() == std::vector<std::string>{"api", "workflow", "search"});
  CHECK(request.path() == "/api/workflow/search");
}

TEST_CASE("request: integers and booleans parse strictly", "[http]") {
  const Request request(Method::kGet,
                        "/x?version=3&neg=-2&plus=%2B5&big=4294967296&yes=TRUE&no=off&one=1&word=maybe&num=12a");
  CHECK(request.query_int("version") == 3);
  CHECK(request.query_int("neg") == -2);
  CHECK(request.query_int("plus") == 5);
  CHECK(request.query_long("big") == 4294967296LL);
  CHECK(request.query_long("missing", 42) == 42);
  CHECK(request.query_bool("yes") == true);
  CHECK(request.query_bool("no") == false);
  CHECK(request.query_bool("one") == true);
  CHECK(request.query_bool("missing", true) == true);
  CHECK_THROWS_AS(request.query_int("big"), ValidationError);
  CHECK_THROWS_AS(request.query_int("num"), ValidationError);
  CHECK_THROWS_AS(request.query_bool("word"), ValidationError);
  CHECK_THROWS_AS(request.required_query("missing"), ValidationError);
  CHECK(request.required_query("version") == "3");
}

TEST_CASE("request: a mistyped or missing parameter answers 400 naming it", "[http]") {
  const Response mistyped = run("/run?version=abc", [](const Request& request) { (void)request.query_int("version"); });
  CHECK(mistyped.status == 400);
  const Json body = body_of(mistyped);
  CHECK(body.at("status") == 400);
  CHECK(text(body.at("message")).find("'version'") != std::string::npos);
  REQUIRE(body.at("validationErrors").as_array().size() == 1);
  CHECK(body.at("validationErrors").at(0).at("path") == "version");
  CHECK(body.at("validationErrors").at(0).at("invalidValue") == "abc");

  const Response bad_bool = run("/run?includeTasks=yes please", [](const Request& request) {
    (void)request.query_bool("includeTasks");
  });
  CHECK(bad_bool.status == 400);

  const Response missing = run("/run", [](const Request& request) { (void)request.required_query("workerid"); });
  CHECK(missing.status == 400);
  CHECK(body_of(missing).at("validationErrors").at(0).at("path") == "workerid");
}

TEST_CASE("request: a malformed or missing JSON body answers 400", "[http]") {
  const auto parse = [](const Request& request) { (void)request.json(); };
  const Response malformed = run("/run", parse, "{\"name\": ");
  CHECK(malformed.status == 400);
  CHECK(text(body_of(malformed).at("message")).starts_with("Invalid JSON"));
  CHECK(run("/run", parse, "").status == 400);
  CHECK(run("/run", parse, "[1, 2]").status == 200);

  const Request request(Method::kPost, "/x", "{\"a\": [1]}");
  CHECK(request.json().at("a").at(0) == 1);
}

TEST_CASE("request: headers are found case-insensitively and bad targets are rejected", "[http]") {
  const Request request(Method::kGet, "/x", "", {{"Content-Type", "application/json"}, {"X-Authorization", "t"}});
  CHECK(request.header("content-type") == "application/json");
  CHECK(request.header("x-authorization") == "t");
  CHECK_FALSE(request.header("authorization").has_value());
  CHECK_THROWS_AS(Request(Method::kGet, "/api/%zz"), ValidationError);
  CHECK_THROWS_AS(Request(Method::kGet, "/api/x?q=%4"), ValidationError);
  CHECK_THROWS_AS(Request(Method::kGet, "http://host/api"), ValidationError);
  CHECK(parse_method("PATCH") == Method::kPatch);
  CHECK(parse_method("get") == Method::kOther);
}

TEST_CASE("error mapping: each exception type has its status and Conductor's body", "[http]") {
  SECTION("validation with violations: 400, validationErrors, no instance") {
    const Response response = thrown(ValidationError(
        "Validation failed", {{"registerTaskDef.taskDefinitions[0].name", "TaskDef name cannot be null or empty", ""},
                              {"registerTaskDef.taskDefinitions[0].retryCount", "must be >= 0", "-1"}}));
    CHECK(response.status == 400);
    CHECK(response.content_type == kJsonContentType);
    const Json body = body_of(response);
    CHECK(body.at("status") == 400);
    CHECK(body.at("message") == "Validation failed");
    CHECK(body.at("retryable") == false);
    CHECK_FALSE(body.as_object().contains("instance"));
    const auto& violations = body.at("validationErrors").as_array();
    REQUIRE(violations.size() == 2);
    CHECK(violations[0].at("path") == "registerTaskDef.taskDefinitions[0].name");
    CHECK_FALSE(violations[0].as_object().contains("invalidValue"));
    CHECK(violations[1].at("message") == "must be >= 0");
    CHECK(violations[1].at("invalidValue") == "-1");
  }
  SECTION("validation without violations: 400 with instance, like IllegalArgumentException") {
    const Json body = body_of(thrown(ValidationError("timeout must be <= 5000")));
    CHECK(body.at("status") == 400);
    CHECK(body.as_object().contains("instance"));
    CHECK_FALSE(body.as_object().contains("validationErrors"));
  }
  SECTION("not found, conflict, unavailable, storage, internal") {
    struct Case {
      Response response;
      int status;
      bool retryable;
      std::string message;
    };
    const Case cases[] = {
        {thrown(NotFoundError("No such workflow found by id: w1")), 404, false, "No such workflow found by id: w1"},
        {thrown(ConflictError("Workflow with f.1 already exists!")), 409, false, "Workflow with f.1 already exists!"},
        {thrown(UnavailableError("database is locked")), 503, true, "database is locked"},
        {thrown(StorageError("disk full")), 500, false, "disk full"},
        {thrown(Error(ErrorCode::kInternal, "broken invariant")), 500, false, "broken invariant"},
        {thrown(std::runtime_error("plain std exception")), 500, false, "plain std exception"},
        {thrown(42), 500, false, "unknown error"},
    };
    for (const Case& c : cases) {
      INFO(c.message);
      CHECK(c.response.status == c.status);
      const Json body = body_of(c.response);
      CHECK(body.at("status") == c.status);
      CHECK(text(body.at("message")) == c.message);
      CHECK(body.at("retryable") == c.retryable);
      CHECK_FALSE(text(body.at("instance")).empty());
    }
  }
  SECTION("the status table") {
    CHECK(status_for(ErrorCode::kValidation) == 400);
    CHECK(status_for(ErrorCode::kNotFound) == 404);
    CHECK(status_for(ErrorCode::kConflict) == 409);
    CHECK(status_for(ErrorCode::kUnavailable) == 503);
    CHECK(status_for(ErrorCode::kStorage) == 500);
    CHECK(status_for(ErrorCode::kInternal) == 500);
  }
}

TEST_CASE("gateway: health is built in and /api/token exists only with auth", "[http]") {
  SECTION("without a token") {
    const Gateway gateway(Router(), std::nullopt);
    for (const char* path : {"/health", "/api/health"}) {
      const Response health = gateway.serve(Method::kGet, path, "", {});
      CHECK(health.status == 200);
      CHECK(body_of(health) == boost::json::parse(R"({"healthy": true, "indicators": []})"));
    }
    CHECK(gateway.serve(Method::kPost, "/api/token", R"({"keyId":"k","keySecret":"s"})", {}).status == 404);
    CHECK(gateway.serve(Method::kGet, "/api/%zz", "", {}).status == 400);
  }
  SECTION("with a token") {
    Router router;
    router.add(Method::kGet, "/api/thing", named("thing"));
    const Gateway gateway(std::move(router), std::string("s3cret"));
    CHECK(gateway.serve(Method::kGet, "/health", "", {}).status == 200);
    const Response denied = gateway.serve(Method::kGet, "/api/thing", "", {});
    CHECK(denied.status == 401);
    CHECK(body_of(denied).at("status") == 401);
    CHECK(gateway.serve(Method::kGet, "/api/thing", "", {{"Authorization", "Bearer wrong"}}).status == 401);
    CHECK(gateway.serve(Method::kGet, "/api/thing", "", {{"Authorization", "Bearer s3cret"}}).status == 200);
    CHECK(gateway.serve(Method::kGet, "/api/thing", "", {{"X-Authorization", "s3cret"}}).status == 200);

    const Response token = gateway.serve(Method::kPost, "/api/token", R"({"keyId":"k","keySecret":"s3cret"})", {});
    CHECK(token.status == 200);
    CHECK(body_of(token).at("token") == "s3cret");
    CHECK(gateway.serve(Method::kPost, "/api/token", R"({"keyId":"k","keySecret":"nope"})", {}).status == 401);
  }
  SECTION("a router that already serves health cannot be used") {
    Router router;
    router.add(Method::kGet, "/health", named("mine"));
    CHECK_THROWS_AS(Gateway(std::move(router), std::nullopt), std::invalid_argument);
  }
}

TEST_CASE("error mapping: every error body is valid JSON, whatever bytes the message quotes", "[http]") {
  SECTION("a raw byte that is not UTF-8 in an unknown path") {
    Router router;
    const Response response = call(router, Method::kGet, "/api/\xFF\xC0\x80x");
    CHECK(response.status == 404);
    CHECK(text(body_of(response).at("message")) ==
          "No handler found for GET /api/\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");
  }
  SECTION("sequences cut short, surrogates and code points past U+10FFFF are replaced, good ones kept") {
    const Response response =
        thrown(NotFoundError("\xE2\x82 \xED\xA0\x80 \xF4\x90\x80\x80 \xE2\x82\xAC \xF0\x9F\x98\x80"));
    const std::string replaced = "\xEF\xBF\xBD";
    CHECK(text(body_of(response).at("message")) == replaced + replaced + " " + replaced + replaced + replaced + " " +
                                                        replaced + replaced + replaced + replaced +
                                                        " \xE2\x82\xAC \xF0\x9F\x98\x80");
  }
  SECTION("a NUL byte does not end the message") {
    const std::string id("a\0b", 3);
    const Response response = thrown(NotFoundError("No such task found by id: " + id));
    CHECK(text(body_of(response).at("message")) == "No such task found by id: " + id);
    const Response violation = thrown(ValidationError("bad " + id, {{"path", "message", "\xFF" + id}}));
    const Json body = body_of(violation);
    CHECK(text(body.at("message")) == "bad " + id);
    CHECK(text(body.at("validationErrors").at(0).at("invalidValue")) == "\xEF\xBF\xBD" + id);
  }
}
