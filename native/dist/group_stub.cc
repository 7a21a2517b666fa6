// Builds without c10d's Gloo headers: the single-process path works and a distributed run is
// refused with what to install.
#ifndef LAYEROUT_WITH_C10D
#include "group.h"

#include <stdexcept>

namespace layerout {

bool c10dAvailable() { return false; }

std::shared_ptr<Group> Group::join(const GroupOptions&) {
  throw GroupError(
      "this build of layerout has no data-parallel support: c10d's Gloo headers were missing when the addon was "
      "built. On Debian/Ubuntu run `sudo apt-get install libgloo-dev` (or `npm run setup`), then rebuild the addon "
      "(`npm run build:native`)");
}

}  // namespace layerout
#endif
