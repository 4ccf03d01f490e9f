#pragma once

// The REST routes over a real Engine on in-memory SQLite, driven through the router with Request
// values (no sockets).
#include "http/router.hpp"
#include "http/routes.hpp"
#include "scenario/engine_fixture.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <string_view>

using namespace conductor;
using namespace conductor::http;

/// An engine with a manual clock and its full routing table.
struct Api {
  EngineFixture f;
  Router router = make_router(f.engine);

  Api() = default;
  explicit Api(const std::function<void(conductor::EngineOptions&)>& configure) : f(configure) {}

  /// A long poll is answered as if its time were up: this router runs no transport to park it.
  Response call(Method method, std::string_view target, std::string body = {}) const {
    Response response = router.dispatch(Request(method, target, std::move(body)));
    if (response.pending) return *response.pending->attempt([] {}, true);
    return response;
  }
  Response get(std::string_view target) const { return call(Method::kGet, target); }
  Response post(std::string_view target, std::string body = {}) const {
    return call(Method::kPost, target, std::move(body));
  }
  Response put(std::string_view target, std::string body = {}) const {
    return call(Method::kPut, target, std::move(body));
  }
  Response del(std::string_view target) const { return call(Method::kDelete, target); }

  /// Registers a two-task workflow `name` (tasks `a` then `b`).
  void two_tasks(const std::string& name, int version = 1) const {
    const Response r = post("/api/metadata/workflow", R"({"name": ")" + name + R"(", "version": )" +
                                                          std::to_string(version) +
                                                          R"(, "tasks": [
        {"name": "task_a", "taskReferenceName": "a"}, {"name": "task_b", "taskReferenceName": "b"}]})");
    REQUIRE(r.status == 200);
  }
  std::string start(const std::string& name, const std::string& query = "", std::string input = "{}") const {
    const Response r = post("/api/workflow/" + name + query, std::move(input));
    REQUIRE(r.status == 200);
    REQUIRE(r.content_type == kTextContentType);
    return r.body;
  }
  /// Polls one task of `type` without waiting.
  Json poll(const std::string& type) const {
    const Json tasks = json(get("/api/tasks/poll/batch/" + type + "?timeout=0&workerid=w1"));
    REQUIRE(tasks.as_array().size() == 1);
    return tasks.at(0);
  }

  static Json json(const Response& response) {
    INFO(response.body);
    REQUIRE(response.content_type == kJsonContentType);
    return boost::json::parse(response.body);
  }
};

