#pragma once

#include <string>
#include <string_view>

namespace conductor::diagram::detail {

/// Lays DOT source out with Graphviz's dot and renders it as SVG. Throws std::runtime_error when
/// Graphviz refuses the graph.
std::string render_svg(std::string_view dot);

}  // namespace conductor::diagram::detail
