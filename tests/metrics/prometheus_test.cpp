#include "http/router.hpp"
#include "http/routes.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/prometheus_metrics.hpp>
#include <conductor/storage/sqlite.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using namespace conductor;
using namespace conductor::http;

namespace {

// A strict reader of Prometheus' text format (version 0.0.4): every line is a HELP or TYPE comment or
// a sample `name{label="value",...} number`, every sample belongs to a family whose TYPE came first.
// Returns each sample's value by its series (`name{labels}`); fails the test on any other line.
std::map<std::string, double> parse_exposition(const std::string& text) {
  static const std::regex help(R"(# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? ([-+]?(?:[0-9.e+-]+|Inf|NaN)))");
  std::map<std::string, double> values;
  std::set<std::string> families;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    INFO(line);
    std::smatch m;
    if (line.empty() || std::regex_match(line, help)) continue;
    if (std::regex_match(line, m, type)) {
      families.insert(m[1]);
      continue;
    }
    REQUIRE(std::regex_match(line, m, sample));
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (!families.contains(family) && family.ends_with(suffix)) family.resize(family.size() - std::strlen(suffix));
    }
    CHECK(families.contains(family));
    values[std::string(m[1]) + std::string(m[2])] = std::stod(m[4]);
  }
  return values;
}

}  // namespace

TEST_CASE("prometheus: GET /metrics is Prometheus text whose counts follow the work done", "[metrics]") {
  auto metrics = std::make_shared<PrometheusMetrics>();
  Engine engine({.storage = open_sqlite({.metrics = metrics}), .background = false, .metrics = metrics});
  Router router = make_router(engine);
  add_metrics_route(router, [metrics] { return metrics->text(); });
  auto scrape = [&] {
    Response response = router.dispatch(Request(Method::kGet, "/metrics"));
    REQUIRE(response.status == 200);
    CHECK(response.content_type.starts_with("text/plain; version=0.0.4"));
    return parse_exposition(response.body);
  };

  engine.metadata().register_task_defs({decode<TaskDef>(R"({"name": "work"})")});
  engine.metadata().register_workflow_def(decode<WorkflowDef>(
      R"({"name": "flow", "tasks": [{"name": "work", "taskReferenceName": "w"}]})"));
  auto before = scrape();
  CHECK_FALSE(before.contains(R"(conductor_workflow_started_total{workflowName="flow"})"));

  engine.executor().start_workflow({.name = "flow"});
  engine.run_due();
  auto started = scrape();
  CHECK(started[R"(conductor_workflow_started_total{workflowName="flow"})"] == 1);
  CHECK(started[R"(conductor_queue_depth{queueName="work"})"] == 1);
  CHECK(started["conductor_sweeper_rounds_total"] == 1);
  CHECK(started["conductor_storage_commit_batch_size_count"] >= 1);

  auto task = engine.queue().batch_poll("work", "w", std::nullopt, 1, std::chrono::milliseconds(0)).at(0);
  engine.queue().update_task({.workflow_instance_id = task.workflow_instance_id,
                              .task_id = task.task_id,
                              .status = TaskResultStatus::kCompleted});
  auto done = scrape();
  CHECK(done[R"(conductor_task_poll_total{taskType="work"})"] == 1);
  CHECK(done[R"(conductor_task_polled_total{taskType="work"})"] == 1);
  CHECK(done[R"(conductor_task_update_seconds_count{taskType="work"})"] == 1);
  CHECK(done[R"(conductor_task_finished_total{status="COMPLETED",taskType="work"})"] == 1);
  CHECK(done[R"(conductor_workflow_finished_total{status="COMPLETED",workflowName="flow"})"] == 1);
  CHECK(done[R"(conductor_workflow_decide_seconds_count{workflowName="flow"})"] == 2);
}
