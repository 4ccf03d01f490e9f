#include "executor/change.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "engine/engine_core.hpp"
#include "model/task_order.hpp"
#include "storage/summaries.hpp"

namespace conductor::detail {

AfterCommit::~AfterCommit() {
  for (const Push& push : pushed_) {
    if (push.poller) core_.signal().restore(push.queue, *push.poller);
  }
}

void AfterCommit::pushed(std::string_view queue, std::string_view id, std::int64_t delay_ms) {
  pushed_.push_back({std::string(queue), std::string(id), delay_ms <= 0, std::nullopt});
  // Work the sweeper serves (decides, async system tasks) that is due now should not wait for its tick.
  if (delay_ms <= 0 && (queue == kDeciderQueue || core_.registry().is_async_system(queue))) wake_sweeper_ = true;
}

void AfterCommit::taken(std::string_view queue, std::string_view id) {
  auto it = std::find_if(pushed_.begin(), pushed_.end(),
                         [&](const Push& push) { return push.queue == queue && push.id == id; });
  if (it != pushed_.end()) pushed_.erase(it);
}

void AfterCommit::reserve_pollers(Transaction& tx) {
  if (!core_.shares_queues()) return;
  std::set<std::string_view> announced;
  for (Push& push : pushed_) {
    if (push.due) push.poller = core_.signal().reserve(push.queue);
    if (!push.poller) announced.insert(push.queue);
  }
  for (const Push& push : pushed_) {
    if (push.poller && !announced.contains(push.queue)) tx.skip_announcing(push.queue);
  }
}

void AfterCommit::done() {
  std::vector<std::string> queues;
  for (Push& push : pushed_) {
    if (push.poller) {
      core_.signal().deliver(push.queue, *std::exchange(push.poller, std::nullopt));
    } else {
      queues.push_back(std::move(push.queue));
    }
  }
  pushed_.clear();
  if (!queues.empty()) core_.signal().notify(queues);
  if (wake_sweeper_) core_.wake_sweeper();
  for (auto& action : actions_) action();
}

Change::Change(EngineCore& core, std::string_view locked)
    : core_(core), now_(core.clock().now_ms()), locked_(locked), after_(core) {}

Storage& Change::storage() { return core_.storage(); }

Change::Staged& Change::staged(std::string_view workflow_id) {
  auto [it, inserted] = workflows_.try_emplace(std::string(workflow_id));
  if (inserted) workflow_order_.push_back(it->first);
  return it->second;
}

VersionConflict Change::conflict(std::string_view workflow_id) {
  // The cached state may be what was stale: the next computation reads storage.
  core_.workflow_cache().erase(std::string(workflow_id));
  return VersionConflict(fmt::format("workflow {} changed while a change to it was computed", workflow_id));
}

void Change::saw(std::string_view workflow_id, std::int64_t version) {
  Staged& entry = staged(workflow_id);
  if (!entry.version) {
    entry.version = version;
  } else if (*entry.version != version) {
    throw conflict(workflow_id);
  }
}

void Change::overlay_tasks(Workflow& workflow, bool consume) {
  for (const auto& id : task_order_) {
    TaskWrite& write = tasks_.at(id);
    if (write.workflow_id != workflow.workflow_id) continue;
    auto it = std::find_if(workflow.tasks.begin(), workflow.tasks.end(), [&](const Task& t) { return t.task_id == id; });
    if (!write.task) {
      if (it != workflow.tasks.end()) workflow.tasks.erase(it);
      continue;
    }
    Task task = consume ? std::move(*write.task) : *write.task;
    if (it != workflow.tasks.end()) {
      *it = std::move(task);
    } else {
      workflow.tasks.push_back(std::move(task));
    }
  }
  order_by_seq(workflow.tasks);
}

std::optional<Workflow> Change::find_workflow(std::string_view workflow_id, bool include_tasks) {
  std::optional<Workflow> workflow;
  auto known = workflows_.find(std::string(workflow_id));
  if (known != workflows_.end() && known->second.row) {
    workflow = *known->second.row;
  } else if (known != workflows_.end() && known->second.removed) {
    return std::nullopt;
  } else if (auto cached = workflow_id == locked_ ? core_.workflow_cache().take(workflow_id)
                                                  : core_.workflow_cache().find(workflow_id)) {
    // Taken as current without asking storage: the commit checks the version all the same. No other
    // change of this process computes from this workflow while this one holds its lock, so the
    // cached state is lent to it instead of copied, and its commit puts back what it wrote (a
    // change that writes nothing leaves it out, and the next one reads storage).
    const bool first = known == workflows_.end();
    workflow = std::move(cached->state);
    saw(workflow_id, cached->version);
    Staged& entry = staged(workflow_id);
    entry.cached = true;
    if (first) entry.messages = std::move(cached->messages);
  } else {
    std::optional<std::int64_t> version;
    read([&](Transaction& tx) {
      workflow = tx.execution().find_workflow(workflow_id, true);
      if (workflow) version = tx.execution().workflow_version(workflow_id);
    });
    if (!workflow) return std::nullopt;
    core_.workflow_cache().put(workflow->workflow_id, *version, *workflow);
    saw(workflow_id, *version);
  }
  if (include_tasks) {
    overlay_tasks(*workflow);
  } else {
    workflow->tasks.clear();
  }
  return workflow;
}

Workflow Change::load(std::string_view workflow_id) {
  auto workflow = find_workflow(workflow_id, true);
  if (!workflow) throw NotFoundError(fmt::format("No such workflow found by id: {}", workflow_id));
  return std::move(*workflow);
}

std::optional<Task> Change::find_task(std::string_view task_id) {
  if (auto written = tasks_.find(std::string(task_id)); written != tasks_.end()) return written->second.task;
  std::optional<Task> task;
  std::optional<std::int64_t> version;
  read([&](Transaction& tx) {
    task = tx.execution().find_task(task_id);
    if (task) version = tx.execution().workflow_version(task->workflow_instance_id);
  });
  if (!task) return std::nullopt;
  auto known = workflows_.find(task->workflow_instance_id);
  if (known != workflows_.end() && known->second.row) {
    // The workflow's state is staged here: its task list is the one this change sees.
    const auto& tasks = known->second.row->tasks;
    auto it = std::find_if(tasks.begin(), tasks.end(), [&](const Task& t) { return t.task_id == task_id; });
    return it == tasks.end() ? std::nullopt : std::optional<Task>(*it);
  }
  if (version) saw(task->workflow_instance_id, *version);
  return task;
}

void Change::insert_workflow(const Workflow& workflow) {
  Staged& entry = staged(workflow.workflow_id);
  entry.inserted = true;
  entry.row = workflow;
}

void Change::update_workflow(const Workflow& workflow) {
  Staged& entry = staged(workflow.workflow_id);
  entry.row = workflow;
}

void Change::remove_workflow(std::string_view workflow_id) {
  Staged& entry = staged(workflow_id);
  if (entry.inserted) {
    entry.inserted = false;
  } else {
    entry.removed = true;
  }
  entry.row.reset();
  // What this change wrote of its tasks goes with it.
  std::erase_if(task_order_, [&](const std::string& id) {
    auto it = tasks_.find(id);
    if (it->second.workflow_id != workflow_id) return false;
    tasks_.erase(it);
    return true;
  });
}

void Change::stage_task(const Task& task, bool inserted, bool removed) {
  staged(task.workflow_instance_id).tasks_written = true;
  auto [it, fresh] = tasks_.try_emplace(task.task_id);
  if (fresh) {
    task_order_.push_back(task.task_id);
    it->second.workflow_id = task.workflow_instance_id;
    it->second.inserted = inserted;
  }
  if (removed && it->second.inserted) {
    // Inserted and removed by this change: nothing to write.
    tasks_.erase(it);
    std::erase(task_order_, task.task_id);
    return;
  }
  if (removed) {
    it->second.task.reset();
  } else {
    it->second.task = task;
  }
}

void Change::insert_task(const Task& task) { stage_task(task, true, false); }
void Change::update_task(const Task& task) { stage_task(task, false, false); }
void Change::remove_task(const Task& task) { stage_task(task, false, true); }

Change::Push* Change::open_push(std::string_view queue, std::string_view id) {
  auto it = std::find_if(pushes_.rbegin(), pushes_.rend(),
                         [&](const Push& push) { return push.open && push.queue == queue && push.id == id; });
  return it == pushes_.rend() ? nullptr : &*it;
}

void Change::close_pushes(std::string_view queue, std::string_view id) {
  if (Push* push = open_push(queue, id)) push->open = false;
}

void Change::push(std::string_view queue, std::string_view id, int priority, std::int64_t delay_ms) {
  close_pushes(queue, id);
  const Push& push =
      pushes_.emplace_back(Push{std::string(queue), std::string(id), priority, now_ + std::max<std::int64_t>(delay_ms, 0)});
  writes_.push_back([&push](Transaction& tx) { tx.queues().push(push.queue, push.id, push.priority, push.visible_at); });
  after_.pushed(queue, id, delay_ms);
}

void Change::push_task(std::string_view queue, const Task& task, std::int64_t delay_ms) {
  push(queue, task.task_id, task.workflow_priority, delay_ms);
  Staged& entry = staged(task.workflow_instance_id);
  entry.messages.lose(task.task_id);
  entry.queue_written = true;
}

void Change::push_sweep(std::string_view workflow_id, int priority, std::int64_t delay_ms) {
  push(kDeciderQueue, workflow_id, priority, delay_ms);
  time_sweep(workflow_id);
  Staged& entry = staged(workflow_id);
  entry.messages.sweep_by = pushes_.back().visible_at;
  entry.queue_written = true;
}

void Change::remove_message(std::string_view queue, std::string_view id) {
  if (queue == kDeciderQueue) {
    staged(id).messages.sweep_by = KnownMessages::kAbsent;
  } else if (std::any_of(workflows_.begin(), workflows_.end(),
                         [&](const auto& entry) { return entry.second.messages.lacks(id); })) {
    return;
  }
  close_pushes(queue, id);
  writes_.push_back(
      [queue = std::string(queue), id = std::string(id)](Transaction& tx) { tx.queues().remove(queue, id); });
}

void Change::set_visible_at(std::string_view queue, std::string_view id, std::int64_t visible_at) {
  if (queue == kDeciderQueue) {
    Staged& entry = staged(id);
    entry.messages.sweep_by = visible_at;
    entry.queue_written = true;
  }
  if (Push* push = open_push(queue, id)) {
    push->visible_at = visible_at;
    return;
  }
  writes_.push_back([queue = std::string(queue), id = std::string(id), visible_at](Transaction& tx) {
    tx.queues().set_visible_at(queue, id, visible_at);
  });
}

void Change::bring_sweep_forward(std::string_view workflow_id, std::int64_t visible_at) {
  KnownMessages& known = staged(workflow_id).messages;
  if (known.swept_by(visible_at)) return;
  known.bring_forward(visible_at);
  if (Push* push = open_push(kDeciderQueue, workflow_id)) {
    push->visible_at = std::min(push->visible_at, visible_at);
    return;
  }
  writes_.push_back([id = std::string(workflow_id), visible_at](Transaction& tx) {
    tx.queues().set_visible_at_if_earlier(kDeciderQueue, id, visible_at);
  });
}

void Change::make_visible(std::string_view queue, std::string_view id) {
  set_visible_at(queue, id, now_);
  after_.pushed(queue, id, 0);
}

void Change::push_sweep_if_absent(std::string_view workflow_id, int priority, std::int64_t visible_at) {
  Staged& entry = staged(workflow_id);
  entry.messages.sweep_by.reset();
  entry.queue_written = true;
  close_pushes(kDeciderQueue, workflow_id);
  writes_.push_back([id = std::string(workflow_id), priority, visible_at](Transaction& tx) {
    tx.queues().push_if_absent(kDeciderQueue, id, priority, visible_at);
  });
}

void Change::index_workflow(const Workflow& workflow) {
  if (core_.summarizes_stored_rows()) return;
  writes_.push_back([summary = workflow_summary(workflow)](Transaction& tx) { tx.index().index_workflow(summary); });
}

void Change::index_task(const Task& task) {
  if (core_.summarizes_stored_rows()) return;
  writes_.push_back([summary = task_summary(task)](Transaction& tx) { tx.index().index_task(summary); });
}

std::optional<TaskDef> Change::find_task_def(std::string_view name) {
  return read([&](Transaction& tx) { return tx.metadata().find_task_def(name); });
}

bool Change::queued(std::string_view queue, std::string_view id) {
  return read([&](Transaction& tx) { return tx.queues().contains(queue, id); });
}

void Change::commit() {
  std::unordered_map<std::string, std::int64_t> versions;  // after the commit
  try {
    auto tx = storage().begin(TransactionMode::kWrite);
    ExecutionStore& execution = tx->execution();
    // Existing workflows first: a conflict is found (or, by a backend that sends writes ahead,
    // raised on the server) before anything else is written, and a workflow this change inserts
    // (a child) cannot already exist unless a workflow it came from moved.
    for (const auto& id : workflow_order_) {
      Staged& entry = workflows_.at(id);
      if (entry.removed) {
        if (entry.version) execution.advance_version_if(id, *entry.version);
        execution.remove_workflow(id);
      } else if (entry.inserted) {
        continue;
      } else if (entry.row) {
        if (!entry.version) {
          execution.update_workflow(*entry.row);
          versions[id] = execution.workflow_version(id).value_or(0);
        } else {
          execution.update_workflow_if(*entry.row, *entry.version);
          versions[id] = *entry.version + 1;
        }
      } else if (entry.tasks_written || entry.queue_written) {
        if (!entry.version) {
          if (auto advanced = execution.advance_version(id)) versions[id] = *advanced;
        } else {
          execution.advance_version_if(id, *entry.version);
          versions[id] = *entry.version + 1;
        }
      } else if (entry.cached && execution.workflow_version(id) != entry.version) {
        // Read from the cache and not written: what the change decided from it must still hold.
        throw conflict(id);
      }
    }
    for (const auto& id : workflow_order_) {
      Staged& entry = workflows_.at(id);
      if (entry.inserted) versions[id] = execution.insert_workflow(*entry.row);
    }
    for (const auto& id : task_order_) {
      const TaskWrite& write = tasks_.at(id);
      if (!write.task) {
        execution.remove_task(id);
      } else if (!write.inserted) {
        execution.update_task(*write.task);
      } else {
        // Throws StaleVersionError when its reference name and retry count are taken: the workflow
        // moved past what this change read.
        execution.insert_task(*write.task);
      }
    }
    for (const auto& write : writes_) write(*tx);
    if (then_) then_(*tx, after_);
    after_.reserve_pollers(*tx);
    tx->commit();
  } catch (const StaleVersionError& stale) {
    // Reported by a write or, from a backend that sends writes ahead, by a later call: which of the
    // workflows moved is not known, so none of them is trusted from the cache.
    for (const auto& id : workflow_order_) core_.workflow_cache().erase(id);
    throw VersionConflict(stale.message());
  }
  refresh_cache(versions);
  after_.done();
  if (!core_.watchers().empty()) {
    std::vector<std::string> written;
    for (const auto& id : workflow_order_) {
      if (versions.contains(id) || workflows_.at(id).removed) written.push_back(id);
    }
    core_.watchers().notify(written);
  }
}

void Change::refresh_cache(const std::unordered_map<std::string, std::int64_t>& versions) {
  WorkflowCache& cache = core_.workflow_cache();
  for (const auto& id : workflow_order_) {
    Staged& entry = workflows_.at(id);
    auto version = versions.find(id);
    if (entry.row && version != versions.end()) {
      // A task this change inserted has a message only if the change pushed one.
      for (const auto& written : tasks_) {
        const std::string& task_id = written.first;
        if (written.second.inserted && written.second.workflow_id == id &&
            std::none_of(pushes_.begin(), pushes_.end(), [&](const Push& push) { return push.id == task_id; }))
          entry.messages.gone(task_id);
      }
      // The change is done with its staged rows and tasks once committed.
      Workflow state = std::move(*entry.row);
      overlay_tasks(state, true);
      cache.put(id, version->second, std::move(state), std::move(entry.messages));
    } else if (entry.removed || entry.tasks_written || entry.queue_written) {
      // Its tasks or messages changed without a staged row: the next read loads it.
      cache.erase(id);
    }
  }
}

void run_change_once_committed(EngineCore& core, std::string_view workflow_id,
                               const std::function<void(Change&)>& compute) {
  std::optional<WorkflowLocks::Guard> guard;
  if (!workflow_id.empty()) guard.emplace(core.workflow_locks().lock(workflow_id));
  for (int attempt = 1;; ++attempt) {
    Change change(core, workflow_id);
    try {
      compute(change);
      change.commit();
      return;
    } catch (const TransientConflict&) {
      // A version moved, or the database aborted the commit for a concurrent one (PostgreSQL).
      if (attempt >= kMaxChangeAttempts) throw;
    }
  }
}

void run_in_writer_once(EngineCore& core, const std::function<void(Transaction&, AfterCommit&)>& step) {
  AfterCommit after(core);
  {
    auto tx = core.storage().begin(TransactionMode::kWrite);
    step(*tx, after);
    after.reserve_pollers(*tx);
    tx->commit();
  }
  after.done();
}

}  // namespace conductor::detail
