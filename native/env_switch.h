// On/off switches read from the environment (LAYEROUT_CPU_CACHE, LAYEROUT_FUSED_SGD).
#pragma once

#include <cstdlib>
#include <string>

namespace layerout {

// True when the variable says 0, false, off or no; unset or anything else leaves the feature on.
inline bool switchedOff(const char* name) {
  const char* env = std::getenv(name);
  if (!env) return false;
  const std::string value(env);
  return value == "0" || value == "false" || value == "off" || value == "no";
}

}  // namespace layerout
