#pragma once

#include <conductor/model/workflow.hpp>

#include "decider/parameters.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace conductor::detail {

/// Resolves `${...}` input expressions against one workflow (semantics.md §3). Builds the context
/// document once, so one decide pass can resolve many nodes cheaply. Call `refresh()` after the
/// workflow's tasks or variables change.
class InputResolver {
 public:
  InputResolver(const Workflow& workflow, const PropertyMap& properties);
  ~InputResolver();
  InputResolver(const InputResolver&) = delete;
  InputResolver& operator=(const InputResolver&) = delete;

  void refresh();
  /// Resolves `parameters`; `${CPEWF_TASK_ID}` becomes `task_id` when given and stays literal otherwise.
  JsonObject resolve(const JsonObject& parameters, std::optional<std::string_view> task_id = {}) const;
  /// Resolves with the TaskDef input template merged in (§3.7).
  JsonObject resolve_with_template(const JsonObject& parameters, const TaskDef* def, std::string_view task_id) const;
  /// Resolves a single value such as an output mapping or a SUB_WORKFLOW priority.
  Json resolve_value(const Json& value) const;

 private:
  ResolveOptions options(std::optional<std::string_view> task_id) const;

  const Workflow& workflow_;
  EnvironmentLookup environment_;
  std::unique_ptr<ParameterContext> context_;
};

}  // namespace conductor::detail
