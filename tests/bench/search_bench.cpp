#include <conductor/storage/sqlite.hpp>
#include <conductor/storage/storage.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench.hpp"

namespace conductor::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kWorkflows = 100'000;
constexpr int kPerCommit = 1000;
constexpr int kTypes = 10;       ///< each type holds a tenth of the workflows
constexpr int kCustomers = 100;  ///< each customer name is in the input of a hundredth
constexpr int kQueryRuns = 21;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

WorkflowSummary summary(int i) {
  WorkflowSummary s;
  s.workflow_id = fmt::format("{:08x}-5b0c-4f7e-9a1d-{:012x}", i, i * 7919);
  s.workflow_type = fmt::format("order_flow_{}", i % kTypes);
  s.version = 1;
  s.correlation_id = fmt::format("order-{}", i);
  s.start_time = 1'700'000'000'000 + std::int64_t{i} * 1000;
  s.update_time = s.start_time + 500;
  bool done = i % 4 != 0;
  s.status = done ? WorkflowStatus::kCompleted : WorkflowStatus::kRunning;
  s.input = fmt::format(R"({{"customer":"customer{} surname{}","order":{},"url":"s3://bucket/in/{}.mov"}})",
                        i % kCustomers, i % 37, i, i);
  s.output = done ? fmt::format(R"({{"location":"s3://bucket/out/{}.mp4","frames":{}}})", i, i % 5000) : "{}";
  if (done) s.end_time = s.update_time;
  return s;
}

/// The median time of `kQueryRuns` runs of `query`, which must find `expected` workflows.
double median_ms(Storage& storage, const SearchQuery& query, std::int64_t expected) {
  std::vector<double> times;
  for (int run = 0; run < kQueryRuns; ++run) {
    Clock::time_point start = Clock::now();
    auto tx = storage.begin(TransactionMode::kRead);
    SearchResult<WorkflowSummary> result = tx->index().search_workflows(query);
    times.push_back(ms_since(start));
    if (result.total_hits != expected || result.results.size() != static_cast<std::size_t>(query.size)) {
      throw std::runtime_error(fmt::format("search '{}' found {} workflows, expected {}", query.free_text,
                                           result.total_hits, expected));
    }
  }
  std::nth_element(times.begin(), times.begin() + kQueryRuns / 2, times.end());
  return times[kQueryRuns / 2];
}

}  // namespace

Figures run_search(const std::filesystem::path& dir) {
  std::unique_ptr<Storage> storage = open_sqlite(SqliteOptions{(dir / "search.db").string(), SqliteSync::kNormal});
  Figures figures;

  Clock::time_point start = Clock::now();
  for (int first = 0; first < kWorkflows; first += kPerCommit) {
    auto tx = storage->begin();
    for (int i = first; i < first + kPerCommit; ++i) tx->index().index_workflow(summary(i));
    tx->commit();
    // The free text of the batch indexed as the engine's sweeper would, in a transaction of its own.
    auto flush = storage->begin();
    flush->index().flush_free_text();
    flush->commit();
  }
  figures.push_back({"search_index_insert_us", ms_since(start) * 1000 / kWorkflows, "us"});

  // What the engine does most: the summary rewritten with a new update time, nothing indexed changed.
  start = Clock::now();
  for (int first = 0; first < kWorkflows; first += kPerCommit) {
    auto tx = storage->begin();
    for (int i = first; i < first + kPerCommit; ++i) {
      WorkflowSummary s = summary(i);
      s.update_time += 1000;
      tx->index().index_workflow(s);
    }
    tx->commit();
    auto flush = storage->begin();
    flush->index().flush_free_text();
    flush->commit();
  }
  figures.push_back({"search_index_update_us", ms_since(start) * 1000 / kWorkflows, "us"});

  // One customer's workflows, newest first: a page of 100 out of 1,000 words found in the input.
  SearchQuery free_text;
  free_text.free_text = "customer42";
  free_text.sort = {"startTime:DESC"};
  figures.push_back({"search_freetext_100k_ms", median_ms(*storage, free_text, kWorkflows / kCustomers), "ms"});

  // One type's workflows, newest first: a page of 100 out of 10,000.
  SearchQuery field;
  field.free_text = "workflowType:\"order_flow_3\"";
  field.sort = {"startTime:DESC"};
  figures.push_back({"search_field_value_100k_ms", median_ms(*storage, field, kWorkflows / kTypes), "ms"});

  // Both at once, and a phrase: the customer's completed workflows of one type.
  SearchQuery combined;
  combined.free_text = "\"customer42 surname5\" AND workflowType:order_flow_2 AND status:COMPLETED";
  combined.size = 0;
  std::int64_t expected = 0;
  for (int i = 0; i < kWorkflows; ++i) {
    WorkflowSummary s = summary(i);
    expected += i % kCustomers == 42 && i % 37 == 5 && i % kTypes == 2 && s.status == WorkflowStatus::kCompleted;
  }
  figures.push_back({"search_combined_100k_ms", median_ms(*storage, combined, expected), "ms"});
  return figures;
}

}  // namespace conductor::bench
