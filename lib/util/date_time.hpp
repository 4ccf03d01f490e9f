#pragma once

#include <conductor/clock.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

/// The time formats of Conductor's WAIT task (semantics 5.15), shared by definition validation and
/// the task itself.
namespace conductor::detail {

/// A WAIT `duration`: optional day, hour, minute and second parts in that order, each a number and a
/// unit (`d`/`day`/`days`, `h`/`hr`/`hrs`/`hour`/`hours`, `m`/`min`/`mins`/`minute`/`minutes`,
/// `s`/`sec`/`secs`/`second`/`seconds`), case-insensitive, spaces allowed: `2d`, `1h 30m`, `10 mins`.
/// Returns the total in seconds (0 for blank text), or nullopt when the text does not match.
std::optional<std::int64_t> parse_duration_seconds(std::string_view text);

/// A WAIT `until`: `yyyy-MM-dd HH:mm`, `yyyy-MM-dd HH:mm z` or `yyyy-MM-dd`, where `z` is `UTC`, `GMT`,
/// `GMT+hh:mm` or `+hhmm`. Without a zone the time is local to this process, as Conductor reads it
/// in its server's zone. Out-of-range fields roll over (month 13 is January of the next year), as
/// Java's lenient date parsing does. Returns epoch milliseconds, or nullopt when the text does not parse.
std::optional<EpochMillis> parse_date_time_ms(std::string_view text);

}  // namespace conductor::detail
