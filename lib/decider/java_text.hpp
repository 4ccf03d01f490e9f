#pragma once

#include <conductor/model/json.hpp>

#include <string>

/// Text forms of JSON values as Conductor's Java code prints them (`String.valueOf` of the Java
/// object Jackson would have built). Used wherever Conductor turns a value into text: expression
/// interpolation (semantics 3.5), JSONPath regex filters.
namespace conductor::detail {

/// Java's Double.toString: `5.0`, `0.001`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`.
std::string java_double_text(double value);

/// Appends the Java text of `value`: null → `null`, strings unquoted, integers in decimal, doubles
/// as java_double_text, objects `{k=v, k2=v2}`, arrays `[a, b]`.
void append_java_text(std::string& out, const Json& value);

/// The Java text of `value` (see append_java_text).
std::string java_text(const Json& value);

}  // namespace conductor::detail
