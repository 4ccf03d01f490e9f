// The HTTP system task against loopback servers the tests start: the engine runs in the background
// with the system clock, as a host runs it, and each test waits for the state it expects.
#include "engine_fixture.hpp"
#include "loopback_server.hpp"

#include <boost/json/parse.hpp>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <unistd.h>

using namespace conductor;

namespace {

// Wakes waiters on every committed task or workflow transition.
class Transitions : public StatusListener {
 public:
  void on_workflow(WorkflowEvent, const Workflow&) override { notify(); }
  void on_task(const Task&) override { notify(); }
  template <class Pred>
  bool wait(Pred done) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), done);
  }

 private:
  void notify() {
    { std::lock_guard lock(mutex_); }
    changed_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable changed_;
};

struct HttpFixture {
  std::shared_ptr<Transitions> transitions = std::make_shared<Transitions>();
  Engine engine;
  LoopbackServer server;

  explicit HttpFixture(std::size_t max_calls = 64)
      : engine(EngineOptions{.max_http_calls_in_flight = max_calls}) {
    engine.executor().add_listener(transitions);
  }

  // A workflow of one HTTP task named `call` with the node's inputParameters `input`.
  void workflow(const std::string& name, const std::string& input) {
    engine.metadata().register_workflow_def(decode<WorkflowDef>(
        R"({"name": ")" + name + R"(", "workflowStatusListenerEnabled": true, "tasks": [{"name": ")" + name +
        R"(_call", "taskReferenceName": "call", "type": "HTTP", "inputParameters": )" + input + "}]}"));
  }
  std::string start(const std::string& name, JsonObject input = {}) {
    return engine.executor().start_workflow({.name = name, .input = std::move(input)});
  }
  Workflow wait_until(const std::string& id, std::function<bool(const Workflow&)> done) {
    Workflow wf;
    bool reached = transitions->wait([&] {
      wf = engine.executor().get_workflow(id);
      return done(wf);
    });
    REQUIRE(reached);
    return wf;
  }
  Workflow wait_ended(const std::string& id) {
    return wait_until(id, [](const Workflow& wf) { return is_terminal(wf.status); });
  }
};

const Task& call_task(const Workflow& wf) {
  REQUIRE(!wf.tasks.empty());
  return wf.tasks.back();
}

const JsonObject& response_of(const Task& task) { return task.output_data.at("response").as_object(); }

}  // namespace

TEST_CASE("HTTP task: a GET answered with JSON completes with the parsed body", "[http_task]") {
  HttpFixture f;
  f.server.route("/greeting", {.body = R"({"message": "hello", "count": 3})", .headers = {{"X-Sample", "abc"}}});
  f.workflow("get_json", R"({"http_request": {"uri": "${workflow.input.url}", "method": "GET"}})");
  auto wf = f.wait_ended(f.start("get_json", {{"url", f.server.url("/greeting")}}));
  REQUIRE(wf.status == WorkflowStatus::kCompleted);
  const Task& call = call_task(wf);
  CHECK(call.task_type == "HTTP");
  CHECK(call.status == TaskStatus::kCompleted);
  const auto& response = response_of(call);
  CHECK(response.at("statusCode") == 200);
  CHECK(response.at("reasonPhrase") == "OK");
  CHECK(response.at("body") == boost::json::parse(R"({"message": "hello", "count": 3})"));
  CHECK(response.at("headers").at("X-Sample") == boost::json::parse(R"(["abc"])"));
  auto seen = f.server.requests("/greeting");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].headers["accept"] == "application/json");
}

TEST_CASE("HTTP task: the flat input form posts its body and headers, and a text answer stays text", "[http_task]") {
  HttpFixture f;
  f.server.route("/echo", {.content_type = "text/plain", .body = "plain words"});
  f.workflow("post_flat", R"({"uri": "${workflow.input.url}", "method": "POST", "body": {"a": [1, 2]},
                              "headers": {"X-Token": "t-1"}, "accept": ["text/plain", "application/json"],
                              "contentType": "application/json; charset=utf-8"})");
  auto wf = f.wait_ended(f.start("post_flat", {{"url", f.server.url("/echo")}}));
  REQUIRE(wf.status == WorkflowStatus::kCompleted);
  CHECK(response_of(call_task(wf)).at("body") == "plain words");
  auto seen = f.server.requests("/echo");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(boost::json::parse(seen[0].body) == boost::json::parse(R"({"a": [1, 2]})"));
  CHECK(seen[0].headers["x-token"] == "t-1");
  CHECK(seen[0].headers["content-type"] == "application/json; charset=utf-8");
  CHECK(seen[0].headers["accept"] == "text/plain, application/json");
}

TEST_CASE("HTTP task: a 4xx answer fails the task with a reason", "[http_task]") {
  HttpFixture f;
  f.server.route("/missing", {.status = 404, .content_type = "text/plain", .body = "nothing here"});
  f.workflow("get_404", R"({"http_request": {"uri": "${workflow.input.url}", "method": "GET"}})");
  auto wf = f.wait_ended(f.start("get_404", {{"url", f.server.url("/missing")}}));
  CHECK(wf.status == WorkflowStatus::kFailed);
  const Task& call = call_task(wf);
  CHECK(call.status == TaskStatus::kFailed);
  CHECK(call.reason_for_incompletion == "404 Not Found: nothing here");
  CHECK(response_of(call).at("statusCode") == 404);
  CHECK(wf.tasks.size() == 1);  // no TaskDef: no retry
}

TEST_CASE("HTTP task: bytes from the server that are not UTF-8 are stored as U+FFFD", "[http_task]") {
  HttpFixture f;
  // Latin-1 text and header, and a reason cut at 200 bytes in the middle of a two-byte character.
  f.server.route("/latin1", {.content_type = "text/plain; charset=iso-8859-1", .body = "caf\xE9",
                             .headers = {{"X-Name", "Jos\xE9"}}});
  f.server.route("/cut", {.status = 400, .content_type = "text/plain", .body = std::string(199, 'x') + "\xC3\xA9!"});
  f.workflow("latin1", R"({"http_request": {"uri": "${workflow.input.url}", "method": "GET"}})");
  auto wf = f.wait_ended(f.start("latin1", {{"url", f.server.url("/latin1")}}));
  REQUIRE(wf.status == WorkflowStatus::kCompleted);
  CHECK(response_of(call_task(wf)).at("body") == "caf\xEF\xBF\xBD");
  CHECK(response_of(call_task(wf)).at("headers").at("X-Name").at(0) == "Jos\xEF\xBF\xBD");
  auto cut = f.wait_ended(f.start("latin1", {{"url", f.server.url("/cut")}}));
  CHECK(cut.status == WorkflowStatus::kFailed);
  CHECK(call_task(cut).reason_for_incompletion == "400 Bad Request: " + std::string(199, 'x') + "\xEF\xBF\xBD...");
}

TEST_CASE("HTTP task: a 5xx answer is retried under the TaskDef's retry count", "[http_task]") {
  HttpFixture f;
  f.server.route_by_hit("/flaky", [](int hit) {
    return hit == 1 ? LoopbackServer::Answer{.status = 503, .body = R"({"error": "busy"})"}
                    : LoopbackServer::Answer{.body = R"({"ok": true})"};
  });
  f.engine.metadata().register_task_defs(
      {decode<TaskDef>(R"({"name": "retry_5xx_call", "retryCount": 2, "retryDelaySeconds": 0})")});
  f.workflow("retry_5xx", R"({"http_request": {"uri": "${workflow.input.url}", "method": "GET"}})");
  auto wf = f.wait_ended(f.start("retry_5xx", {{"url", f.server.url("/flaky")}}));
  REQUIRE(wf.status == WorkflowStatus::kCompleted);
  REQUIRE(wf.tasks.size() == 2);
  CHECK(wf.tasks[0].status == TaskStatus::kFailed);
  CHECK(wf.tasks[0].reason_for_incompletion->starts_with("503 Service Unavailable"));
  CHECK(wf.tasks[1].status == TaskStatus::kCompleted);
  CHECK(wf.tasks[1].retry_count == 1);
  CHECK(f.server.requests("/flaky").size() == 2);
}

TEST_CASE("HTTP task: transport errors and bad input fail the task with a reason", "[http_task]") {
  HttpFixture f;
  f.workflow("broken", R"({"http_request": "${workflow.input.request}"})");
  auto fails_with = [&](const std::string& request_json, const std::string& reason_part) {
    auto request = boost::json::parse(request_json).as_object();
    auto wf = f.wait_ended(f.start("broken", {{"request", request}}));
    CHECK(wf.status == WorkflowStatus::kFailed);
    const auto& reason = call_task(wf).reason_for_incompletion.value_or("");
    INFO(reason);
    CHECK(reason.find(reason_part) != std::string::npos);
  };
  SECTION("connection refused") {
    unsigned short closed_port = 0;
    {
      // A port that was free a moment ago and has no listener now.
      boost::asio::io_context io;
      boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
      closed_port = probe.local_endpoint().port();
    }
    fails_with(R"({"uri": "http://127.0.0.1:)" + std::to_string(closed_port) + R"(/x", "method": "GET"})",
               "Failed to invoke HTTP task due to: connecting failed");
  }
  SECTION("read timeout") {
    f.server.route("/never", {.held = true});
    fails_with(R"({"uri": ")" + f.server.url("/never") + R"(", "method": "GET", "readTimeOut": 50})",
               "timed out after 50 ms reading the response");
  }
  SECTION("https against a plain HTTP server fails its TLS handshake") {
    f.server.route("/plain", {.body = "{}"});
    fails_with(R"({"uri": "https://127.0.0.1:)" + std::to_string(f.server.port()) + R"(/plain", "method": "GET"})",
               "the TLS handshake failed");
  }
  SECTION("missing uri") { fails_with(R"({"method": "GET"})", "Missing HTTP URI"); }
  SECTION("missing method") { fails_with(R"({"uri": "http://127.0.0.1:1/"})", "No HTTP method specified"); }
  SECTION("unsupported scheme") { fails_with(R"({"uri": "ftp://example.org/", "method": "GET"})", "unsupported URI scheme"); }
  SECTION("bad timeout") {
    fails_with(R"({"uri": "http://127.0.0.1:1/", "method": "GET", "connectionTimeOut": "soon"})",
               "'connectionTimeOut' must be a positive number of milliseconds");
  }
}

TEST_CASE("HTTP task: a slow endpoint does not hold up another workflow", "[http_task]") {
  HttpFixture f;
  f.server.route("/slow", {.body = R"({"late": true})", .held = true});
  f.server.route("/fast", {.body = R"({"early": true})"});
  f.workflow("one_call", R"({"http_request": {"uri": "${workflow.input.url}", "method": "GET"}})");
  auto slow = f.start("one_call", {{"url", f.server.url("/slow")}});
  f.server.wait_for_requests("/slow", 1);
  auto fast = f.start("one_call", {{"url", f.server.url("/fast")}});
  CHECK(f.wait_ended(fast).status == WorkflowStatus::kCompleted);
  // The slow call is still waiting for its answer, which comes only now.
  auto still = f.engine.executor().get_workflow(slow);
  CHECK(still.status == WorkflowStatus::kRunning);
  CHECK(call_task(still).status == TaskStatus::kInProgress);
  f.server.release();
  auto done = f.wait_ended(slow);
  CHECK(done.status == WorkflowStatus::kCompleted);
  CHECK(response_of(call_task(done)).at("body") == boost::json::parse(R"({"late": true})"));
}

TEST_CASE("HTTP task: calls in flight are bounded by the engine option", "[http_task]") {
  HttpFixture f(1);
  f.server.route("/held", {.body = "{}", .held = true});
  f.workflow("bounded", R"({"http_request": {"uri": "${workflow.input.url}", "method": "GET"}})");
  auto first = f.start("bounded", {{"url", f.server.url("/held")}});
  f.server.wait_for_requests("/held", 1);
  auto second = f.start("bounded", {{"url", f.server.url("/held")}});
  f.engine.run_due();  // a sweep with no free slot leaves the second task in its queue
  CHECK(call_task(f.engine.executor().get_workflow(second)).status == TaskStatus::kScheduled);
  f.server.release();
  CHECK(f.wait_ended(first).status == WorkflowStatus::kCompleted);
  CHECK(f.wait_ended(second).status == WorkflowStatus::kCompleted);
  CHECK(f.server.requests("/held").size() == 2);
}

TEST_CASE("HTTP task: a call lost with its process is made again after its timeout", "[http_task]") {
  auto path = (std::filesystem::temp_directory_path() / ("http-lost-" + std::to_string(::getpid()) + ".db")).string();
  for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  LoopbackServer server;
  server.route_by_hit("/once", [](int hit) {
    return LoopbackServer::Answer{.body = R"({"hit": )" + std::to_string(hit) + "}", .held = hit == 1};
  });
  const std::string def = R"({"name": "lost_call", "workflowStatusListenerEnabled": true, "tasks": [{"name": "lost", "taskReferenceName": "call", "type": "HTTP",
      "inputParameters": {"http_request": {"uri": ")" + server.url("/once") + R"(", "method": "GET"}}}]})";
  std::string id;
  EpochMillis now = 0;
  {
    EngineFixture first(open_sqlite({.path = path}));
    first.workflow_def(def);
    id = first.start("lost_call");
    first.engine.run_due();
    server.wait_for_requests("/once", 1);
    now = first.clock->now_ms();
  }  // the process "dies" with the call in flight
  EngineFixture second(open_sqlite({.path = path}));
  auto transitions = std::make_shared<Transitions>();
  second.engine.executor().add_listener(transitions);
  second.clock->set_ms(now);
  second.engine.run_due();
  CHECK(server.requests("/once").size() == 1);  // not yet: the call's timeouts have not passed
  second.clock->advance_seconds(3 + 3 + 5);  // connect + read timeouts + the redelivery margin
  second.engine.run_due();
  Workflow wf;
  REQUIRE(transitions->wait([&] { return is_terminal((wf = second.workflow(id)).status); }));
  CHECK(wf.status == WorkflowStatus::kCompleted);
  CHECK(response_of(call_task(wf)).at("body") == boost::json::parse(R"({"hit": 2})"));
  server.release();
}
