#include "http/route_support.hpp"
#include "http/routes.hpp"
#include "util/utf8.hpp"

#include <conductor/codec.hpp>
#include <conductor/engine.hpp>
#include <conductor/error.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

/// `/api/tasks`: the worker endpoints, task reads and logs, queues and poll data, task search
/// (api.md 1.9, 1.11-1.13), over TaskQueue.
namespace conductor::http {
namespace {

std::optional<std::string_view> view(const std::optional<std::string>& value) {
  return value ? std::optional<std::string_view>(*value) : std::nullopt;
}

/// A poll that found nothing waits parked: a queue waiter and the transport's timer, no thread.
class TaskPoll final : public Pending {
 public:
  TaskPoll(TaskQueue& queue, std::string task_type, std::string worker_id, std::optional<std::string> domain,
           int count, std::chrono::milliseconds timeout, bool single)
      : queue_(queue),
        task_type_(std::move(task_type)),
        worker_id_(std::move(worker_id)),
        domain_(std::move(domain)),
        count_(count),
        deadline_(std::chrono::steady_clock::now() + timeout),
        single_(single) {}

  std::chrono::steady_clock::time_point deadline() const override { return deadline_; }

  std::optional<Response> attempt(std::function<void()> wake, bool last) override {
    // The first look registers no waiter: a queue with work answers at once, and a process whose
    // polls find work need not hear other processes' pushes (nor read when the next message is due).
    if (std::exchange(first_, false)) {
      auto tasks = take();
      if (!tasks.empty() || last) return answer(tasks);
    }
    if (!last) {
      waiter_ = queue_.wait_for_push(task_type_, view(domain_), [wake = std::move(wake)](bool) { wake(); });
    }
    auto tasks = take();
    if (tasks.empty() && !last) return std::nullopt;
    // A push that woke this poll after its look at the queue is another poll's to take.
    waiter_.hand_over();
    return answer(tasks);
  }

  std::optional<std::chrono::steady_clock::time_point> recheck_at() const override { return waiter_.recheck_at(); }

  void disarm() override { waiter_.hand_over(); }

 private:
  std::vector<Task> take() {
    return queue_.batch_poll(task_type_, worker_id_, view(domain_), count_, std::chrono::milliseconds(0));
  }

  Response answer(const std::vector<Task>& tasks) const {
    if (!single_) return Response::json(to_json_array(tasks));
    return tasks.empty() ? Response::empty(204) : Response::json(to_json(tasks.front()));
  }

  TaskQueue& queue_;
  std::string task_type_;
  std::string worker_id_;
  std::optional<std::string> domain_;
  int count_;
  std::chrono::steady_clock::time_point deadline_;
  bool single_;
  bool first_ = true;
  QueueWaiter waiter_;
};

/// Conductor's single poll waits as briefly as TaskQueue::poll does.
constexpr std::chrono::milliseconds kSinglePollWait{100};

Response poll(Engine& engine, const Request& request) {
  return Response::wait(std::make_shared<TaskPoll>(engine.queue(), request.path_param("tasktype"),
                                                   request.query("workerid", ""), request.query("domain"), 1,
                                                   kSinglePollWait, true));
}

Response batch_poll(Engine& engine, const Request& request) {
  const auto domain = request.query("domain");
  const std::string& task_type = request.path_param("tasktype");
  const std::string worker_id = request.query("workerid", "");
  const int count = request.query_int("count", 1);
  const std::chrono::milliseconds timeout(request.query_int("timeout", 100));
  if (timeout.count() <= 0 || timeout > engine.queue().max_poll_timeout() || count < 1) {
    // batch_poll refuses the bad arguments with Conductor's messages, and polls once without waiting.
    return Response::json(to_json_array(engine.queue().batch_poll(task_type, worker_id, view(domain), count, timeout)));
  }
  return Response::wait(
      std::make_shared<TaskPoll>(engine.queue(), task_type, worker_id, domain, count, timeout, false));
}

Response update_task(Engine& engine, const Request& request) {
  return Response::text(engine.queue().update_task(body_as<TaskResult>(request)).task_id);
}

Response update_task_v2(Engine& engine, const Request& request) {
  auto next = engine.queue().update_task_and_poll(body_as<TaskResult>(request));
  return next ? Response::json(to_json(*next)) : Response::empty(204);
}

Task update_by_ref(Engine& engine, const Request& request) {
  const auto worker_id = request.query("workerid");
  return engine.queue().update_task_by_ref(request.path_param("workflowId"), request.path_param("taskRefName"),
                                           path_status(request), body_object(request), view(worker_id));
}

/// Conductor answers an empty 200 when there is nothing to update, unknown workflow included.
Response update_task_by_ref(Engine& engine, const Request& request) {
  try {
    return Response::text(update_by_ref(engine, request).task_id);
  } catch (const NotFoundError&) {
    return Response::empty();
  }
}

Response update_task_by_ref_sync(Engine& engine, const Request& request) {
  const Task updated = update_by_ref(engine, request);
  return Response::json(to_json(engine.executor().get_workflow(updated.workflow_instance_id)));
}

Response get_task(Engine& engine, const Request& request) {
  return Response::json(to_json(engine.queue().get_task(request.path_param("taskId"))));
}

/// The body is stored as sent, whatever its content type, except that bytes that are not UTF-8
/// become U+FFFD: logs are answered inside JSON.
Response add_log(Engine& engine, const Request& request) {
  engine.queue().add_log(request.path_param("taskId"), detail::valid_utf8(request.body()));
  return Response::empty();
}

Response logs(Engine& engine, const Request& request) {
  const auto logs = engine.queue().logs(request.path_param("taskId"));
  return logs.empty() ? Response::empty(204) : Response::json(to_json_array(logs));
}

Response queue_size(Engine& engine, const Request& request) {
  const auto domain = request.query("domain");
  const auto isolation_group = request.query("isolationGroupId");
  const auto execution_namespace = request.query("executionNamespace");
  return Response::json(engine.queue().queue_size(request.required_query("taskType"), view(domain),
                                                  view(isolation_group), view(execution_namespace)));
}

Response queue_sizes(Engine& engine, const Request& request) {
  request.required_query("taskType");
  JsonObject sizes;
  for (const auto& [type, size] : engine.queue().queue_sizes(request.query_all("taskType"))) sizes[type] = size;
  return Response::json(sizes);
}

Response all_queues(Engine& engine, const Request&) {
  JsonObject sizes;
  for (const auto& [queue, counts] : engine.queue().all_queue_details()) sizes[queue] = counts.size;
  return Response::json(sizes);
}

/// Conductor's per-shard view; SQLite queues have one shard, named "a".
Response all_queues_verbose(Engine& engine, const Request&) {
  JsonObject details;
  for (const auto& [queue, counts] : engine.queue().all_queue_details()) {
    JsonObject shard;
    shard["size"] = counts.size;
    shard["uacked"] = counts.unacked;
    JsonObject shards;
    shards["a"] = std::move(shard);
    details[queue] = std::move(shards);
  }
  return Response::json(details);
}

Response poll_data(Engine& engine, const Request& request) {
  return Response::json(to_json_array(engine.queue().poll_data(request.required_query("taskType"))));
}

Response all_poll_data(Engine& engine, const Request&) {
  return Response::json(to_json_array(engine.queue().all_poll_data()));
}

Response requeue_pending(Engine& engine, const Request& request) {
  return Response::text(std::to_string(engine.queue().requeue_pending(request.path_param("taskType"))));
}

Response search(Engine& engine, const Request& request) {
  return Response::json(to_json(engine.queue().search(search_query(request))));
}

/// Conductor's search V2 answers full tasks in place of summaries.
Response search_v2(Engine& engine, const Request& request) {
  return Response::json(to_json(detail::expand_hits<Task>(engine.queue().search(search_query(request)),
                                                  [&](const TaskSummary& hit) { return engine.queue().find_task(hit.task_id); })));
}

}  // namespace

void add_task_routes(Router& router, Engine& engine) {
  router.add(engine, {
      {Method::kGet, "/api/tasks/poll/{tasktype}", poll},
      {Method::kGet, "/api/tasks/poll/batch/{tasktype}", batch_poll},
      {Method::kPost, "/api/tasks", update_task},
      {Method::kPost, "/api/tasks/update-v2", update_task_v2},
      {Method::kPost, "/api/tasks/{workflowId}/{taskRefName}/{status}", update_task_by_ref},
      {Method::kPost, "/api/tasks/{workflowId}/{taskRefName}/{status}/sync", update_task_by_ref_sync},
      {Method::kGet, "/api/tasks/search", search},
      {Method::kGet, "/api/tasks/search-v2", search_v2},
      {Method::kGet, "/api/tasks/{taskId}", get_task},
      {Method::kPost, "/api/tasks/{taskId}/log", add_log},
      {Method::kGet, "/api/tasks/{taskId}/log", logs},
      {Method::kGet, "/api/tasks/queue/size", queue_size},
      {Method::kGet, "/api/tasks/queue/sizes", queue_sizes},
      {Method::kGet, "/api/tasks/queue/all", all_queues},
      {Method::kGet, "/api/tasks/queue/all/verbose", all_queues_verbose},
      {Method::kGet, "/api/tasks/queue/polldata", poll_data},
      {Method::kGet, "/api/tasks/queue/polldata/all", all_poll_data},
      {Method::kPost, "/api/tasks/queue/requeue/{taskType}", requeue_pending},
  });
}

}  // namespace conductor::http
