#include "errors.h"

#include <c10/util/Exception.h>

namespace layerout {

std::string describe(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) {
    std::string msg = c10->what_without_backtrace();
    // libtorch appends "Exception raised from ..." lines; the first line is the message.
    auto cut = msg.find("\nException raised from");
    return cut == std::string::npos ? msg : msg.substr(0, cut);
  }
  return e.what();
}

std::string shapeText(c10::IntArrayRef shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

}  // namespace layerout
