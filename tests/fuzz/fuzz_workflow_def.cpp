// Definition validation: any decodable task definition, workflow definition or event handler is
// checked without throwing, crashing or hanging; violations are reported, never raised.
#include "fuzz_support.hpp"
#include "metadata_validation.hpp"

#include <conductor/codec.hpp>

#include <optional>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace conductor;
  Json json;
  if (!fuzz::accepts([&] { json = parse_json_text(fuzz::as_text(data, size)); })) return 0;
  std::vector<FieldViolation> violations;
  // Definitions named with a leading "t" are registered, so both lookups' outcomes are explored.
  const detail::DefinitionContext context{
      .options = {.owner_email_mandatory = size % 2 == 0, .task_def_mandatory = size % 3 == 0},
      .find_task_def = [](std::string_view name) -> std::optional<TaskDef> {
        if (name.empty() || name.front() != 't') return std::nullopt;
        TaskDef def;
        def.name = std::string(name);
        return def;
      },
  };
  WorkflowDef workflow;
  if (fuzz::accepts([&] { from_json(json, workflow); })) {
    detail::check_workflow_def(workflow, "registerWorkflowDef.workflowDef", context, violations);
  }
  TaskDef task;
  if (fuzz::accepts([&] { from_json(json, task); })) {
    detail::check_task_def(task, "registerTaskDef.taskDefinitions[0]", context.options, violations);
  }
  EventHandler handler;
  if (fuzz::accepts([&] { from_json(json, handler); })) {
    detail::check_event_handler(handler, "addEventHandler.eventHandler", violations);
  }
  for (const auto& violation : violations) {
    if (violation.message.empty()) fuzz::fail("a violation without a message");
  }
  return 0;
}
