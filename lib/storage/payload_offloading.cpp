#include "storage/payload_offloading.hpp"

#include <conductor/error.hpp>

#include "util/uuid.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace conductor::detail {
namespace {

/// What offloading needs from the engine's settings, shared by every transaction.
struct Offloader {
  std::shared_ptr<PayloadStorage> payloads;
  PayloadLimits limits;

  bool over_threshold(PayloadType type, std::size_t size) const {
    return static_cast<std::int64_t>(size) > limits.threshold_kb(type) * 1024;
  }

  /// Stores `json` as the `type` payload of row `owner` unless an identical one is stored already;
  /// returns its path.
  std::string store(std::string_view owner, PayloadType type, const std::string& json) const {
    std::string path = fmt::format("{}-{}-{}.json", owner, payload_type_prefix(type), name_uuid(json));
    if (!payloads->exists(path)) payloads->write(path, json);
    return path;
  }

  /// Moves `payload` out of the row when it is over the threshold.
  void offload(std::string_view owner, PayloadType type, JsonObject& payload, std::optional<std::string>& path) const {
    if (payload.empty()) return;
    std::string json = boost::json::serialize(payload);
    if (!over_threshold(type, json.size())) return;
    path = store(owner, type, json);
    payload = JsonObject();
  }

  /// The summary's payload text moved out likewise.
  void offload(std::string_view owner, PayloadType type, std::string& text, std::optional<std::string>& path) const {
    if (!over_threshold(type, text.size())) return;
    path = store(owner, type, text);
    text.clear();
  }

  /// Brings a payload the row keeps outside back into it.
  void restore(std::string_view owner, JsonObject& payload, std::optional<std::string>& path) const {
    if (!path || !payload.empty()) return;
    std::string text;
    try {
      text = payloads->read(*path);
    } catch (const NotFoundError&) {
      throw StorageError(fmt::format("The payload {} of {} is missing from the payload storage", *path, owner));
    }
    boost::system::error_code error;
    auto value = boost::json::parse(text, error);
    if (error || !value.is_object())
      throw StorageError(fmt::format("The payload {} of {} is not a JSON object", *path, owner));
    payload = std::move(value.as_object());
    path.reset();
  }

  /// Every row write asks this, so the payload is serialized into a small buffer and counted, never
  /// kept, and the count stops as soon as it passes the threshold.
  bool over(PayloadType type, const JsonObject& payload) const {
    if (payload.empty()) return false;
    boost::json::serializer serializer;
    serializer.reset(&payload);
    std::array<char, 4096> buffer;
    std::size_t size = 0;
    while (!serializer.done()) {
      size += serializer.read(buffer.data(), buffer.size()).size();
      if (over_threshold(type, size)) return true;
    }
    return false;
  }

  bool needs_offload(const Workflow& wf) const {
    return over(PayloadType::kWorkflowInput, wf.input) || over(PayloadType::kWorkflowOutput, wf.output);
  }
  bool needs_offload(const Task& task) const {
    return over(PayloadType::kTaskInput, task.input_data) || over(PayloadType::kTaskOutput, task.output_data);
  }

  void restore_row(Task& task) const {
    restore(task.task_id, task.input_data, task.external_input_payload_storage_path);
    restore(task.task_id, task.output_data, task.external_output_payload_storage_path);
  }

  void restore_row(Workflow& workflow) const {
    restore(workflow.workflow_id, workflow.input, workflow.external_input_payload_storage_path);
    restore(workflow.workflow_id, workflow.output, workflow.external_output_payload_storage_path);
    for (auto& task : workflow.tasks) restore_row(task);
  }

  template <class Row>
  void restore_rows(std::vector<Row>& rows) const {
    for (auto& row : rows) restore_row(row);
  }

  template <class Row>
  void restore_row(std::optional<Row>& row) const {
    if (row) restore_row(*row);
  }
};

/// Runs `write` on the row as it should be stored: a copy with its large payloads moved out, or the
/// row itself when it has none (the common case, which copies nothing).
template <class Write>
auto with_offloaded(const Offloader& offloader, const Workflow& wf, Write write) {
  if (!offloader.needs_offload(wf)) return write(wf);
  Workflow row = wf;
  row.tasks.clear();  // the store ignores them
  offloader.offload(row.workflow_id, PayloadType::kWorkflowInput, row.input, row.external_input_payload_storage_path);
  offloader.offload(row.workflow_id, PayloadType::kWorkflowOutput, row.output, row.external_output_payload_storage_path);
  return write(row);
}

template <class Write>
auto with_offloaded(const Offloader& offloader, const Task& task, Write write) {
  if (!offloader.needs_offload(task)) return write(task);
  Task row = task;
  offloader.offload(row.task_id, PayloadType::kTaskInput, row.input_data, row.external_input_payload_storage_path);
  offloader.offload(row.task_id, PayloadType::kTaskOutput, row.output_data, row.external_output_payload_storage_path);
  return write(row);
}

class OffloadingExecutionStore final : public ExecutionStore {
 public:
  OffloadingExecutionStore(ExecutionStore& inner, const Offloader& offloader) : inner_(inner), offloader_(offloader) {}

  std::int64_t insert_workflow(const Workflow& wf) override {
    return with_offloaded(offloader_, wf, [&](const Workflow& row) { return inner_.insert_workflow(row); });
  }
  void update_workflow(const Workflow& wf) override {
    with_offloaded(offloader_, wf, [&](const Workflow& row) { inner_.update_workflow(row); });
  }
  void update_workflow_if(const Workflow& wf, std::int64_t expected) override {
    with_offloaded(offloader_, wf, [&](const Workflow& row) { inner_.update_workflow_if(row, expected); });
  }
  void advance_version_if(std::string_view id, std::int64_t expected) override {
    inner_.advance_version_if(id, expected);
  }
  std::optional<std::int64_t> advance_version(std::string_view id) override { return inner_.advance_version(id); }
  std::optional<std::int64_t> workflow_version(std::string_view id) override { return inner_.workflow_version(id); }
  std::optional<Workflow> find_workflow(std::string_view id, bool include_tasks) override {
    auto wf = inner_.find_workflow(id, include_tasks);
    offloader_.restore_row(wf);
    return wf;
  }
  bool remove_workflow(std::string_view id) override { return inner_.remove_workflow(id); }
  std::vector<std::string> ended_workflow_ids(const EndedWorkflowQuery& query) override {
    return inner_.ended_workflow_ids(query);
  }
  std::vector<std::string> running_workflow_ids(std::string_view name, std::optional<int> version) override {
    return inner_.running_workflow_ids(name, version);
  }
  std::vector<Workflow> workflows_by_correlation_id(std::string_view name, std::string_view correlation_id,
                                                    bool include_closed) override {
    auto rows = inner_.workflows_by_correlation_id(name, correlation_id, include_closed);
    offloader_.restore_rows(rows);
    return rows;
  }
  std::optional<Workflow> find_workflow_by_idempotency_key(std::string_view name, std::string_view key) override {
    auto wf = inner_.find_workflow_by_idempotency_key(name, key);
    offloader_.restore_row(wf);
    return wf;
  }
  void insert_task(const Task& task) override {
    with_offloaded(offloader_, task, [&](const Task& row) { inner_.insert_task(row); });
  }
  void update_task(const Task& task) override {
    with_offloaded(offloader_, task, [&](const Task& row) { inner_.update_task(row); });
  }
  std::optional<std::int64_t> hand_out(const Task& task) override {
    return with_offloaded(offloader_, task, [&](const Task& row) { return inner_.hand_out(row); });
  }
  std::optional<Task> find_task(std::string_view id) override {
    auto task = inner_.find_task(id);
    offloader_.restore_row(task);
    return task;
  }
  bool remove_task(std::string_view id) override { return inner_.remove_task(id); }
  std::vector<Task> tasks_of(std::string_view workflow_id) override {
    auto rows = inner_.tasks_of(workflow_id);
    offloader_.restore_rows(rows);
    return rows;
  }
  std::vector<std::string> in_progress_task_ids(std::string_view name, int limit) override {
    return inner_.in_progress_task_ids(name, limit);
  }
  std::vector<Task> pending_tasks_of_type(std::string_view type) override {
    auto rows = inner_.pending_tasks_of_type(type);
    offloader_.restore_rows(rows);
    return rows;
  }
  void add_task_logs(const std::vector<TaskExecLog>& logs) override { inner_.add_task_logs(logs); }
  std::vector<TaskExecLog> task_logs(std::string_view id) override { return inner_.task_logs(id); }
  void put_poll_data(const PollData& data) override { inner_.put_poll_data(data); }
  std::optional<PollData> find_poll_data(std::string_view queue, std::optional<std::string_view> domain) override {
    return inner_.find_poll_data(queue, domain);
  }
  std::vector<PollData> poll_data(std::string_view queue) override { return inner_.poll_data(queue); }
  bool try_admit_rate(std::string_view key, std::int64_t now_ms, std::int64_t window_ms, int limit) override {
    return inner_.try_admit_rate(key, now_ms, window_ms, limit);
  }

 private:
  ExecutionStore& inner_;
  const Offloader& offloader_;
};

class OffloadingIndexStore final : public IndexStore {
 public:
  OffloadingIndexStore(IndexStore& inner, const Offloader& offloader) : inner_(inner), offloader_(offloader) {}

  void index_workflow(const WorkflowSummary& summary) override {
    if (!over(PayloadType::kWorkflowInput, summary.input) && !over(PayloadType::kWorkflowOutput, summary.output))
      return inner_.index_workflow(summary);
    WorkflowSummary row = summary;
    offloader_.offload(row.workflow_id, PayloadType::kWorkflowInput, row.input, row.external_input_payload_storage_path);
    offloader_.offload(row.workflow_id, PayloadType::kWorkflowOutput, row.output,
                       row.external_output_payload_storage_path);
    inner_.index_workflow(row);
  }
  void index_task(const TaskSummary& summary) override {
    if (!over(PayloadType::kTaskInput, summary.input) && !over(PayloadType::kTaskOutput, summary.output))
      return inner_.index_task(summary);
    TaskSummary row = summary;
    offloader_.offload(row.task_id, PayloadType::kTaskInput, row.input, row.external_input_payload_storage_path);
    offloader_.offload(row.task_id, PayloadType::kTaskOutput, row.output, row.external_output_payload_storage_path);
    inner_.index_task(row);
  }
  bool summarizes_stored_rows() const override { return inner_.summarizes_stored_rows(); }
  void remove_workflow(std::string_view id) override { inner_.remove_workflow(id); }
  SearchResult<WorkflowSummary> search_workflows(const SearchQuery& query) override {
    return inner_.search_workflows(query);
  }
  SearchResult<TaskSummary> search_tasks(const SearchQuery& query) override { return inner_.search_tasks(query); }
  void flush_free_text() override { inner_.flush_free_text(); }

 private:
  bool over(PayloadType type, const std::string& text) const { return offloader_.over_threshold(type, text.size()); }

  IndexStore& inner_;
  const Offloader& offloader_;
};

class OffloadingTransaction final : public Transaction {
 public:
  OffloadingTransaction(std::unique_ptr<Transaction> inner, const Offloader& offloader)
      : inner_(std::move(inner)),
        offloader_(offloader),
        execution_(inner_->execution(), offloader),
        index_(inner_->index(), offloader) {}

  MetadataStore& metadata() override { return inner_->metadata(); }
  ExecutionStore& execution() override { return execution_; }
  QueueStore& queues() override { return inner_->queues(); }
  IndexStore& index() override { return index_; }
  EventStore& events() override { return inner_->events(); }
  TakenTasks take_tasks(std::string_view queue, int count, std::int64_t now_ms, std::string_view sweep_queue) override {
    TakenTasks taken = inner_->take_tasks(queue, count, now_ms, sweep_queue);
    offloader_.restore_rows(taken.tasks);
    for (auto& versioned : taken.workflows) offloader_.restore_row(versioned.workflow);
    return taken;
  }
  void skip_announcing(std::string_view queue) override { inner_->skip_announcing(queue); }
  void commit() override { inner_->commit(); }

 private:
  std::unique_ptr<Transaction> inner_;
  const Offloader& offloader_;
  OffloadingExecutionStore execution_;
  OffloadingIndexStore index_;
};

class OffloadingStorage final : public Storage {
 public:
  OffloadingStorage(std::unique_ptr<Storage> inner, Offloader offloader)
      : inner_(std::move(inner)), offloader_(std::move(offloader)) {}

  std::unique_ptr<Transaction> begin(TransactionMode mode) override {
    return std::make_unique<OffloadingTransaction>(inner_->begin(mode), offloader_);
  }

 private:
  std::unique_ptr<Storage> inner_;
  Offloader offloader_;
};

}  // namespace

std::unique_ptr<Storage> offload_payloads(std::unique_ptr<Storage> inner, std::shared_ptr<PayloadStorage> payloads,
                                          const PayloadLimits& limits) {
  return std::make_unique<OffloadingStorage>(std::move(inner), Offloader{std::move(payloads), limits});
}

}  // namespace conductor::detail
