#include "data_input.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace layerout {

namespace {
[[noreturn]] void bad(const std::string& message) { throw std::invalid_argument(message); }

std::vector<int64_t> toShape(const Napi::Value& value) {
  if (!value.IsArray()) bad("shape must be an array [N, C, H, W]");
  auto arr = value.As<Napi::Array>();
  if (arr.Length() != 4) bad("shape must have 4 entries [N, C, H, W], got " + std::to_string(arr.Length()));
  std::vector<int64_t> shape;
  for (uint32_t i = 0; i < 4; ++i) {
    auto v = arr.Get(i);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 1 && d <= 1e9 && std::floor(d) == d)) bad("shape[" + std::to_string(i) + "] must be a positive integer");
    shape.push_back(static_cast<int64_t>(d));
  }
  return shape;
}
}  // namespace

torch::Tensor toImageTensor(const Napi::Value& images, const Napi::Value& shapeValue, const std::vector<int64_t>& inputShape) {
  const auto shape = toShape(shapeValue);
  int64_t elements = 1;
  for (auto d : shape) {
    if (elements > std::numeric_limits<int64_t>::max() / d) bad("shape is too large");
    elements *= d;
  }
  if (shape[1] != inputShape.at(0)) {
    bad("images have " + std::to_string(shape[1]) + " channel(s) but the model expects " + std::to_string(inputShape[0]));
  }
  if (shape[2] > inputShape.at(1) || shape[3] > inputShape.at(2)) {
    bad("images are " + std::to_string(shape[2]) + "x" + std::to_string(shape[3]) + ", larger than the model's " +
        std::to_string(inputShape[1]) + "x" + std::to_string(inputShape[2]) + " input");
  }
  if (!images.IsTypedArray()) bad("images must be a Uint8Array or a Float32Array");
  auto typed = images.As<Napi::TypedArray>();
  const auto type = typed.TypedArrayType();
  if (type != napi_uint8_array && type != napi_float32_array) bad("images must be a Uint8Array or a Float32Array");
  const auto length = static_cast<int64_t>(typed.ElementLength());
  if (length != elements) {
    bad("images hold " + std::to_string(length) + " values but shape " + std::to_string(shape[0]) + "x" +
        std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + "x" + std::to_string(shape[3]) + " needs " +
        std::to_string(elements));
  }
  if (type == napi_uint8_array) {
    auto bytes = images.As<Napi::Uint8Array>();
    return torch::from_blob(bytes.Data(), shape, torch::kUInt8).clone();
  }
  auto floats = images.As<Napi::Float32Array>();
  auto t = torch::from_blob(floats.Data(), shape, torch::kFloat32).clone();
  if (!torch::isfinite(t).all().item<bool>()) bad("images hold a NaN or infinite value");
  return t;
}

torch::Tensor toLabelTensor(const Napi::Value& labels, int64_t count, int64_t classes) {
  torch::Tensor out;
  if (labels.IsTypedArray() && labels.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    // Float targets, `classes` (the model's outputs) per sample: regression and multi-label objectives.
    auto typed = labels.As<Napi::Float32Array>();
    const auto length = static_cast<int64_t>(typed.ElementLength());
    if (length != count * classes) {
      bad("float targets hold " + std::to_string(length) + " values but " + std::to_string(count) + " images with " +
          std::to_string(classes) + " outputs need " + std::to_string(count * classes));
    }
    out = torch::from_blob(typed.Data(), {count, classes}, torch::kFloat32).clone();
    if (!torch::isfinite(out).all().item<bool>()) bad("float targets must be finite");
    return out;
  }
  if (labels.IsTypedArray()) {
    auto typed = labels.As<Napi::TypedArray>();
    const auto length = static_cast<int64_t>(typed.ElementLength());
    if (length != count) bad("labels hold " + std::to_string(length) + " entries but there are " + std::to_string(count) + " images");
    if (typed.TypedArrayType() == napi_int32_array) {
      out = torch::from_blob(labels.As<Napi::Int32Array>().Data(), {count}, torch::kInt32).to(torch::kInt64);
    } else if (typed.TypedArrayType() == napi_uint8_array) {
      out = torch::from_blob(labels.As<Napi::Uint8Array>().Data(), {count}, torch::kUInt8).to(torch::kInt64);
    } else {
      bad("labels must be an Int32Array, a Uint8Array or an array of integers");
    }
  } else if (labels.IsArray()) {
    auto arr = labels.As<Napi::Array>();
    if (static_cast<int64_t>(arr.Length()) != count) {
      bad("labels hold " + std::to_string(arr.Length()) + " entries but there are " + std::to_string(count) + " images");
    }
    out = torch::empty({count}, torch::kInt64);
    auto* data = out.data_ptr<int64_t>();
    for (int64_t i = 0; i < count; ++i) {
      auto v = arr.Get(static_cast<uint32_t>(i));
      const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
      if (!(std::floor(d) == d && d >= 0 && d < static_cast<double>(classes))) {
        bad("label " + std::to_string(i) + " must be an integer in [0, " + std::to_string(classes) + ")");
      }
      data[i] = static_cast<int64_t>(d);
    }
    return out;
  } else {
    bad("labels must be an Int32Array, a Uint8Array or an array of integers");
  }
  if (count > 0) {
    const auto lo = out.min().item<int64_t>(), hi = out.max().item<int64_t>();
    if (lo < 0 || hi >= classes) {
      bad("labels must lie in [0, " + std::to_string(classes) + "), found " + std::to_string(lo < 0 ? lo : hi));
    }
  }
  return out;
}

}  // namespace layerout
