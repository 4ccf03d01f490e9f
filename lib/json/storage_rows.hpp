#pragma once

#include <conductor/model.hpp>

namespace conductor::detail {

/// A workflow's kStorage JSON without its definition snapshot and its tasks, which storage keeps in
/// rows of their own; decode<Workflow>(…, kStorage) reads it back with those two left empty.
/// Cheaper than encoding the whole workflow and erasing them.
Json workflow_row_to_json(const Workflow& workflow);

}  // namespace conductor::detail
