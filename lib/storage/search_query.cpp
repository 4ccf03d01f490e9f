#include "storage/search_query.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace conductor::detail {
namespace {

// Bounds on what one request may ask for. The parsers recurse per level of parentheses and NOT
// (kMaxDepth). The SQL built from a parsed expression nests one level per level of AND, OR and NOT
// in its tree (kMaxLevels), and SQLite's parser gives up on SQL nested about thirty deep ("parser
// stack overflow"). SQLite and FTS5 refuse chains longer than 1000 and 256 terms (kMaxClauses).
constexpr int kMaxDepth = 32;
constexpr int kMaxLevels = 16;
constexpr int kMaxClauses = 256;

/// The number of levels of AND, OR and NOT in an expression tree: 0 for a single condition or term.
template <class Expression>
int tree_depth(const Expression& expression) {
  if (expression.operands.empty()) return 0;
  int below = 0;
  for (const Expression& operand : expression.operands) below = std::max(below, tree_depth(operand));
  return below + 1;
}

/// Throws through `fail` when a parsed expression nests more than kMaxLevels of operators: `a NOT b
/// c NOT d` alternates OR and AND without a single parenthesis.
template <class Expression, class Fail>
void check_tree_depth(const Expression& expression, Fail fail) {
  if (tree_depth(expression) > kMaxLevels) {
    fail(fmt::format("AND, OR and NOT nested more than {} levels deep", kMaxLevels));
  }
}

/// Counts one level of parentheses or NOT while the parser is inside it, failing past kMaxDepth
/// before the recursion can grow with the input.
template <class Parser>
class Nesting {
 public:
  explicit Nesting(Parser& parser) : parser_(parser) {
    if (++parser_.depth_ > kMaxDepth) {
      parser_.fail(fmt::format("more than {} nested levels", kMaxDepth));
    }
  }
  ~Nesting() { --parser_.depth_; }
  Nesting(const Nesting&) = delete;
  Nesting& operator=(const Nesting&) = delete;

 private:
  Parser& parser_;
};

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

struct Token {
  enum class Kind { kWord, kString, kOpen, kClose, kComma, kOperator, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  ///< the word, the unescaped string, or the operator
  std::size_t position = 0;
};

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  Token next() {
    while (pos_ < input_.size() && is_space(input_[pos_])) {
      ++pos_;
    }
    Token token;
    token.position = pos_;
    if (pos_ == input_.size()) {
      return token;
    }
    char c = input_[pos_];
    if (c == '(' || c == ')' || c == ',') {
      token.kind = c == '(' ? Token::Kind::kOpen : c == ')' ? Token::Kind::kClose : Token::Kind::kComma;
      ++pos_;
    } else if (c == '=' || c == '<' || c == '>') {
      token.kind = Token::Kind::kOperator;
      token.text = std::string(1, c);
      ++pos_;
    } else if (starts_not_equal(pos_)) {
      token.kind = Token::Kind::kOperator;
      token.text = "!=";
      pos_ += 2;
    } else if (c == '"' || c == '\'') {
      token.kind = Token::Kind::kString;
      token.text = quoted(c);
    } else {
      token.kind = Token::Kind::kWord;
      while (pos_ < input_.size() && !ends_word(pos_)) {
        token.text += input_[pos_++];
      }
    }
    return token;
  }

  [[noreturn]] void throw_error(std::size_t at, std::string_view what) const {
    throw ValidationError(fmt::format("Incorrectly formatted query string: {}", input_),
                          {{"query", fmt::format("{} at position {}", what, at), std::string(input_)}});
  }

 private:
  bool starts_not_equal(std::size_t at) const { return input_.substr(at, 2) == "!="; }

  bool ends_word(std::size_t at) const {
    char c = input_[at];
    return is_space(c) || c == '(' || c == ')' || c == ',' || c == '=' || c == '<' || c == '>' || c == '"' ||
           c == '\'' || starts_not_equal(at);
  }

  std::string quoted(char quote) {
    std::size_t start = pos_++;
    std::string text;
    while (pos_ < input_.size() && input_[pos_] != quote) {
      if (input_[pos_] == '\\' && pos_ + 1 < input_.size()) {
        ++pos_;
      }
      text += input_[pos_++];
    }
    if (pos_ == input_.size()) {
      throw_error(start, "unterminated quoted value");
    }
    ++pos_;
    return text;
  }

  std::string_view input_;
  std::size_t pos_ = 0;
};

/// Recursive descent over: or := and {OR and}; and := primary {AND primary};
/// primary := '(' or ')' | field op values.
class Parser {
 public:
  explicit Parser(std::string_view input) : lexer_(input) { advance(); }

  std::optional<SearchExpression> parse() {
    if (current_.kind == Token::Kind::kEnd) {
      return std::nullopt;
    }
    SearchExpression expression = parse_or();
    if (current_.kind != Token::Kind::kEnd) {
      fail("expected AND, OR or the end of the query");
    }
    check_tree_depth(expression, [this](std::string_view what) { lexer_.throw_error(0, what); });
    return expression;
  }

 private:
  void advance() { current_ = lexer_.next(); }
  [[noreturn]] void fail(std::string_view what) const { lexer_.throw_error(current_.position, what); }
  bool at_keyword(std::string_view keyword) const {
    return current_.kind == Token::Kind::kWord && current_.text == keyword;
  }

  SearchExpression parse_or() { return parse_chain("OR", SearchExpression::Kind::kOr, &Parser::parse_and); }
  SearchExpression parse_and() { return parse_chain("AND", SearchExpression::Kind::kAnd, &Parser::parse_primary); }

  SearchExpression parse_chain(std::string_view keyword, SearchExpression::Kind kind,
                               SearchExpression (Parser::*operand)()) {
    SearchExpression first = (this->*operand)();
    if (!at_keyword(keyword)) {
      return first;
    }
    SearchExpression chain;
    chain.kind = kind;
    chain.operands.push_back(std::move(first));
    while (at_keyword(keyword)) {
      advance();
      chain.operands.push_back((this->*operand)());
    }
    return chain;
  }

  SearchExpression parse_primary() {
    if (current_.kind == Token::Kind::kOpen) {
      Nesting<Parser> nesting(*this);
      advance();
      SearchExpression inner = parse_or();
      if (current_.kind != Token::Kind::kClose) {
        fail("expected ')'");
      }
      advance();
      return inner;
    }
    SearchExpression expression;
    expression.condition = parse_condition();
    return expression;
  }

  SearchCondition parse_condition() {
    if (current_.kind != Token::Kind::kWord || !is_field_name(current_.text)) {
      fail("expected a field name");
    }
    if (++clauses_ > kMaxClauses) {
      fail(fmt::format("more than {} conditions", kMaxClauses));
    }
    SearchCondition condition;
    condition.field = camel_to_snake(current_.text);
    advance();
    if (at_keyword("IN")) {
      condition.op = SearchCondition::Op::kIn;
      advance();
      condition.values = parse_in_values();
      if (condition.values.size() == 1) {
        condition.op = SearchCondition::Op::kEqual;
      }
      return condition;
    }
    if (current_.kind != Token::Kind::kOperator) {
      fail("expected =, !=, >, < or IN");
    }
    condition.op = current_.text == "="   ? SearchCondition::Op::kEqual
                   : current_.text == "!=" ? SearchCondition::Op::kNotEqual
                   : current_.text == ">"  ? SearchCondition::Op::kGreater
                                           : SearchCondition::Op::kLess;
    advance();
    condition.values.push_back(parse_value());
    return condition;
  }

  std::vector<std::string> parse_in_values() {
    if (current_.kind != Token::Kind::kOpen) {
      return {parse_value()};
    }
    advance();
    std::vector<std::string> values{parse_value()};
    while (current_.kind == Token::Kind::kComma) {
      advance();
      values.push_back(parse_value());
    }
    if (current_.kind != Token::Kind::kClose) {
      fail("expected ',' or ')'");
    }
    advance();
    return values;
  }

  /// A quoted string, or one or more bare words joined by single spaces.
  std::string parse_value() {
    if (current_.kind == Token::Kind::kString) {
      std::string value = std::move(current_.text);
      advance();
      return value;
    }
    if (current_.kind != Token::Kind::kWord || at_keyword("AND") || at_keyword("OR")) {
      fail("expected a value");
    }
    std::string value = std::move(current_.text);
    advance();
    while (current_.kind == Token::Kind::kWord && !at_keyword("AND") && !at_keyword("OR")) {
      value += ' ';
      value += current_.text;
      advance();
    }
    return value;
  }

  static bool is_field_name(std::string_view word) {
    if (word.empty() || !is_alpha(word.front())) {
      return false;
    }
    for (char c : word) {
      if (!is_alpha(c) && !std::isdigit(static_cast<unsigned char>(c)) && c != '_') {
        return false;
      }
    }
    return true;
  }

  friend class Nesting<Parser>;

  Lexer lexer_;
  Token current_;
  int depth_ = 0;
  int clauses_ = 0;
};

struct TextToken {
  enum class Kind { kTerm, kPhrase, kField, kOpen, kClose, kAnd, kOr, kNot, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;     ///< the term, phrase or field name, escapes resolved
  bool prefix = false;  ///< a trailing unescaped `*`
  std::size_t position = 0;
};

/// Free text's lexer. The parser asks for a field's value separately (field_value) because values
/// have forms of their own: ranges, comparisons, and times that contain `:`.
class TextLexer {
 public:
  explicit TextLexer(std::string_view input) : input_(input) {}

  TextToken next() {
    skip_spaces();
    TextToken token;
    token.position = pos_;
    if (pos_ == input_.size()) {
      return token;
    }
    char c = input_[pos_];
    if (c == '(' || c == ')') {
      token.kind = c == '(' ? TextToken::Kind::kOpen : TextToken::Kind::kClose;
      ++pos_;
    } else if (input_.substr(pos_, 2) == "&&" || input_.substr(pos_, 2) == "||") {
      token.kind = c == '&' ? TextToken::Kind::kAnd : TextToken::Kind::kOr;
      pos_ += 2;
    } else if (c == '!') {
      token.kind = TextToken::Kind::kNot;
      ++pos_;
    } else if (c == '+' || c == '-') {
      throw_error(pos_, "'+' and '-' prefixes are not supported: use AND and NOT, or quote the term");
    } else if (c == '"') {
      token.kind = TextToken::Kind::kPhrase;
      token.text = quoted();
      token.prefix = take_star();
    } else {
      bool escaped = false;
      token.text = word(token.prefix, escaped);
      if (pos_ < input_.size() && input_[pos_] == ':') {
        ++pos_;
        if (token.text.empty() || token.prefix) {
          throw_error(token.position, "expected a field name before ':'");
        }
        token.kind = TextToken::Kind::kField;
      } else if (!escaped && !token.prefix && (token.text == "AND" || token.text == "OR" || token.text == "NOT")) {
        token.kind = token.text == "AND" ? TextToken::Kind::kAnd
                     : token.text == "OR" ? TextToken::Kind::kOr
                                          : TextToken::Kind::kNot;
      } else {
        token.kind = TextToken::Kind::kTerm;
      }
    }
    return token;
  }

  /// True when the value after `field:` is a parenthesised group (left for next() to read).
  bool group_follows() {
    skip_spaces();
    return pos_ < input_.size() && input_[pos_] == '(';
  }

  /// The value after `field:`: a term, a phrase, a range or a comparison.
  FreeTextExpression field_value(std::string field) {
    skip_spaces();
    FreeTextExpression value;
    value.field = std::move(field);
    if (pos_ == input_.size()) {
      throw_error(pos_, "expected a value after ':'");
    }
    char c = input_[pos_];
    if (c == '[' || c == '{') {
      value.kind = FreeTextExpression::Kind::kRange;
      ++pos_;
      value.include_lower = c == '[';
      value.lower = bound("]}");
      skip_spaces();
      if (input_.substr(pos_, 2) != "TO") {
        throw_error(pos_, "expected TO in a range");
      }
      pos_ += 2;
      value.upper = bound("]}");
      if (pos_ == input_.size() || (input_[pos_] != ']' && input_[pos_] != '}')) {
        throw_error(pos_, "expected ']' or '}' closing a range");
      }
      value.include_upper = input_[pos_++] == ']';
    } else if (c == '>' || c == '<') {
      value.kind = FreeTextExpression::Kind::kRange;
      ++pos_;
      bool inclusive = pos_ < input_.size() && input_[pos_] == '=';
      if (inclusive) {
        ++pos_;
      }
      std::optional<std::string> limit = bound(")");
      if (!limit) {
        throw_error(pos_, "expected a value to compare with");
      }
      (c == '>' ? value.lower : value.upper) = std::move(limit);
      (c == '>' ? value.include_lower : value.include_upper) = inclusive;
    } else if (c == '"') {
      value.kind = FreeTextExpression::Kind::kMatch;
      value.phrase = true;
      value.value = quoted();
      value.prefix = take_star();
    } else {
      value.kind = FreeTextExpression::Kind::kMatch;
      std::size_t start = pos_;
      bool escaped = false;
      value.value = word(value.prefix, escaped);
      if (pos_ < input_.size() && input_[pos_] == ':') {
        throw_error(pos_, "unexpected ':' in a value: quote values that contain ':'");
      }
      if (value.value.empty() && !value.prefix) {
        throw_error(start, "expected a value after ':'");
      }
    }
    return value;
  }

  [[noreturn]] void throw_error(std::size_t at, std::string_view what) const {
    throw ValidationError(fmt::format("Incorrectly formatted freeText: {}", input_),
                          {{"freeText", fmt::format("{} at position {}", what, at), std::string(input_)}});
  }

 private:
  void skip_spaces() {
    while (pos_ < input_.size() && is_space(input_[pos_])) {
      ++pos_;
    }
  }

  /// A `"`-quoted phrase from pos_; `\` escapes the next character.
  std::string quoted() {
    std::size_t start = pos_++;
    std::string text;
    while (pos_ < input_.size() && input_[pos_] != '"') {
      if (input_[pos_] == '\\' && pos_ + 1 < input_.size()) {
        ++pos_;
      }
      text += input_[pos_++];
    }
    if (pos_ == input_.size()) {
      throw_error(start, "unterminated quoted phrase");
    }
    ++pos_;
    return text;
  }

  bool take_star() {
    if (pos_ < input_.size() && input_[pos_] == '*') {
      ++pos_;
      return true;
    }
    return false;
  }

  /// An unquoted term up to a space, a parenthesis, a quote or a `:`. Lucene's operators that are
  /// not supported fail here rather than being searched for as text.
  std::string word(bool& prefix, bool& escaped) {
    std::string text;
    while (pos_ < input_.size()) {
      char c = input_[pos_];
      if (is_space(c) || c == '(' || c == ')' || c == '"' || c == ':') {
        break;
      }
      if (c == '\\' && pos_ + 1 < input_.size()) {
        text += input_[pos_ + 1];
        pos_ += 2;
        escaped = true;
        continue;
      }
      if (c == '*') {
        std::size_t after = pos_ + 1;
        if (after < input_.size() && !is_space(input_[after]) && input_[after] != ')') {
          throw_error(pos_, "a '*' wildcard is supported only at the end of a term");
        }
        ++pos_;
        prefix = true;
        break;
      }
      if (c == '?' || c == '~' || c == '^' || c == '[' || c == ']' || c == '{' || c == '}') {
        throw_error(pos_, fmt::format("'{}' is not supported: quote or escape it to search for it", c));
      }
      text += c;
      ++pos_;
    }
    return text;
  }

  /// A range bound or a comparison's value: quoted, or raw up to a space or one of `stops`;
  /// `*` alone is an open bound.
  std::optional<std::string> bound(std::string_view stops) {
    skip_spaces();
    if (pos_ < input_.size() && input_[pos_] == '"') {
      return quoted();
    }
    std::size_t start = pos_;
    while (pos_ < input_.size() && !is_space(input_[pos_]) && stops.find(input_[pos_]) == std::string_view::npos) {
      ++pos_;
    }
    std::string_view text = input_.substr(start, pos_ - start);
    if (text.empty()) {
      throw_error(start, "expected a value");
    }
    if (text == "*") {
      return std::nullopt;
    }
    return std::string(text);
  }

  std::string_view input_;
  std::size_t pos_ = 0;
};

/// Recursive descent over: or := and {(OR | juxtaposition) and}; and := unary {AND unary};
/// unary := NOT unary | primary; primary := '(' or ')' | field ':' value | field ':' '(' or ')' | term.
class TextParser {
 public:
  explicit TextParser(std::string_view input) : lexer_(input) { advance(); }

  std::optional<FreeTextExpression> parse() {
    if (current_.kind == TextToken::Kind::kEnd) {
      return std::nullopt;
    }
    FreeTextExpression expression = parse_or();
    if (current_.kind != TextToken::Kind::kEnd) {
      fail("expected a term, AND, OR, NOT or the end of the text");
    }
    check_tree_depth(expression, [this](std::string_view what) { lexer_.throw_error(0, what); });
    if (expression.kind == FreeTextExpression::Kind::kAll) {
      return std::nullopt;
    }
    return expression;
  }

 private:
  using Kind = FreeTextExpression::Kind;

  void advance() { current_ = lexer_.next(); }
  [[noreturn]] void fail(std::string_view what) const { lexer_.throw_error(current_.position, what); }
  bool at(TextToken::Kind kind) const { return current_.kind == kind; }
  bool starts_clause() const {
    return at(TextToken::Kind::kTerm) || at(TextToken::Kind::kPhrase) || at(TextToken::Kind::kField) ||
           at(TextToken::Kind::kOpen) || at(TextToken::Kind::kNot);
  }

  static FreeTextExpression combine(Kind kind, FreeTextExpression left, FreeTextExpression right) {
    if (left.kind != kind) {
      FreeTextExpression node;
      node.kind = kind;
      node.operands.push_back(std::move(left));
      left = std::move(node);
    }
    left.operands.push_back(std::move(right));
    return left;
  }

  FreeTextExpression parse_or() {
    FreeTextExpression left = parse_and();
    while (true) {
      if (at(TextToken::Kind::kOr)) {
        advance();
        left = combine(Kind::kOr, std::move(left), parse_and());
      } else if (starts_clause()) {
        // Lucene: a clause beside others is optional, unless it is negated; then it excludes.
        Kind kind = at(TextToken::Kind::kNot) ? Kind::kAnd : Kind::kOr;
        left = combine(kind, std::move(left), parse_and());
      } else {
        return left;
      }
    }
  }

  FreeTextExpression parse_and() {
    FreeTextExpression left = parse_unary();
    while (at(TextToken::Kind::kAnd)) {
      advance();
      left = combine(Kind::kAnd, std::move(left), parse_unary());
    }
    return left;
  }

  FreeTextExpression parse_unary() {
    if (!at(TextToken::Kind::kNot)) {
      return parse_primary();
    }
    Nesting<TextParser> nesting(*this);
    advance();
    FreeTextExpression negation;
    negation.kind = Kind::kNot;
    negation.operands.push_back(parse_unary());
    return negation;
  }

  FreeTextExpression parse_primary() {
    if (at(TextToken::Kind::kOpen)) {
      Nesting<TextParser> nesting(*this);
      advance();
      FreeTextExpression inner = parse_or();
      if (!at(TextToken::Kind::kClose)) {
        fail("expected ')'");
      }
      advance();
      return inner;
    }
    if (++clauses_ > kMaxClauses) {
      fail(fmt::format("more than {} terms", kMaxClauses));
    }
    if (at(TextToken::Kind::kField)) {
      std::string field = std::move(current_.text);
      if (lexer_.group_follows()) {
        // `status:(COMPLETED OR FAILED)`: the field applies to every bare term inside.
        advance();
        std::string outer = std::exchange(field_, std::move(field));
        FreeTextExpression group = parse_primary();
        field_ = std::move(outer);
        return group;
      }
      FreeTextExpression value = lexer_.field_value(std::move(field));
      advance();
      return value;
    }
    if (!at(TextToken::Kind::kTerm) && !at(TextToken::Kind::kPhrase)) {
      fail("expected a term, a phrase, a field, '(' or NOT");
    }
    FreeTextExpression match;
    match.kind = Kind::kMatch;
    match.field = field_;
    match.value = std::move(current_.text);
    match.phrase = at(TextToken::Kind::kPhrase);
    match.prefix = current_.prefix;
    advance();
    if (match.field.empty() && !match.phrase && match.prefix && match.value.empty()) {
      match = FreeTextExpression{};  // a lone `*`
    }
    return match;
  }

  friend class Nesting<TextParser>;

  TextLexer lexer_;
  TextToken current_;
  std::string field_;  ///< inside `field:( ... )`
  int depth_ = 0;
  int clauses_ = 0;
};

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return result;
}

}  // namespace

std::optional<SearchExpression> parse_search_query(std::string_view query) { return Parser(query).parse(); }

std::optional<FreeTextExpression> parse_free_text(std::string_view text) { return TextParser(text).parse(); }

std::vector<SearchSort> parse_search_sort(const std::vector<std::string>& sort) {
  std::vector<SearchSort> result;
  for (const std::string& entry : sort) {
    std::size_t colon = entry.find(':');
    if (colon == std::string::npos || entry.find(':', colon + 1) != std::string::npos) {
      continue;
    }
    std::string_view left = std::string_view(entry).substr(0, colon);
    std::string_view right = std::string_view(entry).substr(colon + 1);
    bool direction_last = upper(right) == "ASC" || upper(right) == "DESC";
    std::string_view field = direction_last ? left : right;
    std::string direction = upper(direction_last ? right : left);
    if (field.empty() || (direction != "ASC" && direction != "DESC")) {
      continue;
    }
    result.push_back({camel_to_snake(field), direction == "DESC"});
  }
  return result;
}

std::string camel_to_snake(std::string_view name) {
  std::string result;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (std::isupper(static_cast<unsigned char>(c)) != 0) {
      if (i > 0) {
        result += '_';
      }
      result += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      result += c;
    }
  }
  return result;
}

}  // namespace conductor::detail
