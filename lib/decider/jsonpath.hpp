#pragma once

#include <conductor/model/json.hpp>

#include <memory>
#include <string_view>

/// JSONPath in the dialect of Jayway JsonPath, the library Conductor evaluates `${...}` bodies with
/// (semantics 3.6). Evaluation never throws: an invalid path or a failing evaluation yields null,
/// as Conductor runs Jayway with SUPPRESS_EXCEPTIONS.
///
/// Supported: `$`, paths without a leading `$` (read as `$.` + path), `@` (inside filters), dot and
/// bracket notation (`a.b`, `['key with space']`, `["k"]`), indexes (negative from the end), index
/// unions `[0,2]`, property unions `['a','b']`, slices `[1:3]` `[:2]` `[-2:]`, wildcard `*`, deep scan
/// `..`, filters `[?(...)]` and one trailing function: length(), size(), min(), max(), avg(), sum(),
/// stddev(), keys(), first(), last().
///
/// Results follow Jayway: a definite path (only single names, single indexes, a trailing property
/// union, a trailing function) gives one value, or null when nothing matches; any other path gives an
/// array of the matches (empty when nothing matches). A trailing property union gives an object of
/// the properties present.
///
/// Filters: `@`/`$` paths, string ('..' or ".."), number, true/false/null, array and /regex/ literals;
/// operators == != < <= > >= =~ in nin contains size empty, `!`, &&, ||, parentheses; `[?(@.x)]` tests
/// existence (a null value exists).
namespace conductor::detail {

class CompiledJsonPath;

/// A parsed JSONPath. Cheap to copy (shared, immutable); safe to use from several threads.
class JsonPath {
 public:
  /// Parses `path`; an invalid path gives an object whose evaluation is always null.
  explicit JsonPath(std::string_view path);

  /// False when the text was not a valid path.
  bool valid() const noexcept { return compiled_ != nullptr; }
  /// True when evaluation yields a single value rather than an array of matches.
  bool definite() const noexcept;
  /// Evaluates against `root`; never throws.
  Json evaluate(const Json& root) const;

 private:
  std::shared_ptr<const CompiledJsonPath> compiled_;
};

/// Evaluates `path` against `root` through a per-thread cache of parsed paths; never throws.
Json evaluate_json_path(std::string_view path, const Json& root);

}  // namespace conductor::detail
