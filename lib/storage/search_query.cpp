#include "storage/search_query.hpp"

#include <conductor/error.hpp>

#include <fmt/format.h>

#include <cctype>
#include <utility>

namespace conductor::detail {
namespace {

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

  Lexer lexer_;
  Token current_;
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

std::vector<SearchSort> parse_search_sort(const std::vector<std::string>& sort) {
  std::vector<SearchSort> result;
  for (const std::string& entry : sort) {
    std::size_t colon = entry.find(':');
    if (colon == std::string::npos || entry.find(':', colon + 1) != std::string::npos || colon == 0) {
      continue;
    }
    std::string direction = upper(std::string_view(entry).substr(colon + 1));
    if (direction != "ASC" && direction != "DESC") {
      continue;
    }
    result.push_back({camel_to_snake(std::string_view(entry).substr(0, colon)), direction == "DESC"});
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
