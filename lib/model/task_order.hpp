#pragma once

#include <conductor/model/task.hpp>

#include <algorithm>
#include <vector>

namespace conductor::detail {

/// Puts a workflow's tasks in seq order. They nearly always are already (a new task has the
/// highest seq), and stable_sort allocates a buffer of tasks even then, which in glibc sets off a
/// consolidation of its small free chunks: so it looks first.
inline void order_by_seq(std::vector<Task>& tasks) {
  const auto by_seq = [](const Task& a, const Task& b) { return a.seq < b.seq; };
  if (!std::is_sorted(tasks.begin(), tasks.end(), by_seq)) std::stable_sort(tasks.begin(), tasks.end(), by_seq);
}

}  // namespace conductor::detail
