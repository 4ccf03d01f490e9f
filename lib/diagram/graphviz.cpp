#include "diagram/graphviz.hpp"

#include <graphviz/gvc.h>

#include <memory>
#include <mutex>
#include <stdexcept>

namespace conductor::diagram::detail {

std::string render_svg(std::string_view dot) {
  // Graphviz keeps global state (its parser, its error buffer): one graph at a time per process.
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  static GVC_t* const context = gvContext();  // plugins load once; kept for the process's life
  const std::string source(dot);
  std::unique_ptr<Agraph_t, int (*)(Agraph_t*)> graph(agmemread(source.c_str()), agclose);
  if (!graph) throw std::runtime_error("graphviz could not read the diagram");
  if (gvLayout(context, graph.get(), "dot") != 0) throw std::runtime_error("graphviz could not lay the diagram out");
  char* data = nullptr;
  unsigned int length = 0;
  const int rendered = gvRenderData(context, graph.get(), "svg", &data, &length);
  std::string svg = rendered == 0 && data ? std::string(data, length) : std::string();
  if (data) gvFreeRenderData(data);
  gvFreeLayout(context, graph.get());
  if (rendered != 0) throw std::runtime_error("graphviz could not render the diagram");
  return svg;
}

}  // namespace conductor::diagram::detail
