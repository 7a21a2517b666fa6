// The one place where C++ exceptions become messages and JS errors.
#pragma once

#include <c10/util/ArrayRef.h>
#include <napi.h>

#include <exception>
#include <string>

namespace layerout {

// A readable message for any exception, without libtorch's C++ backtrace.
std::string describe(const std::exception& e);

// A tensor shape for messages: "[2, 10]".
std::string shapeText(c10::IntArrayRef shape);

// Runs `body` on the JS thread; any C++ exception becomes a JS Error "<what>: <message>".
template <typename Body>
auto guarded(const Napi::Env& env, const std::string& what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, what + ": " + describe(e));
  }
}

}  // namespace layerout
