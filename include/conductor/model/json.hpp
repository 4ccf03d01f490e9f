#pragma once

#include <boost/json/value.hpp>
#include <boost/json/object.hpp>
#include <boost/json/array.hpp>

namespace conductor {

/// Free-form JSON as it appears in inputs, outputs and variables.
using Json = boost::json::value;
using JsonObject = boost::json::object;
using JsonArray = boost::json::array;

}  // namespace conductor
