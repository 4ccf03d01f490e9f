// The search grammars: the query and free-text parsers accept or throw ValidationError, and what
// they accept runs against the SQLite index without any other error (the values reach SQL only
// as bound parameters).
#include "fuzz_support.hpp"
#include "storage/search_query.hpp"

#include <conductor/engine.hpp>

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace conductor;
  const std::string_view text = fuzz::as_text(data, size);
  // Up to the first newline the query, then the free text, then sort entries one per line.
  const std::size_t first = text.find('\n');
  const std::string_view query = text.substr(0, first);
  std::string_view rest = first == std::string_view::npos ? std::string_view() : text.substr(first + 1);
  const std::size_t second = rest.find('\n');
  const std::string_view free_text = rest.substr(0, second);
  std::vector<std::string> sort;
  rest = second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    sort.emplace_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }

  fuzz::accepts([&] { detail::parse_search_query(query); });
  fuzz::accepts([&] { detail::parse_free_text(free_text); });
  detail::parse_search_sort(sort);
  detail::camel_to_snake(query);

  static Engine engine({.background = false});
  const SearchQuery search{.start = 0, .size = 5, .sort = sort, .free_text = std::string(free_text),
                           .query = std::string(query)};
  fuzz::accepts([&] { engine.executor().search(search); });
  fuzz::accepts([&] { engine.queue().search(search); });
  return 0;
}
