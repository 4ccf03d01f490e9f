#include "events/kafka_client.hpp"
#include "tasks/decision.hpp"
#include "tasks/do_while.hpp"
#include "tasks/dynamic.hpp"
#include "tasks/event.hpp"
#include "tasks/exclusive_join.hpp"
#include "tasks/fork_join.hpp"
#include "tasks/fork_join_dynamic.hpp"
#include "tasks/http.hpp"
#include "tasks/human.hpp"
#include "tasks/inline.hpp"
#include "tasks/join.hpp"
#include "tasks/kafka_publish.hpp"
#include "tasks/json_jq_transform.hpp"
#include "tasks/lambda.hpp"
#include "tasks/noop.hpp"
#include "tasks/set_variable.hpp"
#include "tasks/start_workflow.hpp"
#include "tasks/sub_workflow.hpp"
#include "tasks/switch.hpp"
#include "tasks/task_handler.hpp"
#include "tasks/terminate.hpp"
#include "tasks/wait.hpp"
#include "tasks/worker_task.hpp"

#include <algorithm>

namespace conductor::detail {

// Every task type the engine knows, in one place. Adding a system task type means adding its file
// and one line here.
TaskRegistry::TaskRegistry() {
  handlers_.push_back(std::make_unique<WorkerTask>(false));
  handlers_.push_back(std::make_unique<WorkerTask>(true));
  user_defined_ = handlers_.back().get();
  handlers_.push_back(std::make_unique<DynamicTask>());
  handlers_.push_back(std::make_unique<ForkJoinTask>());
  handlers_.push_back(std::make_unique<ForkTask>());
  handlers_.push_back(std::make_unique<ForkJoinDynamicTask>());
  handlers_.push_back(std::make_unique<JoinTask>());
  handlers_.push_back(std::make_unique<ExclusiveJoinTask>());
  handlers_.push_back(std::make_unique<SwitchTask>());
  handlers_.push_back(std::make_unique<DecisionTask>());
  handlers_.push_back(std::make_unique<InlineTask>());
  handlers_.push_back(std::make_unique<LambdaTask>());
  handlers_.push_back(std::make_unique<DoWhileTask>());
  handlers_.push_back(std::make_unique<SubWorkflowTask>());
  handlers_.push_back(std::make_unique<StartWorkflowTask>());
  handlers_.push_back(std::make_unique<TerminateTask>());
  handlers_.push_back(std::make_unique<SetVariableTask>());
  handlers_.push_back(std::make_unique<WaitTask>());
  handlers_.push_back(std::make_unique<HumanTask>());
  handlers_.push_back(std::make_unique<JsonJqTransformTask>());
  handlers_.push_back(std::make_unique<EventTask>());
  handlers_.push_back(std::make_unique<HttpTask>());
  handlers_.push_back(std::make_unique<NoopTask>());
  if (kafka_available()) handlers_.push_back(std::make_unique<KafkaPublishTask>());
}

TaskRegistry::~TaskRegistry() = default;

const TaskHandler* TaskRegistry::find_system(std::string_view type) const {
  auto it = std::find_if(handlers_.begin(), handlers_.end(),
                         [&](const auto& h) { return h->is_system() && h->type() == type; });
  return it == handlers_.end() ? nullptr : it->get();
}

const TaskHandler& TaskRegistry::mapper_for(const WorkflowTask& node) const {
  auto it = std::find_if(handlers_.begin(), handlers_.end(), [&](const auto& h) { return h->type() == node.type; });
  return it == handlers_.end() ? *user_defined_ : **it;
}

bool TaskRegistry::is_async_system(std::string_view task_type) const {
  const auto* handler = find_system(task_type);
  return handler && handler->is_async();
}

std::vector<const TaskHandler*> TaskRegistry::async_handlers() const {
  std::vector<const TaskHandler*> out;
  for (const auto& h : handlers_)
    if (h->is_system() && h->is_async()) out.push_back(h.get());
  return out;
}

}  // namespace conductor::detail
