#pragma once

#include <conductor/model.hpp>

#include <string>

namespace conductor::detail {

/// A workflow's kStorage JSON text without its definition snapshot and its tasks, which storage keeps in
/// rows of their own; decode<Workflow>(…, kStorage) reads it back with those two left empty.
/// Properties that hold their default are left out (decoding gives them back). Cheaper than
/// encoding the whole workflow and erasing them. Throws ValidationError when any of its
/// text is not UTF-8, as JSON requires (so does task_row_json).
std::string workflow_row_json(const Workflow& workflow);

/// A task's kStorage JSON text without its node (workflowTask), which storage keeps as a snapshot of its
/// own; decode<Task>(…, kStorage) reads it back with the node left empty.
std::string task_row_json(const Task& task);

}  // namespace conductor::detail
