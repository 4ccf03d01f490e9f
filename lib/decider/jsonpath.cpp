#include "decider/jsonpath.hpp"

#include "decider/java_text.hpp"

// Boost.Regex, not std::regex: libstdc++ matches by recursion, one stack frame per character, so
// `.*` over a 100 KB value overflows a thread's stack, and it reads numbers in patterns without
// overflow checks. Boost matches without recursion and bounds the work of one match.
#include <boost/regex.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <forward_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace conductor::detail {

namespace {

/// Thrown while parsing only; JsonPath turns it into an invalid path.
struct InvalidPath {};

enum class Function { kLength, kMin, kMax, kAvg, kSum, kStdDev, kKeys, kFirst, kLast };

std::optional<Function> parse_function(std::string_view name) {
  if (name == "length" || name == "size") return Function::kLength;
  if (name == "min") return Function::kMin;
  if (name == "max") return Function::kMax;
  if (name == "avg") return Function::kAvg;
  if (name == "sum") return Function::kSum;
  if (name == "stddev") return Function::kStdDev;
  if (name == "keys") return Function::kKeys;
  if (name == "first") return Function::kFirst;
  if (name == "last") return Function::kLast;
  return std::nullopt;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

double to_double(const Json& v) { return v.to_number<double>(); }

/// Equality as Jayway's value nodes compare: numbers by value (a numeric string equals the number),
/// containers element by element.
bool json_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return to_double(a) == to_double(b);
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    const auto signed_value = a.is_int64() ? a.get_int64() : b.get_int64();
    const auto unsigned_value = a.is_uint64() ? a.get_uint64() : b.get_uint64();
    return signed_value >= 0 && static_cast<std::uint64_t>(signed_value) == unsigned_value;
  }
  if ((a.is_number() && b.is_string()) || (a.is_string() && b.is_number())) {
    const auto& text = a.is_string() ? a.get_string() : b.get_string();
    double parsed = 0;
    const auto* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, parsed);
    return result.ec == std::errc() && result.ptr == end && parsed == to_double(a.is_number() ? a : b);
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(), json_equal);
  }
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& entry : x) {
      const auto* other = y.if_contains(entry.key());
      if (other == nullptr || !json_equal(entry.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

/// Ordering for < <= > >=: only numbers with numbers and strings with strings compare.
std::optional<int> json_compare(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (json_equal(a, b)) return 0;
    return to_double(a) < to_double(b) ? -1 : 1;
  }
  if (a.is_string() && b.is_string()) {
    const int c = std::string_view(a.get_string()).compare(std::string_view(b.get_string()));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

}  // namespace

struct FilterExpr;

/// One step of a compiled path.
struct PathStep {
  enum class Kind { kProperty, kWildcard, kScan, kIndex, kSliceFrom, kSliceTo, kSliceBetween, kFilter };
  Kind kind;
  std::vector<std::string> names;       // kProperty: one name, or a union
  std::vector<std::int64_t> indexes;    // kIndex: one index, or a union
  std::int64_t from = 0;                // slices
  std::int64_t to = 0;                  // slices
  std::shared_ptr<const FilterExpr> filter;
};

class CompiledJsonPath {
 public:
  /// Parses a whole path starting with `$` or `@`; throws InvalidPath.
  explicit CompiledJsonPath(std::string_view text);

  bool definite() const noexcept { return definite_; }
  bool relative() const noexcept { return relative_; }

  /// The value of a definite path or the array of matches of an indefinite one, evaluated from
  /// `start` (`$` or `@`) inside `root`. nullopt: a definite path matched nothing, or a function failed.
  std::optional<Json> evaluate(const Json& start, const Json& root) const;

 private:
  struct Run {
    const Json& root;
    std::vector<const Json*> hits;
    std::forward_list<Json> made;  // values built during the walk (property unions); stable addresses
  };

  bool is_leaf(std::size_t step) const { return step + 1 == steps_.size() && !function_; }
  void walk(std::size_t step, const Json& node, Run& run) const;
  void scan(std::size_t target, const Json& node, Run& run) const;
  void scan_target(std::size_t target, const Json& node, Run& run) const;
  void array_index(std::size_t step, const JsonArray& array, std::int64_t index, Run& run) const;

  bool relative_ = false;
  std::vector<PathStep> steps_;
  std::optional<Function> function_;
  bool definite_ = true;
};

/// A node of a filter expression `[?(...)]`.
struct FilterExpr {
  enum class Kind { kOr, kAnd, kNot, kRelation };
  enum class Relation { kExists, kEq, kNe, kLt, kLe, kGt, kGe, kMatch, kIn, kNin, kContains, kSize, kEmpty };
  struct Operand {
    std::shared_ptr<const CompiledJsonPath> path;  // `@...` or `$...`; else a literal
    Json literal;
    std::shared_ptr<const boost::regex> regex;
  };

  Kind kind = Kind::kRelation;
  std::vector<FilterExpr> children;  // kOr, kAnd, kNot
  Relation relation = Relation::kExists;
  Operand left;
  Operand right;

  bool accept(const Json& current, const Json& root) const;
};

namespace {

std::optional<Json> operand_value(const FilterExpr::Operand& operand, const Json& current, const Json& root) {
  if (operand.path) return operand.path->evaluate(operand.path->relative() ? current : root, root);
  return operand.literal;
}

/// Regex input as Jayway builds it: strings as they are, numbers in their Java text.
std::optional<std::string> regex_input(const std::optional<Json>& value) {
  if (!value) return std::nullopt;
  if (value->is_string()) return std::string(value->get_string());
  if (value->is_number()) return java_text(*value);
  return std::nullopt;
}

bool contains_equal(const JsonArray& array, const Json& value) {
  return std::any_of(array.begin(), array.end(), [&](const Json& e) { return json_equal(e, value); });
}

std::optional<std::size_t> length_of(const Json& value) {
  if (value.is_array()) return value.get_array().size();
  if (value.is_string()) return value.get_string().size();
  return std::nullopt;
}

}  // namespace

bool FilterExpr::accept(const Json& current, const Json& root) const {
  switch (kind) {
    case Kind::kOr:
      return std::any_of(children.begin(), children.end(), [&](const FilterExpr& c) { return c.accept(current, root); });
    case Kind::kAnd:
      return std::all_of(children.begin(), children.end(), [&](const FilterExpr& c) { return c.accept(current, root); });
    case Kind::kNot:
      return !children.front().accept(current, root);
    case Kind::kRelation:
      break;
  }

  const auto l = operand_value(left, current, root);
  if (relation == Relation::kExists) {
    return l.has_value() && (left.path->definite() || !l->get_array().empty());
  }
  if (relation == Relation::kMatch) {
    const auto& pattern = left.regex ? left.regex : right.regex;
    if (!pattern || (left.regex && right.regex)) return false;
    const auto input = regex_input(left.regex ? operand_value(right, current, root) : l);
    return input && boost::regex_match(*input, *pattern);
  }
  const auto r = operand_value(right, current, root);
  if (relation == Relation::kNe) return !(l && r && json_equal(*l, *r));
  if (relation == Relation::kNin) return !(l && r && r->is_array() && contains_equal(r->get_array(), *l));
  if (!l || !r) return false;
  switch (relation) {
    case Relation::kEq:
      return json_equal(*l, *r);
    case Relation::kLt:
    case Relation::kLe:
    case Relation::kGt:
    case Relation::kGe: {
      const auto c = json_compare(*l, *r);
      if (!c) return false;
      if (relation == Relation::kLt) return *c < 0;
      if (relation == Relation::kLe) return *c <= 0;
      if (relation == Relation::kGt) return *c > 0;
      return *c >= 0;
    }
    case Relation::kIn:
      return r->is_array() && contains_equal(r->get_array(), *l);
    case Relation::kContains:
      if (l->is_array()) return contains_equal(l->get_array(), *r);
      return l->is_string() && r->is_string() &&
             std::string_view(l->get_string()).find(std::string_view(r->get_string())) != std::string_view::npos;
    case Relation::kSize: {
      const auto n = length_of(*l);
      return n && r->is_number() && to_double(*r) == static_cast<double>(*n);
    }
    case Relation::kEmpty: {
      const auto n = length_of(*l);
      return n && r->is_bool() && (*n == 0) == r->get_bool();
    }
    default:
      return false;
  }
}

namespace {

/// Recursive-descent parser for the text between `[?(` and `)]`.
class FilterParser {
 public:
  explicit FilterParser(std::string_view text) : s_(text) {}

  FilterExpr parse() {
    FilterExpr expr = parse_or();
    skip_spaces();
    if (pos_ != s_.size()) throw InvalidPath{};
    return expr;
  }

 private:
  void skip_spaces() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  bool consume(std::string_view token) {
    skip_spaces();
    if (s_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  /// A word operator (`in`, `size`...) must not run into an identifier.
  bool consume_word(std::string_view word) {
    skip_spaces();
    if (s_.substr(pos_, word.size()) != word) return false;
    const auto after = pos_ + word.size();
    if (after < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[after])) || s_[after] == '_')) return false;
    pos_ = after;
    return true;
  }

  FilterExpr parse_or() { return parse_chain("||", FilterExpr::Kind::kOr, &FilterParser::parse_and); }

  FilterExpr parse_and() { return parse_chain("&&", FilterExpr::Kind::kAnd, &FilterParser::parse_unary); }

  // `operand (op operand)*` as one n-ary node; a single operand stays as it is.
  FilterExpr parse_chain(std::string_view op, FilterExpr::Kind kind, FilterExpr (FilterParser::*operand)()) {
    FilterExpr first = (this->*operand)();
    if (!consume(op)) return first;
    FilterExpr node;
    node.kind = kind;
    node.children.push_back(std::move(first));
    do {
      node.children.push_back((this->*operand)());
    } while (consume(op));
    return node;
  }

  FilterExpr parse_unary() {
    skip_spaces();
    if (pos_ < s_.size() && s_[pos_] == '!' && s_.substr(pos_, 2) != "!=") {
      ++pos_;
      const Nesting nesting(*this);
      FilterExpr node;
      node.kind = FilterExpr::Kind::kNot;
      node.children.push_back(parse_unary());
      return node;
    }
    if (pos_ < s_.size() && s_[pos_] == '(') {
      ++pos_;
      const Nesting nesting(*this);
      FilterExpr inner = parse_or();
      if (!consume(")")) throw InvalidPath{};
      return inner;
    }
    return parse_relation();
  }

  /// Bounds the recursion of `!` and parentheses: paths come from clients, and a long enough run
  /// of either would otherwise exhaust the stack.
  class Nesting {
   public:
    explicit Nesting(FilterParser& parser) : parser_(parser) {
      if (++parser_.depth_ > kMaxDepth) throw InvalidPath{};
    }
    ~Nesting() { --parser_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    FilterParser& parser_;
  };
  static constexpr int kMaxDepth = 64;

  FilterExpr parse_relation() {
    FilterExpr node;
    node.left = parse_operand();
    using R = FilterExpr::Relation;
    static constexpr std::pair<std::string_view, R> kSymbols[] = {
        {"==", R::kEq}, {"!=", R::kNe}, {"<=", R::kLe}, {">=", R::kGe}, {"=~", R::kMatch}, {"<", R::kLt}, {">", R::kGt}};
    static constexpr std::pair<std::string_view, R> kWords[] = {
        {"nin", R::kNin}, {"in", R::kIn}, {"contains", R::kContains}, {"size", R::kSize}, {"empty", R::kEmpty}};
    for (const auto& [symbol, relation] : kSymbols) {
      if (consume(symbol)) {
        node.relation = relation;
        node.right = parse_operand();
        return node;
      }
    }
    for (const auto& [word, relation] : kWords) {
      if (consume_word(word)) {
        node.relation = relation;
        node.right = parse_operand();
        return node;
      }
    }
    if (!node.left.path) throw InvalidPath{};  // a literal alone is not a condition
    node.relation = R::kExists;
    return node;
  }

  FilterExpr::Operand parse_operand() {
    skip_spaces();
    if (pos_ >= s_.size()) throw InvalidPath{};
    FilterExpr::Operand operand;
    const char c = s_[pos_];
    if (c == '@' || c == '$') {
      operand.path = std::make_shared<const CompiledJsonPath>(read_path());
    } else if (c == '/') {
      operand.regex = read_regex();
    } else {
      operand.literal = read_literal();
    }
    return operand;
  }

  /// A path operand runs to the first space or operator outside brackets, parentheses and quotes.
  std::string_view read_path() {
    const auto start = pos_;
    int depth = 0;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '\'' || c == '"') {
        skip_quoted();
        continue;
      }
      if (c == '[' || c == '(') {
        ++depth;
      } else if (c == ']' || c == ')') {
        if (depth == 0) break;
        --depth;
      } else if (depth == 0 && (is_space(c) || c == '=' || c == '!' || c == '<' || c == '>' || c == '&' || c == '|')) {
        break;
      }
      ++pos_;
    }
    return s_.substr(start, pos_ - start);
  }

  void skip_quoted() {
    const char quote = s_[pos_++];
    while (pos_ < s_.size() && s_[pos_] != quote) pos_ += s_[pos_] == '\\' ? 2 : 1;
    if (pos_ >= s_.size()) throw InvalidPath{};
    ++pos_;
  }

  std::string read_quoted() {
    const char quote = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out += s_[pos_++];
    }
    if (pos_ >= s_.size()) throw InvalidPath{};
    ++pos_;
    return out;
  }

  std::shared_ptr<const boost::regex> read_regex() {
    ++pos_;
    std::string pattern;
    while (pos_ < s_.size() && s_[pos_] != '/') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) pattern += s_[pos_++];
      pattern += s_[pos_++];
    }
    if (pos_ >= s_.size()) throw InvalidPath{};
    ++pos_;
    boost::regex::flag_type flags = boost::regex::perl;
    while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) {
      if (s_[pos_] == 'i') flags |= boost::regex::icase;
      ++pos_;
    }
    try {
      return std::make_shared<const boost::regex>(pattern, flags);
    } catch (const boost::regex_error&) {
      throw InvalidPath{};
    }
  }

  Json read_literal() {
    skip_spaces();
    if (pos_ >= s_.size()) throw InvalidPath{};
    const char c = s_[pos_];
    if (c == '\'' || c == '"') return Json(read_quoted());
    if (c == '[') {
      ++pos_;
      JsonArray array;
      if (consume("]")) return array;
      do {
        array.push_back(read_literal());
      } while (consume(","));
      if (!consume("]")) throw InvalidPath{};
      return array;
    }
    if (consume_word("true")) return Json(true);
    if (consume_word("false")) return Json(false);
    if (consume_word("null")) return Json(nullptr);
    return read_number();
  }

  Json read_number() {
    const auto start = pos_;
    bool integral = true;
    if (pos_ < s_.size() && (s_[pos_] == '-' || s_[pos_] == '+')) ++pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '.' || c == 'e' || c == 'E' || ((c == '-' || c == '+') && (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E'))) {
        integral = false;
      } else if (!std::isdigit(static_cast<unsigned char>(c))) {
        break;
      }
      ++pos_;
    }
    std::string_view text = s_.substr(start, pos_ - start);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    const auto* end = text.data() + text.size();
    if (integral) {
      std::int64_t value = 0;
      const auto result = std::from_chars(text.data(), end, value);
      if (result.ec == std::errc() && result.ptr == end && !text.empty()) return Json(value);
    }
    double value = 0;
    const auto result = std::from_chars(text.data(), end, value);
    if (result.ec != std::errc() || result.ptr != end || text.empty()) throw InvalidPath{};
    return Json(value);
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

/// Parses the steps of a path after its `$`/`@`.
class PathParser {
 public:
  explicit PathParser(std::string_view text) : s_(text) {}

  void parse(std::vector<PathStep>& steps, std::optional<Function>& function) {
    while (pos_ < s_.size()) {
      if (function) throw InvalidPath{};  // a function ends the path
      if (s_[pos_] == '.') {
        if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '.') {
          steps.push_back({PathStep::Kind::kScan, {}, {}, 0, 0, nullptr});
          pos_ += 2;
        } else {
          ++pos_;
        }
        if (pos_ >= s_.size() || s_[pos_] == '.') throw InvalidPath{};
      }
      read_token(steps, function);
    }
    if (!steps.empty() && steps.back().kind == PathStep::Kind::kScan) throw InvalidPath{};
  }

 private:
  void read_token(std::vector<PathStep>& steps, std::optional<Function>& function) {
    const char c = s_[pos_];
    if (c == '[') {
      steps.push_back(read_bracket());
    } else if (c == '*') {
      ++pos_;
      steps.push_back({PathStep::Kind::kWildcard, {}, {}, 0, 0, nullptr});
    } else {
      read_name(steps, function);
    }
  }

  void read_name(std::vector<PathStep>& steps, std::optional<Function>& function) {
    const auto start = pos_;
    while (pos_ < s_.size() && s_[pos_] != '.' && s_[pos_] != '[' && s_[pos_] != '(') {
      if (is_space(s_[pos_])) throw InvalidPath{};  // Jayway: use ['my prop'] for blanks
      ++pos_;
    }
    const auto name = s_.substr(start, pos_ - start);
    if (name.empty()) throw InvalidPath{};
    if (pos_ < s_.size() && s_[pos_] == '(') {
      function = parse_function(name);
      // Functions with arguments (concat, append, index...) are not supported.
      if (!function || s_.substr(pos_, 2) != "()") throw InvalidPath{};
      pos_ += 2;
      return;
    }
    steps.push_back({PathStep::Kind::kProperty, {std::string(name)}, {}, 0, 0, nullptr});
  }

  void skip_spaces() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  void expect(char c) {
    skip_spaces();
    if (pos_ >= s_.size() || s_[pos_] != c) throw InvalidPath{};
    ++pos_;
  }

  PathStep read_bracket() {
    ++pos_;
    skip_spaces();
    if (pos_ >= s_.size()) throw InvalidPath{};
    const char c = s_[pos_];
    if (c == '?') {
      ++pos_;
      expect('(');
      const auto body_start = pos_;
      const auto body_end = closing_parenthesis();
      pos_ = body_end + 1;
      expect(']');
      auto filter = std::make_shared<const FilterExpr>(FilterParser(s_.substr(body_start, body_end - body_start)).parse());
      return {PathStep::Kind::kFilter, {}, {}, 0, 0, std::move(filter)};
    }
    if (c == '*') {
      ++pos_;
      expect(']');
      return {PathStep::Kind::kWildcard, {}, {}, 0, 0, nullptr};
    }
    if (c == '\'' || c == '"') {
      PathStep step{PathStep::Kind::kProperty, {}, {}, 0, 0, nullptr};
      while (true) {
        skip_spaces();
        if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) throw InvalidPath{};
        step.names.push_back(read_quoted());
        skip_spaces();
        if (pos_ >= s_.size() || s_[pos_] != ',') break;
        ++pos_;
      }
      expect(']');
      return step;
    }
    const auto close = s_.find(']', pos_);
    if (close == std::string_view::npos) throw InvalidPath{};
    const auto content = s_.substr(pos_, close - pos_);
    pos_ = close + 1;
    return content.find(':') == std::string_view::npos ? parse_indexes(content) : parse_slice(content);
  }

  /// Index of the `)` closing the filter whose `(` is just before pos_ (quotes and nesting aware).
  std::size_t closing_parenthesis() const {
    int depth = 1;
    for (auto i = pos_; i < s_.size(); ++i) {
      const char c = s_[i];
      if (c == '\'' || c == '"') {
        for (++i; i < s_.size() && s_[i] != c; ++i) {
          if (s_[i] == '\\') ++i;
        }
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth == 0) {
        return i;
      }
    }
    throw InvalidPath{};
  }

  std::string read_quoted() {
    const char quote = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out += s_[pos_++];
    }
    if (pos_ >= s_.size()) throw InvalidPath{};
    ++pos_;
    return out;
  }

  static std::int64_t parse_int(std::string_view text) {
    text = trim(text);
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || result.ec != std::errc() || result.ptr != end) throw InvalidPath{};
    return value;
  }

  static PathStep parse_indexes(std::string_view content) {
    PathStep step{PathStep::Kind::kIndex, {}, {}, 0, 0, nullptr};
    std::size_t start = 0;
    while (true) {
      const auto comma = content.find(',', start);
      step.indexes.push_back(parse_int(content.substr(start, comma - start)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return step;
  }

  static PathStep parse_slice(std::string_view content) {
    const auto colon = content.find(':');
    const auto from = trim(content.substr(0, colon));
    const auto to = trim(content.substr(colon + 1));
    if (to.find(':') != std::string_view::npos || (from.empty() && to.empty())) throw InvalidPath{};
    if (from.empty()) return {PathStep::Kind::kSliceTo, {}, {}, 0, parse_int(to), nullptr};
    if (to.empty()) return {PathStep::Kind::kSliceFrom, {}, {}, parse_int(from), 0, nullptr};
    return {PathStep::Kind::kSliceBetween, {}, {}, parse_int(from), parse_int(to), nullptr};
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

/// Applies a trailing function; nullopt where Jayway throws (which Conductor turns into null).
std::optional<Json> apply_function(Function function, const Json& value) {
  switch (function) {
    case Function::kLength:
      if (value.is_array()) return Json(static_cast<std::int64_t>(value.get_array().size()));
      if (value.is_object()) return Json(static_cast<std::int64_t>(value.get_object().size()));
      return Json(nullptr);
    case Function::kKeys: {
      if (!value.is_object()) return Json(nullptr);
      JsonArray keys;
      for (const auto& entry : value.get_object()) keys.emplace_back(entry.key());
      return Json(std::move(keys));
    }
    case Function::kFirst:
      if (!value.is_array() || value.get_array().empty()) return std::nullopt;
      return value.get_array().front();
    case Function::kLast:
      // Jayway quirk: last() of a one-element array fails (it requires size - 1 > 0).
      if (!value.is_array() || value.get_array().size() < 2) return std::nullopt;
      return value.get_array().back();
    case Function::kMin:
    case Function::kMax:
    case Function::kAvg:
    case Function::kSum:
    case Function::kStdDev:
      break;
  }
  if (!value.is_array()) return std::nullopt;
  double sum = 0;
  double sum_of_squares = 0;
  double min = std::numeric_limits<double>::max();
  double max = -std::numeric_limits<double>::max();
  std::size_t count = 0;
  for (const auto& element : value.get_array()) {
    if (!element.is_number()) continue;  // aggregations skip non-numbers
    const double x = to_double(element);
    sum += x;
    sum_of_squares += x * x;
    min = std::min(min, x);
    max = std::max(max, x);
    ++count;
  }
  if (count == 0) return std::nullopt;
  const auto n = static_cast<double>(count);
  switch (function) {
    case Function::kMin:
      return Json(min);
    case Function::kMax:
      return Json(max);
    case Function::kAvg:
      return Json(sum / n);
    case Function::kSum:
      return Json(sum);
    default:
      return Json(std::sqrt(sum_of_squares / n - sum * sum / n / n));
  }
}

}  // namespace

CompiledJsonPath::CompiledJsonPath(std::string_view text) {
  text = trim(text);
  if (text.empty() || (text.front() != '$' && text.front() != '@')) throw InvalidPath{};
  relative_ = text.front() == '@';
  PathParser(text.substr(1)).parse(steps_, function_);
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const auto& step = steps_[i];
    const bool step_definite = (step.kind == PathStep::Kind::kProperty && (step.names.size() == 1 || is_leaf(i))) ||
                               (step.kind == PathStep::Kind::kIndex && step.indexes.size() == 1);
    definite_ = definite_ && step_definite;
  }
  // Jayway turns `$..x.fn()` into `fn($..x)`: the function sees all matches at once.
  if (function_ && !steps_.empty() && steps_.front().kind == PathStep::Kind::kScan) definite_ = true;
}

std::optional<Json> CompiledJsonPath::evaluate(const Json& start, const Json& root) const {
  Run run{root, {}, {}};
  walk(0, start, run);

  auto matches = [&run] {
    JsonArray array;
    array.reserve(run.hits.size());
    for (const Json* hit : run.hits) array.push_back(*hit);
    return array;
  };

  if (!function_) {
    if (!definite_) return Json(matches());
    if (run.hits.empty()) return std::nullopt;
    return *run.hits.front();
  }
  if (!steps_.empty() && steps_.front().kind == PathStep::Kind::kScan) {
    if (*function_ != Function::kLength) return apply_function(*function_, matches());
    // Jayway's length() of a scan counts the children of the matches (`$..book.length()` is the
    // number of books, not of `book` keys).
    std::int64_t children = 0;
    for (const Json* hit : run.hits) {
      if (hit->is_object()) children += static_cast<std::int64_t>(hit->get_object().size());
      if (hit->is_array()) children += static_cast<std::int64_t>(hit->get_array().size());
    }
    return Json(children);
  }
  if (definite_) {
    if (run.hits.empty()) return std::nullopt;
    return apply_function(*function_, *run.hits.front());
  }
  JsonArray results;
  results.reserve(run.hits.size());
  for (const Json* hit : run.hits) {
    auto result = apply_function(*function_, *hit);
    if (!result) return std::nullopt;
    results.push_back(std::move(*result));
  }
  return Json(std::move(results));
}

void CompiledJsonPath::array_index(std::size_t step, const JsonArray& array, std::int64_t index, Run& run) const {
  const auto size = static_cast<std::int64_t>(array.size());
  const auto effective = index < 0 ? size + index : index;
  if (effective >= 0 && effective < size) walk(step + 1, array[static_cast<std::size_t>(effective)], run);
}

void CompiledJsonPath::walk(std::size_t step, const Json& node, Run& run) const {
  if (step == steps_.size()) {
    run.hits.push_back(&node);
    return;
  }
  const PathStep& s = steps_[step];
  switch (s.kind) {
    case PathStep::Kind::kProperty: {
      if (!node.is_object()) return;
      const auto& object = node.get_object();
      if (s.names.size() > 1 && is_leaf(step)) {
        // A trailing union merges the properties present into one object.
        JsonObject merged;
        for (const auto& name : s.names) {
          if (const auto* value = object.if_contains(name)) merged.emplace(name, *value);
        }
        run.hits.push_back(&run.made.emplace_front(std::move(merged)));
        return;
      }
      for (const auto& name : s.names) {
        if (const auto* value = object.if_contains(name)) walk(step + 1, *value, run);
      }
      return;
    }
    case PathStep::Kind::kWildcard:
      if (node.is_object()) {
        for (const auto& entry : node.get_object()) walk(step + 1, entry.value(), run);
      } else if (node.is_array()) {
        for (const auto& element : node.get_array()) walk(step + 1, element, run);
      }
      return;
    case PathStep::Kind::kScan:
      scan(step + 1, node, run);
      return;
    case PathStep::Kind::kIndex:
      if (!node.is_array()) return;
      for (const auto index : s.indexes) array_index(step, node.get_array(), index, run);
      return;
    case PathStep::Kind::kSliceFrom: {
      if (!node.is_array()) return;
      const auto length = static_cast<std::int64_t>(node.get_array().size());
      const auto from = std::max<std::int64_t>(0, s.from < 0 ? length + s.from : s.from);
      for (auto i = from; i < length; ++i) array_index(step, node.get_array(), i, run);
      return;
    }
    case PathStep::Kind::kSliceTo: {
      if (!node.is_array()) return;
      const auto length = static_cast<std::int64_t>(node.get_array().size());
      const auto to = std::min(length, s.to < 0 ? length + s.to : s.to);
      for (std::int64_t i = 0; i < to; ++i) array_index(step, node.get_array(), i, run);
      return;
    }
    case PathStep::Kind::kSliceBetween: {
      if (!node.is_array()) return;
      // As in Jayway, only `to` is clamped; a negative `from` counts from the end element by element.
      // Steps before -size match nothing, so the walk starts there at the earliest: a huge negative
      // `from` would otherwise loop for ages.
      const auto size = static_cast<std::int64_t>(node.get_array().size());
      const auto to = std::min(size, s.to);
      for (auto i = std::max(s.from, -size); i < to; ++i) array_index(step, node.get_array(), i, run);
      return;
    }
    case PathStep::Kind::kFilter:
      if (node.is_object()) {
        if (s.filter->accept(node, run.root)) walk(step + 1, node, run);
      } else if (node.is_array()) {
        for (const auto& element : node.get_array()) {
          if (s.filter->accept(element, run.root)) walk(step + 1, element, run);
        }
      }
      return;
  }
}

void CompiledJsonPath::scan(std::size_t target, const Json& node, Run& run) const {
  // Deep scan visits objects and arrays only, each before its children (Jayway's walk order).
  if (node.is_object()) {
    scan_target(target, node, run);
    for (const auto& entry : node.get_object()) scan(target, entry.value(), run);
  } else if (node.is_array()) {
    scan_target(target, node, run);
    for (const auto& element : node.get_array()) scan(target, element, run);
  }
}

void CompiledJsonPath::scan_target(std::size_t target, const Json& node, Run& run) const {
  const PathStep& s = steps_[target];
  // Jayway's scan predicates: which visited nodes the step after `..` is applied to.
  bool applies = false;
  switch (s.kind) {
    case PathStep::Kind::kProperty:
      applies = node.is_object() &&
                (s.names.size() > 1 && !is_leaf(target)
                     ? true
                     : std::all_of(s.names.begin(), s.names.end(),
                                   [&](const std::string& n) { return node.get_object().contains(n); }));
      break;
    case PathStep::Kind::kWildcard:
      applies = true;
      break;
    case PathStep::Kind::kFilter:
      applies = s.filter->accept(node, run.root);
      break;
    case PathStep::Kind::kScan:
      break;
    default:  // indexes and slices
      applies = node.is_array();
      break;
  }
  if (!applies) return;
  if (node.is_array() && !is_leaf(target)) {
    // Jayway quirk: on an array the step itself is skipped and the rest of the path is applied to
    // every element.
    for (const auto& element : node.get_array()) walk(target + 1, element, run);
    return;
  }
  walk(target, node, run);
}

bool JsonPath::definite() const noexcept { return compiled_ == nullptr || compiled_->definite(); }

JsonPath::JsonPath(std::string_view path) {
  // Conductor hands Jayway the body of `${...}`; Jayway reads a path not starting with `$` or `@`
  // as `$.` + path (untrimmed, so `$. a` is invalid there too).
  const auto trimmed = trim(path);
  try {
    if (!trimmed.empty() && (trimmed.front() == '$' || trimmed.front() == '@')) {
      compiled_ = std::make_shared<const CompiledJsonPath>(trimmed);
    } else {
      compiled_ = std::make_shared<const CompiledJsonPath>("$." + std::string(path));
    }
  } catch (const InvalidPath&) {
    compiled_ = nullptr;
  }
}

Json JsonPath::evaluate(const Json& root) const {
  if (!compiled_) return nullptr;
  try {
    auto result = compiled_->evaluate(root, root);
    return result ? std::move(*result) : Json(nullptr);
  } catch (const std::exception&) {
    return nullptr;  // e.g. regex complexity limits, allocation failure: Conductor suppresses errors
  }
}

Json evaluate_json_path(std::string_view path, const Json& root) {
  // Bodies repeat across resolutions (every task of a definition uses the same few), so parsed
  // paths are kept per thread; the bound keeps pathological inputs from growing it without limit.
  static constexpr std::size_t kMaxCachedPaths = 4096;
  thread_local std::map<std::string, JsonPath, std::less<>> cache;
  auto it = cache.find(path);
  if (it == cache.end()) {
    if (cache.size() >= kMaxCachedPaths) cache.clear();
    it = cache.emplace(std::string(path), JsonPath(path)).first;
  }
  return it->second.evaluate(root);
}

}  // namespace conductor::detail
