// The WAIT task's duration and date parsers: any text parses or is refused, without undefined
// behaviour (overflowing fields included) and without throwing.
#include "fuzz_support.hpp"
#include "util/date_time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = conductor::fuzz::as_text(data, size);
  if (auto seconds = conductor::detail::parse_duration_seconds(text); seconds && *seconds < 0) {
    conductor::fuzz::fail("a negative duration");
  }
  conductor::detail::parse_date_time_ms(text);
  return 0;
}
