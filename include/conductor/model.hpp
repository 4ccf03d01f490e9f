#pragma once

/// All of Conductor's JSON model as plain value types.
#include <conductor/model/enums.hpp>
#include <conductor/model/event_handler.hpp>
#include <conductor/model/json.hpp>
#include <conductor/model/requests.hpp>
#include <conductor/model/schema_def.hpp>
#include <conductor/model/search.hpp>
#include <conductor/model/shared.hpp>
#include <conductor/model/task.hpp>
#include <conductor/model/task_def.hpp>
#include <conductor/model/workflow.hpp>
#include <conductor/model/workflow_def.hpp>
#include <conductor/model/workflow_task.hpp>
