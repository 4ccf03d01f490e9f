#include <conductor/model.hpp>

#include <catch2/catch.hpp>

using namespace conductor;

TEST_CASE("shared: copies share one value until one of them is edited", "[unit]") {
  Shared<WorkflowTask> empty;
  CHECK_FALSE(empty.has_value());
  CHECK(empty->name.empty());  // an empty one reads as a default value
  CHECK(empty == Shared<WorkflowTask>());

  Shared<WorkflowTask> node = WorkflowTask{.name = "work", .task_reference_name = "w"};
  Shared<WorkflowTask> copy = node;
  CHECK(copy.same_as(node));
  CHECK(copy == node);
  CHECK_FALSE(node == empty);
  CHECK_FALSE(empty == node);

  copy.edit().name = "changed";
  CHECK_FALSE(copy.same_as(node));
  CHECK(node->name == "work");
  CHECK(copy->name == "changed");
  CHECK_FALSE(copy == node);

  // Equal values compare equal without being the same one; an edit of a value held alone changes it
  // in place.
  Shared<WorkflowTask> equal = WorkflowTask{.name = "work", .task_reference_name = "w"};
  CHECK(equal == node);
  CHECK_FALSE(equal.same_as(node));
  const WorkflowTask* before = &*equal;
  equal.edit().description = "alone";
  CHECK(&*equal == before);

  Shared<WorkflowTask> edited_empty;
  edited_empty.edit().name = "from empty";
  CHECK(edited_empty.has_value());
  CHECK(edited_empty->name == "from empty");
  edited_empty.reset();
  CHECK_FALSE(edited_empty.has_value());
}
