#pragma once

#include "tasks/switch.hpp"

namespace conductor::detail {

/// DECISION (deprecated in Conductor for SWITCH): the case is the result of the JavaScript
/// `caseExpression`, else the text of the input named by `caseValueParam`. The task's input is only
/// `case`; an empty case falls back to the default; a script error fails the workflow at once.
class DecisionTask final : public CaseTask {
 public:
  std::string_view type() const override { return "DECISION"; }
  std::vector<Task> map(const MapperContext& context) const override;
};

}  // namespace conductor::detail
