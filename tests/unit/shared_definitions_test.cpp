#include "decider/shared_definitions.hpp"

#include <conductor/model.hpp>

#include <catch2/catch.hpp>

using namespace conductor;
using conductor::detail::SharedDefinitions;

namespace {

WorkflowDef flow(const std::string& description) {
  WorkflowDef def;
  def.name = "flow";
  def.description = description;
  WorkflowTask fork{.name = "fork", .task_reference_name = "fork", .type = "FORK_JOIN"};
  fork.fork_tasks = {{WorkflowTask{.name = "left", .task_reference_name = "left"}},
                     {WorkflowTask{.name = "right", .task_reference_name = "right"}}};
  def.tasks = {fork, WorkflowTask{.name = "join", .task_reference_name = "join", .type = "JOIN"}};
  return def;
}

}  // namespace

TEST_CASE("shared definitions: runs of one definition share it and its nodes, a changed one is not", "[unit]") {
  SharedDefinitions definitions;
  const Shared<WorkflowDef> first = definitions.share(flow("v1"));
  CHECK(definitions.share(flow("v1")).same_as(first));

  // A node of the shared tree, nested ones too, is shared by the tasks made from it.
  const WorkflowTask& left = first->tasks.front().fork_tasks.front().front();
  const Shared<WorkflowTask> left_node = definitions.node(first, left);
  CHECK(*left_node == left);
  CHECK(definitions.node(first, left).same_as(left_node));
  CHECK(definitions.node(first, first->tasks.back()).same_as(definitions.node(first, first->tasks.back())));

  // An equal node that is not part of the definition (made at run time), or a node of a definition
  // not shared here, gets a copy of its own.
  const WorkflowTask made = left;
  CHECK_FALSE(definitions.node(first, made).same_as(left_node));
  CHECK(*definitions.node(first, made) == left);
  const Shared<WorkflowDef> loaded = flow("v1");
  CHECK_FALSE(definitions.node(loaded, loaded->tasks.back()).same_as(definitions.node(loaded, loaded->tasks.back())));

  // The definition changed under the same name and version: later runs get the new one; runs of the
  // old one keep theirs.
  const Shared<WorkflowDef> second = definitions.share(flow("v2"));
  CHECK_FALSE(second.same_as(first));
  CHECK(second->description == "v2");
  CHECK(first->description == "v1");
  CHECK(definitions.share(flow("v2")).same_as(second));
  CHECK(*definitions.node(first, left) == left);
}
