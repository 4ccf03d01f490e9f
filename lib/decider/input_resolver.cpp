#include "decider/input_resolver.hpp"

namespace conductor::detail {

InputResolver::InputResolver(const Workflow& workflow, const PropertyMap& properties)
    : workflow_(workflow), environment_(properties), context_(std::make_unique<ParameterContext>(workflow)) {}

InputResolver::~InputResolver() = default;

void InputResolver::refresh() { context_ = std::make_unique<ParameterContext>(workflow_); }

ResolveOptions InputResolver::options(std::optional<std::string_view> task_id) const {
  ResolveOptions options;
  if (task_id) options.task_id = std::string(*task_id);
  options.environment = environment_;
  return options;
}

JsonObject InputResolver::resolve(const JsonObject& parameters, std::optional<std::string_view> task_id) const {
  return detail::resolve(parameters, *context_, options(task_id));
}

JsonObject InputResolver::resolve_with_template(const JsonObject& parameters, const TaskDef* def,
                                                std::string_view task_id) const {
  static const JsonObject kNoTemplate;
  return resolve_task_input(parameters, def ? def->input_template : kNoTemplate, *context_,
                            options(task_id));
}

Json InputResolver::resolve_value(const Json& value) const {
  return detail::resolve_value(value, *context_, options(std::nullopt));
}

}  // namespace conductor::detail
